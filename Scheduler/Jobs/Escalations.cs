using System.Data.Common;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Scheduler.Jobs;

/// <summary>What one escalation run queued.</summary>
public sealed record EscalationRun(int FollowUpsEscalated, int ManagerCards, int ApproverReminders, int ManagerApprovalNotices);

/// <summary>
/// Tells someone when work waits too long. A follow-up overdue by its team's
/// <c>EscalateOverdueAfter</c> tells the rep's manager once (FollowUp.EscalatedAt, set in the
/// same transaction as the card). A card-mode approval step waiting past
/// <c>Jobs:Escalations:ApprovalSla</c> reminds its undecided approvers once, and past
/// <c>ApprovalManagerSla</c> their managers once (outbox keys per step and person). Nobody is
/// messaged during the quiet hours of the team in question; the first run after them does it.
/// </summary>
public sealed partial class Escalations(
    IServiceScopeFactory scopes,
    TimeProvider clock,
    TeamRulebook rulebook,
    IOptions<JobsOptions> options,
    OutboxSignal signal,
    ILogger<Escalations> logger)
{
    public async Task<EscalationRun> RunAsync(CancellationToken ct)
    {
        var (escalated, managerCards) = await FollowUpsAsync(ct);
        var (approvers, managers) = await ApprovalsAsync(ct);
        if (managerCards + approvers + managers > 0)
        {
            signal.Notify();
        }
        return new EscalationRun(escalated, managerCards, approvers, managers);
    }

    // ---- overdue follow-ups ---------------------------------------------------------------------

    private async Task<(int Escalated, int Cards)> FollowUpsAsync(CancellationToken ct)
    {
        var o = options.Value.Escalations;
        var now = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var teams = await rulebook.LoadAsync(db, ct);
        int escalated = 0, cards = 0;
        // One query per distinct threshold (usually one): each reads only what its teams may escalate now.
        foreach (var threshold in teams.All.Where(t => !t.IsQuietAt(now)).GroupBy(t => t.EscalateOverdueAfter))
        {
            var within = TeamScope.Of(threshold, teams);
            var dueBefore = now - threshold.Key;
            while (true)
            {
                db.ChangeTracker.Clear();
                var batch = await db.FollowUps
                    .Where(f => f.Status == FollowUpStatus.Pending && f.DueAt <= dueBefore && f.EscalatedAt == null)
                    .OwnedWithin(db, within)
                    .OrderBy(f => f.DueAt).ThenBy(f => f.Id)
                    .Take(o.BatchSize)
                    .ToListAsync(ct);
                if (batch.Count == 0)
                {
                    break;
                }
                try
                {
                    cards += await EscalateAsync(db, batch, teams, now, ct);
                }
                catch (Exception ex) when (ex is DbUpdateException or DbException)
                {
                    LogConflict("follow-ups", ex.GetType().Name);
                    break;
                }
                escalated += batch.Count;
                if (batch.Count < o.BatchSize)
                {
                    break;
                }
            }
        }
        if (escalated > 0)
        {
            LogFollowUps(escalated, cards);
        }
        return (escalated, cards);
    }

    private async Task<int> EscalateAsync(CrmDbContext db, List<FollowUp> batch, TeamRuleSet teams, DateTimeOffset now, CancellationToken ct)
    {
        var summaryAbove = options.Value.Reminders.SummaryAbove;
        var ownerIds = batch.Select(f => f.OwnerId).Distinct().ToList();
        var owners = await db.Employees.AsNoTracking().Where(e => ownerIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var managerIds = owners.Values.Where(e => e.ManagerId is not null).Select(e => e.ManagerId!.Value).Distinct().ToList();
        var managers = await db.Employees.AsNoTracking().Where(e => managerIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var customerIds = batch.Where(f => f.CustomerId is not null).Select(f => f.CustomerId!.Value).Distinct().ToList();
        var customers = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id))
            .Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var queued = await JobOutbox.ExistingKeysAsync(db, batch.Select(Key), ct);

        var cards = 0;
        var byManager = batch
            .Select(f => (FollowUp: f, Owner: owners.GetValueOrDefault(f.OwnerId)))
            .GroupBy(x => x.Owner?.ManagerId is { } m ? managers.GetValueOrDefault(m) : null);
        foreach (var group in byManager)
        {
            var to = JobOutbox.Reach(group.Key);
            var fresh = group.Where(x => !queued.Contains(Key(x.FollowUp))).ToList();
            if (to is null)
            {
                LogNoManager(group.Count());
            }
            else if (fresh.Count > summaryAbove)
            {
                var zone = teams.Of(group.Key!.TeamId).Zone;
                var card = JobCards.OverdueFollowUps(fresh.Select(x => (x.FollowUp, x.Owner?.Name ?? "—", Name(x.FollowUp))).ToList(), zone);
                JobOutbox.Send(db, to, card, "e", $"escalation-summary:{to.EmployeeId:N}:{now.UtcTicks}:{fresh[0].FollowUp.Id:N}", now);
                cards++;
            }
            else
            {
                foreach (var (followUp, owner) in fresh)
                {
                    var zone = teams.Of(owner?.TeamId).Zone;
                    var card = JobCards.OverdueFollowUp(followUp, owner?.Name ?? "—", Name(followUp), now - followUp.DueAt, zone);
                    JobOutbox.Send(db, to, card, "e", Key(followUp), now);
                    cards++;
                }
            }
            foreach (var (followUp, _) in group)
            {
                followUp.EscalatedAt = now;
            }
        }
        await db.SaveChangesAsync(ct);
        return cards;

        string? Name(FollowUp f) => f.CustomerId is { } id ? customers.GetValueOrDefault(id) : null;
    }

    private static string Key(FollowUp followUp) => $"escalation:{followUp.Id:N}";

    // ---- approvals past their SLA -----------------------------------------------------------------

    private async Task<(int Approvers, int Managers)> ApprovalsAsync(CancellationToken ct)
    {
        var o = options.Value.Escalations;
        var now = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var teams = await rulebook.LoadAsync(db, ct);
        var openedBefore = now - o.ApprovalSla;
        // A step cannot have waited longer than its request: (Status, CreatedAt) narrows to requests old enough.
        var requests = await db.ApprovalRequests.AsNoTracking()
            .Where(r => r.Status == ApprovalStatus.Pending && r.Mode == ApprovalMode.Cards && r.CreatedAt <= openedBefore)
            .OrderBy(r => r.CreatedAt)
            .Include(r => r.Steps).ThenInclude(s => s.Approvers)
            .Include(r => r.Steps).ThenInclude(s => s.Decisions)
            .AsSplitQuery()
            .ToListAsync(ct);
        if (requests.Count == 0)
        {
            return (0, 0);
        }

        var waiting = new List<(ApprovalRequest Request, ApprovalStep Step, TimeSpan Waited, List<Guid> Undecided)>();
        foreach (var request in requests)
        {
            var step = request.Steps.FirstOrDefault(s => s.Order == request.CurrentStep);
            if (step is null || step.Status != ApprovalStatus.Pending)
            {
                continue;
            }
            // A step opens when the request was made (the first) or when the step before it was decided.
            var before = request.Steps.Where(s => s.Order < step.Order).SelectMany(s => s.Decisions).Select(d => (DateTimeOffset?)d.DecidedAt).Max();
            var waited = now - (before ?? request.CreatedAt);
            var undecided = step.Approvers.Where(a => step.Decisions.All(d => d.ApproverId != a.EmployeeId)).Select(a => a.EmployeeId).ToList();
            if (waited >= o.ApprovalSla && undecided.Count > 0)
            {
                waiting.Add((request, step, waited, undecided));
            }
        }
        if (waiting.Count == 0)
        {
            return (0, 0);
        }

        var peopleIds = waiting.SelectMany(w => w.Undecided).Distinct().ToList();
        var people = await db.Employees.AsNoTracking().Where(e => peopleIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var managerIds = people.Values.Where(e => e.ManagerId is not null).Select(e => e.ManagerId!.Value).Distinct().ToList();
        var managers = await db.Employees.AsNoTracking().Where(e => managerIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var facts = await FactsAsync(db, waiting.Select(w => w.Request).ToList(), ct);

        var messages = new List<(Employee To, string Key, Func<CrmCore.Cards.AdaptiveCard> Card, bool Manager)>();
        foreach (var (request, step, waited, undecided) in waiting)
        {
            var f = facts[request.Id];
            foreach (var id in undecided.Where(people.ContainsKey))
            {
                messages.Add((people[id], $"approval-sla:{request.Id:N}:step{step.Order}:approver:{id:N}",
                    () => JobCards.ApprovalWaiting(f, step.Name, waited), false));
            }
            if (waited < o.ApprovalManagerSla)
            {
                continue;
            }
            foreach (var manager in undecided.Where(people.ContainsKey).GroupBy(id => people[id].ManagerId))
            {
                if (manager.Key is not { } managerId || !managers.TryGetValue(managerId, out var boss))
                {
                    continue;
                }
                var names = manager.Select(id => people[id].Name).ToList();
                messages.Add((boss, $"approval-sla:{request.Id:N}:step{step.Order}:manager:{managerId:N}",
                    () => JobCards.ApprovalOverdue(f, step.Name, names, waited), true));
            }
        }
        var queued = await JobOutbox.ExistingKeysAsync(db, messages.Select(m => m.Key), ct);
        int toApprovers = 0, toManagers = 0;
        foreach (var (to, key, card, manager) in messages)
        {
            // Held while the recipient's team is in its quiet hours; a later run sends it.
            if (queued.Contains(key) || teams.Of(to.TeamId).IsQuietAt(now) || JobOutbox.Reach(to) is not { } person)
            {
                continue;
            }
            JobOutbox.Send(db, person, card(), manager ? "e" : "a", key, now);
            if (manager)
            {
                toManagers++;
            }
            else
            {
                toApprovers++;
            }
        }
        if (toApprovers + toManagers == 0)
        {
            return (0, 0);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex is DbUpdateException or DbException)
        {
            LogConflict("approvals", ex.GetType().Name);
            return (0, 0);
        }
        LogApprovals(toApprovers, toManagers);
        return (toApprovers, toManagers);
    }

    private static async Task<Dictionary<Guid, ContractFacts>> FactsAsync(CrmDbContext db, List<ApprovalRequest> requests, CancellationToken ct)
    {
        var contractIds = requests.Select(r => r.ContractId).Distinct().ToList();
        var contracts = await db.Contracts.AsNoTracking().Where(c => contractIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var customerIds = contracts.Values.Select(c => c.CustomerId).Distinct().ToList();
        var customers = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var requesterIds = requests.Select(r => r.RequesterId).Distinct().ToList();
        var requesters = await db.Employees.AsNoTracking().Where(e => requesterIds.Contains(e.Id)).Select(e => new { e.Id, e.Name }).ToDictionaryAsync(e => e.Id, e => e.Name, ct);
        return requests.ToDictionary(r => r.Id, r =>
        {
            var contract = contracts[r.ContractId];
            return new ContractFacts(r.Id, customers.GetValueOrDefault(contract.CustomerId) ?? "—", contract.Title, contract.Amount, contract.Currency,
                requesters.GetValueOrDefault(r.RequesterId) ?? "—", null);
        });
    }

    [LoggerMessage(EventId = 4211, Level = LogLevel.Information, Message = "Escalations: {Count} overdue follow-up(s) escalated in {Cards} card(s) to managers")]
    private partial void LogFollowUps(int count, int cards);

    [LoggerMessage(EventId = 4212, Level = LogLevel.Information, Message = "Escalations: {Count} overdue follow-up(s) have no manager who can be messaged; marked escalated")]
    private partial void LogNoManager(int count);

    [LoggerMessage(EventId = 4213, Level = LogLevel.Information, Message = "Escalations: approvals past their SLA: {Approvers} approver reminder(s), {Managers} manager notice(s)")]
    private partial void LogApprovals(int approvers, int managers);

    [LoggerMessage(EventId = 4214, Level = LogLevel.Information, Message = "Escalations ({What}): the rows changed meanwhile ({Error}); nothing was saved, the next run tries again")]
    private partial void LogConflict(string what, string error);
}

using System.Data.Common;
using System.Globalization;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CrmChat.Scheduler.Jobs;

/// <summary>What one tick of the team calendar did.</summary>
public sealed record TeamCalendarRun(int Digests, int DigestMessages, int Nudges);

/// <summary>
/// Runs each team's own schedules: the digest to the team's group chats at its <c>DigestCron</c>
/// and the nudges about neglected customers at its <c>NudgeCron</c>, both read in the team's
/// zone. Teams live in the database and change while CrmChat runs, so rather than a Quartz
/// trigger per team, a minute tick asks each team's cron whether it fired since the round it
/// last ran (kept as a SyncCheckpoint row, written in the same transaction as the messages).
/// A round missed while CrmChat was down runs late, up to <c>Jobs:TeamCalendar:MaxLateness</c>.
/// </summary>
public sealed partial class TeamCalendar(
    IServiceScopeFactory scopes,
    TimeProvider clock,
    TeamRulebook rulebook,
    IOptions<JobsOptions> options,
    OutboxSignal signal,
    ILogger<TeamCalendar> logger)
{
    private static readonly TimeSpan NewCustomerWindow = TimeSpan.FromDays(1);

    public static string DigestRound(Guid teamId) => $"jobs/digest/{teamId:N}";

    public static string NudgeRound(Guid? teamId) => $"jobs/nudges/{(teamId is { } id ? id.ToString("N") : "no-team")}";

    public async Task<TeamCalendarRun> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var teams = await rulebook.LoadAsync(db, ct);
        int digests = 0, messages = 0, nudges = 0;
        foreach (var team in teams.Teams)
        {
            var round = DigestRound(team.TeamId!.Value);
            if (await FiredAsync(db, round, team.Digest, now, ct) is { } fire)
            {
                var sent = await SaveRoundAsync(db, round, fire, now, () => DigestAsync(db, team, fire, now, ct), ct);
                if (sent is not null)
                {
                    digests++;
                    messages += sent.Value;
                }
            }
        }
        foreach (var team in teams.All)
        {
            var round = NudgeRound(team.TeamId);
            if (await FiredAsync(db, round, team.Nudge, now, ct) is { } fire)
            {
                nudges += await NudgeAsync(db, team, fire, now, ct);
                await SaveRoundAsync(db, round, fire, now, () => Task.FromResult(0), ct);
            }
        }
        if (messages + nudges > 0)
        {
            signal.Notify();
            LogRun(digests, messages, nudges);
        }
        return new TeamCalendarRun(digests, messages, nudges);
    }

    /// <summary>The latest time <paramref name="cron"/> fired after the round last run (and within the lateness allowed), up to now.</summary>
    private async Task<DateTimeOffset?> FiredAsync(CrmDbContext db, string round, CronExpression cron, DateTimeOffset now, CancellationToken ct)
    {
        var from = now - options.Value.TeamCalendar.MaxLateness;
        var state = await db.SyncCheckpoints.AsNoTracking().Where(c => c.Name == round).Select(c => c.State).FirstOrDefaultAsync(ct);
        if (DateTimeOffset.TryParse(state, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var last) && last > from)
        {
            from = last;
        }
        DateTimeOffset? fired = null;
        for (var next = cron.GetNextValidTimeAfter(from); next is { } at && at <= now; next = cron.GetNextValidTimeAfter(at))
        {
            fired = at;
        }
        return fired;
    }

    /// <summary>Runs <paramref name="work"/> and records the round in the same transaction; null when it conflicted and nothing was saved.</summary>
    private async Task<int?> SaveRoundAsync(CrmDbContext db, string round, DateTimeOffset fire, DateTimeOffset now, Func<Task<int>> work, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        try
        {
            var queued = await work();
            var checkpoint = await db.SyncCheckpoints.FirstOrDefaultAsync(c => c.Name == round, ct);
            if (checkpoint is null)
            {
                checkpoint = new SyncCheckpoint { Name = round, State = "", StartedAt = now };
                db.SyncCheckpoints.Add(checkpoint);
            }
            checkpoint.State = fire.ToString("O", CultureInfo.InvariantCulture);
            checkpoint.Done = queued;
            checkpoint.Total = queued;
            checkpoint.UpdatedAt = now;
            checkpoint.FinishedAt = now;
            await db.SaveChangesAsync(ct);
            return queued;
        }
        catch (Exception ex) when (ex is DbUpdateException or DbException)
        {
            // Another instance ran the round (the outbox keys and the checkpoint's key refuse a second one).
            LogConflict(round, ex.GetType().Name);
            return null;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    // ---- digest ----------------------------------------------------------------------------------

    private async Task<int> DigestAsync(CrmDbContext db, TeamRules team, DateTimeOffset fire, DateTimeOffset now, CancellationToken ct)
    {
        var teamId = team.TeamId!.Value;
        var targets = await db.Set<TeamChatTarget>().AsNoTracking().Where(t => t.TeamId == teamId).OrderBy(t => t.Id).ToListAsync(ct);
        if (targets.Count == 0)
        {
            return 0;
        }
        var card = JobCards.Digest(await DigestFactsAsync(db, team, fire, now, ct));
        var day = team.Local(fire).ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
        var keys = targets.ToDictionary(t => t.Id, t => $"digest:{teamId:N}:{day}:{t.Id:N}");
        var queued = await JobOutbox.ExistingKeysAsync(db, keys.Values, ct);
        var sent = 0;
        foreach (var target in targets.Where(t => !queued.Contains(keys[t.Id])))
        {
            Outbox.Enqueue(db, new ChatDelivery(ChatAddress.Group(target), card, ChatCardId.New(target.Platform, "g")), keys[target.Id], now);
            sent++;
        }
        return sent;
    }

    /// <summary>
    /// The team's numbers as of now, on the local day the digest is for: pending follow-ups due
    /// that day and overdue from before it, by rep; pending approvals the team asked for; customers
    /// the team got in the last 24 hours.
    /// </summary>
    public static async Task<TeamDigestFacts> DigestFactsAsync(CrmDbContext db, TeamRules team, DateTimeOffset fire, DateTimeOffset now, CancellationToken ct)
    {
        var teamId = team.TeamId!.Value;
        var dayStart = team.StartOfDay(fire);
        var dayEnd = team.EndOfDay(fire);
        var members = await db.Employees.AsNoTracking().Where(e => e.TeamId == teamId).Select(e => new { e.Id, e.Name }).ToListAsync(ct);
        var pending = db.FollowUps.Where(f => f.Status == FollowUpStatus.Pending && f.DueAt < dayEnd
            && db.Employees.Any(e => e.Id == f.OwnerId && e.TeamId == teamId));
        var today = await pending.Where(f => f.DueAt >= dayStart).GroupBy(f => f.OwnerId)
            .Select(g => new { Owner = g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Owner, x => x.Count, ct);
        var overdue = await pending.Where(f => f.DueAt < dayStart).GroupBy(f => f.OwnerId)
            .Select(g => new { Owner = g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Owner, x => x.Count, ct);
        var approvals = await db.ApprovalRequests.CountAsync(r => r.Status == ApprovalStatus.Pending
            && db.Employees.Any(e => e.Id == r.RequesterId && e.TeamId == teamId), ct);
        var since = fire - NewCustomerWindow;
        var newCustomers = await db.Customers.CountAsync(c => c.CreatedAt > since && c.CreatedAt <= now
            && db.Employees.Any(e => e.Id == c.OwnerId && e.TeamId == teamId), ct);
        var reps = members.Select(m => new DigestRep(m.Name, today.GetValueOrDefault(m.Id), overdue.GetValueOrDefault(m.Id))).ToList();
        return new TeamDigestFacts(team.Name, team.Local(fire), today.Values.Sum(), overdue.Values.Sum(), approvals, newCustomers, reps);
    }

    // ---- nudges ----------------------------------------------------------------------------------

    /// <summary>
    /// One nudge per neglected customer to its owner: no pending follow-up, and no follow-up made
    /// or done and no activity within the team's <c>NudgeAfter</c>; won and lost customers are
    /// left alone. The key names the customer and the ISO week, so a customer is nudged at most
    /// once a week however often the round runs.
    /// </summary>
    private async Task<int> NudgeAsync(CrmDbContext db, TeamRules team, DateTimeOffset fire, DateTimeOffset now, CancellationToken ct)
    {
        var o = options.Value;
        var since = now - team.NudgeAfter;
        var local = team.Local(fire).DateTime;
        var week = string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(local)}W{ISOWeek.GetWeekOfYear(local):00}");
        var owners = db.Employees.Where(e => e.Status == EmployeeStatus.Active);
        owners = team.TeamId is { } teamId ? owners.Where(e => e.TeamId == teamId) : owners.Where(e => e.TeamId == null);
        var stale = await db.Customers.AsNoTracking()
            .Where(c => c.OwnerId != null && c.CreatedAt < since && c.Stage != CustomerStage.Won && c.Stage != CustomerStage.Lost)
            .Where(c => owners.Any(e => e.Id == c.OwnerId))
            .Where(c => !db.Activities.Any(a => a.CustomerId == c.Id && a.OccurredAt >= since))
            .Where(c => !db.FollowUps.Any(f => f.CustomerId == c.Id
                && (f.Status == FollowUpStatus.Pending || f.CreatedAt >= since || (f.CompletedAt != null && f.CompletedAt >= since))))
            .OrderBy(c => c.CreatedAt)
            .Select(c => new { c.Id, c.Name, c.Company, c.Stage, Owner = c.OwnerId!.Value })
            .ToListAsync(ct);
        var sent = 0;
        foreach (var chunk in stale.Chunk(o.TeamCalendar.BatchSize))
        {
            db.ChangeTracker.Clear();
            var ownerIds = chunk.Select(c => c.Owner).Distinct().ToList();
            var people = await db.Employees.AsNoTracking().Where(e => ownerIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
            var queued = await JobOutbox.ExistingKeysAsync(db, chunk.Select(c => Key(c.Id)), ct);
            var queuedNow = 0;
            foreach (var customer in chunk.Where(c => !queued.Contains(Key(c.Id))))
            {
                if (JobOutbox.Reach(people.GetValueOrDefault(customer.Owner)) is not { } to)
                {
                    continue;
                }
                var open = o.Reminders.OpenUrl.Length > 0 ? o.Reminders.OpenUrl.Replace("{customerId}", customer.Id.ToString(), StringComparison.Ordinal) : null;
                JobOutbox.Send(db, to, JobCards.Nudge(customer.Name, customer.Company, customer.Stage, team.NudgeAfter, open), "n", Key(customer.Id), now);
                queuedNow++;
            }
            try
            {
                await db.SaveChangesAsync(ct);
                sent += queuedNow;
            }
            catch (Exception ex) when (ex is DbUpdateException or DbException)
            {
                LogConflict(NudgeRound(team.TeamId), ex.GetType().Name);
            }
        }
        return sent;

        string Key(Guid customerId) => $"nudge:{customerId:N}:{week}";
    }

    [LoggerMessage(EventId = 4221, Level = LogLevel.Information, Message = "Team calendar: {Digests} digest(s) in {Messages} group message(s), {Nudges} nudge(s)")]
    private partial void LogRun(int digests, int messages, int nudges);

    [LoggerMessage(EventId = 4222, Level = LogLevel.Information, Message = "Team calendar: round {Round} conflicted ({Error}); another run took it, nothing of this one was saved")]
    private partial void LogConflict(string round, string error);
}

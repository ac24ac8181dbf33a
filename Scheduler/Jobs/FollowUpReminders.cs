using System.Data.Common;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Scheduler.Jobs;

/// <summary>What one reminder run did.</summary>
/// <param name="Read">Follow-ups the run read: only due ones.</param>
/// <param name="Reminded">Follow-ups marked reminded (including those whose owner cannot be messaged).</param>
/// <param name="Cards">Reminder cards queued, one per follow-up.</param>
/// <param name="Summaries">Summary cards queued, one per rep with several due at once.</param>
/// <param name="Unreachable">Due follow-ups whose owner left or has no chat account.</param>
public sealed record ReminderRun(int Read, int Reminded, int Cards, int Summaries, int Unreachable)
{
    public static ReminderRun operator +(ReminderRun a, ReminderRun b) =>
        new(a.Read + b.Read, a.Reminded + b.Reminded, a.Cards + b.Cards, a.Summaries + b.Summaries, a.Unreachable + b.Unreachable);
}

/// <summary>
/// Reminds reps of follow-ups that fell due. It reads only pending, due, not yet reminded
/// follow-ups, through the (Status, DueAt) index in due order and in bounded batches, so its
/// cost follows what is due rather than the table. Each batch queues the cards and marks the
/// follow-ups reminded in one transaction; the outbox key names the follow-up and its due time,
/// so a snoozed follow-up (new DueAt, RemindedAt cleared) is reminded again and nothing twice.
/// Owners whose team is in its quiet hours are left for the first run after they end.
/// </summary>
public sealed partial class FollowUpReminders(
    IServiceScopeFactory scopes,
    TimeProvider clock,
    TeamRulebook rulebook,
    IOptions<JobsOptions> options,
    OutboxSignal signal,
    ILogger<FollowUpReminders> logger)
{
    public static string DedupeKey(FollowUp followUp) => $"reminder:{followUp.Id:N}:{followUp.DueAt.UtcTicks}";

    public async Task<ReminderRun> RunAsync(CancellationToken ct)
    {
        var o = options.Value.Reminders;
        var now = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var teams = await rulebook.LoadAsync(db, ct);
        var awake = TeamScope.Of(teams.All.Where(t => !t.IsQuietAt(now)), teams);
        var total = new ReminderRun(0, 0, 0, 0, 0);
        if (awake.IsEmpty)
        {
            return total;
        }
        while (true)
        {
            db.ChangeTracker.Clear();
            var batch = await db.FollowUps
                .Where(f => f.Status == FollowUpStatus.Pending && f.DueAt <= now && f.RemindedAt == null)
                .OwnedWithin(db, awake)
                .OrderBy(f => f.DueAt).ThenBy(f => f.Id)
                .Take(o.BatchSize)
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }
            ReminderRun run;
            try
            {
                run = await RemindAsync(db, batch, teams, now, ct);
            }
            catch (Exception ex) when (ex is DbUpdateException or DbException)
            {
                // A rep clicked Done or Snooze meanwhile, or another instance got there first:
                // nothing was saved; the next run reads what is still due.
                LogBatchConflict(ex.GetType().Name);
                break;
            }
            total += run;
            signal.Notify();
            if (batch.Count < o.BatchSize)
            {
                break;
            }
        }
        if (total.Read > 0)
        {
            LogRun(total.Read, total.Cards, total.Summaries, total.Unreachable);
        }
        return total;
    }

    private async Task<ReminderRun> RemindAsync(CrmDbContext db, List<FollowUp> batch, TeamRuleSet teams, DateTimeOffset now, CancellationToken ct)
    {
        var o = options.Value.Reminders;
        var ownerIds = batch.Select(f => f.OwnerId).Distinct().ToList();
        var owners = await db.Employees.AsNoTracking().Where(e => ownerIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var customerIds = batch.Where(f => f.CustomerId is not null).Select(f => f.CustomerId!.Value).Distinct().ToList();
        var customers = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id))
            .Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var queued = await JobOutbox.ExistingKeysAsync(db, batch.Select(DedupeKey), ct);

        int cards = 0, summaries = 0, unreachable = 0;
        foreach (var group in batch.GroupBy(f => f.OwnerId))
        {
            var owner = owners.GetValueOrDefault(group.Key);
            var to = JobOutbox.Reach(owner);
            if (to is null)
            {
                unreachable += group.Count();
                LogUnreachable(group.Count(), group.Key);
            }
            else
            {
                var zone = teams.Of(owner!.TeamId).Zone;
                var fresh = group.Where(f => !queued.Contains(DedupeKey(f))).ToList();
                if (fresh.Count > o.SummaryAbove)
                {
                    var card = FollowUpCards.FollowUpsDue(fresh.Select(f => (f, Name(f))).ToList(), zone);
                    JobOutbox.Send(db, to, card, "f", $"reminder-summary:{owner.Id:N}:{now.UtcTicks}:{fresh[0].Id:N}", now);
                    summaries++;
                }
                else
                {
                    foreach (var followUp in fresh)
                    {
                        var open = o.OpenUrl.Length > 0 && followUp.CustomerId is { } customerId
                            ? o.OpenUrl.Replace("{customerId}", customerId.ToString(), StringComparison.Ordinal)
                            : null;
                        JobOutbox.Send(db, to, FollowUpCards.FollowUpDue(followUp, Name(followUp), zone, open), "f", DedupeKey(followUp), now);
                        cards++;
                    }
                }
            }
            foreach (var followUp in group)
            {
                followUp.RemindedAt = now;
            }
        }
        // The follow-ups' concurrency stamps make a Done or Snooze clicked meanwhile win: this save then fails whole.
        await db.SaveChangesAsync(ct);
        return new ReminderRun(batch.Count, batch.Count, cards, summaries, unreachable);

        string? Name(FollowUp f) => f.CustomerId is { } id ? customers.GetValueOrDefault(id) : null;
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Reminders: {Due} due follow-up(s) reminded: {Cards} card(s), {Summaries} summary card(s), {Unreachable} without anyone to message")]
    private partial void LogRun(int due, int cards, int summaries, int unreachable);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Reminders: {Count} follow-up(s) of employee {EmployeeId} fell due, but they left or have no WeCom or DingTalk account; marked reminded without a message (hand them over)")]
    private partial void LogUnreachable(int count, Guid employeeId);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Reminders: a batch changed while it was being reminded ({Error}); nothing of it was saved, the next run takes it again")]
    private partial void LogBatchConflict(string error);
}

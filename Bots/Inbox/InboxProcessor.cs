using CrmChat.CrmCore;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrmChat.Bots.Inbox;

/// <summary>
/// Applies stored events: oldest first, one at a time per ordering key (a customer), with
/// retries and backoff, and dead letters after <see cref="InboxOptions.MaxAttempts"/>.
/// Claims are conditional updates, so several instances can run it side by side. Outbox rows
/// the handlers wrote are announced to the dispatcher once their batch committed.
/// </summary>
public sealed partial class InboxProcessor(
    IServiceScopeFactory scopes,
    IOptions<InboxOptions> options,
    TimeProvider clock,
    IRandomSource random,
    OutboxSignal outbox,
    ILogger<InboxProcessor> logger)
{
    private readonly InboxOptions _options = options.Value;
    private readonly RetrySchedule _retries = new(options.Value.FirstRetryDelay, options.Value.MaxRetryDelay, random);

    /// <summary>Processes what is due now; returns how many events were attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var due = await ClaimableAsync(ct);
        var attempted = 0;
        foreach (var id in due)
        {
            ct.ThrowIfCancellationRequested();
            if (await ProcessAsync(id, ct))
            {
                attempted++;
            }
        }
        if (attempted > 0)
        {
            // Replies and cards written with the changes leave now, not at the dispatcher's next poll.
            outbox.Notify();
        }
        return attempted;
    }

    /// <summary>The first pending event of each ordering key, if it is due.</summary>
    private async Task<List<Guid>> ClaimableAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var now = clock.GetUtcNow();
        var pending = await db.InboxEvents.AsNoTracking()
            .Where(e => e.Status == InboxStatus.Pending)
            .OrderBy(e => e.ReceivedAt).ThenBy(e => e.Id)
            .Select(e => new { e.Id, e.OrderingKey, e.NextAttemptAt })
            .Take(_options.BatchSize * 4)
            .ToListAsync(ct);
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        var due = new List<Guid>();
        foreach (var e in pending)
        {
            // An event waits while an earlier one for the same customer is still pending.
            var first = e.OrderingKey is null || seenKeys.Add(e.OrderingKey);
            if (first && e.NextAttemptAt <= now)
            {
                due.Add(e.Id);
                if (due.Count == _options.BatchSize)
                {
                    break;
                }
            }
        }
        return due;
    }

    private async Task<bool> ProcessAsync(Guid id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var now = clock.GetUtcNow();

        // Claim: push NextAttemptAt out by the lease and count the attempt, only if nobody else did.
        var claimed = await db.InboxEvents
            .Where(e => e.Id == id && e.Status == InboxStatus.Pending && e.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(e => e.NextAttemptAt, now + _options.Lease)
                .SetProperty(e => e.Attempts, e => e.Attempts + 1), ct);
        if (claimed == 0)
        {
            return false;
        }
        var inboxEvent = await db.InboxEvents.SingleAsync(e => e.Id == id, ct);
        var handler = scope.ServiceProvider.GetServices<IInboxHandler>().FirstOrDefault(h => h.Handles(inboxEvent));
        try
        {
            if (handler is null)
            {
                inboxEvent.Status = InboxStatus.Ignored;
                inboxEvent.ProcessedAt = clock.GetUtcNow();
                await db.SaveChangesAsync(ct);
                LogIgnored(inboxEvent.Platform.ToString(), inboxEvent.EventType);
                return true;
            }

            var change = await handler.PrepareAsync(inboxEvent, ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await change(ct);
            inboxEvent.Status = InboxStatus.Done;
            inboxEvent.ProcessedAt = clock.GetUtcNow();
            inboxEvent.LastError = null;
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await RecordFailureAsync(id, ex, ct);
            return true;
        }
    }

    private async Task RecordFailureAsync(Guid id, Exception error, CancellationToken ct)
    {
        // A fresh context: the failed one may hold half-applied, rolled-back changes.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var inboxEvent = await db.InboxEvents.SingleAsync(e => e.Id == id, ct);
        var message = $"{error.GetType().Name}: {error.Message}";
        inboxEvent.LastError = message.Length > 2000 ? message[..2000] : message;
        if (inboxEvent.Attempts >= _options.MaxAttempts)
        {
            inboxEvent.Status = InboxStatus.DeadLetter;
            LogDeadLetter(inboxEvent.EventType, inboxEvent.Id, inboxEvent.Attempts, error.GetType().Name);
        }
        else
        {
            inboxEvent.NextAttemptAt = clock.GetUtcNow() + _retries.DelayAfter(inboxEvent.Attempts);
            LogRetry(inboxEvent.EventType, inboxEvent.Id, inboxEvent.Attempts, error.GetType().Name);
        }
        await db.SaveChangesAsync(ct);
    }

    [LoggerMessage(LogLevel.Information, "Inbox: no handler for {Platform} event {EventType}; recorded as ignored")]
    private partial void LogIgnored(string platform, string eventType);

    [LoggerMessage(LogLevel.Warning, "Inbox: {EventType} {EventId} failed on attempt {Attempts} ({Error}); will retry")]
    private partial void LogRetry(string eventType, Guid eventId, int attempts, string error);

    [LoggerMessage(LogLevel.Error, "Inbox: {EventType} {EventId} failed {Attempts} times ({Error}); parked as a dead letter")]
    private partial void LogDeadLetter(string eventType, Guid eventId, int attempts, string error);
}

/// <summary>Runs the processor: on every wake-up signal and at least every poll interval.</summary>
internal sealed partial class InboxProcessorService(
    InboxProcessor processor,
    InboxSignal signal,
    IOptions<InboxOptions> options,
    ILogger<InboxProcessorService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ProcessorEnabled)
        {
            LogDisabled();
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Keep going while there is work; then sleep until signalled or polled.
                while (await processor.RunOnceAsync(stoppingToken) > 0)
                {
                }
                // Wall-clock polling: a test's fake clock must not stall event processing.
                await signal.WaitAsync(options.Value.PollInterval, TimeProvider.System, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database may be down: keep the service alive and try again.
                LogLoopError(ex.GetType().Name, ex.Message);
                await Task.Delay(options.Value.PollInterval * 5, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Inbox processor is disabled (Inbox:ProcessorEnabled=false): events are stored, not applied")]
    private partial void LogDisabled();

    [LoggerMessage(LogLevel.Error, "Inbox processor loop failed: {Error} {Message}")]
    private partial void LogLoopError(string error, string message);
}

using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Scheduler.OutboxDispatch;

/// <summary>
/// Sends outbox rows through the <see cref="IChatChannel"/> of their platform: oldest first,
/// one at a time per target (a member, a group), several targets at once. A send is claimed by
/// a conditional update that pushes NextAttemptAt out by a lease (renewed while it runs), so
/// several instances can dispatch side by side and a dispatcher that dies releases its rows.
/// Transient failures retry with backoff; permanent ones and exhausted attempts park as dead letters.
/// </summary>
public sealed partial class OutboxDispatcher
{
    private const int MaxErrorLength = 2000;
    private const int MaxPlatformMessageIdLength = 128;

    private readonly IServiceScopeFactory _scopes;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _clock;
    private readonly RetrySchedule _retries;
    private readonly OutboxSignal _signal;
    private readonly ILogger<OutboxDispatcher> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<(Platform, string), Task> _inFlight = new();
    private IReadOnlyList<Platform>? _configured;

    public OutboxDispatcher(IServiceScopeFactory scopes, IOptions<OutboxOptions> options, TimeProvider clock, IRandomSource random,
        OutboxSignal signal, ILogger<OutboxDispatcher> logger)
    {
        _scopes = scopes;
        _options = options.Value;
        _clock = clock;
        _retries = new RetrySchedule(_options.FirstRetryDelay, _options.MaxRetryDelay, random);
        _signal = signal;
        _logger = logger;
        _slots = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentSends));
    }

    /// <summary>
    /// Claims what is due and starts sending it, without waiting for the sends; each finished
    /// send signals, so the next message to its target follows at once. Returns how many started.
    /// </summary>
    public async Task<int> StartDueAsync(CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var platforms = _configured ??= scope.ServiceProvider.GetServices<IChatChannel>().Select(c => c.Platform).Distinct().ToList();
        await NoteUnconfiguredAsync(db, platforms, ct);

        var now = _clock.GetUtcNow();
        // The oldest pending message of each target, when it is due. A tie in CreatedAt with a
        // pending sibling that is not due (being sent, or backing off) waits for that sibling.
        var heads = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.Status == OutboxStatus.Pending && m.NextAttemptAt <= now && platforms.Contains(m.Platform))
            .Where(m => !db.OutboxMessages.Any(e => e.Status == OutboxStatus.Pending && e.Platform == m.Platform && e.Target == m.Target
                && (e.CreatedAt < m.CreatedAt || (e.CreatedAt == m.CreatedAt && e.NextAttemptAt > now))))
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .Select(m => new { m.Id, m.Platform, m.Target })
            .Take(_options.BatchSize)
            .ToListAsync(ct);

        var started = 0;
        foreach (var head in heads.DistinctBy(h => (h.Platform, h.Target)))
        {
            var lane = (head.Platform, head.Target);
            // The gate holds the send back until it is registered, so its own clean-up always finds it.
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_inFlight.TryAdd(lane, gate.Task))
            {
                continue;
            }
            _inFlight[lane] = SendInLaneAsync(lane, head.Id, gate.Task, ct);
            gate.SetResult();
            started++;
        }
        return started;
    }

    /// <summary>Sends what is due now and waits for those sends: a whole cycle, for tests and tools.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var started = await StartDueAsync(ct);
        await WhenIdleAsync();
        return started;
    }

    /// <summary>Completes when no send is in flight.</summary>
    public async Task WhenIdleAsync()
    {
        while (_inFlight.Values.Where(t => !t.IsCompleted).ToList() is { Count: > 0 } running)
        {
            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task SendInLaneAsync((Platform, string) lane, Guid id, Task gate, CancellationToken ct)
    {
        await gate;
        try
        {
            await _slots.WaitAsync(ct);
            try
            {
                await SendAsync(id, ct);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: a claimed row goes again once its lease runs out.
        }
        catch (Exception ex)
        {
            // The database failed around the send; the lease brings the row back.
            LogSendLoopError(_logger, id, ex.GetType().Name, ex.Message);
        }
        finally
        {
            _inFlight.TryRemove(lane, out _);
            _signal.Notify();
        }
    }

    private async Task SendAsync(Guid id, CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var now = _clock.GetUtcNow();
        var leasedUntil = now + _options.Lease;
        var claimed = await db.OutboxMessages
            .Where(m => m.Id == id && m.Status == OutboxStatus.Pending && m.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.NextAttemptAt, leasedUntil)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1), ct);
        if (claimed == 0)
        {
            return;
        }
        var row = await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id, ct);
        ChatSendReceipt receipt;
        try
        {
            var delivery = Read(row);
            // Rows written by hand (or before QueuedAt existed) render their links from the row's own time.
            delivery = delivery with { QueuedAt = delivery.QueuedAt ?? row.CreatedAt };
            var channel = scope.ServiceProvider.GetServices<IChatChannel>().First(c => c.Platform == row.Platform);
            using var renewal = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var renewing = RenewLeaseAsync(id, row.Attempts, leasedUntil, renewal.Token);
            try
            {
                receipt = await channel.SendAsync(delivery, row.DedupeKey, ct);
            }
            finally
            {
                await renewal.CancelAsync();
                await renewing;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await PersistAsync(() => RecordFailureAsync(id, ex), id);
            return;
        }
        await PersistAsync(() => MarkSentAsync(id, receipt), id);
        LogSent(_logger, row.Platform, row.TargetKind, row.CardId, Describe(row.TargetKind, row.Target), row.Attempts);
    }

    private static ChatDelivery Read(OutboxMessage row)
    {
        try
        {
            return ChatDelivery.FromJson(row.Payload);
        }
        catch (JsonException e)
        {
            throw new ChatSendException($"The stored message cannot be read as a chat delivery: {e.Message}", transient: false, e);
        }
    }

    /// <summary>
    /// Keeps the claim while a send runs long (a rate limit slot, a throttled robot): renewed
    /// when half the lease is left, counted from the lease itself, so a slow renewal or a late
    /// wake-up makes the next one sooner rather than later.
    /// </summary>
    private async Task RenewLeaseAsync(Guid id, int attempts, DateTimeOffset leasedUntil, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var wait = leasedUntil - _options.Lease / 2 - _clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _clock, ct);
                }
                await using var scope = _scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
                var until = _clock.GetUtcNow() + _options.Lease;
                await db.OutboxMessages
                    .Where(m => m.Id == id && m.Status == OutboxStatus.Pending && m.Attempts == attempts)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, until), ct);
                leasedUntil = until;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The send finished.
        }
        catch (Exception ex)
        {
            LogRenewFailed(_logger, id, ex.GetType().Name);
        }
    }

    /// <summary>
    /// Records an outcome, trying a few times when the database is briefly busy: a send the
    /// platform took but the row does not show would go again after the lease.
    /// </summary>
    private async Task PersistAsync(Func<Task> write, Guid id)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write();
                return;
            }
            catch (Exception ex) when (attempt < 3 && ex is DbException or DbUpdateException or TimeoutException)
            {
                LogPersistRetry(_logger, id, attempt, ex.GetType().Name);
                // A pause for the database, on the wall clock: a test's frozen clock must not stall it.
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), TimeProvider.System, CancellationToken.None);
            }
        }
    }

    private async Task MarkSentAsync(Guid id, ChatSendReceipt receipt)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var now = _clock.GetUtcNow();
        var messageId = receipt.PlatformMessageId is { Length: > MaxPlatformMessageIdLength } longId ? longId[..MaxPlatformMessageIdLength] : receipt.PlatformMessageId;
        // Not cancellable: the platform has the message, so the row must say so even while stopping.
        await db.OutboxMessages
            .Where(m => m.Id == id && m.Status == OutboxStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.Sent)
                .SetProperty(m => m.SentAt, now)
                .SetProperty(m => m.PlatformMessageId, messageId)
                .SetProperty(m => m.UpdateToken, receipt.UpdateToken)
                .SetProperty(m => m.LastError, (string?)null), CancellationToken.None);
    }

    private async Task RecordFailureAsync(Guid id, Exception error)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var row = await db.OutboxMessages.SingleAsync(m => m.Id == id, CancellationToken.None);
        if (row.Status != OutboxStatus.Pending)
        {
            return;
        }
        var failure = error as ChatSendException;
        var message = failure is not null ? failure.Message : $"{error.GetType().Name}: {error.Message}";
        var lastError = message.Length > MaxErrorLength ? message[..MaxErrorLength] : message;
        row.LastError = lastError;
        var where = Describe(row.TargetKind, row.Target);
        if (failure is { IsTransient: false })
        {
            row.Status = OutboxStatus.DeadLetter;
            LogRefused(_logger, row.Platform, row.TargetKind, row.CardId, where, row.Id, lastError);
        }
        else if (row.Attempts >= _options.MaxAttempts)
        {
            row.Status = OutboxStatus.DeadLetter;
            LogGaveUp(_logger, row.Platform, row.TargetKind, row.CardId, where, row.Attempts, row.Id, lastError);
        }
        else
        {
            var delay = _retries.DelayAfter(row.Attempts);
            if (failure?.RetryAfter is { } retryAfter && retryAfter > delay)
            {
                delay = retryAfter;
            }
            row.NextAttemptAt = _clock.GetUtcNow() + delay;
            LogRetrying(_logger, row.Platform, row.TargetKind, row.CardId, where, row.Attempts, delay.TotalSeconds, lastError);
        }
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>Messages for a platform without a channel stay pending; their LastError says why.</summary>
    private async Task NoteUnconfiguredAsync(CrmDbContext db, IReadOnlyList<Platform> configured, CancellationToken ct)
    {
        foreach (var platform in Enum.GetValues<Platform>().Except(configured))
        {
            var why = NotConfigured(platform);
            // Read first: an update that changes nothing still takes SQLite's write lock.
            var unnoted = db.OutboxMessages
                .Where(m => m.Status == OutboxStatus.Pending && m.Platform == platform && (m.LastError == null || m.LastError != why));
            if (!await unnoted.AnyAsync(ct))
            {
                continue;
            }
            var noted = await unnoted.ExecuteUpdateAsync(s => s.SetProperty(m => m.LastError, why), ct);
            if (noted > 0)
            {
                LogNotConfigured(_logger, platform, noted);
            }
        }
    }

    public static string NotConfigured(Platform platform) => platform switch
    {
        Platform.WeCom => "WeCom is not configured (WeCom:CorpId, WeCom:AgentId, WeCom:Secret): the message waits until it is.",
        Platform.DingTalk => "DingTalk is not configured (DingTalk:AppKey, DingTalk:AppSecret): the message waits until it is.",
        _ => $"{platform} is not configured: the message waits until it is.",
    };

    /// <summary>Group targets are robot keys and access tokens, credentials: logs name members only.</summary>
    private static string Describe(string targetKind, string target) =>
        targetKind == nameof(ChatAddressKind.Group) ? "a group" : target;

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Outbox: sent {Platform} {Kind} card {CardId} to {Target} (attempt {Attempts})")]
    private static partial void LogSent(ILogger logger, Platform platform, string kind, string? cardId, string target, int attempts);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Outbox: {Platform} {Kind} card {CardId} to {Target} failed on attempt {Attempts}; trying again in {DelaySeconds:F0} s: {Error}")]
    private static partial void LogRetrying(ILogger logger, Platform platform, string kind, string? cardId, string target, int attempts, double delaySeconds, string error);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "Outbox: {Platform} refused {Kind} card {CardId} to {Target}; parked as dead letter {MessageId}: {Error}")]
    private static partial void LogRefused(ILogger logger, Platform platform, string kind, string? cardId, string target, Guid messageId, string error);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Outbox: {Platform} {Kind} card {CardId} to {Target} failed {Attempts} times; parked as dead letter {MessageId}: {Error}")]
    private static partial void LogGaveUp(ILogger logger, Platform platform, string kind, string? cardId, string target, int attempts, Guid messageId, string error);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Outbox: {Count} message(s) for {Platform} wait because it is not configured")]
    private static partial void LogNotConfigured(ILogger logger, Platform platform, int count);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Outbox: could not renew the claim on message {MessageId} ({Error})")]
    private static partial void LogRenewFailed(ILogger logger, Guid messageId, string error);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Warning, Message = "Outbox: recording the outcome of message {MessageId} failed on try {Attempt} ({Error}); trying again")]
    private static partial void LogPersistRetry(ILogger logger, Guid messageId, int attempt, string error);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "Outbox: sending message {MessageId} failed outside the platform call: {Error} {Message}")]
    private static partial void LogSendLoopError(ILogger logger, Guid messageId, string error, string message);
}

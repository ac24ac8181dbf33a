using System.Diagnostics;
using System.Threading.Channels;
using CrmChat.CrmCore.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmChat.CrmCore.Messaging;

/// <summary>
/// Appends to the inbox with group commit: callbacks that arrive together are written in one
/// transaction, and each caller's task completes only once that transaction is committed, so
/// a webhook still answers only after its event is durable. One commit per request held the
/// webhook to a few hundred a second (a disk sync per commit on PostgreSQL, writers queueing
/// for SQLite's single write lock); one per batch lets the cost follow the load.
/// </summary>
public sealed partial class InboxWriter : IAsyncDisposable
{
    /// <summary>The setting for <see cref="SlowWrite"/>: a TimeSpan, as "00:00:01".</summary>
    public const string SlowWriteSetting = "Inbox:SlowWriteWarning";
    private const int MaxBatch = 256;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Task _loop;
    // The writer's own context and open connection for the INSERT ... ON CONFLICT path, kept
    // between batches (only the write loop uses it): a new scope, context and pooled connection
    // per batch cost more CPU than the batch's inserts. Dropped after any failure, made anew
    // for the next batch.
    private AsyncServiceScope? _session;
    private bool _noSession;
    // Callbacks in the queue, not yet taken into a batch (the single-reader channel does not count them).
    private int _waiting;

    public InboxWriter(IServiceScopeFactory scopes, TimeProvider time, ILogger<InboxWriter>? log = null, IConfiguration? configuration = null)
    {
        _scopes = scopes;
        _time = time;
        _log = log ?? (ILogger)NullLogger.Instance;
        SlowWrite = configuration?.GetValue<TimeSpan?>(SlowWriteSetting) ?? TimeSpan.FromSeconds(1);
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// A batch whose oldest callback waited this long to be stored is logged as a warning (event
    /// 2101), with where the time went: queued behind earlier batches, in the database, or in
    /// garbage collection. WeCom and DingTalk give up on a callback after 5 s, so the default of
    /// 1 s says the database is slowing the webhook down well before events are retried.
    /// </summary>
    public TimeSpan SlowWrite { get; set; }

    /// <summary>As <see cref="InboxStore.AppendAsync"/>: Stored, or Duplicate when the dedupe key is already in the inbox.</summary>
    public Task<InboxAppendResult> AppendAsync(
        Platform platform, string eventType, string dedupeKey, string? orderingKey, string payload, CancellationToken ct)
    {
        var pending = new Pending(platform, eventType, dedupeKey, orderingKey, payload);
        Interlocked.Increment(ref _waiting);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _waiting);
            throw new InvalidOperationException("The inbox writer is shut down.");
        }
        // A caller that gives up stops waiting; the event is still written, and a retry finds it as a duplicate.
        return pending.Done.Task.WaitAsync(ct);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            Interlocked.Add(ref _waiting, -batch.Count);
            var started = Stopwatch.GetTimestamp();
            var paused = GC.GetTotalPauseDuration();
            try
            {
                await WriteBatchAsync(batch);
            }
            catch (Exception ex)
            {
                foreach (var p in batch)
                {
                    p.Done.TrySetException(ex);
                }
            }
            ReportIfSlow(batch, started, GC.GetTotalPauseDuration() - paused);
            batch.Clear();
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        if (await SessionContextAsync() is { } session)
        {
            try
            {
                await InsertIgnoringDuplicatesAsync(session, batch);
                return;
            }
            catch
            {
                await EndSessionAsync();
                throw;
            }
        }
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
            var keys = batch.Select(p => p.DedupeKey).Distinct(StringComparer.Ordinal).ToList();
            var stored = (await db.InboxEvents.AsNoTracking().Where(e => keys.Contains(e.DedupeKey)).Select(e => e.DedupeKey).ToListAsync())
                .ToHashSet(StringComparer.Ordinal);
            var now = _time.GetUtcNow();
            var added = new List<Pending>();
            foreach (var p in batch)
            {
                // Stored before, or earlier in this same batch: a duplicate either way.
                if (!stored.Add(p.DedupeKey))
                {
                    p.Result = InboxAppendResult.Duplicate;
                    continue;
                }
                db.InboxEvents.Add(NewEvent(p, now));
                p.Result = InboxAppendResult.Stored;
                added.Add(p);
            }
            try
            {
                if (added.Count > 0)
                {
                    await db.SaveChangesAsync();
                }
                foreach (var p in batch)
                {
                    p.Done.TrySetResult(p.Result);
                }
                return;
            }
            catch (DbUpdateException)
            {
                // Another instance stored one of these keys meanwhile: settle each on its own below.
            }
        }
        foreach (var p in batch)
        {
            await using var scope = _scopes.CreateAsyncScope();
            var store = new InboxStore(scope.ServiceProvider.GetRequiredService<CrmDbContext>(), _time);
            try
            {
                p.Done.TrySetResult(await store.AppendAsync(p.Platform, p.EventType, p.DedupeKey, p.OrderingKey, p.Payload, CancellationToken.None));
            }
            catch (Exception ex)
            {
                p.Done.TrySetException(ex);
            }
        }
    }

    private void ReportIfSlow(List<Pending> batch, long started, TimeSpan paused)
    {
        var oldest = batch.Min(p => p.Queued);
        var waited = Stopwatch.GetElapsedTime(oldest);
        if (waited < SlowWrite)
        {
            return;
        }
        LogSlowWrite(batch.Count, waited.TotalMilliseconds, Stopwatch.GetElapsedTime(oldest, started).TotalMilliseconds,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds, paused.TotalMilliseconds, Volatile.Read(ref _waiting));
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Inbox: {Count} callbacks waited up to {WaitedMs:0} ms to be stored: " +
        "{QueuedMs:0} ms queued behind earlier writes, {WriteMs:0} ms writing and committing, of which {GcMs:0} ms paused for garbage collection; " +
        "{Behind} more callbacks queued. A slow database holds webhook answers back, and the platforms retry after 5 s")]
    private partial void LogSlowWrite(int count, double waitedMs, double queuedMs, double writeMs, double gcMs, int behind);

    /// <summary>The row a callback becomes: pending, due at once.</summary>
    private static InboxEvent NewEvent(Pending p, DateTimeOffset now) => new()
    {
        Platform = p.Platform,
        EventType = p.EventType,
        DedupeKey = p.DedupeKey,
        OrderingKey = p.OrderingKey,
        Payload = p.Payload,
        Status = InboxStatus.Pending,
        ReceivedAt = now,
        NextAttemptAt = now,
    };

    /// <summary>
    /// The whole batch as one INSERT ... ON CONFLICT (DedupeKey) DO NOTHING: the database says
    /// which keys were new, so there is no lookup before and no change tracking around it.
    /// </summary>
    private async Task InsertIgnoringDuplicatesAsync(CrmDbContext db, List<Pending> batch)
    {
        var now = _time.GetUtcNow();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var firsts = new List<Pending>(batch.Count);
        var rows = new List<InboxEvent>(batch.Count);
        foreach (var p in batch)
        {
            if (!seen.Add(p.DedupeKey))
            {
                // Twice in this same batch: the first one is the one stored.
                p.Result = InboxAppendResult.Duplicate;
                continue;
            }
            firsts.Add(p);
            rows.Add(NewEvent(p, now));
        }
        var stored = await BulkSave.InsertIgnoringDuplicatesAsync(db, rows, nameof(InboxEvent.DedupeKey), CancellationToken.None);
        foreach (var p in firsts)
        {
            p.Result = stored.Contains(p.DedupeKey) ? InboxAppendResult.Stored : InboxAppendResult.Duplicate;
        }
        foreach (var p in batch)
        {
            p.Done.TrySetResult(p.Result);
        }
    }

    /// <summary>The writer's long-lived context on SQLite and PostgreSQL, its connection open; null on other providers.</summary>
    private async Task<CrmDbContext?> SessionContextAsync()
    {
        if (_session is { } open)
        {
            return open.ServiceProvider.GetRequiredService<CrmDbContext>();
        }
        if (_noSession)
        {
            return null;
        }
        var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        if (!BulkSave.SupportsInsertIgnoringDuplicates(db))
        {
            _noSession = true;
            await scope.DisposeAsync();
            return null;
        }
        try
        {
            await db.Database.OpenConnectionAsync();
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
        _session = scope;
        return db;
    }

    private async Task EndSessionAsync()
    {
        if (_session is { } session)
        {
            _session = null;
            await session.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        await EndSessionAsync();
    }

    private sealed class Pending(Platform platform, string eventType, string dedupeKey, string? orderingKey, string payload)
    {
        public Platform Platform { get; } = platform;
        public string EventType { get; } = eventType;
        public string DedupeKey { get; } = dedupeKey;
        public string? OrderingKey { get; } = orderingKey;
        public string Payload { get; } = payload;
        public long Queued { get; } = Stopwatch.GetTimestamp();
        public InboxAppendResult Result { get; set; }
        public TaskCompletionSource<InboxAppendResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

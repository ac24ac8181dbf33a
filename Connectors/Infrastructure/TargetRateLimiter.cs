namespace CrmChat.Connectors.Infrastructure;

/// <summary>At most <see cref="Permits"/> sends to one target within any <see cref="Window"/>.</summary>
public readonly record struct RateLimit(int Permits, TimeSpan Window);

/// <summary>
/// Outbound limits per target (a robot key, a member). A send past the limit waits for a
/// slot; it is never dropped or refused.
/// </summary>
public interface ITargetRateLimiter
{
    /// <summary>Completes when a send to <paramref name="target"/> fits in <paramref name="limit"/>, and counts it.</summary>
    Task WaitAsync(string target, RateLimit limit, CancellationToken cancellationToken);
}

/// <summary>A sliding log per target in this process: the default when no Redis is configured.</summary>
public sealed class InProcessTargetRateLimiter(TimeProvider time) : ITargetRateLimiter
{
    private readonly InProcessGates _gates = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _sent = new(StringComparer.Ordinal);

    public async Task WaitAsync(string target, RateLimit limit, CancellationToken cancellationToken)
    {
        // One waiter per target at a time keeps sends to a target in arrival order.
        var gate = _gates.For(target);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var wait = TryTake(target, limit);
                if (wait == TimeSpan.Zero)
                {
                    return;
                }
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private TimeSpan TryTake(string target, RateLimit limit)
    {
        lock (_sent)
        {
            var now = time.GetUtcNow();
            if (!_sent.TryGetValue(target, out var log))
            {
                log = new Queue<DateTimeOffset>();
                _sent[target] = log;
            }
            while (log.Count > 0 && log.Peek() <= now - limit.Window)
            {
                log.Dequeue();
            }
            if (log.Count < limit.Permits)
            {
                log.Enqueue(now);
                return TimeSpan.Zero;
            }
            return log.Peek() + limit.Window - now;
        }
    }
}

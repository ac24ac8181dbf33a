namespace CrmChat.CrmCore;

/// <summary>Randomness for jitter, injectable so tests are exact.</summary>
public interface IRandomSource
{
    /// <summary>A number in [0, 1).</summary>
    double NextDouble();
}

public sealed class SharedRandomSource : IRandomSource
{
    public double NextDouble() => Random.Shared.NextDouble();
}

/// <summary>
/// Exponential backoff with "equal jitter": half the step is fixed, half random. For the short
/// pauses between tries of one platform API call.
/// </summary>
public sealed class RetryBackoff(TimeSpan firstDelay, TimeSpan maxDelay, IRandomSource random)
{
    /// <summary>The pause before retry number <paramref name="retry"/> (0 = the first retry).</summary>
    public TimeSpan DelayBefore(int retry)
    {
        var step = firstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30));
        var capped = Math.Min(step, maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + random.NextDouble() * capped / 2);
    }
}

/// <summary>
/// When a durable queue (the inbox, the outbox) tries a failed row again: the first retry
/// after at least <c>firstDelay</c>, doubling up to <c>maxDelay</c>, plus up to 20% jitter so
/// rows that failed together do not all come back at the same instant.
/// </summary>
public sealed class RetrySchedule(TimeSpan firstDelay, TimeSpan maxDelay, IRandomSource random)
{
    /// <summary>How long to wait after a row failed its <paramref name="attempts"/>th attempt (1 = the first).</summary>
    public TimeSpan DelayAfter(int attempts)
    {
        var step = firstDelay * Math.Pow(2, Math.Clamp(attempts - 1, 0, 20));
        var delay = step > maxDelay ? maxDelay : step;
        return delay + delay * (random.NextDouble() * 0.2);
    }
}

namespace CrmChat.Connectors.Infrastructure;

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

/// <summary>Exponential backoff with "equal jitter": half the step is fixed, half random.</summary>
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

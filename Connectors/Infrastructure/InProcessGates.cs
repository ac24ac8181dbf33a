using System.Collections.Concurrent;

namespace CrmChat.Connectors.Infrastructure;

/// <summary>One semaphore per key, created on first use and kept (keys are few: credentials, targets).</summary>
internal sealed class InProcessGates
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public SemaphoreSlim For(string key) => _gates.GetOrAdd(key, static _ => new SemaphoreSlim(1, 1));
}

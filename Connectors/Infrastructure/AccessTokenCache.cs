namespace CrmChat.Connectors.Infrastructure;

/// <summary>A platform access token and the moment CrmChat stops using it (already early).</summary>
public sealed record AccessToken(string Value, DateTimeOffset UseUntil);

/// <summary>
/// Caches access tokens per credential so every caller shares one, with at most one refresh
/// in flight per credential. The key names the credential (never the secret itself).
/// </summary>
public interface IAccessTokenCache
{
    /// <summary>The cached token for <paramref name="key"/>, fetched with <paramref name="fetch"/> when missing or due.</summary>
    Task<string> GetAsync(string key, Func<CancellationToken, Task<AccessToken>> fetch, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets <paramref name="staleToken"/> after the platform rejected it. A token that has
    /// already been replaced is left alone, so many callers failing together refresh once.
    /// </summary>
    Task InvalidateAsync(string key, string staleToken, CancellationToken cancellationToken);
}

/// <summary>Tokens in this process only: the default when no Redis is configured.</summary>
public sealed class InProcessAccessTokenCache(TimeProvider time) : IAccessTokenCache
{
    private readonly Dictionary<string, AccessToken> _tokens = new(StringComparer.Ordinal);
    private readonly InProcessGates _gates = new();
    private readonly Lock _lock = new();

    public async Task<string> GetAsync(string key, Func<CancellationToken, Task<AccessToken>> fetch, CancellationToken cancellationToken)
    {
        if (TryGetValid(key) is { } cached)
        {
            return cached;
        }
        var gate = _gates.For(key);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Whoever held the gate before us has probably refreshed already.
            if (TryGetValid(key) is { } refreshed)
            {
                return refreshed;
            }
            var token = await fetch(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _tokens[key] = token;
            }
            return token.Value;
        }
        finally
        {
            gate.Release();
        }
    }

    public Task InvalidateAsync(string key, string staleToken, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_tokens.TryGetValue(key, out var current) && current.Value == staleToken)
            {
                _tokens.Remove(key);
            }
        }
        return Task.CompletedTask;
    }

    private string? TryGetValid(string key)
    {
        lock (_lock)
        {
            return _tokens.TryGetValue(key, out var token) && time.GetUtcNow() < token.UseUntil ? token.Value : null;
        }
    }
}

using System.Globalization;
using StackExchange.Redis;

namespace CrmChat.Connectors.Infrastructure;

/// <summary>
/// Tokens shared by every CrmChat instance on one Redis. A Redis lock lets one instance
/// refresh while the others wait for its result, so the platform sees one gettoken per
/// expiry however many instances run; inside an instance a semaphore keeps it to one caller.
/// </summary>
public sealed class RedisAccessTokenCache(IConnectionMultiplexer redis, RedisKeyspace keyspace, TimeProvider time) : IAccessTokenCache
{
    private static readonly TimeSpan LockLifetime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly InProcessGates _gates = new();
    private readonly string _owner = Guid.NewGuid().ToString("N");

    public async Task<string> GetAsync(string key, Func<CancellationToken, Task<AccessToken>> fetch, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var tokenKey = TokenKey(key);
        if (await ReadValidAsync(db, tokenKey).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }
        var gate = _gates.For(key);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lockKey = keyspace.Key("token-lock", key);
            while (true)
            {
                if (await ReadValidAsync(db, tokenKey).ConfigureAwait(false) is { } current)
                {
                    return current;
                }
                if (await db.LockTakeAsync(lockKey, _owner, LockLifetime).ConfigureAwait(false))
                {
                    try
                    {
                        // Another instance may have stored a fresh token between our read and the lock.
                        if (await ReadValidAsync(db, tokenKey).ConfigureAwait(false) is { } stored)
                        {
                            return stored;
                        }
                        var token = await fetch(cancellationToken).ConfigureAwait(false);
                        await db.StringSetAsync(tokenKey, Encode(token), RedisLifetime(token)).ConfigureAwait(false);
                        return token.Value;
                    }
                    finally
                    {
                        await db.LockReleaseAsync(lockKey, _owner).ConfigureAwait(false);
                    }
                }
                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task InvalidateAsync(string key, string staleToken, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var tokenKey = TokenKey(key);
        var stored = await db.StringGetAsync(tokenKey).ConfigureAwait(false);
        if (stored.HasValue && Decode(stored!) is { } token && token.Value == staleToken)
        {
            // Compare-and-delete, so a token another instance just stored survives.
            await db.ScriptEvaluateAsync(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                [tokenKey], [stored]).ConfigureAwait(false);
        }
    }

    private RedisKey TokenKey(string key) => keyspace.Key("token", key);

    private async Task<string?> ReadValidAsync(IDatabase db, RedisKey tokenKey)
    {
        var stored = await db.StringGetAsync(tokenKey).ConfigureAwait(false);
        return stored.HasValue && Decode(stored!) is { } token && time.GetUtcNow() < token.UseUntil ? token.Value : null;
    }

    // Validity is judged by TimeProvider (stored with the value); the Redis TTL only keeps
    // the key from lingering, so it is generous.
    private TimeSpan RedisLifetime(AccessToken token)
    {
        var left = token.UseUntil - time.GetUtcNow();
        return left > TimeSpan.Zero ? left + TimeSpan.FromMinutes(10) : TimeSpan.FromMinutes(10);
    }

    private static string Encode(AccessToken token) =>
        token.UseUntil.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + ":" + token.Value;

    private static AccessToken? Decode(string stored)
    {
        var colon = stored.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(stored.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? new AccessToken(stored[(colon + 1)..], DateTimeOffset.FromUnixTimeMilliseconds(ms))
            : null;
    }
}

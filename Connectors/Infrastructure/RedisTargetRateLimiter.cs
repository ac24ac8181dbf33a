using System.Globalization;
using StackExchange.Redis;

namespace CrmChat.Connectors.Infrastructure;

/// <summary>
/// A sliding log per target in a Redis sorted set, so every CrmChat instance counts against
/// the same limit. Time comes from this process's TimeProvider, not Redis's clock.
/// </summary>
public sealed class RedisTargetRateLimiter(IConnectionMultiplexer redis, RedisKeyspace keyspace, TimeProvider time) : ITargetRateLimiter
{
    // Returns 0 when the send was counted, else the milliseconds until the oldest send leaves the window.
    private const string TakeScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
        if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
          redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
          redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
          return 0
        end
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))
        """;

    private readonly InProcessGates _gates = new();

    public async Task WaitAsync(string target, RateLimit limit, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = keyspace.Key("rate", target);
        var windowMs = (long)limit.Window.TotalMilliseconds;
        var gate = _gates.For(target);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var member = now.ToString(CultureInfo.InvariantCulture) + ":" + Guid.NewGuid().ToString("N");
                var waitMs = (long)await db.ScriptEvaluateAsync(TakeScript, [key], [now, windowMs, limit.Permits, member]).ConfigureAwait(false);
                if (waitMs == 0)
                {
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(waitMs), time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using CrmChat.Connectors.Infrastructure;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>Group chat robots (<c>webhook/send?key=</c>): no token, the key is the credential.</summary>
public interface IWeComGroupRobotClient
{
    /// <summary>
    /// Sends to the robot with <paramref name="robotKey"/>. Past 20 messages a minute for that
    /// robot it waits for a slot; it never drops the message.
    /// </summary>
    Task SendAsync(string robotKey, WeComRobotMessage message, CancellationToken cancellationToken = default);
}

public sealed class WeComGroupRobotClient(
    WeComApiTransport transport,
    ITargetRateLimiter limiter,
    IOptions<WeComClientOptions> clientOptions) : IWeComGroupRobotClient
{
    public async Task SendAsync(string robotKey, WeComRobotMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(robotKey);
        message.Validate();
        var o = clientOptions.Value;
        // The key is a credential: the limiter (and Redis) only ever see its hash.
        var target = "wecom:robot:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(robotKey)))[..24];
        await limiter.WaitAsync(target, new RateLimit(o.RobotMessagesPerWindow, o.RateWindow), cancellationToken).ConfigureAwait(false);
        await transport.PostWithoutTokenAsync<WeComResponse>("webhook/send", [new("key", robotKey)], message, cancellationToken).ConfigureAwait(false);
    }
}

using System.Security.Cryptography;
using System.Text;
using CrmChat.Connectors.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>
/// A custom group robot's credentials: the access_token of its webhook URL and, when the
/// robot has 加签 security on, its SEC… secret.
/// </summary>
public sealed record DingTalkCustomRobot(string AccessToken, string? Secret = null)
{
    /// <summary>From the webhook URL DingTalk shows (…/robot/send?access_token=…).</summary>
    public static DingTalkCustomRobot FromWebhook(string webhookUrl, string? secret = null)
    {
        if (!Uri.TryCreate(webhookUrl, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException("A DingTalk robot webhook must be an absolute URL such as https://oapi.dingtalk.com/robot/send?access_token=….", nameof(webhookUrl));
        }
        var token = uri.Query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2))
            .FirstOrDefault(p => p.Length == 2 && p[0] == "access_token")?[1];
        return string.IsNullOrEmpty(token)
            ? throw new ArgumentException("The DingTalk robot webhook has no access_token.", nameof(webhookUrl))
            : new DingTalkCustomRobot(Uri.UnescapeDataString(token), secret);
    }

    public override string ToString() => "DingTalkCustomRobot { AccessToken = …, Secret = … }";
}

/// <summary>Custom group robots (<c>robot/send</c> on oapi): the robot's access_token and sign are the credential.</summary>
public interface IDingTalkCustomRobotClient
{
    /// <summary>
    /// Sends to the group. Past 20 messages a minute for that robot it waits for a slot, and
    /// when DingTalk throttles anyway (410100 / 130101) it waits and sends again: it never
    /// drops the message. A message without <see cref="DingTalkRobotMessage.MsgUuid"/> gets one,
    /// so a resend after a lost answer is not shown twice.
    /// </summary>
    Task SendAsync(DingTalkCustomRobot robot, DingTalkRobotMessage message, CancellationToken cancellationToken = default);
}

public sealed partial class DingTalkCustomRobotClient(
    DingTalkApiTransport transport,
    ITargetRateLimiter limiter,
    IOptions<DingTalkClientOptions> clientOptions,
    TimeProvider time,
    ILogger<DingTalkCustomRobotClient> logger) : IDingTalkCustomRobotClient
{
    public async Task SendAsync(DingTalkCustomRobot robot, DingTalkRobotMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(robot);
        ArgumentException.ThrowIfNullOrWhiteSpace(robot.AccessToken);
        message.Validate();
        if (message.MsgUuid is null)
        {
            message = message with { MsgUuid = Guid.NewGuid().ToString("N") };
        }
        var o = clientOptions.Value;
        // The access token is a credential: the limiter (and Redis) only ever see its hash.
        var target = "dingtalk:robot:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(robot.AccessToken)))[..24];
        var limit = new RateLimit(o.RobotMessagesPerWindow, o.RateWindow);
        for (var attempt = 1; ; attempt++)
        {
            await limiter.WaitAsync(target, limit, cancellationToken).ConfigureAwait(false);
            // Signed per attempt: a send that waited must not carry a stale timestamp.
            var timestamp = time.GetUtcNow().ToUnixTimeMilliseconds();
            List<KeyValuePair<string, string?>> query = [new("access_token", robot.AccessToken)];
            if (!string.IsNullOrEmpty(robot.Secret))
            {
                query.Add(new("timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                query.Add(new("sign", DingTalkRobotSign.Compute(robot.Secret, timestamp)));
            }
            try
            {
                await transport.OapiWithoutTokenAsync<DingTalkOapiResponse>("robot/send", query, message, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (DingTalkApiException e) when (e.IsRobotThrottled && attempt < Math.Max(1, o.RobotThrottleAttempts))
            {
                LogThrottled(logger, e.ReasonCode ?? 0, attempt, o.RobotThrottleDelay);
                await Task.Delay(o.RobotThrottleDelay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 3211, Level = LogLevel.Warning, Message = "DingTalk throttled a group robot (errcode {ErrCode}) on attempt {Attempt}; sending again in {Delay}")]
    private static partial void LogThrottled(ILogger logger, int errCode, int attempt, TimeSpan delay);
}

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>
/// The <c>DingTalk:Client</c> section: how the API client paces and retries. The defaults are
/// the platform's limits; tests shorten the delays.
/// </summary>
public sealed class DingTalkClientOptions
{
    public const string Section = "DingTalk:Client";

    /// <summary>Tokens are refreshed this long before DingTalk says they expire.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts in all (first call included) for 90018, 90002, -1, QPS limits and HTTP failures.</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A custom group robot takes 20 messages a minute.</summary>
    public int RobotMessagesPerWindow { get; set; } = 20;
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>How long to wait after DingTalk throttled a robot anyway (410100 / 130101): its throttle lasts 10 minutes.</summary>
    public TimeSpan RobotThrottleDelay { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Sends to a throttled robot are tried this many times before the error reaches the caller (the outbox retries later).</summary>
    public int RobotThrottleAttempts { get; set; } = 7;

    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

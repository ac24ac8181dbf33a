namespace CrmChat.Connectors.WeCom.Api;

/// <summary>
/// The <c>WeCom:Client</c> section: how the API client paces and retries. The defaults are
/// the platform's limits; tests shorten the windows and delays.
/// </summary>
public sealed class WeComClientOptions
{
    public const string Section = "WeCom:Client";

    /// <summary>Tokens are refreshed this long before WeCom says they expire.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts in all (first call included) for -1, 45009, 45033 and HTTP failures.</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    public int RobotMessagesPerWindow { get; set; } = 20;
    public int MemberMessagesPerWindow { get; set; } = 30;
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

namespace CrmChat.Sandbox.DingTalk;

/// <summary>The <c>Sandbox:DingTalk</c> section: the emulated org and app, and how the emulator behaves.</summary>
public sealed class DingTalkSandboxOptions
{
    public const string Section = "Sandbox:DingTalk";

    public string CorpId { get; set; } = DingTalkSandboxDefaults.CorpId;
    public string AppKey { get; set; } = DingTalkSandboxDefaults.AppKey;
    public string AppSecret { get; set; } = DingTalkSandboxDefaults.AppSecret;
    public long AgentId { get; set; } = DingTalkSandboxDefaults.AgentId;
    public string RobotCode { get; set; } = DingTalkSandboxDefaults.RobotCode;

    /// <summary>Event subscription: token and aes_key set in the developer console.</summary>
    public string Token { get; set; } = DingTalkSandboxDefaults.Token;
    public string AesKey { get; set; } = DingTalkSandboxDefaults.AesKey;
    /// <summary>The id at the end of each encrypted event; empty = the AppKey (corpId for the legacy register API, suiteKey for ISV apps).</summary>
    public string EventKeyId { get; set; } = "";
    /// <summary>Where encrypted events are POSTed; empty = events are recorded but not sent.</summary>
    public string EventCallbackUrl { get; set; } = "";
    /// <summary>Where messages people send to the enterprise robot are POSTed; empty = recorded, not sent.</summary>
    public string RobotCallbackUrl { get; set; } = "";

    /// <summary>How long DingTalk waits for the encrypted "success" (2.5 s on the platform).</summary>
    public TimeSpan EventTimeout { get; set; } = TimeSpan.FromMilliseconds(2500);
    /// <summary>Waits before each retry, real time (the platform: 10 s, then 30 s); the count of entries is the number of retries.</summary>
    public List<TimeSpan> EventRetryDelays { get; set; } = [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];
    /// <summary>Events carry an <c>EventId</c> for dedupe; false sends the bare legacy payload.</summary>
    public bool IncludeEventId { get; set; } = true;
    public TimeSpan RobotCallbackTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public int TokenLifetimeSeconds { get; set; } = 7200;
    public TimeSpan SessionWebhookLifetime { get; set; } = TimeSpan.FromMinutes(90);
    /// <summary>A custom robot takes this many messages a minute, then is throttled for <see cref="CustomRobotThrottle"/>.</summary>
    public int CustomRobotMessagesPerMinute { get; set; } = 20;
    public TimeSpan CustomRobotThrottle { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>How far the robot timestamp may be from the Sandbox clock (1 hour on the platform).</summary>
    public TimeSpan RobotTimestampWindow { get; set; } = TimeSpan.FromHours(1);

    public string EffectiveEventKeyId => EventKeyId.Length > 0 ? EventKeyId : AppKey;

    public DingTalkSandboxOptions Clone()
    {
        var copy = (DingTalkSandboxOptions)MemberwiseClone();
        copy.EventRetryDelays = [.. EventRetryDelays];
        return copy;
    }
}

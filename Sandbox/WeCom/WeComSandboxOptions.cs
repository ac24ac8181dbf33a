namespace CrmChat.Sandbox.WeCom;

/// <summary>The <c>Sandbox:WeCom</c> section: the emulated corp and how the emulator behaves.</summary>
public sealed class WeComSandboxOptions
{
    public const string Section = "Sandbox:WeCom";

    public string CorpId { get; set; } = SandboxDefaults.CorpId;
    public int AgentId { get; set; } = SandboxDefaults.AgentId;
    public string Secret { get; set; } = SandboxDefaults.Secret;
    public string ContactSecret { get; set; } = SandboxDefaults.ContactSecret;
    public string Token { get; set; } = SandboxDefaults.Token;
    public string EncodingAESKey { get; set; } = SandboxDefaults.EncodingAESKey;

    /// <summary>Where events are POSTed; empty = events are recorded but not sent.</summary>
    public string CallbackUrl { get; set; } = "";

    /// <summary>How long WeCom waits for a 200 before it gives up on an attempt (5 s on the platform).</summary>
    public TimeSpan CallbackTimeout { get; set; } = TimeSpan.FromSeconds(5);
    public int CallbackAttempts { get; set; } = 3;
    public TimeSpan CallbackRetryDelay { get; set; } = TimeSpan.Zero;

    public int TokenLifetimeSeconds { get; set; } = 7200;
    /// <summary>Follow users per page of externalcontact/get; small values make paging testable.</summary>
    public int FollowUserPageSize { get; set; } = 500;
    public int AppMessagesPerMemberPerMinute { get; set; } = 30;
    public int RobotMessagesPerKeyPerMinute { get; set; } = 20;

    public WeComSandboxOptions Clone() => (WeComSandboxOptions)MemberwiseClone();
}

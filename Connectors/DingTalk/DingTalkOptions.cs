namespace CrmChat.Connectors.DingTalk;

/// <summary>The <c>DingTalk</c> section: the app in DingTalk's developer console.</summary>
public sealed class DingTalkOptions
{
    public const string Section = "DingTalk";
    public const string DefaultApiBaseUrl = "https://api.dingtalk.com/";
    public const string DefaultOapiBaseUrl = "https://oapi.dingtalk.com/";

    public string AppKey { get; set; } = "";
    /// <summary>Gets tokens and signs what the enterprise robot receives.</summary>
    public string AppSecret { get; set; } = "";
    /// <summary>The event subscription's token, used in signatures.</summary>
    public string Token { get; set; } = "";
    /// <summary>The event subscription's 43-character aes_key.</summary>
    public string AesKey { get; set; } = "";
    /// <summary>
    /// The id sealed into each event: the appKey for an app set up in the developer console
    /// (the default when empty), the corpId for the legacy register API, the suiteKey for ISV apps.
    /// </summary>
    public string KeyId { get; set; } = "";
    public string RobotCode { get; set; } = "";
    public long AgentId { get; set; }
    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;
    public string OapiBaseUrl { get; set; } = DefaultOapiBaseUrl;
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    public string EffectiveKeyId => KeyId.Length > 0 ? KeyId : AppKey;

    /// <summary>Whether the encrypted event subscription is configured (token, key and key id).</summary>
    public bool EventsConfigured => Token.Length > 0 && AesKey.Length > 0 && EffectiveKeyId.Length > 0;
}

namespace CrmChat.Connectors.WeCom;

/// <summary>The <c>WeCom</c> section: the corp's self-built app.</summary>
public sealed class WeComOptions
{
    public const string Section = "WeCom";
    public const string DefaultApiBaseUrl = "https://qyapi.weixin.qq.com/cgi-bin/";

    public string CorpId { get; set; } = "";
    public int AgentId { get; set; }
    /// <summary>The app's secret: messages, cards, members.</summary>
    public string Secret { get; set; } = "";
    /// <summary>The customer-contact secret: externalcontact/* (its own token).</summary>
    public string ContactSecret { get; set; } = "";
    /// <summary>The callback token used in signatures.</summary>
    public string Token { get; set; } = "";
    public string EncodingAESKey { get; set; } = "";
    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Whether the callback side is configured (CorpId, Token and EncodingAESKey).</summary>
    public bool CallbacksConfigured => CorpId.Length > 0 && Token.Length > 0 && EncodingAESKey.Length > 0;
}

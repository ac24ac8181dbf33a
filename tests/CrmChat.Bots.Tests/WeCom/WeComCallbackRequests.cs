using System.Globalization;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Bots.Tests.WeCom;

/// <summary>Builds requests the way WeCom sends them, sealed with CrmChat's CallbackCrypto.</summary>
internal sealed class WeComCallbackRequests(string corpId, string token, string encodingAesKey)
{
    public const string CorpId = "wwtest00000000000001";
    public const string Token = "testCallbackToken";
    public const string EncodingAesKey = "3iHSwtoWu8bPsudHAerz1h/V9tuhAL5c0dEa6fhARm4";

    public static WeComCallbackRequests ForTestCorp() => new(CorpId, Token, EncodingAesKey);

    public static IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("WeCom:CorpId", CorpId),
        new("WeCom:Token", Token),
        new("WeCom:EncodingAESKey", EncodingAesKey),
    ];

    private int _nonce;

    /// <summary>A POST carrying <paramref name="innerXml"/>, encrypted and signed; each call uses a fresh random and nonce.</summary>
    public HttpRequestMessage Post(string innerXml, Func<string, string>? tamperSignature = null)
    {
        var crypto = new CallbackCrypto(token, encodingAesKey, corpId);
        var timestamp = "1777622400";
        var nonce = "n" + Interlocked.Increment(ref _nonce).ToString(CultureInfo.InvariantCulture);
        var (encrypted, signature) = crypto.Seal(innerXml, timestamp, nonce);
        return RawPost(Envelope(encrypted), tamperSignature is null ? signature : tamperSignature(signature), timestamp, nonce);
    }

    public HttpRequestMessage RawPost(string body, string signature, string timestamp = "1777622400", string nonce = "n0") =>
        new(HttpMethod.Post, $"/webhooks/wecom?msg_signature={signature}&timestamp={timestamp}&nonce={nonce}")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "text/xml"),
        };

    /// <summary>The outer XML with a ciphertext that is signed correctly whatever it holds.</summary>
    public HttpRequestMessage SignedEnvelope(string encrypted)
    {
        var signature = CallbackCrypto.Sign(token, "1777622400", "n0", encrypted);
        return RawPost(Envelope(encrypted), signature);
    }

    public string Envelope(string encrypted) =>
        $"<xml><ToUserName><![CDATA[{corpId}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>";

    /// <summary>The URL verification GET, with echostr URL-encoded as WeCom sends it.</summary>
    public string VerifyUrl(string plaintext)
    {
        var crypto = new CallbackCrypto(token, encodingAesKey, corpId);
        var (echostr, signature) = crypto.Seal(plaintext, "1777622400", "verify1");
        return $"/webhooks/wecom?msg_signature={signature}&timestamp=1777622400&nonce=verify1&echostr={Uri.EscapeDataString(echostr)}";
    }

    public static string ContactAdded(string externalUserId, string userId = "zhangsan", long createTime = 1777622400) =>
        "<xml><ToUserName><![CDATA[" + CorpId + "]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>" +
        $"<CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>" +
        $"<ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[{userId}]]></UserID>" +
        $"<ExternalUserID><![CDATA[{externalUserId}]]></ExternalUserID><State><![CDATA[expo]]></State><WelcomeCode><![CDATA[WC1]]></WelcomeCode></xml>";
}

using System.Xml.Linq;
using CrmChat.Connectors.Crypto;
using CrmChat.Connectors.Tests.Crypto;
using CrmChat.Connectors.WeCom;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComCallbackReceiverTests(OfficialWeComCrypto official) : IClassFixture<OfficialWeComCrypto>
{
    private const string Key = CallbackCryptoCrossCheckTests.Key;
    private const string CorpId = CallbackCryptoCrossCheckTests.CorpId;
    private const string Token = "sandboxToken";

    private static readonly WeComOptions Options = new() { CorpId = CorpId, Token = Token, EncodingAESKey = Key };

    [Fact]
    public async Task Callback_sealed_by_the_official_package_opens_into_a_typed_event()
    {
        const string inner = "<xml><ToUserName><![CDATA[wwsandbox0000000001]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>" +
            "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>" +
            "<ChangeType><![CDATA[del_follow_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[wmEXT9]]></ExternalUserID></xml>";
        var (encrypt, signature) = await official.SealAsync(Key, Token, CorpId, inner, "1700000000", "n1");
        var body = $"<xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>";

        var message = new WeComCallbackReceiver(Options).Open(signature, "1700000000", "n1", body);

        var change = Assert.IsType<WeComExternalContactChanged>(message);
        Assert.Equal(("change_external_contact/del_follow_user", "zhangsan", "wmEXT9"), (change.EventType, change.UserId, change.ExternalUserId));
        Assert.Equal(inner, change.Xml);
    }

    [Fact]
    public async Task Url_verification_returns_the_echostr_plaintext()
    {
        var (echostr, signature) = await official.SealAsync(Key, Token, CorpId, "1616140317555161061", "1700000000", "n2");

        Assert.Equal("1616140317555161061", new WeComCallbackReceiver(Options).VerifyUrl(signature, "1700000000", "n2", echostr));
    }

    [Fact]
    public async Task Passive_reply_is_signed_cdata_xml_the_official_package_opens()
    {
        const string reply = "<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[已记录客户 李四]]></Content></xml>";

        var written = new WeComCallbackReceiver(Options).SealReply(reply, "1700000100", "replyNonce");

        Assert.StartsWith("<xml><Encrypt><![CDATA[", written, StringComparison.Ordinal);
        var root = XElement.Parse(written);
        Assert.Equal(["Encrypt", "MsgSignature", "TimeStamp", "Nonce"], root.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(("1700000100", "replyNonce"), ((string)root.Element("TimeStamp")!, (string)root.Element("Nonce")!));
        var opened = await official.OpenAsync(Key, Token, (string)root.Element("Encrypt")!, "1700000100", "replyNonce", (string)root.Element("MsgSignature")!);
        Assert.True(opened.SignatureValid);
        Assert.Equal((reply, CorpId), (opened.Message, opened.ReceiverId));
    }

    [Fact]
    public void Body_with_a_doctype_is_refused_before_the_signature_is_checked()
    {
        const string body = "<!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&x;</Encrypt></xml>";

        var error = Assert.Throws<CallbackCryptoException>(() => new WeComCallbackReceiver(Options).Open("sig", "1", "n", body));

        Assert.Equal(CallbackCryptoError.ParseError, error.Error);
    }
}

public sealed class WeComOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(WeComOptions options) => new WeComOptionsValidator().Validate(null, options);

    [Fact]
    public void WeCom_left_unconfigured_is_valid()
    {
        Assert.True(Validate(new WeComOptions()).Succeeded);
    }

    [Fact]
    public void Complete_callback_settings_are_valid()
    {
        Assert.True(Validate(new WeComOptions { CorpId = "ww1", Token = "t", EncodingAESKey = CallbackCryptoCrossCheckTests.Key }).Succeeded);
    }

    [Fact]
    public void Corp_id_alone_names_the_missing_token_and_key()
    {
        var result = Validate(new WeComOptions { CorpId = "ww1" });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("WeCom:Token ", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("WeCom:EncodingAESKey ", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Failures!, f => f.StartsWith("WeCom:CorpId ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("tooShort")]
    [InlineData("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B!!")]
    public void Malformed_key_is_named_in_the_error(string key)
    {
        var result = Validate(new WeComOptions { CorpId = "ww1", Token = "t", EncodingAESKey = key });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("WeCom:EncodingAESKey must be the 43-character Base64 key", failure, StringComparison.Ordinal);
    }
}

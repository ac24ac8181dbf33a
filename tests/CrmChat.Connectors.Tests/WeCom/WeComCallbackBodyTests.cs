using System.Text;
using System.Xml.Linq;
using CrmChat.Connectors.Crypto;
using CrmChat.Connectors.Tests.Crypto;
using CrmChat.Connectors.WeCom;

namespace CrmChat.Connectors.Tests.WeCom;

/// <summary>
/// The callback body as the webhook receives it (bytes), read by the fast path for WeCom's flat
/// XML: it must open exactly what the XmlReader path opens and refuse exactly what it refuses.
/// </summary>
public sealed class WeComCallbackBodyTests
{
    private const string Key = CallbackCryptoCrossCheckTests.Key;
    private const string CorpId = CallbackCryptoCrossCheckTests.CorpId;
    private const string Token = "sandboxToken";
    private static readonly WeComOptions Options = new() { CorpId = CorpId, Token = Token, EncodingAESKey = Key };
    private static readonly CallbackCrypto Crypto = new(Token, Key, CorpId);

    private static string Text(string content, string msgId = "7100000000000000001") =>
        $"<xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>" +
        $"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>" +
        $"<MsgId>{msgId}</MsgId><AgentID>1000002</AgentID></xml>";

    private static (string Body, string Signature) Seal(string inner)
    {
        var (encrypt, signature) = Crypto.Seal(inner, "1700000000", "n1");
        return ($"<xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>", signature);
    }

    private static WeComCallbackMessage OpenBytes(string body, string signature, int maxCharacters = WeComCallbackXml.DefaultMaxCharacters) =>
        new WeComCallbackReceiver(Crypto, maxCharacters).Open(signature, "1700000000", "n1", Encoding.UTF8.GetBytes(body).AsSpan());

    [Fact]
    public void Chinese_text_message_opens_from_the_body_bytes_with_its_content_and_key()
    {
        const string content = "客户想了解报价和交付时间，请明天回电 🙂 thanks";
        var inner = Text(content);
        var (body, signature) = Seal(inner);

        var message = Assert.IsType<WeComTextMessage>(OpenBytes(body, signature));

        Assert.Equal(content, message.Content);
        Assert.Equal("wecom:msg:7100000000000000001", message.DedupeKey);
        Assert.Equal("member:zhangsan", message.OrderingKey);
        Assert.Equal(inner, message.Xml);
    }

    [Fact]
    public void Body_bytes_with_a_wrong_signature_are_refused_as_bad_signature()
    {
        var (body, _) = Seal(Text("hello"));

        var error = Assert.Throws<CallbackCryptoException>(() => OpenBytes(body, new string('0', 40)));

        Assert.Equal(CallbackCryptoError.BadSignature, error.Error);
    }

    [Fact]
    public void Body_bytes_with_a_doctype_are_refused_without_reading_the_file()
    {
        var secretFile = Path.GetTempFileName();
        File.WriteAllText(secretFile, "TOP-SECRET-FILE-CONTENT");
        try
        {
            var body = $"<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file://{secretFile}\">]><xml><Encrypt>&xxe;</Encrypt></xml>";

            var error = Assert.Throws<CallbackCryptoException>(() => OpenBytes(body, "sig"));

            Assert.Equal(CallbackCryptoError.ParseError, error.Error);
            Assert.DoesNotContain("TOP-SECRET", error.Message, StringComparison.Ordinal);
            Assert.Contains("DTD", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    public static TheoryData<string, string> Envelopes()
    {
        var (body, _) = Seal(Text("hello"));
        var encrypt = XElement.Parse(body).Element("Encrypt")!.Value;
        return new()
        {
            { "as WeCom sends it", body },
            { "plain text instead of CDATA", $"<xml><ToUserName>{CorpId}</ToUserName><Encrypt>{encrypt}</Encrypt></xml>" },
            { "line breaks between elements", $"<xml>\r\n  <Encrypt><![CDATA[{encrypt}]]></Encrypt>\n</xml>\n" },
            { "self-closed element", $"<xml><ToUserName/><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
            { "XML declaration", $"<?xml version=\"1.0\" encoding=\"utf-8\"?><xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
            { "comment", $"<xml><!-- retry --><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
            { "attribute", $"<xml a=\"1\"><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
            { "byte order mark", $"\uFEFF<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
            { "Chinese in another element", $"<xml><ToUserName>企业微信</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
            { "Base64 split by a line break", $"<xml><Encrypt>{encrypt[..40]}\n{encrypt[40..]}</Encrypt></xml>" },
            { "entity in the ciphertext", $"<xml><Encrypt>{encrypt[..40]}&#43;{encrypt[41..]}</Encrypt></xml>" },
            { "no Encrypt", "<xml><ToUserName>ww</ToUserName></xml>" },
            { "empty Encrypt", "<xml><Encrypt><![CDATA[]]></Encrypt></xml>" },
            { "empty body", "" },
            { "not XML", "hello" },
            { "unclosed root", $"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>" },
            { "unclosed CDATA", $"<xml><Encrypt><![CDATA[{encrypt}</Encrypt></xml>" },
            { "mismatched end tag", $"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypted></xml>" },
            { "wrong root", $"<message><Encrypt><![CDATA[{encrypt}]]></Encrypt></message>" },
            { "content after the root", $"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml><xml/>" },
            { "nested element", $"<xml><Encrypt><b><![CDATA[{encrypt}]]></b></Encrypt></xml>" },
            { "control character", $"<xml><ToUserName>a\u0001b</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
            { "]]> in text", $"<xml><ToUserName>a]]>b</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
            { "bare ampersand", $"<xml><ToUserName>a & b</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>" },
        };
    }

    /// <summary>What the XmlReader path (the body as a string) makes of a body: the content, or the error.</summary>
    private static string Outcome(Func<WeComCallbackMessage> open)
    {
        try
        {
            return "opened: " + ((WeComTextMessage)open()).Content;
        }
        catch (CallbackCryptoException ex)
        {
            return $"refused: {ex.Error} {ex.Message}";
        }
    }

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void Body_bytes_open_or_are_refused_exactly_as_the_body_text_is(string why, string body)
    {
        var signature = Crypto.Sign("1700000000", "n1", WeComCallbackXmlOrNull(body) ?? "");
        var receiver = new WeComCallbackReceiver(Options);

        var fromText = Outcome(() => receiver.Open(signature, "1700000000", "n1", body.TrimStart('\uFEFF')));
        var fromBytes = Outcome(() => receiver.Open(signature, "1700000000", "n1", Encoding.UTF8.GetBytes(body).AsSpan()));

        Assert.True(fromText == fromBytes, $"{why}: text {fromText}, bytes {fromBytes}");
    }

    /// <summary>The ciphertext as XML reads it, to sign what the receiver will verify.</summary>
    private static string? WeComCallbackXmlOrNull(string body)
    {
        try
        {
            return WeComCallbackXml.ReadEncrypted(body.TrimStart('\uFEFF')).Encrypt;
        }
        catch (CallbackCryptoException)
        {
            return null;
        }
    }

    [Fact]
    public void Large_chinese_message_opens_and_a_body_over_the_limit_is_a_parse_error()
    {
        var content = string.Concat(Enumerable.Repeat("客户想了解报价和交付时间。", 4000));
        var (body, signature) = Seal(Text(content));

        Assert.Equal(content, Assert.IsType<WeComTextMessage>(OpenBytes(body, signature)).Content);
        var error = Assert.Throws<CallbackCryptoException>(() => OpenBytes(body, signature, maxCharacters: body.Length - 1));
        Assert.Equal(CallbackCryptoError.ParseError, error.Error);
    }

    public static TheoryData<string, string> InnerDocuments() => new()
    {
        { "flat CDATA", Text("报价 🙂") },
        { "plain text values", "<xml><FromUserName>lisi</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1</MsgId></xml>" },
        { "escaped text", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>a &amp; b &lt;c&gt; &#x4F60;</Content></xml>" },
        { "carriage returns", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><![CDATA[line1\r\nline2\rline3]]></Content></xml>" },
        { "text around CDATA", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content> a <![CDATA[b]]> c </Content></xml>" },
        { "comment inside", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>a<!-- x -->b</Content></xml>" },
        { "missing Content", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>" },
        { "empty Content", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content/></xml>" },
        { "Content twice", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>first</Content><Content>second</Content></xml>" },
        { "padded CreateTime", "<xml><FromUserName>lisi</FromUserName><CreateTime> 1700000000 </CreateTime><MsgType>text</MsgType><Content>x</Content></xml>" },
        { "missing FromUserName", "<xml><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>" },
        { "CreateTime not a number", "<xml><FromUserName>lisi</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>" },
        { "DOCTYPE", "<!DOCTYPE xml [<!ENTITY a \"aaaa\">]><xml><FromUserName>&a;</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>" },
        { "unclosed", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>" },
        { "noncharacter", "<xml><FromUserName>lisi</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>a\uFFFEb</Content></xml>" },
    };

    /// <summary>What the full parser alone makes of a document, to compare the fast path with.</summary>
    private static string Reference(string xml)
    {
        XElement root;
        try
        {
            using var reader = System.Xml.XmlReader.Create(new StringReader(xml), new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Prohibit });
            root = XElement.Load(reader);
        }
        catch (System.Xml.XmlException)
        {
            return "refused";
        }
        var from = root.Element("FromUserName")?.Value;
        var time = root.Element("CreateTime")?.Value;
        if (string.IsNullOrEmpty(from) || !long.TryParse(time?.Trim(), out _) || string.IsNullOrEmpty(root.Element("MsgType")?.Value))
        {
            return "refused";
        }
        return $"{from}|{long.Parse(time!.Trim(), System.Globalization.CultureInfo.InvariantCulture)}|{root.Element("Content")?.Value ?? ""}|{root.Element("MsgId")?.Value}";
    }

    [Theory]
    [MemberData(nameof(InnerDocuments))]
    public void Decrypted_message_reads_the_same_values_the_full_xml_parser_reads(string why, string xml)
    {
        string parsed;
        try
        {
            var message = Assert.IsType<WeComTextMessage>(WeComCallbackXml.Parse(xml));
            parsed = $"{message.Envelope.FromUserName}|{message.Envelope.CreateTime}|{message.Content}|{message.Envelope.MsgId}";
        }
        catch (CallbackCryptoException ex) when (ex.Error == CallbackCryptoError.ParseError)
        {
            parsed = "refused";
        }

        Assert.True(Reference(xml) == parsed, $"{why}: full parser {Reference(xml)}, Parse {parsed}");
    }
}

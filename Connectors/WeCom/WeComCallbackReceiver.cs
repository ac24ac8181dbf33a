using System.Buffers;
using System.Text;
using System.Xml;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Connectors.WeCom;

/// <summary>
/// WeCom's side of a callback, in the order the platform's own samples check it: the XML
/// around the ciphertext, the signature (constant time), the decryption and receiveid
/// (the CorpId), then the inner XML. Every failure is a <see cref="CallbackCryptoException"/>
/// whose <see cref="CallbackCryptoException.Error"/> says which check failed.
/// </summary>
public sealed class WeComCallbackReceiver
{
    private readonly CallbackCrypto _crypto;
    private readonly int _maxCharacters;

    public WeComCallbackReceiver(CallbackCrypto crypto, int maxCharacters = WeComCallbackXml.DefaultMaxCharacters)
    {
        _crypto = crypto;
        _maxCharacters = maxCharacters;
    }

    /// <summary>For the configured self-built app; the options must have <see cref="WeComOptions.CallbacksConfigured"/>.</summary>
    public WeComCallbackReceiver(WeComOptions options)
        : this(new CallbackCrypto(options.Token, options.EncodingAESKey, options.CorpId), options.MaxBodyBytes)
    {
    }

    /// <summary>
    /// The URL verification GET: checks the signature over the (already URL-decoded) echostr
    /// and returns its plaintext, which the endpoint answers as is.
    /// </summary>
    public string VerifyUrl(string? signature, string? timestamp, string? nonce, string? echostr)
    {
        if (string.IsNullOrEmpty(echostr))
        {
            throw new CallbackCryptoException(CallbackCryptoError.ParseError, "The request has no echostr.");
        }
        return _crypto.Open(signature, timestamp ?? "", nonce ?? "", echostr);
    }

    /// <summary>Opens a POSTed callback body and parses the event or message inside.</summary>
    public WeComCallbackMessage Open(string? signature, string? timestamp, string? nonce, string body)
    {
        var envelope = WeComCallbackXml.ReadEncrypted(body, _maxCharacters);
        var xml = _crypto.Open(signature, timestamp ?? "", nonce ?? "", envelope.Encrypt);
        return WeComCallbackXml.Parse(xml, _maxCharacters);
    }

    /// <summary>
    /// As <see cref="Open(string?, string?, string?, string)"/>, for the body as received. A body
    /// of ASCII (what WeCom sends: Base64 in XML) is read in place, without a string of it;
    /// any other goes through the string path (UTF-8, byte order mark dropped).
    /// </summary>
    public WeComCallbackMessage Open(string? signature, string? timestamp, string? nonce, ReadOnlySpan<byte> body)
    {
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(body.Length, 1));
        try
        {
            if (Ascii.ToUtf16(body, chars, out var length) != OperationStatus.Done)
            {
                return Open(signature, timestamp, nonce, Encoding.UTF8.GetString(body).TrimStart('\uFEFF'));
            }
            var text = chars.AsSpan(0, length);
            var encrypt = WeComCallbackXml.FindEncrypted(text, _maxCharacters, out var parsed);
            // The body is ASCII: its bytes line up with its characters, and the ciphertext is
            // hashed and decoded from the bytes as they came.
            var xml = parsed is null
                ? _crypto.OpenAscii(signature, timestamp ?? "", nonce ?? "", body[encrypt])
                : _crypto.Open(signature, timestamp ?? "", nonce ?? "", parsed);
            return WeComCallbackXml.Parse(xml, _maxCharacters);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>
    /// A passive reply: <paramref name="replyXml"/> (e.g. a text message back to the member)
    /// encrypted, signed and wrapped as
    /// <c>&lt;xml&gt;&lt;Encrypt/&gt;&lt;MsgSignature/&gt;&lt;TimeStamp/&gt;&lt;Nonce/&gt;&lt;/xml&gt;</c>.
    /// </summary>
    public string SealReply(string replyXml, string timestamp, string nonce)
    {
        var (encrypted, signature) = _crypto.Seal(replyXml, timestamp, nonce);
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            writer.WriteStartElement("xml");
            writer.WriteStartElement("Encrypt");
            writer.WriteCData(encrypted);
            writer.WriteEndElement();
            writer.WriteStartElement("MsgSignature");
            writer.WriteCData(signature);
            writer.WriteEndElement();
            // The official samples write the timestamp as plain text and the rest as CDATA.
            writer.WriteElementString("TimeStamp", timestamp);
            writer.WriteStartElement("Nonce");
            writer.WriteCData(nonce);
            writer.WriteEndElement();
            writer.WriteEndElement();
        }
        return text.ToString();
    }
}

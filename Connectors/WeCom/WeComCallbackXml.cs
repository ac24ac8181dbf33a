using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Connectors.WeCom;

/// <summary>The outer XML WeCom POSTs: the ciphertext and who it is for.</summary>
public sealed record WeComEncryptedEnvelope(string? ToUserName, string Encrypt, string? AgentId);

/// <summary>
/// Reads WeCom's callback XML. Every read refuses a DTD (so no entity can reach the disk or
/// the network), resolves nothing and stops at a size limit; any such failure is a
/// <see cref="CallbackCryptoException"/> with <see cref="CallbackCryptoError.ParseError"/>.
/// </summary>
public static class WeComCallbackXml
{
    public const int DefaultMaxCharacters = 1024 * 1024;

    /// <summary>Reads <c>&lt;xml&gt;&lt;ToUserName/&gt;&lt;Encrypt/&gt;&lt;AgentID/&gt;&lt;/xml&gt;</c>.</summary>
    public static WeComEncryptedEnvelope ReadEncrypted(string body, int maxCharacters = DefaultMaxCharacters)
    {
        var root = Load(body, maxCharacters);
        var encrypt = Text(root, "Encrypt");
        if (string.IsNullOrEmpty(encrypt))
        {
            throw ParseError("The callback has no Encrypt element.");
        }
        return new WeComEncryptedEnvelope(Text(root, "ToUserName"), encrypt, Text(root, "AgentID"));
    }

    /// <summary>
    /// The ciphertext of a POSTed body, as characters of <paramref name="body"/>: read in place
    /// when the body is the flat shape WeCom sends, through <see cref="ReadEncrypted"/> otherwise
    /// (which refuses a DTD or malformed XML as before). Returns the range of the ciphertext in
    /// <paramref name="body"/>, or its text in <paramref name="parsed"/> when the full parser read it.
    /// </summary>
    public static Range FindEncrypted(ReadOnlySpan<char> body, int maxCharacters, out string? parsed)
    {
        if (body.Length > maxCharacters)
        {
            throw ParseError($"The XML is larger than {maxCharacters} characters.");
        }
        Span<Range> names = stackalloc Range[FlatCallbackXml.MaxFields];
        Span<Range> values = stackalloc Range[FlatCallbackXml.MaxFields];
        if (FlatCallbackXml.TryRead(body, names, values, out var flat))
        {
            if (!flat.TryFind("Encrypt", out var encrypt) || body[encrypt].IsEmpty)
            {
                throw ParseError("The callback has no Encrypt element.");
            }
            parsed = null;
            return encrypt;
        }
        parsed = ReadEncrypted(body.ToString(), maxCharacters).Encrypt;
        return default;
    }

    /// <summary>Parses decrypted callback XML into the typed message for its event.</summary>
    public static WeComCallbackMessage Parse(string xml, int maxCharacters = DefaultMaxCharacters)
    {
        if (xml.Length > maxCharacters)
        {
            throw ParseError($"The XML is larger than {maxCharacters} characters.");
        }
        Span<Range> names = stackalloc Range[FlatCallbackXml.MaxFields];
        Span<Range> values = stackalloc Range[FlatCallbackXml.MaxFields];
        // Approvals carry nested elements and are read by the full parser.
        if (FlatCallbackXml.TryRead(xml, names, values, out var flat)
            && !(flat.Find("MsgType").SequenceEqual("event") && flat.Find("Event").SequenceEqual("sys_approval_change")))
        {
            return Build(xml, flat, null);
        }
        var root = Load(xml, maxCharacters);
        return Build(xml, new ElementFields(root), root);
    }

    private static WeComCallbackMessage Build<TFields>(string xml, scoped TFields root, XElement? element)
        where TFields : ICallbackFields, allows ref struct
    {
        var envelope = new WeComEnvelope(
            root.Text("ToUserName") ?? "",
            Required(root, "FromUserName"),
            Number(root, "CreateTime") ?? throw ParseError("The callback has no CreateTime."),
            Required(root, "MsgType"),
            root.Text("Event"),
            root.Text("ChangeType"),
            root.Text("MsgId"),
            root.Text("AgentID"));

        return (envelope.MsgType, envelope.Event) switch
        {
            ("event", "change_external_contact") => new WeComExternalContactChanged
            {
                Envelope = envelope,
                Xml = xml,
                UserId = root.Text("UserID"),
                ExternalUserId = root.Text("ExternalUserID"),
                State = root.Text("State"),
                WelcomeCode = root.Text("WelcomeCode"),
                Source = root.Text("Source"),
                FailReason = root.Text("FailReason"),
            },
            ("event", "change_external_tag") => new WeComExternalTagChanged
            {
                Envelope = envelope,
                Xml = xml,
                Id = root.Text("Id"),
                TagType = root.Text("TagType"),
            },
            ("event", "change_external_chat") => new WeComExternalChatChanged
            {
                Envelope = envelope,
                Xml = xml,
                ChatId = root.Text("ChatId"),
                UpdateDetail = root.Text("UpdateDetail"),
            },
            ("event", "template_card_event") => new WeComTemplateCardClicked
            {
                Envelope = envelope,
                Xml = xml,
                EventKey = root.Text("EventKey"),
                TaskId = root.Text("TaskId"),
                CardType = root.Text("CardType"),
                ResponseCode = root.Text("ResponseCode"),
            },
            ("event", "sys_approval_change") when element?.Element("ApprovalInfo") is { } info => new WeComApprovalChanged
            {
                Envelope = envelope,
                Xml = xml,
                ApprovalInfo = ReadApproval(info),
                ApprovalInfoXml = info.ToString(SaveOptions.DisableFormatting),
            },
            ("text", _) => new WeComTextMessage
            {
                Envelope = envelope,
                Xml = xml,
                Content = root.Text("Content") ?? "",
            },
            _ => new WeComOtherCallback { Envelope = envelope, Xml = xml },
        };
    }

    private static WeComApprovalInfo ReadApproval(XElement info) => new(
        Required(info, "SpNo"),
        Text(info, "SpName"),
        (WeComApprovalStatus)(Number(info, "SpStatus") ?? 0),
        Text(info, "TemplateId"),
        Number(info, "ApplyTime") ?? 0,
        Text(info.Element("Applyer"), "UserId"),
        Text(info.Element("Applyer"), "Party"),
        info.Elements("SpRecord").Select(record => new WeComApprovalStep(
            (WeComApprovalStatus)(Number(record, "SpStatus") ?? 0),
            (int)(Number(record, "ApproverAttr") ?? 0),
            record.Elements("Details").Select(d => new WeComApprovalDecision(
                Text(d.Element("Approver"), "UserId") ?? "",
                Text(d, "Speech"),
                (WeComApprovalStatus)(Number(d, "SpStatus") ?? 0),
                Number(d, "SpTime") ?? 0)).ToList())).ToList(),
        info.Elements("Notifyer").Select(n => Text(n, "UserId")).OfType<string>().ToList(),
        info.Elements("Comments").Select(c => new WeComApprovalComment(
            Text(c.Element("CommentUserInfo"), "UserId") ?? "",
            Number(c, "CommentTime") ?? 0,
            Text(c, "CommentContent"),
            Text(c, "CommentId"))).ToList(),
        Number(info, "StatuChangeEvent") is { } change ? (int)change : null);

    private static XElement Load(string xml, int maxCharacters)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxCharacters,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        if (xml.Length > maxCharacters)
        {
            throw ParseError($"The XML is larger than {maxCharacters} characters.");
        }
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            var root = XElement.Load(reader);
            return root.Name.LocalName == "xml" ? root : throw ParseError("The root element is not <xml>.");
        }
        catch (XmlException ex)
        {
            // Say where, not what: the reader's own message can quote pieces of the payload.
            throw ParseError(xml.Contains("<!DOCTYPE", StringComparison.OrdinalIgnoreCase)
                ? "The XML has a DTD, which callbacks never carry and CrmChat does not process."
                : $"The XML is malformed or over the size limit (line {ex.LineNumber}, position {ex.LinePosition}).");
        }
    }

    private static string? Text(XElement? parent, string name) => parent?.Element(name)?.Value;

    private static string Required(XElement parent, string name) => Required(new ElementFields(parent), name);

    private static long? Number(XElement parent, string name) => Number(new ElementFields(parent), name);

    private static string Required<TFields>(scoped TFields parent, string name)
        where TFields : ICallbackFields, allows ref struct =>
        parent.Text(name) is { Length: > 0 } value ? value : throw ParseError($"The callback has no {name}.");

    private static long? Number<TFields>(scoped TFields parent, string name)
        where TFields : ICallbackFields, allows ref struct
    {
        var text = parent.Text(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        return long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ParseError($"{name} is not a number.");
    }

    private static CallbackCryptoException ParseError(string message) => new(CallbackCryptoError.ParseError, message);
}

/// <summary>The child elements' text of a callback, read by the full parser or by <see cref="FlatCallbackXml"/>.</summary>
internal interface ICallbackFields
{
    string? Text(string name);
}

internal readonly struct ElementFields(XElement root) : ICallbackFields
{
    public string? Text(string name) => root.Element(name)?.Value;
}

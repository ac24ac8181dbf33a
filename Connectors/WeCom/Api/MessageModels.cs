using System.Text;
using System.Text.Json.Serialization;

namespace CrmChat.Connectors.WeCom.Api;

public sealed record WeComTextContent(string Content);

public sealed record WeComMarkdownContent(string Content);

/// <summary>
/// An app message to members (<c>message/send</c>). Build one with <see cref="Text"/>,
/// <see cref="Markdown"/> or <see cref="Card"/>. Duplicate check is on by default so a retry
/// after a lost answer never shows the message twice.
/// </summary>
public sealed record WeComAppMessage
{
    /// <summary>Text and markdown content limit for app messages, in UTF-8 bytes.</summary>
    public const int MaxContentBytes = 2048;

    public required IReadOnlyList<string> ToUsers { get; init; }
    public required string MsgType { get; init; }
    public WeComTextContent? TextContent { get; init; }
    public WeComMarkdownContent? MarkdownContent { get; init; }
    public WeComTemplateCard? TemplateCard { get; init; }
    public bool EnableDuplicateCheck { get; init; } = true;
    /// <summary>Seconds; WeCom's default is 1800, its maximum 4 hours.</summary>
    public int? DuplicateCheckInterval { get; init; }

    public static WeComAppMessage Text(IReadOnlyList<string> toUsers, string content) =>
        new() { ToUsers = toUsers, MsgType = "text", TextContent = new(content) };

    public static WeComAppMessage Markdown(IReadOnlyList<string> toUsers, string content) =>
        new() { ToUsers = toUsers, MsgType = "markdown", MarkdownContent = new(content) };

    public static WeComAppMessage Card(IReadOnlyList<string> toUsers, WeComTemplateCard card) =>
        new() { ToUsers = toUsers, MsgType = "template_card", TemplateCard = card };

    internal void Validate()
    {
        if (ToUsers.Count == 0 || ToUsers.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("An app message needs at least one member userid.", nameof(ToUsers));
        }
        switch (MsgType)
        {
            case "text":
                ContentLimits.Check(TextContent?.Content, MaxContentBytes, "text");
                break;
            case "markdown":
                ContentLimits.Check(MarkdownContent?.Content, MaxContentBytes, "markdown");
                break;
            case "template_card":
                (TemplateCard ?? throw new ArgumentException("template_card message without a card.", nameof(TemplateCard))).Validate(forRobot: false);
                break;
            default:
                throw new ArgumentException($"msgtype '{MsgType}' is not one CrmChat sends (text, markdown, template_card).", nameof(MsgType));
        }
    }
}

/// <summary>What message/send reports: members it could not reach, and the card's one-use response_code.</summary>
public sealed record WeComSendResult
{
    public IReadOnlyList<string> InvalidUsers { get; init; } = [];
    public IReadOnlyList<string> UnlicensedUsers { get; init; } = [];
    public string? MsgId { get; init; }
    /// <summary>For cards: pass to update_template_card (once, within 72 h).</summary>
    public string? ResponseCode { get; init; }
}

/// <summary>
/// message/update_template_card: either turn the clicked buttons into one grey label
/// (<see cref="ReplaceButtonName"/>) or replace the whole card (<see cref="TemplateCard"/>).
/// </summary>
public sealed record WeComTemplateCardUpdate
{
    public required IReadOnlyList<string> UserIds { get; init; }
    public required string ResponseCode { get; init; }
    public string? ReplaceButtonName { get; init; }
    public WeComTemplateCard? TemplateCard { get; init; }
}

internal static class ContentLimits
{
    public static void Check(string? content, int maxBytes, string what)
    {
        if (string.IsNullOrEmpty(content))
        {
            throw new ArgumentException($"A {what} message needs content.", nameof(content));
        }
        var bytes = Encoding.UTF8.GetByteCount(content);
        if (bytes > maxBytes)
        {
            throw new ArgumentException(
                $"A {what} message is {bytes} bytes of UTF-8; WeCom takes at most {maxBytes}. Shorten it or split it.", nameof(content));
        }
    }
}

internal sealed record MessageSendRequest
{
    [JsonPropertyName("touser")]
    public required string ToUser { get; init; }
    [JsonPropertyName("msgtype")]
    public required string MsgType { get; init; }
    [JsonPropertyName("agentid")]
    public int AgentId { get; init; }
    public WeComTextContent? Text { get; init; }
    public WeComMarkdownContent? Markdown { get; init; }
    public WeComTemplateCard? TemplateCard { get; init; }
    public int EnableDuplicateCheck { get; init; }
    public int? DuplicateCheckInterval { get; init; }
}

internal sealed record MessageSendResponse : WeComResponse
{
    [JsonPropertyName("invaliduser")]
    public string? InvalidUser { get; init; }
    [JsonPropertyName("unlicenseduser")]
    public string? UnlicensedUser { get; init; }
    [JsonPropertyName("msgid")]
    public string? MsgId { get; init; }
    public string? ResponseCode { get; init; }
}

internal sealed record UpdateTemplateCardRequest
{
    [JsonPropertyName("userids")]
    public required IReadOnlyList<string> UserIds { get; init; }
    [JsonPropertyName("agentid")]
    public int AgentId { get; init; }
    public required string ResponseCode { get; init; }
    public ReplaceButton? Button { get; init; }
    public WeComTemplateCard? TemplateCard { get; init; }

    internal sealed record ReplaceButton(string ReplaceName);
}

internal sealed record UpdateTemplateCardResponse : WeComResponse
{
    [JsonPropertyName("invaliduser")]
    public IReadOnlyList<string>? InvalidUser { get; init; }
}

using System.Text.Json.Serialization;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>Robot text: who to @ by userid (or "@all") and by mobile.</summary>
public sealed record WeComRobotText
{
    public required string Content { get; init; }
    public IReadOnlyList<string>? MentionedList { get; init; }
    public IReadOnlyList<string>? MentionedMobileList { get; init; }
}

/// <summary>
/// A group robot message (<c>webhook/send?key=</c>): text (≤ 2048 bytes), markdown
/// (≤ 4096 bytes) or a text_notice card.
/// </summary>
public sealed record WeComRobotMessage
{
    public const int MaxTextBytes = 2048;
    public const int MaxMarkdownBytes = 4096;

    [JsonPropertyName("msgtype")]
    public required string MsgType { get; init; }
    public WeComRobotText? Text { get; init; }
    public WeComMarkdownContent? Markdown { get; init; }
    public WeComTemplateCard? TemplateCard { get; init; }

    public static WeComRobotMessage ForText(string content, IReadOnlyList<string>? mentioned = null, IReadOnlyList<string>? mentionedMobiles = null) =>
        new() { MsgType = "text", Text = new() { Content = content, MentionedList = mentioned, MentionedMobileList = mentionedMobiles } };

    public static WeComRobotMessage ForMarkdown(string content) =>
        new() { MsgType = "markdown", Markdown = new(content) };

    public static WeComRobotMessage ForCard(WeComTemplateCard card) =>
        new() { MsgType = "template_card", TemplateCard = card };

    internal void Validate()
    {
        switch (MsgType)
        {
            case "text":
                ContentLimits.Check(Text?.Content, MaxTextBytes, "robot text");
                break;
            case "markdown":
                ContentLimits.Check(Markdown?.Content, MaxMarkdownBytes, "robot markdown");
                break;
            case "template_card":
                (TemplateCard ?? throw new ArgumentException("template_card message without a card.", nameof(TemplateCard))).Validate(forRobot: true);
                break;
            default:
                throw new ArgumentException($"msgtype '{MsgType}' is not one CrmChat sends to robots (text, markdown, template_card).", nameof(MsgType));
        }
    }
}

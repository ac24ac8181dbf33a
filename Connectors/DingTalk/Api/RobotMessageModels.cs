using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>Who a robot text or markdown @-mentions; the @ must also appear in the text.</summary>
public sealed record DingTalkAt
{
    public IReadOnlyList<string>? AtMobiles { get; init; }
    public IReadOnlyList<string>? AtUserIds { get; init; }
    public bool? IsAtAll { get; init; }
}

public sealed record DingTalkText(string Content);

public sealed record DingTalkMarkdown(string Title, string Text);

public sealed record DingTalkLink(
    string Title,
    string Text,
    [property: JsonPropertyName("messageUrl")] string MessageUrl,
    [property: JsonPropertyName("picUrl")] string? PicUrl = null);

public sealed record DingTalkActionCardButton(string Title, [property: JsonPropertyName("actionURL")] string ActionUrl);

/// <summary>A card with one link button (SingleTitle / SingleUrl) or several (Btns); buttons open links, they do not call back.</summary>
public sealed record DingTalkActionCard
{
    public required string Title { get; init; }
    public required string Text { get; init; }
    public string? SingleTitle { get; init; }
    [JsonPropertyName("singleURL")]
    public string? SingleUrl { get; init; }
    public IReadOnlyList<DingTalkActionCardButton>? Btns { get; init; }
    /// <summary>"0" buttons stacked, "1" side by side.</summary>
    public string? BtnOrientation { get; init; }
}

public sealed record DingTalkFeedCardLink(
    string Title,
    [property: JsonPropertyName("messageURL")] string MessageUrl,
    [property: JsonPropertyName("picURL")] string PicUrl);

public sealed record DingTalkFeedCard(IReadOnlyList<DingTalkFeedCardLink> Links);

/// <summary>
/// A robot message body as a custom group robot (<c>robot/send</c>) and a session webhook take it.
/// <see cref="MsgUuid"/> makes a resend idempotent; the client fills one in when it is null.
/// </summary>
public sealed record DingTalkRobotMessage
{
    [JsonPropertyName("msgtype")]
    public required string MsgType { get; init; }
    public DingTalkText? Text { get; init; }
    public DingTalkMarkdown? Markdown { get; init; }
    public DingTalkLink? Link { get; init; }
    public DingTalkActionCard? ActionCard { get; init; }
    public DingTalkFeedCard? FeedCard { get; init; }
    public DingTalkAt? At { get; init; }
    public string? MsgUuid { get; init; }

    public static DingTalkRobotMessage ForText(string content, DingTalkAt? at = null, string? msgUuid = null) =>
        new() { MsgType = "text", Text = new(content), At = at, MsgUuid = msgUuid };

    public static DingTalkRobotMessage ForMarkdown(string title, string text, DingTalkAt? at = null, string? msgUuid = null) =>
        new() { MsgType = "markdown", Markdown = new(title, text), At = at, MsgUuid = msgUuid };

    public static DingTalkRobotMessage ForLink(string title, string text, string messageUrl, string? picUrl = null, string? msgUuid = null) =>
        new() { MsgType = "link", Link = new(title, text, messageUrl, picUrl), MsgUuid = msgUuid };

    public static DingTalkRobotMessage ForActionCard(string title, string markdown, string singleTitle, string singleUrl, string? msgUuid = null) =>
        new() { MsgType = "actionCard", ActionCard = new() { Title = title, Text = markdown, SingleTitle = singleTitle, SingleUrl = singleUrl }, MsgUuid = msgUuid };

    public static DingTalkRobotMessage ForActionCard(string title, string markdown, IReadOnlyList<DingTalkActionCardButton> buttons,
        bool sideBySide = false, string? msgUuid = null) =>
        new() { MsgType = "actionCard", ActionCard = new() { Title = title, Text = markdown, Btns = buttons, BtnOrientation = sideBySide ? "1" : "0" }, MsgUuid = msgUuid };

    public static DingTalkRobotMessage ForFeedCard(IReadOnlyList<DingTalkFeedCardLink> links, string? msgUuid = null) =>
        new() { MsgType = "feedCard", FeedCard = new(links), MsgUuid = msgUuid };

    /// <summary>The body as DingTalk receives it (before the client adds a msgUuid).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DingTalkJson.Options);

    /// <summary>Refuses a message DingTalk would refuse, before it costs one of the robot's 20 a minute.</summary>
    public void Validate()
    {
        var ok = MsgType switch
        {
            "text" => !string.IsNullOrEmpty(Text?.Content),
            "markdown" => Markdown is { Title.Length: > 0, Text.Length: > 0 },
            "link" => Link is { Title.Length: > 0, Text.Length: > 0, MessageUrl.Length: > 0 },
            "actionCard" => ActionCard is { Title.Length: > 0, Text.Length: > 0 } card
                && (card.Btns is { Count: > 0 } ? card.SingleTitle is null : card is { SingleTitle.Length: > 0, SingleUrl.Length: > 0 }),
            "feedCard" => FeedCard is { Links.Count: > 0 },
            _ => false,
        };
        if (!ok)
        {
            throw new ArgumentException($"A DingTalk robot {MsgType} message needs its {MsgType} content filled in " +
                "(actionCard: title, text and either singleTitle + singleURL or btns).");
        }
    }
}

/// <summary>
/// A message for the v1.0 robot APIs (groupMessages/send, oToMessages/batchSend): a template
/// key (sampleText, sampleMarkdown, sampleActionCard, sampleLink …) and its parameters as a JSON string.
/// </summary>
public sealed record DingTalkRobotTemplateMessage(string MsgKey, string MsgParam)
{
    public static DingTalkRobotTemplateMessage SampleText(string content) => New("sampleText", new { content });

    public static DingTalkRobotTemplateMessage SampleMarkdown(string title, string text) => New("sampleMarkdown", new { title, text });

    public static DingTalkRobotTemplateMessage SampleLink(string title, string text, string messageUrl, string picUrl) =>
        New("sampleLink", new { title, text, messageUrl, picUrl });

    public static DingTalkRobotTemplateMessage SampleActionCard(string title, string text, string singleTitle, string singleUrl) =>
        New("sampleActionCard", new Dictionary<string, string> { ["title"] = title, ["text"] = text, ["singleTitle"] = singleTitle, ["singleURL"] = singleUrl });

    /// <summary>
    /// One button as sampleActionCard, 2 to 5 stacked buttons as sampleActionCard2..5
    /// (actionTitleN / actionURLN); buttons open links, they do not call back.
    /// </summary>
    public static DingTalkRobotTemplateMessage SampleActionCard(string title, string text, IReadOnlyList<DingTalkActionCardButton> buttons)
    {
        ArgumentNullException.ThrowIfNull(buttons);
        switch (buttons.Count)
        {
            case 1:
                return SampleActionCard(title, text, buttons[0].Title, buttons[0].ActionUrl);
            case >= 2 and <= 5:
                var param = new Dictionary<string, string> { ["title"] = title, ["text"] = text };
                for (var i = 0; i < buttons.Count; i++)
                {
                    param[$"actionTitle{i + 1}"] = buttons[i].Title;
                    param[$"actionURL{i + 1}"] = buttons[i].ActionUrl;
                }
                return New($"sampleActionCard{buttons.Count}", param);
            default:
                throw new ArgumentException($"DingTalk's action card templates take 1 to 5 buttons, not {buttons.Count}.", nameof(buttons));
        }
    }

    private static DingTalkRobotTemplateMessage New(string key, object param) =>
        new(key, JsonSerializer.Serialize(param, param.GetType(), DingTalkJson.Options));
}

/// <summary>The answer of oToMessages/batchSend.</summary>
public sealed record DingTalkBatchSendResult(string ProcessQueryKey, IReadOnlyList<string> InvalidStaffIds, IReadOnlyList<string> FlowControlledStaffIds);

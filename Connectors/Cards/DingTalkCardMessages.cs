using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmChat.Connectors.Cards;

/// <summary>DingTalk's JSON: camelCase unless a property spells its name, nulls left out.</summary>
public static class DingTalkCardJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

public sealed record DingTalkMarkdownBody(string Title, string Text);

public sealed record DingTalkCardButton(string Title, [property: JsonPropertyName("actionURL")] string ActionUrl);

/// <summary>actionCard with independent buttons (btns); each button opens its URL.</summary>
public sealed record DingTalkActionCardBody(string Title, string Text, IReadOnlyList<DingTalkCardButton> Btns)
{
    /// <summary>"0" stacked (every title stays readable), "1" side by side.</summary>
    public string BtnOrientation { get; init; } = "0";
}

/// <summary>
/// A robot message body as a custom group robot (<c>robot/send</c>) and a session webhook take
/// it: <c>{"msgtype":"markdown","markdown":{title,text}}</c> or
/// <c>{"msgtype":"actionCard","actionCard":{title,text,btnOrientation,btns:[{title,actionURL}]}}</c>.
/// </summary>
public sealed record DingTalkRobotCardMessage
{
    [JsonPropertyName("msgtype")]
    public required string MsgType { get; init; }
    public DingTalkMarkdownBody? Markdown { get; init; }
    public DingTalkActionCardBody? ActionCard { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, DingTalkCardJson.Options);
}

/// <summary>
/// A v1.0 robot message (robot/groupMessages/send, robot/oToMessages/batchSend): msgKey
/// sampleMarkdown, sampleActionCard (one button) or sampleActionCard2..5 (2-5 stacked buttons),
/// and msgParam, its parameters as a JSON string.
/// </summary>
public sealed record DingTalkRobotTemplate(string MsgKey, string MsgParam);

public sealed record DingTalkWorkButton(string Title, [property: JsonPropertyName("action_url")] string ActionUrl);

public sealed record DingTalkWorkActionCard(string Title, string Markdown, [property: JsonPropertyName("btn_json_list")] IReadOnlyList<DingTalkWorkButton> BtnJsonList)
{
    [JsonPropertyName("btn_orientation")]
    public string BtnOrientation { get; init; } = "0";
}

/// <summary>
/// The <c>msg</c> of a work notification (topapi/message/corpconversation/asyncsend_v2):
/// <c>{"msgtype":"markdown","markdown":{title,text}}</c> or
/// <c>{"msgtype":"action_card","action_card":{title,markdown,btn_orientation,btn_json_list:[{title,action_url}]}}</c>.
/// </summary>
public sealed record DingTalkWorkMessage
{
    [JsonPropertyName("msgtype")]
    public required string MsgType { get; init; }
    public DingTalkMarkdownBody? Markdown { get; init; }
    [JsonPropertyName("action_card")]
    public DingTalkWorkActionCard? ActionCard { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, DingTalkCardJson.Options);
}

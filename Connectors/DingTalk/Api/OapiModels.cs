using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>
/// A work notification's <c>msg</c> (text, markdown, action_card, link, oa …), in oapi's
/// snake_case. Built from the factories, or from any JSON object DingTalk documents.
/// </summary>
public sealed record DingTalkWorkMessage(JsonObject Msg)
{
    public static DingTalkWorkMessage Text(string content) =>
        new(new JsonObject { ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = content } });

    public static DingTalkWorkMessage Markdown(string title, string text) =>
        new(new JsonObject { ["msgtype"] = "markdown", ["markdown"] = new JsonObject { ["title"] = title, ["text"] = text } });

    public static DingTalkWorkMessage ActionCard(string title, string markdown, string singleTitle, string singleUrl) =>
        new(new JsonObject
        {
            ["msgtype"] = "action_card",
            ["action_card"] = new JsonObject { ["title"] = title, ["markdown"] = markdown, ["single_title"] = singleTitle, ["single_url"] = singleUrl },
        });

    /// <summary>An action card whose buttons each open their own link (btn_json_list), stacked unless side by side.</summary>
    public static DingTalkWorkMessage ActionCard(string title, string markdown, IReadOnlyList<DingTalkActionCardButton> buttons, bool sideBySide = false) =>
        new(new JsonObject
        {
            ["msgtype"] = "action_card",
            ["action_card"] = new JsonObject
            {
                ["title"] = title,
                ["markdown"] = markdown,
                ["btn_json_list"] = ButtonList(buttons),
                ["btn_orientation"] = sideBySide ? "1" : "0",
            },
        });

    /// <summary>btn_json_list as sent: oapi spells a button's link action_url, where robots say actionURL.</summary>
    public static JsonArray ButtonList(IEnumerable<DingTalkActionCardButton> buttons) =>
        new([.. buttons.Select(b => (JsonNode)new JsonObject { ["title"] = b.Title, ["action_url"] = b.ActionUrl })]);

    public static DingTalkWorkMessage Link(string title, string text, string messageUrl, string picUrl) =>
        new(new JsonObject
        {
            ["msgtype"] = "link",
            ["link"] = new JsonObject { ["title"] = title, ["text"] = text, ["messageUrl"] = messageUrl, ["picUrl"] = picUrl },
        });

    /// <summary>The msg as DingTalk receives it.</summary>
    public string ToJson() => Msg.ToJsonString(DingTalkJson.Options);
}

/// <summary>A member of the corp, from topapi/v2/user/get.</summary>
public sealed record DingTalkUser
{
    [JsonPropertyName("userid")]
    public string UserId { get; init; } = "";
    [JsonPropertyName("unionid")]
    public string? UnionId { get; init; }
    public string Name { get; init; } = "";
    public string? Mobile { get; init; }
    public string? Email { get; init; }
    public string? Title { get; init; }
    [JsonPropertyName("job_number")]
    public string? JobNumber { get; init; }
    [JsonPropertyName("dept_id_list")]
    public IReadOnlyList<long> DeptIds { get; init; } = [];
    public bool? Active { get; init; }
    public bool? Admin { get; init; }
    public string? Avatar { get; init; }
    [JsonPropertyName("manager_userid")]
    public string? ManagerUserId { get; init; }

    /// <summary>Fields this record does not name, as DingTalk sent them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

internal sealed record UserGetResponse : DingTalkOapiResponse
{
    public DingTalkUser? Result { get; init; }
}

internal sealed record AsyncSendResponse : DingTalkOapiResponse
{
    [JsonPropertyName("task_id")]
    public long TaskId { get; init; }
}

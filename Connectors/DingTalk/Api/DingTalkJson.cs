using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>
/// DingTalk's wire format: v1.0 is camelCase, oapi snake_case, and robot messages mix both
/// (singleURL, messageUrl), so names that differ from camelCase are spelled on the property.
/// </summary>
public static class DingTalkJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Chinese text stays readable on the wire and byte counts match what DingTalk measures.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>What every legacy oapi answer carries; errcode 0 is success.</summary>
public record DingTalkOapiResponse
{
    [JsonPropertyName("errcode")]
    public int ErrCode { get; init; }

    [JsonPropertyName("errmsg")]
    public string ErrMsg { get; init; } = "";

    /// <summary>topapi wraps some failures (token ones among them) as errcode 88 with the real code here.</summary>
    [JsonPropertyName("sub_code")]
    public string? SubCode { get; init; }

    [JsonPropertyName("sub_msg")]
    public string? SubMsg { get; init; }
}

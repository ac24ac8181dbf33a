using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>WeCom's wire format: snake_case names (a few fused ones are spelled on the property), nulls left out.</summary>
public static class WeComJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Chinese text stays readable on the wire and byte counts match what WeCom measures.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>What every WeCom answer carries; errcode 0 is success.</summary>
public record WeComResponse
{
    [JsonPropertyName("errcode")]
    public int ErrCode { get; init; }

    [JsonPropertyName("errmsg")]
    public string ErrMsg { get; init; } = "";
}

using System.Text.Json.Nodes;

namespace CrmChat.Sandbox.DingTalk;

/// <summary>A v1.0 API refusal: the HTTP status and DingTalk's {code, message, requestid} body.</summary>
public sealed class DingTalkApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>Builds DingTalk's JSON answers.</summary>
public static class DingTalkReply
{
    public static string RequestId() => Guid.NewGuid().ToString("D").ToUpperInvariant();

    /// <summary>Legacy success: errcode 0, errmsg ok, the fields, request_id.</summary>
    public static JsonObject Ok(JsonObject? fields = null)
    {
        var reply = new JsonObject { ["errcode"] = 0, ["errmsg"] = "ok" };
        foreach (var (name, value) in fields?.ToList() ?? [])
        {
            fields!.Remove(name);
            reply[name] = value;
        }
        reply["request_id"] = ShortRequestId();
        return reply;
    }

    public static JsonObject Error(int errcode, string errmsg) => new()
    {
        ["errcode"] = errcode,
        ["errmsg"] = errmsg,
        ["request_id"] = ShortRequestId(),
    };

    /// <summary>How topapi reports a token problem: errcode 88 with the reason in sub_code.</summary>
    public static JsonObject Wrapped(int subCode, string subMsg) => new()
    {
        ["errcode"] = DingTalkErrors.Wrapped,
        ["sub_code"] = subCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["sub_msg"] = subMsg,
        ["errmsg"] = $"ding talk error[subcode={subCode},submsg={subMsg}]",
        ["request_id"] = ShortRequestId(),
    };

    /// <summary>The robot endpoints answer only errcode and errmsg.</summary>
    public static JsonObject Robot(int errcode, string errmsg) => new() { ["errcode"] = errcode, ["errmsg"] = errmsg };

    public static JsonObject ApiError(string code, string message) => new()
    {
        ["requestid"] = RequestId(),
        ["code"] = code,
        ["message"] = message,
    };

    private static string ShortRequestId() => Guid.NewGuid().ToString("N")[..13];
}

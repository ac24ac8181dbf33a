using System.Globalization;

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>
/// DingTalk refused a call in a way retrying cannot fix (or retries ran out). v1.0 APIs
/// answer an HTTP status with <c>{code, message, requestid}</c>; legacy oapi ones errcode /
/// errmsg, given here as <see cref="ErrCode"/> and as <see cref="Code"/> in text.
/// <see cref="Path"/> has no query, so no token or secret reaches the logs.
/// </summary>
public sealed class DingTalkApiException(string path, int httpStatus, string code, string message, string? requestId = null, int? errCode = null, string? subCode = null)
    : Exception(Describe(path, httpStatus, code, message, subCode))
{
    /// <summary>topapi's wrapper errcode: the reason is in <see cref="SubCode"/>.</summary>
    public const int Wrapped = 88;
    public const int SessionNotFound = 300001;
    public const int SystemBusy = -1;
    public const int InvalidAccessToken = 40014;
    public const int AccessTokenExpired = 42001;
    public const int AppQpsLimited = 90018;
    public const int GlobalQpsLimited = 90002;
    public const int UserNotFound = 60121;
    public const int RobotThrottled = 410100;
    public const int RobotThrottledAlt = 130101;
    public const int RobotSecurityCheckFailed = 310000;
    public const string QpsLimitCode = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi";
    public const string InvalidAuthenticationCode = "InvalidAuthentication";
    /// <summary>What <see cref="Code"/> is when a session webhook had expired before the reply.</summary>
    public const string SessionWebhookExpiredCode = "SessionWebhookExpired";

    public string Path { get; } = path;
    /// <summary>The HTTP status of the answer (200 for legacy errcode answers).</summary>
    public int HttpStatus { get; } = httpStatus;
    public string Code { get; } = code;
    public string DingTalkMessage { get; } = message;
    public string? RequestId { get; } = requestId;
    /// <summary>The legacy errcode; null for v1.0 answers.</summary>
    public int? ErrCode { get; } = errCode;
    /// <summary>topapi's sub_code when <see cref="ErrCode"/> is 88.</summary>
    public string? SubCode { get; } = subCode;

    /// <summary>The legacy code that says what happened: the sub_code when topapi wrapped it in 88, else the errcode.</summary>
    public int? ReasonCode => ErrCode == Wrapped && int.TryParse(SubCode, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sub) ? sub : ErrCode;

    public bool IsUserNotFound => ReasonCode == UserNotFound;
    public bool IsRobotThrottled => ReasonCode is RobotThrottled or RobotThrottledAlt;
    public bool IsSessionWebhookExpired => Code == SessionWebhookExpiredCode;

    internal static DingTalkApiException Legacy(string path, int httpStatus, DingTalkOapiResponse answer) =>
        new(path, httpStatus, answer.ErrCode.ToString(CultureInfo.InvariantCulture),
            string.IsNullOrEmpty(answer.SubMsg) ? answer.ErrMsg : answer.SubMsg, errCode: answer.ErrCode, subCode: answer.SubCode);

    private static string Describe(string path, int httpStatus, string code, string message, string? subCode)
    {
        if (subCode is { Length: > 0 })
        {
            code = $"{code}/{subCode}";
        }
        var hint = code switch
        {
            "60121" or "88/60121" => " No such user in this corp: check the userid.",
            "310000" => " The robot's security check failed: check the robot's secret (sign), the server clock, keywords and IP range.",
            "invalidClientIdOrSecret" or "40089" => " Check DingTalk:AppKey and DingTalk:AppSecret.",
            SessionWebhookExpiredCode => " Reply through the robot API (groupMessages/send or oToMessages/batchSend) instead.",
            _ => "",
        };
        return $"DingTalk API {path} failed (HTTP {httpStatus}, code {code}): {message}.{hint}";
    }
}

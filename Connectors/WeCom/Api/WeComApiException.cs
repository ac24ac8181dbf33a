namespace CrmChat.Connectors.WeCom.Api;

/// <summary>
/// WeCom answered a call with a non-zero errcode that retrying cannot fix (or retries ran out).
/// <see cref="Path"/> is the API path without its query, so no token or secret leaks into logs.
/// </summary>
public sealed class WeComApiException(string path, int errCode, string errMsg)
    : Exception(Describe(path, errCode, errMsg))
{
    public const int SystemBusy = -1;
    public const int InvalidCredential = 40001;
    public const int InvalidAccessToken = 40014;
    public const int AccessTokenExpired = 42001;
    public const int FrequencyLimited = 45009;
    public const int ConcurrencyLimited = 45033;
    /// <summary>A parameter WeCom refused: a used or expired response_code, a task_id used before, a malformed card.</summary>
    public const int InvalidParameter = 40058;
    public const int IpNotWhitelisted = 60020;
    public const int MemberHasNoCustomers = 84061;
    /// <summary>userid not found: the member left the corp or never existed (user/get).</summary>
    public const int UserNotFound = 60111;
    /// <summary>审批开放接口参数错误: an approval (oa/*) call WeCom would not take; errmsg says which part.</summary>
    public const int ApprovalParameterError = 301025;

    public string Path { get; } = path;
    public int ErrCode { get; } = errCode;
    public string ErrMsg { get; } = errMsg;

    public bool IsUserNotFound => ErrCode == UserNotFound;

    private static string Describe(string path, int errCode, string errMsg)
    {
        var hint = errCode switch
        {
            IpNotWhitelisted => " This server's IP is not on the app's trusted IP list: add it in the WeCom admin console (应用管理 → 企业可信IP).",
            InvalidCredential when path == "gettoken" => " Check WeCom:CorpId and the secret (WeCom:Secret or WeCom:ContactSecret).",
            ApprovalParameterError => " Check Approvals:WeCom:TemplateId and its control ids, that the requester and approvers are in the app's visible range, " +
                "and that the app may call the approval API (审批 → API → 可调用接口的应用).",
            _ => "",
        };
        return $"WeCom API {path} failed with errcode {errCode}: {errMsg}.{hint}";
    }
}

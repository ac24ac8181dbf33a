namespace CrmChat.Sandbox.DingTalk;

/// <summary>
/// What DingTalk answers with. Legacy (oapi) APIs: HTTP 200 and an errcode; topapi wraps token
/// errors as errcode 88 with a sub_code. v1.0 (api) APIs: an HTTP status and a string code.
/// </summary>
public static class DingTalkErrors
{
    public const int Ok = 0;
    public const int SystemBusy = -1;
    /// <summary>topapi's wrapper: the real reason is in sub_code / sub_msg.</summary>
    public const int Wrapped = 88;
    public const int InvalidAccessToken = 40014;
    /// <summary>sub_code when no access_token was given.</summary>
    public const int AccessTokenBlank = 40000;
    public const int MissingParameter = 40035;
    public const int InvalidAgentId = 40056;
    public const int InvalidAppKeyOrSecret = 40096;
    public const int UserNotFound = 60121;
    public const int ServerBusy = 90002;
    public const int QpsLimit = 90018;
    public const int SessionNotFound = 300001;
    public const int RobotTokenNotFound = 300005;
    public const int SecurityCheckFailed = 310000;
    public const int RobotSendTooFast = 410100;

    // v1.0 codes
    public const string InvalidClientIdOrSecret = "invalidClientIdOrSecret";
    public const string InvalidAuthentication = "InvalidAuthentication";
    public const string MissingTokenHeader = "AuthenticationFailed.MissingParameter";
    public const string QpsLimitForAppkeyAndApi = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi";
    public const string InvalidParameter = "InvalidParameter";
    public const string MissingParameterCode = "MissingParameter";
    public const string RobotNotFound = "resource.not.found";
}

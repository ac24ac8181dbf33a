namespace CrmChat.Sandbox.WeCom;

/// <summary>The platform's errcodes the Sandbox answers with (WeCom's global errcode table).</summary>
public static class WeComErrors
{
    public const int SystemBusy = -1;
    public const int Ok = 0;
    public const int InvalidSecret = 40001;
    public const int InvalidUserId = 40003;
    public const int InvalidMsgType = 40008;
    public const int InvalidCorpId = 40013;
    public const int InvalidAccessToken = 40014;
    public const int InvalidUserIdList = 40031;
    public const int InvalidAgentId = 40056;
    public const int InvalidParameter = 40058;
    public const int InvalidTagId = 40068;
    public const int TagNameExists = 40071;
    public const int InvalidExternalUserId = 40096;
    public const int MissingAccessToken = 41001;
    public const int MissingCorpId = 41002;
    public const int MissingSecret = 41004;
    public const int AccessTokenExpired = 42001;
    public const int EmptyTextContent = 44004;
    public const int ContentTooLong = 45002;
    public const int FrequencyLimit = 45009;
    public const int ConcurrencyLimit = 45033;
    public const int DataFormatError = 47001;
    public const int NoPrivilege = 48002;
    public const int UserNotFound = 60111;
    public const int AllRecipientsInvalid = 81013;
    public const int NoExternalContactRelation = 84061;
    public const int InvalidWebhookKey = 93000;
    /// <summary>审批开放接口参数错误 (oa/applyevent and friends); errmsg starts "get approval param error:".</summary>
    public const int ApprovalParameterError = 301025;
}

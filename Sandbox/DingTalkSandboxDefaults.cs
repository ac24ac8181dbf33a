namespace CrmChat.Sandbox;

/// <summary>
/// The Sandbox DingTalk org and app. CrmChat's Development settings use the same values, so
/// the app and the Sandbox agree without anyone copying secrets around. None of these is
/// secret: they only open the local emulator.
/// </summary>
public static class DingTalkSandboxDefaults
{
    public const string CorpId = "dingsandboxcorp0000000001";
    public const string AppKey = "dingsandboxappkey0001";
    public const string AppSecret = "sandbox-dingtalk-app-secret-000000000000000000000000000000000000";
    public const long AgentId = 3000000001;
    /// <summary>The enterprise robot's code (for an app robot DingTalk makes it equal to the appKey; a distinct value catches mix-ups).</summary>
    public const string RobotCode = "dingsandboxrobot0001";
    public const string Token = "sandboxdingtalktoken";
    /// <summary>43 Base64 characters that decode to 32 bytes.</summary>
    public const string AesKey = "DingTalkSandboxAesKey0123456789abcdefghijkE";
    /// <summary>An approval form that exists in the Sandbox from the start.</summary>
    public const string ProcessCode = "PROC-SANDBOX-CONTRACT-0001";
    public const string ProcessName = "合同审批";

    /// <summary>Where the emulated <c>https://api.dingtalk.com/</c> is mounted: DingTalk:ApiBaseUrl = host + this.</summary>
    public const string ApiPath = "/sandbox/dingtalk/api/";
    /// <summary>Where the emulated <c>https://oapi.dingtalk.com/</c> is mounted: DingTalk:OapiBaseUrl = host + this.</summary>
    public const string OapiPath = "/sandbox/dingtalk/oapi/";
    public const string DriverPath = "/sandbox/dingtalk/driver/";
}

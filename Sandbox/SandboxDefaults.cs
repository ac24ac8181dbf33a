namespace CrmChat.Sandbox;

/// <summary>
/// The Sandbox corp's identity. CrmChat's Development settings use the same values, so the
/// app and the Sandbox agree without anyone copying secrets around. None of these is secret:
/// they only open the local emulator.
/// </summary>
public static class SandboxDefaults
{
    public const string CorpId = "wwsandbox0000000001";
    public const int AgentId = 1000002;
    public const string Secret = "sandbox-app-secret-0000000000000000000000000";
    public const string ContactSecret = "sandbox-contact-secret-000000000000000000000";
    public const string Token = "sandboxtoken";
    /// <summary>43 Base64 characters that decode to 32 bytes (the last one carries no stray bits).</summary>
    public const string EncodingAESKey = "SandboxEncodingAesKey0123456789abcdefghijkE";

    /// <summary>The contract approval template (审批模板) every Sandbox corp has, and its controls.</summary>
    public const string ApprovalTemplateId = "3TkSandboxContractApprovalTemplate000001";
    public const string ApprovalTemplateName = "合同审批";
    public const string ApprovalCustomerControl = "Text-1700000000001";
    public const string ApprovalTitleControl = "Text-1700000000002";
    public const string ApprovalAmountControl = "Money-1700000000003";

    /// <summary>Where the Sandbox is mounted in a host; WeCom:ApiBaseUrl is host + <see cref="WeComApiPath"/>.</summary>
    public const string WeComApiPath = "/sandbox/wecom/cgi-bin/";
    public const string WeComDriverPath = "/sandbox/wecom/driver/";
}

using CrmChat.CrmCore.Approvals;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.DingTalk;

/// <summary>
/// <c>Approvals:DingTalk</c>: how contracts are filed in DingTalk's approval app (OA 审批) when
/// <see cref="Mode"/> is Native: the form's processCode (PROC-…, from the form's admin page) and the
/// labels of its three fields, which DingTalk matches by name.
/// </summary>
public sealed class DingTalkWorkflowOptions
{
    public const string Section = "Approvals:DingTalk";

    public PlatformApprovalMode Mode { get; set; } = PlatformApprovalMode.Cards;

    public string ProcessCode { get; set; } = "";

    public DingTalkWorkflowFields Fields { get; set; } = new();
}

/// <summary>The form's field labels.</summary>
public sealed class DingTalkWorkflowFields
{
    public string Customer { get; set; } = "客户";
    public string Title { get; set; } = "合同名称";
    public string Amount { get; set; } = "合同金额";
}

/// <summary>Native mode needs the form, its field labels, the app's credentials and the event subscription the outcome arrives by.</summary>
public sealed class DingTalkWorkflowOptionsValidator(IOptions<DingTalkOptions> dingTalk) : IValidateOptions<DingTalkWorkflowOptions>
{
    public ValidateOptionsResult Validate(string? name, DingTalkWorkflowOptions options)
    {
        if (options.Mode != PlatformApprovalMode.Native)
        {
            return ValidateOptionsResult.Success;
        }
        const string Why = "is required when Approvals:DingTalk:Mode is Native";
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ProcessCode))
        {
            errors.Add($"{DingTalkWorkflowOptions.Section}:ProcessCode {Why}: the processCode (PROC-…) of the DingTalk approval form contracts are filed under.");
        }
        foreach (var (key, value) in new[] { ("Customer", options.Fields.Customer), ("Title", options.Fields.Title), ("Amount", options.Fields.Amount) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{DingTalkWorkflowOptions.Section}:Fields:{key} must not be empty: the label of that field on the approval form.");
            }
        }
        var app = dingTalk.Value;
        if (string.IsNullOrWhiteSpace(app.AppKey) || string.IsNullOrWhiteSpace(app.AppSecret))
        {
            errors.Add($"DingTalk:AppKey and DingTalk:AppSecret are required when Approvals:DingTalk:Mode is Native: the app that files the approvals.");
        }
        if (!app.EventsConfigured)
        {
            errors.Add($"DingTalk:Token and DingTalk:AesKey are required when Approvals:DingTalk:Mode is Native: the outcome arrives as a bpms_instance_change event.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

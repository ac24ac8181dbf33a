using CrmChat.CrmCore.Approvals;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.WeCom;

/// <summary>
/// <c>Approvals:WeCom</c>: how contracts are filed in WeCom's approval app (OA 审批) when
/// <see cref="Mode"/> is Native. The template is made by an admin in WeCom (审批 → 模板) with a
/// Text control for the customer, a Text control for the contract title and a Money control for
/// the amount; its id and the controls' ids come from the template's edit page or oa/gettemplatedetail.
/// </summary>
public sealed class WeComOaOptions
{
    public const string Section = "Approvals:WeCom";

    public PlatformApprovalMode Mode { get; set; } = PlatformApprovalMode.Cards;

    public string TemplateId { get; set; } = "";

    public WeComOaControls Controls { get; set; } = new();
}

/// <summary>The template's control ids, e.g. <c>Text-1569573760849</c>, <c>Money-1569573760850</c>.</summary>
public sealed class WeComOaControls
{
    public string Customer { get; set; } = "";
    public string Title { get; set; } = "";
    public string Amount { get; set; } = "";
}

/// <summary>
/// Native mode needs the template and its three controls, the app secret that files the
/// applications, and the callback keys the outcome (sys_approval_change) arrives with.
/// </summary>
public sealed class WeComOaOptionsValidator(IOptions<WeComOptions> wecom) : IValidateOptions<WeComOaOptions>
{
    public ValidateOptionsResult Validate(string? name, WeComOaOptions options)
    {
        if (options.Mode != PlatformApprovalMode.Native)
        {
            return ValidateOptionsResult.Success;
        }
        const string Why = "is required when Approvals:WeCom:Mode is Native";
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.TemplateId))
        {
            errors.Add($"{WeComOaOptions.Section}:TemplateId {Why}: the id of the WeCom approval template (审批模板) contracts are filed under, " +
                "from the template's edit page URL or oa/gettemplatedetail.");
        }
        foreach (var (key, value, kind) in new[]
        {
            ("Customer", options.Controls.Customer, "Text control for the customer"),
            ("Title", options.Controls.Title, "Text control for the contract title"),
            ("Amount", options.Controls.Amount, "Money control for the amount"),
        })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{WeComOaOptions.Section}:Controls:{key} {Why}: the id of the template's {kind} (e.g. Text-1569573760849), from oa/gettemplatedetail.");
            }
        }
        var app = wecom.Value;
        if (string.IsNullOrWhiteSpace(app.Secret))
        {
            errors.Add($"WeCom:Secret {Why}: the app that files the applications (allow it under 审批 → API → 可调用接口的应用).");
        }
        if (!app.CallbacksConfigured)
        {
            errors.Add($"WeCom:CorpId, WeCom:Token and WeCom:EncodingAESKey are required when Approvals:WeCom:Mode is Native: the outcome arrives as a sys_approval_change callback.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

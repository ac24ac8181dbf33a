using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>
/// What <c>oa/applyevent</c> takes: an application filed in <see cref="CreatorUserId"/>'s name
/// under a template, with its approval flow given here (use_template_approver = 0).
/// </summary>
public sealed record WeComApplyEvent
{
    [JsonPropertyName("creator_userid")]
    public required string CreatorUserId { get; init; }

    public required string TemplateId { get; init; }

    /// <summary>0: the flow is <see cref="Approver"/>; 1: the template's own flow in the admin console.</summary>
    public int UseTemplateApprover { get; init; }

    /// <summary>The approval nodes in order.</summary>
    public IReadOnlyList<WeComApprovalNode>? Approver { get; init; }

    public IReadOnlyList<string>? Notifyer { get; init; }

    /// <summary>1 on submit (default), 2 once approved, 3 both.</summary>
    public int? NotifyType { get; init; }

    public required WeComApplyData ApplyData { get; init; }

    /// <summary>Up to 3 lines shown on the approval's card and in lists.</summary>
    public IReadOnlyList<WeComApprovalSummary>? SummaryList { get; init; }
}

/// <summary>One node of the flow.</summary>
/// <param name="Attr">1 = 或签 (any one decides), 2 = 会签 (all must approve); matters when the node has several people.</param>
public sealed record WeComApprovalNode(int Attr, [property: JsonPropertyName("userid")] IReadOnlyList<string> UserIds)
{
    public const int AnyOne = 1;
    public const int All = 2;
}

public sealed record WeComApplyData(IReadOnlyList<WeComApplyControl> Contents);

/// <summary>A value for one control of the template, by the control's id (from oa/gettemplatedetail).</summary>
/// <param name="Control">Text, Textarea, Number, Money, Date, …</param>
public sealed record WeComApplyControl(string Control, string Id, WeComControlValue Value)
{
    public static WeComApplyControl Text(string id, string text) => new("Text", id, new WeComControlValue { Text = text });

    /// <summary>A Money control: the amount as a decimal string, e.g. "50000.00".</summary>
    public static WeComApplyControl Money(string id, string amount) => new("Money", id, new WeComControlValue { NewMoney = amount });
}

public sealed record WeComControlValue
{
    public string? Text { get; init; }

    public string? NewMoney { get; init; }

    public string? NewNumber { get; init; }
}

public sealed record WeComApprovalSummary(IReadOnlyList<WeComLangText> SummaryInfo)
{
    public static WeComApprovalSummary Line(string text) => new([new WeComLangText(text, "zh_CN")]);
}

public sealed record WeComLangText(string Text, string Lang);

/// <summary>An approval as <c>oa/getapprovaldetail</c> returns it (the <c>info</c> object).</summary>
public sealed record WeComApprovalDetail
{
    public string SpNo { get; init; } = "";
    public string? SpName { get; init; }
    public WeComApprovalStatus SpStatus { get; init; }
    public string? TemplateId { get; init; }
    /// <summary>Unix seconds.</summary>
    public long ApplyTime { get; init; }
    public WeComApprovalPerson? Applyer { get; init; }
    /// <summary>The flow's nodes in order, future ones included.</summary>
    public IReadOnlyList<WeComApprovalRecord> SpRecord { get; init; } = [];
    public IReadOnlyList<WeComApprovalPerson> Notifyer { get; init; } = [];
    public JsonElement? ApplyData { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record WeComApprovalPerson
{
    [JsonPropertyName("userid")]
    public string UserId { get; init; } = "";
}

/// <summary>One node: its status (1 reviewing, 2 approved, 3 rejected, 4 transferred) and its approvers.</summary>
public sealed record WeComApprovalRecord
{
    public WeComApprovalStatus SpStatus { get; init; }

    /// <summary>1 = 或签, 2 = 会签.</summary>
    [JsonPropertyName("approverattr")]
    public int ApproverAttr { get; init; }

    public IReadOnlyList<WeComApprovalRecordDetail> Details { get; init; } = [];
}

/// <summary>One approver of a node: their status, comment (speech) and when they acted (0 = not yet).</summary>
public sealed record WeComApprovalRecordDetail
{
    public WeComApprovalPerson Approver { get; init; } = new();
    public string? Speech { get; init; }
    public WeComApprovalStatus SpStatus { get; init; }

    [JsonPropertyName("sptime")]
    public long SpTime { get; init; }
}

internal sealed record ApplyEventResponse : WeComResponse
{
    public string SpNo { get; init; } = "";
}

internal sealed record ApprovalDetailResponse : WeComResponse
{
    public WeComApprovalDetail? Info { get; init; }
}

internal sealed record ApprovalDetailRequest(string SpNo);

using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmChat.Connectors.DingTalk.Api;

public sealed record DingTalkFormValue(string Name, string? Value);

/// <summary>One approval step: its approvers, and how they decide (AND = all, OR = any, NONE = one approver).</summary>
public sealed record DingTalkApprovers(string ActionType, IReadOnlyList<string> UserIds);

/// <summary>What POST v1.0/workflow/processInstances takes.</summary>
public sealed record DingTalkApprovalRequest
{
    public required string ProcessCode { get; init; }
    public required string OriginatorUserId { get; init; }
    public long? DeptId { get; init; }
    public IReadOnlyList<DingTalkApprovers>? Approvers { get; init; }
    public IReadOnlyList<string>? CcList { get; init; }
    public required IReadOnlyList<DingTalkFormValue> FormComponentValues { get; init; }
}

public sealed record DingTalkApprovalTask
{
    public long? TaskId { get; init; }
    public string? UserId { get; init; }
    public string? Status { get; init; }
    public string? Result { get; init; }
}

/// <summary>An approval instance from GET v1.0/workflow/processInstances.</summary>
public sealed record DingTalkApprovalInstance
{
    public string ProcessInstanceId { get; init; } = "";
    public string? Title { get; init; }
    /// <summary>NEW | RUNNING | TERMINATED | COMPLETED | CANCELED</summary>
    public string Status { get; init; } = "";
    /// <summary>agree | refuse (empty while running).</summary>
    public string? Result { get; init; }
    public string? BusinessId { get; init; }
    public string? OriginatorUserId { get; init; }
    public string? CreateTime { get; init; }
    public string? FinishTime { get; init; }
    public IReadOnlyList<DingTalkFormValue> FormComponentValues { get; init; } = [];
    public IReadOnlyList<DingTalkApprovalTask> Tasks { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    public bool IsFinished => Status is "COMPLETED" or "TERMINATED" or "CANCELED";
    public bool IsAgreed => Status == "COMPLETED" && Result == "agree";
}

internal sealed record CreateProcessInstanceResponse(string? InstanceId);

internal sealed record GetProcessInstanceResponse(DingTalkApprovalInstance? Result);

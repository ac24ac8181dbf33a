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
    /// <summary>NEW | RUNNING | PAUSED | CANCELED | COMPLETED | TERMINATED</summary>
    public string? Status { get; init; }
    /// <summary>AGREE | REFUSE | REDIRECTED | NONE</summary>
    public string? Result { get; init; }
    public string? ActivityId { get; init; }
    public string? CreateTime { get; init; }
    public string? FinishTime { get; init; }
}

/// <summary>What someone did to the instance, in order: started it, executed a task (agree / refuse), terminated it, commented.</summary>
public sealed record DingTalkOperationRecord
{
    public string? UserId { get; init; }
    /// <summary>When, e.g. <c>2025-06-01T01:00Z</c>.</summary>
    public string? Date { get; init; }
    /// <summary>START_PROCESS_INSTANCE, EXECUTE_TASK_NORMAL, EXECUTE_TASK_AGENT, TERMINATE_PROCESS_INSTANCE, ADD_REMARK, …</summary>
    public string? Type { get; init; }
    /// <summary>AGREE | REFUSE | NONE</summary>
    public string? Result { get; init; }
    public string? Remark { get; init; }
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
    public IReadOnlyList<DingTalkOperationRecord> OperationRecords { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    public bool IsFinished => Status is "COMPLETED" or "TERMINATED" or "CANCELED";
    public bool IsAgreed => Status == "COMPLETED" && Result == "agree";
}

internal sealed record CreateProcessInstanceResponse(string? InstanceId);

internal sealed record GetProcessInstanceResponse(DingTalkApprovalInstance? Result);

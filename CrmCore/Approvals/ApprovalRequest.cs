namespace CrmChat.CrmCore.Approvals;

public enum ApprovalStatus
{
    Pending = 1,
    Approved = 2,
    Rejected = 3,
    Withdrawn = 4,
}

public enum ApprovalMode
{
    /// <summary>CrmChat sends cards and records the decisions itself.</summary>
    Cards = 1,
    /// <summary>The platform's own approval app (WeCom OA, DingTalk workflow) decides.</summary>
    NativeOa = 2,
}

public enum StepRule
{
    AllOf = 1,
    AnyOf = 2,
}

public enum DecisionOutcome
{
    Approved = 1,
    Rejected = 2,
}

public class ApprovalRequest : IConcurrencyStamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ContractId { get; set; }
    public Guid RequesterId { get; set; }
    public Platform Platform { get; set; }
    public ApprovalMode Mode { get; set; } = ApprovalMode.Cards;
    /// <summary>WeCom sp_no or DingTalk processInstanceId in native mode.</summary>
    public string? ExternalInstanceId { get; set; }
    public ApprovalStatus Status { get; set; } = ApprovalStatus.Pending;
    public int CurrentStep { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
    public List<ApprovalStep> Steps { get; set; } = [];
}

public class ApprovalStep
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid RequestId { get; set; }
    public int Order { get; set; }
    public required string Name { get; set; }
    public StepRule Rule { get; set; } = StepRule.AllOf;
    public ApprovalStatus Status { get; set; } = ApprovalStatus.Pending;
    public List<ApprovalStepApprover> Approvers { get; set; } = [];
    public List<ApprovalDecision> Decisions { get; set; } = [];
}

public class ApprovalStepApprover
{
    public Guid StepId { get; set; }
    public Guid EmployeeId { get; set; }
    /// <summary>The card sent to this approver (WeCom task_id, DingTalk message id), to update it later.</summary>
    public string? CardId { get; set; }
    public string? ResponseCode { get; set; }
    public DateTimeOffset? ResponseCodeAt { get; set; }
}

public class ApprovalDecision
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid StepId { get; set; }
    public Guid ApproverId { get; set; }
    public DecisionOutcome Outcome { get; set; }
    public string? Reason { get; set; }
    /// <summary>How the decision arrived: the card task id, the signed link, the OA instance.</summary>
    public string? Channel { get; set; }
    public DateTimeOffset DecidedAt { get; set; }
}

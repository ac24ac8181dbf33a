using CrmChat.CrmCore.Customers;

namespace CrmChat.CrmCore.FollowUps;

public enum FollowUpStatus
{
    Pending = 1,
    Done = 2,
    Snoozed = 3,
    Cancelled = 4,
}

/// <summary>Something a rep promised to do for a customer, by a time.</summary>
public class FollowUp : IConcurrencyStamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>Null for a rep's own reminder ("remind me in 2 hours …") about no customer in particular.</summary>
    public Guid? CustomerId { get; set; }
    public Customer? Customer { get; set; }
    public Guid OwnerId { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public required string Note { get; set; }
    public FollowUpStatus Status { get; set; } = FollowUpStatus.Pending;
    public DateTimeOffset? RemindedAt { get; set; }
    public DateTimeOffset? EscalatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

public enum ActivityKind
{
    Note = 1,
    Call = 2,
    Visit = 3,
    Chat = 4,
    StageChanged = 5,
    TagsChanged = 6,
    FollowStarted = 7,
    FollowEnded = 8,
    TransferFailed = 9,
    FollowUpScheduled = 10,
    FollowUpDone = 11,
    ContractSubmitted = 12,
    ApprovalDecided = 13,
    CustomerCreated = 14,
    CustomerUpdated = 15,
}

/// <summary>One entry on a customer's timeline.</summary>
public class Activity
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CustomerId { get; set; }
    public ActivityKind Kind { get; set; }
    /// <summary>The employee who did it; null for the platform or the system.</summary>
    public Guid? ActorId { get; set; }
    public required string Text { get; set; }
    /// <summary>Structured details as JSON (old and new stage, tag names, card ids).</summary>
    public string? Data { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
}

namespace CrmChat.CrmCore.Deals;

public enum DealStage
{
    Open = 1,
    Proposal = 2,
    Negotiation = 3,
    Won = 4,
    Lost = 5,
}

public class Deal : IConcurrencyStamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CustomerId { get; set; }
    public required string Title { get; set; }
    public DealStage Stage { get; set; } = DealStage.Open;
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "CNY";
    public Guid? OwnerId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

public enum ContractStatus
{
    Draft = 1,
    PendingApproval = 2,
    Approved = 3,
    Rejected = 4,
    Withdrawn = 5,
}

public class Contract : IConcurrencyStamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CustomerId { get; set; }
    public Guid? DealId { get; set; }
    public required string Title { get; set; }
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "CNY";
    public ContractStatus Status { get; set; } = ContractStatus.Draft;
    public Guid RequesterId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

using CrmChat.CrmCore.Tags;
using CrmChat.CrmCore.Team;

namespace CrmChat.CrmCore.Customers;

public enum CustomerStage
{
    Lead = 1,
    Contacted = 2,
    Qualified = 3,
    Proposal = 4,
    Negotiation = 5,
    Won = 6,
    Lost = 7,
}

public class Customer : IConcurrencyStamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public string? Company { get; set; }
    public string? Email { get; set; }
    /// <summary>Where the customer came from: "wecom", "dingtalk", "chat", "api", "import".</summary>
    public string? Source { get; set; }
    public CustomerStage Stage { get; set; } = CustomerStage.Lead;
    public Guid? OwnerId { get; set; }
    public Employee? Owner { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();

    public List<CustomerPhone> Phones { get; set; } = [];
    public List<CustomerIdentity> Identities { get; set; } = [];
    public List<FollowRelation> Followers { get; set; } = [];
    public List<CustomerTag> Tags { get; set; } = [];
}

/// <summary>A phone number of a customer, kept in E.164 so any written form finds it.</summary>
public class CustomerPhone
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CustomerId { get; set; }
    public required string E164 { get; set; }
    /// <summary>Where it came from: "customer", a follow relation's remark mobile, ...</summary>
    public string? Label { get; set; }
}

/// <summary>Who the customer is on one platform: WeCom external_userid, DingTalk id.</summary>
public class CustomerIdentity
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CustomerId { get; set; }
    public Platform Platform { get; set; }
    public required string ExternalId { get; set; }
    public string? UnionId { get; set; }
    /// <summary>The name the platform shows (the customer's WeChat nickname).</summary>
    public string? DisplayName { get; set; }
    public string? Avatar { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum FollowEndReason
{
    /// <summary>The employee deleted the customer (WeCom del_external_contact).</summary>
    RemovedByEmployee = 1,
    /// <summary>The customer deleted the employee (WeCom del_follow_user).</summary>
    RemovedByCustomer = 2,
    /// <summary>The relation moved to another employee in a handover.</summary>
    Transferred = 3,
    /// <summary>The employee left the company.</summary>
    EmployeeLeft = 4,
}

/// <summary>
/// One employee following one customer. WeCom lets several employees follow the same
/// customer, each with their own remark and tags; ending a relation keeps the customer.
/// </summary>
public class FollowRelation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CustomerId { get; set; }
    public Customer? Customer { get; set; }
    public Guid EmployeeId { get; set; }
    public Employee? Employee { get; set; }
    public Platform Platform { get; set; }
    public string? Remark { get; set; }
    public string? Description { get; set; }
    public string? RemarkCompany { get; set; }
    public List<string> RemarkMobiles { get; set; } = [];
    /// <summary>WeCom add_way: how the customer was added (QR code, phone search, ...).</summary>
    public int? AddWay { get; set; }
    /// <summary>The channel code (WeCom "state") of the contact way the customer came through.</summary>
    public string? State { get; set; }
    public DateTimeOffset AddedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public FollowEndReason? EndReason { get; set; }
    public DateTimeOffset? TransferFailedAt { get; set; }
    public string? TransferFailReason { get; set; }
    public List<FollowRelationTag> Tags { get; set; } = [];

    public bool IsActive => EndedAt is null;
}

public enum MergeCandidateStatus
{
    Open = 1,
    Merged = 2,
    Dismissed = 3,
}

/// <summary>Two customers that are probably the same person; a person decides.</summary>
public class MergeCandidate
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CustomerId { get; set; }
    public Guid OtherCustomerId { get; set; }
    public required string Reason { get; set; }
    public MergeCandidateStatus Status { get; set; } = MergeCandidateStatus.Open;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
}

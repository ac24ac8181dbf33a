namespace CrmChat.CrmCore.Tags;

public enum TagOrigin
{
    /// <summary>Created by an admin on the platform (WeCom corp tags).</summary>
    PlatformAdmin = 1,
    /// <summary>Created in CrmChat.</summary>
    CrmChat = 2,
    /// <summary>Applied by an automatic rule.</summary>
    Rule = 3,
}

public class TagGroup
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    /// <summary>The platform the group lives on; null for a CrmChat-only group.</summary>
    public Platform? Platform { get; set; }
    public string? PlatformGroupId { get; set; }
    public long Order { get; set; }
    public TagOrigin Origin { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
    public List<Tag> Tags { get; set; } = [];
}

public class Tag
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid GroupId { get; set; }
    public TagGroup? Group { get; set; }
    public required string Name { get; set; }
    public Platform? Platform { get; set; }
    public string? PlatformTagId { get; set; }
    public long Order { get; set; }
    public TagOrigin Origin { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
}

/// <summary>A tag on a customer at CRM level (seen by everyone who sees the customer).</summary>
public class CustomerTag
{
    public Guid CustomerId { get; set; }
    public Guid TagId { get; set; }
    public Tag? Tag { get; set; }
    public TagOrigin Origin { get; set; }
    public Guid? AddedById { get; set; }
    public DateTimeOffset AddedAt { get; set; }
}

/// <summary>A tag one follower put on the customer (WeCom keeps tags per follow user).</summary>
public class FollowRelationTag
{
    public Guid FollowRelationId { get; set; }
    public Guid TagId { get; set; }
    public Tag? Tag { get; set; }
    public TagOrigin Origin { get; set; }
    public DateTimeOffset AddedAt { get; set; }
}

namespace CrmChat.CrmCore.Contacts;

/// <summary>WeCom external contact "type": a WeChat user or a member of another WeCom corp.</summary>
public enum ExternalContactType
{
    Unknown = 0,
    WeChatUser = 1,
    WeComUser = 2,
}

public enum ContactGender
{
    Unknown = 0,
    Male = 1,
    Female = 2,
}

/// <summary>
/// A customer as the platform's API shows it right now (WeCom externalcontact/get or one
/// entry of batch/get_by_user), filled by the connector. It holds every follow user the
/// connector read; CrmChat upserts from it and never ends a relation because one is missing.
/// </summary>
public sealed record ExternalContactSnapshot
{
    public required Platform Platform { get; init; }
    /// <summary>WeCom external_userid; the DingTalk contact id.</summary>
    public required string ExternalId { get; init; }
    /// <summary>The WeChat unionid, the same across corps and apps; null when the platform hides it.</summary>
    public string? UnionId { get; init; }
    /// <summary>The name the customer shows (the WeChat nickname).</summary>
    public required string Name { get; init; }
    public string? Avatar { get; init; }
    public string? CorpName { get; init; }
    public ExternalContactType Type { get; init; }
    public ContactGender Gender { get; init; }
    public IReadOnlyList<FollowSnapshot> FollowUsers { get; init; } = [];
}

/// <summary>One employee following the customer, with what that employee recorded (WeCom follow_user).</summary>
public sealed record FollowSnapshot
{
    /// <summary>The employee's user id on the platform (WeCom userid).</summary>
    public required string EmployeeUserId { get; init; }
    public string? Remark { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> RemarkMobiles { get; init; } = [];
    public string? RemarkCorpName { get; init; }
    /// <summary>WeCom add_way (1 QR code, 2 phone search, 3 name card, ...).</summary>
    public int? AddWay { get; init; }
    /// <summary>The channel code of the contact way the customer came through (WeCom state).</summary>
    public string? State { get; init; }
    /// <summary>When the employee added the customer (WeCom createtime).</summary>
    public DateTimeOffset? CreatedAt { get; init; }
    public IReadOnlyList<TagRef> Tags { get; init; } = [];
}

/// <summary>WeCom tag type: 1 corp tag, 2 a member's personal tag, 3 a rule-group tag.</summary>
public enum TagRefType
{
    Corp = 1,
    Personal = 2,
    Rule = 3,
}

/// <summary>
/// A tag on a follow relation as the platform names it. Corp tags carry the platform's tag id;
/// personal tags have none and are known by group and tag name.
/// </summary>
public sealed record TagRef(string? PlatformTagId, string? GroupName, string TagName, TagRefType Type = TagRefType.Corp);

/// <summary>
/// The platform's tag catalogue (WeCom get_corp_tag_list). When <see cref="IsComplete"/> is
/// true, groups and tags CrmChat knows but the catalogue lacks were deleted on the platform.
/// </summary>
public sealed record TagCatalogSnapshot(IReadOnlyList<TagGroupSnapshot> Groups, bool IsComplete = true);

public sealed record TagGroupSnapshot(string PlatformGroupId, string Name, long Order, IReadOnlyList<TagSnapshot> Tags)
{
    public bool Deleted { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
}

public sealed record TagSnapshot(string PlatformTagId, string Name, long Order)
{
    public bool Deleted { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
}

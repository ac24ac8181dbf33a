using System.Text.Json.Serialization;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>A customer as WeCom describes them (<c>external_contact</c>).</summary>
public sealed record WeComExternalContact
{
    [JsonPropertyName("external_userid")]
    public string ExternalUserId { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Position { get; init; }
    public string? Avatar { get; init; }
    public string? CorpName { get; init; }
    public string? CorpFullName { get; init; }
    /// <summary>1 = a WeChat user, 2 = a WeCom user.</summary>
    public int Type { get; init; }
    /// <summary>0 unknown, 1 male, 2 female.</summary>
    public int Gender { get; init; }
    [JsonPropertyName("unionid")]
    public string? UnionId { get; init; }
}

/// <summary>A tag on a follow relation, as <c>externalcontact/get</c> lists it.</summary>
public sealed record WeComFollowTag
{
    public string? GroupName { get; init; }
    public string? TagName { get; init; }
    public string? TagId { get; init; }
    /// <summary>1 = corp tag, 2 = the member's personal tag, 3 = rule-group tag.</summary>
    public int Type { get; init; }
}

/// <summary>One member following a customer (<c>follow_user</c> in externalcontact/get).</summary>
public sealed record WeComFollowUser
{
    [JsonPropertyName("userid")]
    public string UserId { get; init; } = "";
    public string? Remark { get; init; }
    public string? Description { get; init; }
    /// <summary>Unix seconds when the member added the customer.</summary>
    [JsonPropertyName("createtime")]
    public long CreateTime { get; init; }
    public IReadOnlyList<WeComFollowTag> Tags { get; init; } = [];
    public string? RemarkCorpName { get; init; }
    public IReadOnlyList<string> RemarkMobiles { get; init; } = [];
    [JsonPropertyName("oper_userid")]
    public string? OperUserId { get; init; }
    public int AddWay { get; init; }
    public string? State { get; init; }
}

/// <summary>A customer with every member who follows them: externalcontact/get, all pages joined.</summary>
public sealed record WeComContactDetail(WeComExternalContact ExternalContact, IReadOnlyList<WeComFollowUser> FollowUsers);

/// <summary>One member's relation in externalcontact/batch/get_by_user (<c>follow_info</c>: tag ids only).</summary>
public sealed record WeComFollowInfo
{
    [JsonPropertyName("userid")]
    public string UserId { get; init; } = "";
    public string? Remark { get; init; }
    public string? Description { get; init; }
    [JsonPropertyName("createtime")]
    public long CreateTime { get; init; }
    [JsonPropertyName("tag_id")]
    public IReadOnlyList<string> TagIds { get; init; } = [];
    public string? RemarkCorpName { get; init; }
    public IReadOnlyList<string> RemarkMobiles { get; init; } = [];
    [JsonPropertyName("oper_userid")]
    public string? OperUserId { get; init; }
    public int AddWay { get; init; }
    public string? State { get; init; }
}

/// <summary>One (customer, member) pair from externalcontact/batch/get_by_user.</summary>
public sealed record WeComContactWithFollowInfo
{
    public WeComExternalContact ExternalContact { get; init; } = new();
    public WeComFollowInfo FollowInfo { get; init; } = new();
}

/// <summary>One page of externalcontact/batch/get_by_user; <see cref="NextCursor"/> is empty on the last.</summary>
public sealed record WeComContactPage
{
    public IReadOnlyList<WeComContactWithFollowInfo> ExternalContactList { get; init; } = [];
    public string NextCursor { get; init; } = "";
}

internal sealed record GetExternalContactResponse : WeComResponse
{
    public WeComExternalContact ExternalContact { get; init; } = new();
    public IReadOnlyList<WeComFollowUser> FollowUser { get; init; } = [];
    public string? NextCursor { get; init; }
}

internal sealed record BatchGetByUserRequest
{
    [JsonPropertyName("userid_list")]
    public required IReadOnlyList<string> UserIdList { get; init; }
    public string? Cursor { get; init; }
    public int Limit { get; init; }
}

internal sealed record BatchGetByUserResponse : WeComResponse
{
    public IReadOnlyList<WeComContactWithFollowInfo> ExternalContactList { get; init; } = [];
    public string? NextCursor { get; init; }
}

internal sealed record FollowUserListResponse : WeComResponse
{
    public IReadOnlyList<string> FollowUser { get; init; } = [];
}

internal sealed record ListExternalContactResponse : WeComResponse
{
    [JsonPropertyName("external_userid")]
    public IReadOnlyList<string> ExternalUserId { get; init; } = [];
}

/// <summary>mark_tag: tags to add to and remove from one follow relation.</summary>
internal sealed record MarkTagRequest
{
    [JsonPropertyName("userid")]
    public required string UserId { get; init; }
    [JsonPropertyName("external_userid")]
    public required string ExternalUserId { get; init; }
    public IReadOnlyList<string> AddTag { get; init; } = [];
    public IReadOnlyList<string> RemoveTag { get; init; } = [];
}

/// <summary>
/// externalcontact/remark: what a member notes about a customer. Leave a field null to keep
/// it; <see cref="RemarkMobiles"/> replaces the list (an empty list clears it).
/// </summary>
public sealed record WeComRemark
{
    [JsonPropertyName("userid")]
    public required string UserId { get; init; }
    [JsonPropertyName("external_userid")]
    public required string ExternalUserId { get; init; }
    public string? Remark { get; init; }
    public string? Description { get; init; }
    public string? RemarkCompany { get; init; }
    public IReadOnlyList<string>? RemarkMobiles { get; init; }
    [JsonPropertyName("remark_pic_mediaid")]
    public string? RemarkPicMediaId { get; init; }
}

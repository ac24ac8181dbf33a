namespace CrmChat.Sandbox.WeCom;

/// <param name="DirectLeader">The member's direct leaders (直属上级) by userid.</param>
public sealed record SandboxMember(string UserId, string Name, string Mobile, int[] Department, string[]? DirectLeader = null);

public sealed class SandboxCustomer
{
    public required string ExternalUserId { get; init; }
    public string Name { get; set; } = "";
    /// <summary>1 = WeChat user, 2 = WeCom user.</summary>
    public int Type { get; set; } = 1;
    public string UnionId { get; set; } = "";
    public string Avatar { get; set; } = "";
    /// <summary>0 unknown, 1 male, 2 female.</summary>
    public int Gender { get; set; }
    public string CorpName { get; set; } = "";
    public string CorpFullName { get; set; } = "";
    public string Position { get; set; } = "";
}

/// <summary>A member following a customer: what the member sees and noted about them.</summary>
public sealed class FollowRelation
{
    public required string UserId { get; init; }
    public required string ExternalUserId { get; init; }
    public string Remark { get; set; } = "";
    public string Description { get; set; } = "";
    public string RemarkCorpName { get; set; } = "";
    public List<string> RemarkMobiles { get; set; } = [];
    public long CreateTime { get; set; }
    public int AddWay { get; set; }
    public string State { get; set; } = "";
    public string OperUserId { get; set; } = "";
    public List<string> TagIds { get; } = [];
}

public sealed class CorpTagGroup
{
    public required string GroupId { get; init; }
    public required string Name { get; set; }
    public long CreateTime { get; init; }
    public long Order { get; set; }
    public List<CorpTag> Tags { get; } = [];
}

public sealed class CorpTag
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public long CreateTime { get; init; }
    public long Order { get; set; }
}

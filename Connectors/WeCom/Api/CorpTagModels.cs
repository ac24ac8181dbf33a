using System.Text.Json.Serialization;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>A corp customer tag.</summary>
public sealed record WeComCorpTag
{
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    /// <summary>Unix seconds.</summary>
    public long CreateTime { get; init; }
    public long Order { get; init; }
    public bool Deleted { get; init; }
}

/// <summary>A group of corp tags; every tag belongs to exactly one group.</summary>
public sealed record WeComCorpTagGroup
{
    public string GroupId { get; init; } = "";
    public string GroupName { get; init; } = "";
    public long CreateTime { get; init; }
    public long Order { get; init; }
    public bool Deleted { get; init; }
    [JsonPropertyName("tag")]
    public IReadOnlyList<WeComCorpTag> Tags { get; init; } = [];
}

/// <summary>A tag to create: its name and optional order (larger comes first).</summary>
public sealed record WeComNewTag(string Name, long? Order = null);

/// <summary>
/// add_corp_tag: new tags in an existing group (<see cref="GroupId"/>) or in a group found or
/// created by <see cref="GroupName"/>.
/// </summary>
public sealed record WeComAddCorpTags
{
    public string? GroupId { get; init; }
    public string? GroupName { get; init; }
    public long? Order { get; init; }
    [JsonPropertyName("tag")]
    public required IReadOnlyList<WeComNewTag> Tags { get; init; }
}

internal sealed record GetCorpTagListRequest
{
    public IReadOnlyList<string>? TagId { get; init; }
    public IReadOnlyList<string>? GroupId { get; init; }
}

internal sealed record GetCorpTagListResponse : WeComResponse
{
    public IReadOnlyList<WeComCorpTagGroup> TagGroup { get; init; } = [];
}

internal sealed record AddCorpTagRequest
{
    public string? GroupId { get; init; }
    public string? GroupName { get; init; }
    public long? Order { get; init; }
    public required IReadOnlyList<WeComNewTag> Tag { get; init; }
    [JsonPropertyName("agentid")]
    public int? AgentId { get; init; }
}

internal sealed record AddCorpTagResponse : WeComResponse
{
    public WeComCorpTagGroup TagGroup { get; init; } = new();
}

internal sealed record EditCorpTagRequest
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public long? Order { get; init; }
}

internal sealed record DelCorpTagRequest
{
    public IReadOnlyList<string>? TagId { get; init; }
    public IReadOnlyList<string>? GroupId { get; init; }
}

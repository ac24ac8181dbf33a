using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;

namespace CrmChat.Connectors.WeCom;

/// <summary>What WeCom's API says about customers and tags, in CrmCore's platform-neutral terms.</summary>
public static class WeComContactMapping
{
    public static ExternalContactSnapshot ToSnapshot(WeComContactDetail detail) =>
        Contact(detail.ExternalContact, detail.FollowUsers.Select(f => Follow(
            f.UserId, f.Remark, f.Description, f.RemarkMobiles, f.RemarkCorpName, f.AddWay, f.State, f.CreateTime,
            f.Tags.Where(t => !string.IsNullOrEmpty(t.TagName))
                .Select(t => new TagRef(Empty(t.TagId), Empty(t.GroupName), t.TagName!, (TagRefType)Math.Clamp(t.Type, 1, 3)))
                .ToList())).ToList());

    /// <summary>
    /// One entry of batch/get_by_user: one customer with one follower. Its tags are ids only,
    /// named from the catalogue (which the full sync reads first).
    /// </summary>
    public static ExternalContactSnapshot ToSnapshot(WeComContactWithFollowInfo entry, IReadOnlyDictionary<string, TagRef> catalogue)
    {
        var f = entry.FollowInfo;
        var tags = f.TagIds.Select(id => catalogue.GetValueOrDefault(id)).OfType<TagRef>().ToList();
        return Contact(entry.ExternalContact,
            [Follow(f.UserId, f.Remark, f.Description, f.RemarkMobiles, f.RemarkCorpName, f.AddWay, f.State, f.CreateTime, tags)]);
    }

    public static TagCatalogSnapshot ToCatalog(IReadOnlyList<WeComCorpTagGroup> groups) =>
        new(groups.Select(g => new TagGroupSnapshot(g.GroupId, g.GroupName, g.Order,
                g.Tags.Select(t => new TagSnapshot(t.Id, t.Name, t.Order) { Deleted = t.Deleted, CreatedAt = Time(t.CreateTime) }).ToList())
            {
                Deleted = g.Deleted,
                CreatedAt = Time(g.CreateTime),
            }).ToList());

    /// <summary>Tag id → its name and group, to name the ids batch/get_by_user returns.</summary>
    public static Dictionary<string, TagRef> TagIndex(IReadOnlyList<WeComCorpTagGroup> groups) =>
        groups.SelectMany(g => g.Tags.Select(t => new TagRef(t.Id, g.GroupName, t.Name)))
            .GroupBy(t => t.PlatformTagId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private static ExternalContactSnapshot Contact(WeComExternalContact c, IReadOnlyList<FollowSnapshot> follows) => new()
    {
        Platform = Platform.WeCom,
        ExternalId = c.ExternalUserId,
        UnionId = Empty(c.UnionId),
        Name = c.Name,
        Avatar = Empty(c.Avatar),
        CorpName = Empty(c.CorpFullName) ?? Empty(c.CorpName),
        Type = Enum.IsDefined((ExternalContactType)c.Type) ? (ExternalContactType)c.Type : ExternalContactType.Unknown,
        Gender = Enum.IsDefined((ContactGender)c.Gender) ? (ContactGender)c.Gender : ContactGender.Unknown,
        FollowUsers = follows,
    };

    private static FollowSnapshot Follow(string userId, string? remark, string? description, IReadOnlyList<string> remarkMobiles,
        string? remarkCorpName, int addWay, string? state, long createTime, IReadOnlyList<TagRef> tags) => new()
    {
        EmployeeUserId = userId,
        Remark = Empty(remark),
        Description = Empty(description),
        RemarkMobiles = remarkMobiles,
        RemarkCorpName = Empty(remarkCorpName),
        AddWay = addWay,
        State = Empty(state),
        CreatedAt = Time(createTime),
        Tags = tags,
    };

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static DateTimeOffset? Time(long unixSeconds) =>
        unixSeconds > 0 ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds) : null;
}

/// <summary>CrmChat's tag changes, mirrored to WeCom with mark_tag.</summary>
public sealed class WeComTagWriter(IWeComExternalContactClient client) : IPlatformTagWriter
{
    public Platform Platform => Platform.WeCom;

    public Task MarkTagAsync(string employeeUserId, string externalId, IReadOnlyList<string> addPlatformTagIds,
        IReadOnlyList<string> removePlatformTagIds, CancellationToken ct) =>
        client.MarkTagAsync(employeeUserId, externalId, addPlatformTagIds, removePlatformTagIds, ct);
}

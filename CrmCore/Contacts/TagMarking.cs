using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Tags;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.CrmCore.Contacts;

/// <summary>A tag change CrmChat refuses, with a message the rep can act on.</summary>
public sealed class TagChangeRejectedException(string message) : Exception(message);

public sealed record TagChangeResult(IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public bool Changed => Added.Count > 0 || Removed.Count > 0;
}

/// <summary>
/// Tags a rep puts on or takes off a customer in CrmChat, for one follow relation. Platform
/// tags are written to the platform first (WeCom mark_tag); the platform sends no callback
/// for that, so CrmChat then updates its own state itself. If the platform refuses, nothing
/// changes here. Should the local save fail after the platform accepted, the next sync of
/// the contact brings the tags back in step.
/// </summary>
public sealed class TagMarking(CrmDbContext db, TimeProvider clock, IEnumerable<IPlatformTagWriter> writers)
{
    public async Task<TagChangeResult> ChangeTagsAsync(
        Guid customerId, Guid employeeId, IReadOnlyCollection<Guid> add, IReadOnlyCollection<Guid> remove, CancellationToken ct = default)
    {
        var relation = await db.FollowRelations
            .Include(r => r.Tags).ThenInclude(t => t.Tag)
            .Include(r => r.Employee)
            .Include(r => r.Customer).ThenInclude(c => c!.Identities)
            .AsSplitQuery()
            .FirstOrDefaultAsync(r => r.CustomerId == customerId && r.EmployeeId == employeeId, ct);
        if (relation is not { IsActive: true })
        {
            throw new TagChangeRejectedException(
                "该成员没有在跟进这位客户，无法修改标签。请先在企业微信或钉钉里添加客户。 / " +
                "This employee does not follow this customer, so their tags cannot be changed. Add the customer in the chat app first.");
        }

        var ids = add.Concat(remove).Distinct().ToList();
        var tags = await db.Tags.Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        foreach (var id in ids)
        {
            // A tag deleted on the platform may still be taken off, not put on.
            if (!tags.TryGetValue(id, out var tag) || (tag.DeletedAt is not null && add.Contains(id)))
            {
                throw new TagChangeRejectedException($"标签不存在或已删除（{id}），请刷新标签列表。 / The tag {id} does not exist or was deleted; refresh the tag list.");
            }
            if (tag.Platform is { } tagPlatform && (tagPlatform != relation.Platform || tag.PlatformTagId is null))
            {
                throw new TagChangeRejectedException(
                    $"标签「{tag.Name}」只能在{tagPlatform}里由成员自己修改。 / The tag \"{tag.Name}\" can only be changed on {tagPlatform} by its member.");
            }
        }

        var current = relation.Tags.Select(t => t.TagId).ToHashSet();
        var toAdd = add.Distinct().Where(id => !current.Contains(id)).Select(id => tags[id]).ToList();
        var toRemove = remove.Distinct().Where(current.Contains).Except(add).Select(id => tags[id]).ToList();
        if (toAdd.Count == 0 && toRemove.Count == 0)
        {
            return new TagChangeResult([], []);
        }

        var platformAdd = toAdd.Where(t => t.PlatformTagId is not null).Select(t => t.PlatformTagId!).ToList();
        var platformRemove = toRemove.Where(t => t.PlatformTagId is not null && t.DeletedAt is null).Select(t => t.PlatformTagId!).ToList();
        if (platformAdd.Count > 0 || platformRemove.Count > 0)
        {
            var writer = writers.FirstOrDefault(w => w.Platform == relation.Platform)
                ?? throw new InvalidOperationException($"No {relation.Platform} connector is configured to write tags.");
            var userId = relation.Employee!.UserIdOn(relation.Platform)
                ?? throw new TagChangeRejectedException($"{relation.Employee.Name} 没有{relation.Platform}账号。 / {relation.Employee.Name} has no {relation.Platform} account.");
            var externalId = relation.Customer!.Identities.FirstOrDefault(i => i.Platform == relation.Platform)?.ExternalId
                ?? throw new TagChangeRejectedException($"客户不是{relation.Platform}联系人。 / The customer is not a {relation.Platform} contact.");
            await writer.MarkTagAsync(userId, externalId, platformAdd, platformRemove, ct);
        }

        var now = clock.GetUtcNow();
        foreach (var tag in toAdd)
        {
            var link = new FollowRelationTag { FollowRelationId = relation.Id, TagId = tag.Id, Origin = TagOrigin.CrmChat, AddedAt = now };
            db.FollowRelationTags.Add(link);
        }
        foreach (var link in relation.Tags.Where(t => toRemove.Any(r => r.Id == t.TagId)).ToList())
        {
            db.FollowRelationTags.Remove(link);
        }

        var added = toAdd.Select(t => t.Name).ToList();
        var removed = toRemove.Select(t => t.Name).ToList();
        var employee = relation.Employee!;
        relation.Customer!.UpdatedAt = now;
        db.Activities.Add(new Activity
        {
            CustomerId = customerId,
            Kind = ActivityKind.TagsChanged,
            ActorId = employeeId,
            Text = ContactTexts.TagsChanged(employee.Name, added, removed),
            Data = ContactTexts.ToJson(new { source = "CrmChat", added, removed }),
            OccurredAt = now,
        });
        db.AuditEntries.Add(new AuditEntry
        {
            Actor = $"employee:{employeeId}",
            EntityType = nameof(FollowRelation),
            EntityId = relation.Id.ToString(),
            Action = "tags-changed",
            Before = ContactTexts.ToJson(new { tags = removed }),
            After = ContactTexts.ToJson(new { tags = added }),
            At = now,
        });
        await db.SaveChangesAsync(ct);
        return new TagChangeResult(added, removed);
    }

    /// <summary>
    /// Makes the relation's tags exactly <paramref name="tagIds"/>, apart from a member's
    /// personal platform tags, which only that member can change on the platform.
    /// </summary>
    public async Task<TagChangeResult> SetRelationTagsAsync(Guid customerId, Guid employeeId, IReadOnlyCollection<Guid> tagIds, CancellationToken ct = default)
    {
        var current = await db.FollowRelationTags
            .Where(t => db.FollowRelations.Any(r => r.Id == t.FollowRelationId && r.CustomerId == customerId && r.EmployeeId == employeeId))
            .Where(t => t.Tag!.Platform == null || t.Tag.PlatformTagId != null)
            .Select(t => t.TagId)
            .ToListAsync(ct);
        return await ChangeTagsAsync(customerId, employeeId, tagIds.Except(current).ToList(), current.Except(tagIds).ToList(), ct);
    }
}

using System.Globalization;
using System.Threading.Channels;
using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Tags;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CrmChat.CrmCore.Contacts;

/// <summary>
/// Keeps CrmChat's customers, follow relations and tags in step with what a chat platform
/// reports, from its callbacks and from full syncs. Every method is idempotent: the platform
/// retries, the inbox replays, and the nightly sync reads what the callbacks already brought.
/// </summary>
public sealed class ContactSync(CrmDbContext db, TimeProvider clock, ILogger<ContactSync> logger)
{
    public const int DefaultBatchSize = 200;

    /// <summary>
    /// Upserts the customer, its platform identity, its follow relations and their tags in one
    /// save. Relations the snapshot lacks are left alone: removals arrive as events.
    /// </summary>
    public async Task<ContactApplyResult> ApplyContactAsync(ExternalContactSnapshot snapshot, ContactChangeSource source, CancellationToken ct = default)
    {
        var batch = await ContactBatch.LoadAsync(db, [snapshot], clock.GetUtcNow(), source, ct);
        var result = batch.Apply(snapshot);
        await db.SaveChangesAsync(ct);
        return result;
    }

    /// <summary>
    /// Ends one employee's relation with the customer (the customer stays, with its history).
    /// WeCom: del_external_contact is <see cref="FollowEndReason.RemovedByEmployee"/>, or
    /// <see cref="FollowEndReason.Transferred"/> when Source is DELETE_BY_TRANSFER;
    /// del_follow_user is <see cref="FollowEndReason.RemovedByCustomer"/>.
    /// </summary>
    public async Task<FollowChangeResult> EndFollowAsync(
        Platform platform, string externalId, string employeeUserId, FollowEndReason reason, string? detail, DateTimeOffset at, CancellationToken ct = default)
    {
        at = at.ToUniversalTime();
        var (miss, customer, employee, relation) = await FindRelationAsync(platform, externalId, employeeUserId, ct);
        if (miss is not null)
        {
            return new FollowChangeResult(miss.Value, customer?.Id);
        }
        if (!relation!.IsActive)
        {
            return new FollowChangeResult(FollowChangeOutcome.AlreadyApplied, customer!.Id, relation.Id);
        }
        if (at < relation.AddedAt)
        {
            // A late removal from before the customer was added again.
            return new FollowChangeResult(FollowChangeOutcome.Stale, customer!.Id, relation.Id);
        }

        var now = clock.GetUtcNow();
        relation.EndedAt = at;
        relation.EndReason = reason;
        customer!.UpdatedAt = now;
        db.Activities.Add(new Activity
        {
            CustomerId = customer.Id,
            Kind = ActivityKind.FollowEnded,
            ActorId = reason == FollowEndReason.RemovedByCustomer ? null : employee!.Id,
            Text = ContactTexts.FollowEnded(reason, employee!.Name, ContactTexts.Clip(detail, 500)),
            Data = ContactTexts.ToJson(new { employee = employeeUserId, reason = reason.ToString(), detail }),
            OccurredAt = at,
        });
        db.AuditEntries.Add(new AuditEntry
        {
            Actor = ContactTexts.Actor(platform),
            EntityType = nameof(FollowRelation),
            EntityId = relation.Id.ToString(),
            Action = "follow-ended",
            Before = ContactTexts.ToJson(new { endedAt = (DateTimeOffset?)null }),
            After = ContactTexts.ToJson(new { endedAt = at, reason = reason.ToString(), detail }),
            At = now,
        });
        await db.SaveChangesAsync(ct);
        return new FollowChangeResult(FollowChangeOutcome.Applied, customer.Id, relation.Id);
    }

    /// <summary>
    /// Records a handover the customer or the platform refused (WeCom transfer_fail, reason
    /// customer_refused or customer_limit_exceed). WeCom names the employee who was to take
    /// over; when CrmChat has no relation for them the failure is kept on the timeline only.
    /// </summary>
    public async Task<FollowChangeResult> RecordTransferFailedAsync(
        Platform platform, string externalId, string employeeUserId, string reason, DateTimeOffset at, CancellationToken ct = default)
    {
        at = at.ToUniversalTime();
        reason = ContactTexts.Clip(reason, 64) ?? "";
        var (miss, customer, employee, relation) = await FindRelationAsync(platform, externalId, employeeUserId, ct);
        if (customer is null)
        {
            return new FollowChangeResult(miss!.Value);
        }
        var already = relation is not null
            ? relation.TransferFailedAt == at && relation.TransferFailReason == reason
            : await db.Activities.AnyAsync(a => a.CustomerId == customer.Id && a.Kind == ActivityKind.TransferFailed && a.OccurredAt == at, ct);
        if (already)
        {
            return new FollowChangeResult(FollowChangeOutcome.AlreadyApplied, customer.Id, relation?.Id);
        }

        var now = clock.GetUtcNow();
        if (relation is not null)
        {
            db.AuditEntries.Add(new AuditEntry
            {
                Actor = ContactTexts.Actor(platform),
                EntityType = nameof(FollowRelation),
                EntityId = relation.Id.ToString(),
                Action = "transfer-failed",
                Before = ContactTexts.ToJson(new { transferFailedAt = relation.TransferFailedAt, reason = relation.TransferFailReason }),
                After = ContactTexts.ToJson(new { transferFailedAt = at, reason }),
                At = now,
            });
            relation.TransferFailedAt = at;
            relation.TransferFailReason = reason;
        }
        customer.UpdatedAt = now;
        db.Activities.Add(new Activity
        {
            CustomerId = customer.Id,
            Kind = ActivityKind.TransferFailed,
            ActorId = employee?.Id,
            Text = ContactTexts.TransferFailed(employee?.Name ?? employeeUserId, reason),
            Data = ContactTexts.ToJson(new { employee = employeeUserId, reason }),
            OccurredAt = at,
        });
        await db.SaveChangesAsync(ct);
        return new FollowChangeResult(FollowChangeOutcome.Applied, customer.Id, relation?.Id);
    }

    /// <summary>
    /// Upserts tag groups and tags by their platform ids. With a complete catalogue, what the
    /// platform no longer lists is marked deleted (kept, so history still names it).
    /// </summary>
    public async Task<TagCatalogResult> ApplyTagCatalogAsync(Platform platform, TagCatalogSnapshot catalogue, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var groups = await db.TagGroups.Where(g => g.Platform == platform).ToListAsync(ct);
        var tags = await db.Tags.Where(t => t.Platform == platform).ToListAsync(ct);
        var groupsById = groups.Where(g => g.PlatformGroupId is not null).ToDictionary(g => g.PlatformGroupId!);
        var tagsById = tags.Where(t => t.PlatformTagId is not null).ToDictionary(t => t.PlatformTagId!);
        int created = 0, updated = 0, deleted = 0;

        void MarkDeleted(bool isDeleted, DateTimeOffset? deletedAt, Action<DateTimeOffset?> set)
        {
            if (isDeleted && deletedAt is null)
            {
                set(now);
                deleted++;
            }
            else if (!isDeleted && deletedAt is not null)
            {
                set(null);
                updated++;
            }
        }

        foreach (var g in catalogue.Groups)
        {
            var name = ContactTexts.Clip(g.Name, 200) ?? g.PlatformGroupId;
            if (!groupsById.TryGetValue(g.PlatformGroupId, out var group))
            {
                // A group first seen on a contact's tag was kept under its name; adopt it.
                group = groups.FirstOrDefault(x => x.PlatformGroupId is null && x.Name == name);
                if (group is not null)
                {
                    group.PlatformGroupId = g.PlatformGroupId;
                    updated++;
                }
                else
                {
                    group = new TagGroup
                    {
                        Name = name,
                        Platform = platform,
                        PlatformGroupId = g.PlatformGroupId,
                        Order = g.Order,
                        Origin = TagOrigin.PlatformAdmin,
                        CreatedAt = (g.CreatedAt ?? now).ToUniversalTime(),
                    };
                    db.TagGroups.Add(group);
                    groups.Add(group);
                    created++;
                }
                groupsById[g.PlatformGroupId] = group;
            }
            if (group.Name != name || group.Order != g.Order)
            {
                group.Name = name;
                group.Order = g.Order;
                updated++;
            }
            MarkDeleted(g.Deleted, group.DeletedAt, v => group.DeletedAt = v);

            foreach (var t in g.Tags)
            {
                var tagName = ContactTexts.Clip(t.Name, 200) ?? t.PlatformTagId;
                if (!tagsById.TryGetValue(t.PlatformTagId, out var tag))
                {
                    tag = new Tag
                    {
                        GroupId = group.Id,
                        Name = tagName,
                        Platform = platform,
                        PlatformTagId = t.PlatformTagId,
                        Order = t.Order,
                        Origin = TagOrigin.PlatformAdmin,
                        CreatedAt = (t.CreatedAt ?? now).ToUniversalTime(),
                    };
                    db.Tags.Add(tag);
                    tags.Add(tag);
                    tagsById[t.PlatformTagId] = tag;
                    created++;
                }
                else if (tag.GroupId != group.Id || tag.Name != tagName || tag.Order != t.Order)
                {
                    tag.GroupId = group.Id;
                    tag.Name = tagName;
                    tag.Order = t.Order;
                    updated++;
                }
                MarkDeleted(t.Deleted || g.Deleted, tag.DeletedAt, v => tag.DeletedAt = v);
            }
        }

        if (catalogue.IsComplete)
        {
            var listedGroups = catalogue.Groups.Select(g => g.PlatformGroupId).ToHashSet();
            var listedTags = catalogue.Groups.SelectMany(g => g.Tags).Select(t => t.PlatformTagId).ToHashSet();
            foreach (var group in groups.Where(g => g.PlatformGroupId is not null && !listedGroups.Contains(g.PlatformGroupId) && g.DeletedAt is null))
            {
                group.DeletedAt = now;
                deleted++;
            }
            foreach (var tag in tags.Where(t => t.PlatformTagId is not null && !listedTags.Contains(t.PlatformTagId) && t.DeletedAt is null))
            {
                tag.DeletedAt = now;
                deleted++;
            }
            // Placeholder groups whose tags all found their catalogue group are left empty.
            foreach (var group in groups.Where(g => g.PlatformGroupId is null && g.DeletedAt is null && tags.All(t => t.GroupId != g.Id)))
            {
                group.DeletedAt = now;
                deleted++;
            }
        }

        await db.SaveChangesAsync(ct);
        return new TagCatalogResult(created, updated, deleted);
    }

    /// <summary>
    /// Applies every contact the source yields, <paramref name="batchSize"/> per transaction, and
    /// saves where it stands (the item's resume state, done, total) in the same transaction as
    /// the batch. Started again after a crash, it hands the saved state back to the source. Each
    /// batch is loaded untracked and written set-based (<see cref="BulkSave"/>) while the source
    /// reads the next one, and the change tracker is cleared between batches, so memory stays
    /// flat however many contacts there are; do not share this context with unsaved work.
    /// </summary>
    /// <param name="source">Yields contacts from the given resume state (null = from the start).</param>
    /// <param name="total">How many contacts the source expects to yield, when it knows.</param>
    public async Task<FullSyncResult> RunFullSyncAsync(
        string name,
        Func<string?, CancellationToken, IAsyncEnumerable<FullSyncItem>> source,
        int? total = null,
        IProgress<FullSyncProgress>? progress = null,
        int batchSize = DefaultBatchSize,
        CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        // One connection for the whole run rather than one per query (a dozen per batch).
        await db.Database.OpenConnectionAsync(ct);
        var cacheSize = await WidenSqliteCacheAsync(null, ct);
        try
        {
            return await RunFullSyncCoreAsync(name, source, total, progress, batchSize, ct);
        }
        finally
        {
            await WidenSqliteCacheAsync(cacheSize, CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// On SQLite, gives the sync's connection a 64 MiB page cache (the default is 2 MiB) and
    /// returns the size it had; called again with that size, puts it back before the connection
    /// returns to the pool. The unique indexes on platform ids take keys in random order, so at
    /// a hundred thousand customers their pages no longer fit the default cache and every
    /// lookup and insert re-read them from the file.
    /// </summary>
    private async Task<long?> WidenSqliteCacheAsync(long? restore, CancellationToken ct)
    {
        if (db.Provider != DatabaseProvider.Sqlite)
        {
            return null;
        }
        await using var command = db.Database.GetDbConnection().CreateCommand();
        if (restore is { } size)
        {
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA cache_size = {size}");
            await command.ExecuteNonQueryAsync(ct);
            return null;
        }
        command.CommandText = "PRAGMA cache_size";
        var previous = Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        command.CommandText = "PRAGMA cache_size = -65536";
        await command.ExecuteNonQueryAsync(ct);
        return previous;
    }

    private async Task<FullSyncResult> RunFullSyncCoreAsync(
        string name,
        Func<string?, CancellationToken, IAsyncEnumerable<FullSyncItem>> source,
        int? total,
        IProgress<FullSyncProgress>? progress,
        int batchSize,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var checkpoint = await db.SyncCheckpoints.FirstOrDefaultAsync(c => c.Name == name, ct);
        var resumed = checkpoint is { FinishedAt: null };
        if (checkpoint is null)
        {
            checkpoint = new SyncCheckpoint { Name = name, State = "", StartedAt = now, UpdatedAt = now };
            db.SyncCheckpoints.Add(checkpoint);
        }
        else if (!resumed)
        {
            checkpoint.State = "";
            checkpoint.Done = 0;
            checkpoint.Total = 0;
            checkpoint.StartedAt = now;
            checkpoint.UpdatedAt = now;
            checkpoint.FinishedAt = null;
        }
        if (total is not null)
        {
            checkpoint.Total = total.Value;
        }
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Full sync {Name} {How} at {Done}/{Total}", name, resumed ? "resumes" : "starts", checkpoint.Done, checkpoint.Total);

        int created = 0, updated = 0, unchanged = 0;
        // The next page is read while this one is written: the platform and the database work
        // side by side instead of in turn.
        var batches = Channel.CreateBounded<List<FullSyncItem>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = ReadBatchesAsync(source(resumed && checkpoint.State.Length > 0 ? checkpoint.State : null, stop.Token), batchSize, batches.Writer, stop.Token);
        try
        {
            await foreach (var items in batches.Reader.ReadAllAsync(ct))
            {
                var contacts = items.Select(i => i.Contact).ToList();
                var batch = await ContactBatch.LoadAsync(db, contacts, clock.GetUtcNow(), ContactChangeSource.FullSync, ct, untracked: true);
                foreach (var contact in contacts)
                {
                    switch (batch.Apply(contact).Outcome)
                    {
                        case ContactApplyOutcome.Created:
                            created++;
                            break;
                        case ContactApplyOutcome.Unchanged:
                            unchanged++;
                            break;
                        default:
                            updated++;
                            break;
                    }
                }
                // The checkpoint moves in the same transaction as the batch, so the two never disagree.
                checkpoint.State = items[^1].ResumeState;
                checkpoint.Done += items.Count;
                checkpoint.UpdatedAt = clock.GetUtcNow();
                await BulkSave.WriteAsync(db, batch.Rows!, ct);
                db.ChangeTracker.Clear();
                db.SyncCheckpoints.Attach(checkpoint);
                progress?.Report(new FullSyncProgress(name, checkpoint.Done, checkpoint.Total));
                logger.LogInformation("Full sync {Name}: {Done}/{Total}", name, checkpoint.Done, checkpoint.Total);
            }
        }
        finally
        {
            // Stops the reader when a write failed; a read that failed surfaces here after the
            // batches read before it were written.
            await stop.CancelAsync();
            await reader;
        }

        checkpoint.Total = checkpoint.Done;
        checkpoint.FinishedAt = checkpoint.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        logger.LogInformation(
            "Full sync {Name} finished: {Done} contacts, {Created} created, {Updated} updated, {Unchanged} unchanged",
            name, checkpoint.Done, created, updated, unchanged);
        return new FullSyncResult(checkpoint.Done, checkpoint.Total, resumed, created, updated, unchanged);
    }

    /// <summary>Reads the source into batches for the writer; its failure (or the end) completes the channel.</summary>
    private static async Task ReadBatchesAsync(
        IAsyncEnumerable<FullSyncItem> source, int batchSize, ChannelWriter<List<FullSyncItem>> batches, CancellationToken ct)
    {
        await Task.Yield();
        Exception? failure = null;
        try
        {
            var pending = new List<FullSyncItem>(batchSize);
            await foreach (var item in source.WithCancellation(ct))
            {
                pending.Add(item);
                if (pending.Count == batchSize)
                {
                    await batches.WriteAsync(pending, ct);
                    pending = new List<FullSyncItem>(batchSize);
                }
            }
            if (pending.Count > 0)
            {
                await batches.WriteAsync(pending, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The writer stopped first; its own exception (or cancellation) is the one that counts.
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        batches.TryComplete(failure);
    }

    private async Task<(FollowChangeOutcome? Miss, Customer? Customer, Employee? Employee, FollowRelation? Relation)> FindRelationAsync(
        Platform platform, string externalId, string employeeUserId, CancellationToken ct)
    {
        var customerId = await db.CustomerIdentities
            .Where(i => i.Platform == platform && i.ExternalId == externalId)
            .Select(i => (Guid?)i.CustomerId)
            .FirstOrDefaultAsync(ct);
        if (customerId is null)
        {
            return (FollowChangeOutcome.UnknownCustomer, null, null, null);
        }
        var customer = await db.Customers.FirstAsync(c => c.Id == customerId, ct);
        var employee = platform switch
        {
            Platform.WeCom => await db.Employees.FirstOrDefaultAsync(e => e.WeComUserId == employeeUserId, ct),
            Platform.DingTalk => await db.Employees.FirstOrDefaultAsync(e => e.DingTalkUserId == employeeUserId, ct),
            _ => null,
        };
        if (employee is null)
        {
            return (FollowChangeOutcome.UnknownEmployee, customer, null, null);
        }
        var relation = await db.FollowRelations.FirstOrDefaultAsync(r => r.CustomerId == customer.Id && r.EmployeeId == employee.Id, ct);
        return relation is null
            ? (FollowChangeOutcome.UnknownRelation, customer, employee, null)
            : (null, customer, employee, relation);
    }
}

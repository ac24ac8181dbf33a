using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Tags;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using static CrmChat.CrmCore.Tests.Contacts.Snapshots;

namespace CrmChat.CrmCore.Tests.Contacts;

public class FullSyncTests
{
    private const string Name = "wecom/full-sync";
    private const int Count = 2_000;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Full_sync_resumes_after_a_crash_and_a_second_run_changes_nothing(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var directory = Directory(Count);

        // The connector dies while reading the 901st contact: four batches of 200 are saved.
        await Assert.ThrowsAsync<HttpRequestException>(() =>
            f.Sync().RunFullSyncAsync(Name, (state, ct) => Read(directory, state, ct, crashAt: 900), total: Count));
        var crashed = await CheckpointAsync(f);
        Assert.Equal(("800", 800, Count, false), (crashed.State, crashed.Done, crashed.Total, crashed.FinishedAt.HasValue));
        Assert.Equal(800, (await f.CountAsync()).Customers);

        var progress = new List<FullSyncProgress>();
        string? resumedFrom = "not called";
        var resumed = await f.Sync().RunFullSyncAsync(
            Name, (state, ct) => { resumedFrom = state; return Read(directory, state, ct); }, total: Count, progress: new SyncProgress(progress));

        Assert.Equal("800", resumedFrom);
        Assert.Equal(new FullSyncResult(Count, Count, Resumed: true, Created: 1_200, Updated: 0, Unchanged: 0), resumed);
        Assert.Equal([1_000, 1_200, 1_400, 1_600, 1_800, 2_000], progress.Select(p => p.Done));
        var counts = await f.CountAsync();
        Assert.Equal((Count, Count, Count + Count / 3 + 1), (counts.Customers, counts.Identities, counts.Relations));
        Assert.Equal(20, counts.Employees);
        await AssertSampleAsync(f, directory);

        f.Clock.Advance(TimeSpan.FromDays(1));
        var second = await f.Sync().RunFullSyncAsync(Name, (state, ct) => Read(directory, state, ct), total: Count);

        Assert.Equal(new FullSyncResult(Count, Count, Resumed: false, Created: 0, Updated: 0, Unchanged: Count), second);
        Assert.Equal(counts, await f.CountAsync());
        await using var db = f.NewContext();
        Assert.Equal(ContactFixture.Start, await db.Customers.MaxAsync(c => c.UpdatedAt));
        Assert.NotNull((await CheckpointAsync(f)).FinishedAt);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Full_sync_repairs_drift_from_missed_callbacks(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var directory = Directory(50);
        await f.Sync().RunFullSyncAsync(Name, (state, ct) => Read(directory[..40], state, ct));
        directory[7] = directory[7] with { FollowUsers = [directory[7].FollowUsers[0] with { Remark = "新备注", Tags = [] }] };

        var result = await f.Sync().RunFullSyncAsync(Name, (state, ct) => Read(directory, state, ct), batchSize: 16);

        Assert.Equal((10, 1, 39), (result.Created, result.Updated, result.Unchanged));
        await using var db = f.NewContext();
        var relation = await db.FollowRelations.Include(r => r.Tags)
            .SingleAsync(r => db.CustomerIdentities.Any(i => i.CustomerId == r.CustomerId && i.ExternalId == directory[7].ExternalId));
        Assert.Equal("新备注", relation.Remark);
        Assert.Empty(relation.Tags);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Full_sync_stores_every_field_of_new_customers_as_the_platform_sent_them(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        // Beijing time from WeCom, empty strings where WeCom sends nothing, a personal tag with
        // no platform id, and a second customer on the first one's phone under another name.
        var addedInBeijing = new DateTimeOffset(2026, 2, 14, 21, 30, 15, 123, TimeSpan.FromHours(8));
        var full = Contact("wmFull", "王小明 🐯 O'Brien", Follow("zhangsan", addedInBeijing, Corp("etVip", "VIP", "客户等级"), new TagRef(null, null, "老朋友", TagRefType.Personal)) with
        {
            Remark = "王总 \"大客户\"",
            Description = "第一行\n第二行\t含制表符",
            RemarkMobiles = ["+86 139-0000-0001", "13900000002"],
            RemarkCorpName = "小明科技",
            AddWay = 202,
            State = "expo-2026",
        }) with { UnionId = "ouFull", CorpName = "小明科技有限公司" };
        var bare = Contact("wmBare", "", Follow("lisi") with { CreatedAt = null, AddWay = null, State = null }) with { Avatar = null };
        var sharedPhone = Contact("wmOther", "赵六", Follow("lisi") with { RemarkMobiles = ["13900000002"] });

        var result = await f.Sync().RunFullSyncAsync(Name, (state, ct) => Read([full, bare, sharedPhone], state, ct));

        Assert.Equal((3, 0, 0), (result.Created, result.Updated, result.Unchanged));
        await using var db = f.NewContext();
        var customers = await db.Customers.AsNoTracking()
            .Include(c => c.Owner).Include(c => c.Identities).Include(c => c.Phones)
            .Include(c => c.Followers).ThenInclude(r => r.Employee)
            .Include(c => c.Followers).ThenInclude(r => r.Tags).ThenInclude(t => t.Tag).ThenInclude(t => t!.Group)
            .ToDictionaryAsync(c => c.Identities.Single().ExternalId);
        var utc = addedInBeijing.ToUniversalTime();

        var c1 = customers["wmFull"];
        Assert.Equal(("王小明 🐯 O'Brien", "小明科技有限公司", "wecom", CustomerStage.Lead, ContactFixture.Start, ContactFixture.Start),
            (c1.Name, c1.Company, c1.Source, c1.Stage, c1.CreatedAt, c1.UpdatedAt));
        Assert.Null(c1.Email);
        Assert.Equal(("zhangsan", "zhangsan", EmployeeStatus.Active, (DateTimeOffset?)null), (c1.Owner!.WeComUserId, c1.Owner.Name, c1.Owner.Status, c1.Owner.LeftAt));
        var identity = c1.Identities.Single();
        Assert.Equal((Platform.WeCom, "ouFull", "王小明 🐯 O'Brien", "https://wework.qpic.cn/wmFull.png", c1.Id),
            (identity.Platform, identity.UnionId, identity.DisplayName, identity.Avatar, identity.CustomerId));
        Assert.Equal(["+8613900000001", "+8613900000002"], c1.Phones.Select(p => p.E164).Order());
        var relation = c1.Followers.Single();
        Assert.Equal(("王总 \"大客户\"", "第一行\n第二行\t含制表符", "小明科技", 202, "expo-2026", Platform.WeCom),
            (relation.Remark, relation.Description, relation.RemarkCompany, relation.AddWay, relation.State, relation.Platform));
        Assert.Equal(utc, relation.AddedAt);
        Assert.Equal(TimeSpan.Zero, relation.AddedAt.Offset);
        Assert.Equal(["+86 139-0000-0001", "13900000002"], relation.RemarkMobiles);
        Assert.Equal((null, null, null, null), (relation.EndedAt, relation.EndReason, relation.TransferFailedAt, relation.TransferFailReason));
        Assert.Equal(c1.OwnerId, relation.EmployeeId);
        var tags = relation.Tags.OrderBy(t => t.Tag!.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(
            [("VIP", "etVip", "客户等级", (Platform?)Platform.WeCom), ("老朋友", null, "个人标签 / Personal tags", Platform.WeCom)],
            tags.Select(t => (t.Tag!.Name, t.Tag.PlatformTagId, t.Tag.Group!.Name, t.Tag.Platform)));
        Assert.All(tags, t => Assert.Equal((TagOrigin.PlatformAdmin, ContactFixture.Start, 0L, (DateTimeOffset?)null), (t.Origin, t.AddedAt, t.Tag!.Order, t.Tag.DeletedAt)));

        var c2 = customers["wmBare"];
        Assert.Equal(("wmBare", null, "wmBare"), (c2.Name, c2.Company, c2.Identities.Single().DisplayName));
        Assert.Equal((null, null), (c2.Identities.Single().UnionId, c2.Identities.Single().Avatar));
        Assert.Empty(c2.Phones);
        var bareRelation = c2.Followers.Single();
        Assert.Equal((null, null, null, null, (int?)null), (bareRelation.Remark, bareRelation.Description, bareRelation.RemarkCompany, bareRelation.State, bareRelation.AddWay));
        Assert.Empty(bareRelation.RemarkMobiles);
        Assert.Equal(ContactFixture.Start, bareRelation.AddedAt);

        var duplicate = await db.MergeCandidates.AsNoTracking().SingleAsync();
        Assert.Equal((customers["wmOther"].Id, c1.Id, MergeCandidateStatus.Open, ContactFixture.Start, (DateTimeOffset?)null),
            (duplicate.CustomerId, duplicate.OtherCustomerId, duplicate.Status, duplicate.CreatedAt, duplicate.ResolvedAt));
        var timeline = await db.Activities.AsNoTracking().Where(a => a.CustomerId == c1.Id).ToListAsync();
        Assert.Equal(
            [(ActivityKind.FollowStarted, c1.OwnerId, utc), (ActivityKind.CustomerCreated, c1.OwnerId, ContactFixture.Start)],
            timeline.Select(a => (a.Kind, a.ActorId, a.OccurredAt)).OrderBy(a => a.OccurredAt));
        Assert.Contains("王小明 🐯 O'Brien", timeline.Single(a => a.Kind == ActivityKind.CustomerCreated).Text, StringComparison.Ordinal);
        var created = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.EntityId == c1.Id.ToString() && a.Action == "created");
        Assert.Equal(("wecom", nameof(Customer), null, ContactFixture.Start), (created.Actor, created.EntityType, created.Before, created.At));
        Assert.Contains("\"ExternalId\":\"wmFull\"", created.After, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Full_sync_that_fails_while_writing_a_batch_keeps_none_of_it_and_resumes_without_duplicates(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var directory = Directory(500);
        // The database refuses the timeline entry of the 301st customer: by then the second
        // batch's customers, identities and relations are already written in its transaction.
        directory[300] = directory[300] with { Name = "refuse-me" };
        await using (var db = f.NewContext())
        {
            await db.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.PostgreSql
                ? """
                  CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
                  BEGIN IF NEW."Text" LIKE '%refuse-me%' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
                  CREATE TRIGGER refuse_marked BEFORE INSERT ON "Activities" FOR EACH ROW EXECUTE FUNCTION refuse_marked();
                  """
                : """
                  CREATE TRIGGER refuse_marked BEFORE INSERT ON "Activities" WHEN NEW."Text" LIKE '%refuse-me%'
                  BEGIN SELECT RAISE(ABORT, 'refused'); END;
                  """);
        }

        await Assert.ThrowsAnyAsync<DbException>(() => f.Sync().RunFullSyncAsync(Name, (state, ct) => Read(directory, state, ct), total: 500));

        var failed = await CheckpointAsync(f);
        Assert.Equal(("200", 200, false), (failed.State, failed.Done, failed.FinishedAt.HasValue));
        var counts = await f.CountAsync();
        Assert.Equal((200, 200, 200 + 200 / 3 + 1, 200), (counts.Customers, counts.Identities, counts.Relations, counts.Phones));

        await using (var db = f.NewContext())
        {
            await db.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.PostgreSql ? "DROP TRIGGER refuse_marked ON \"Activities\"" : "DROP TRIGGER refuse_marked");
        }
        var resumed = await f.Sync().RunFullSyncAsync(Name, (state, ct) => Read(directory, state, ct), total: 500);

        Assert.Equal(new FullSyncResult(500, 500, Resumed: true, Created: 300, Updated: 0, Unchanged: 0), resumed);
        counts = await f.CountAsync();
        Assert.Equal((500, 500, 500 + 500 / 3 + 1, 500), (counts.Customers, counts.Identities, counts.Relations, counts.Phones));
        await using var check = f.NewContext();
        Assert.Equal(500, await check.CustomerIdentities.Select(i => i.ExternalId).Distinct().CountAsync());
        Assert.Equal(1, await check.Customers.CountAsync(c => c.Name == "refuse-me"));
    }

    /// <summary>
    /// A corp with 20 reps; every third customer is followed by two of them, and every
    /// customer carries one or two of ten corp tags and a remark phone.
    /// </summary>
    private static ExternalContactSnapshot[] Directory(int count) =>
    [
        .. Enumerable.Range(0, count).Select(i =>
        {
            var added = ContactFixture.Start.AddDays(-30).AddMinutes(i);
            var tags = new[] { Corp($"et{i % 10}", $"标签{i % 10}", $"分组{i % 3}"), Corp($"et{(i + 3) % 10}", $"标签{(i + 3) % 10}", $"分组{(i + 3) % 3}") }
                .Take(1 + (i % 2)).ToArray();
            var follows = new List<FollowSnapshot>
            {
                Follow($"rep{i % 20}", added, tags) with
                {
                    Remark = $"客户{i}",
                    RemarkMobiles = [$"139{i:D8}"],
                },
            };
            if (i % 3 == 0)
            {
                follows.Add(Follow($"rep{(i + 1) % 20}", added.AddHours(1)));
            }
            return Contact($"wm{i:D6}", $"客户{i}", [.. follows]) with { UnionId = $"ou{i:D6}" };
        }),
    ];

    /// <summary>Yields the directory from a resume state, as a connector paging its cursor would.</summary>
    private static async IAsyncEnumerable<FullSyncItem> Read(
        ExternalContactSnapshot[] directory, string? state, [EnumeratorCancellation] CancellationToken ct, int crashAt = -1)
    {
        for (var i = state is null ? 0 : int.Parse(state, CultureInfo.InvariantCulture); i < directory.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            if (i == crashAt)
            {
                throw new HttpRequestException("connection reset");
            }
            await Task.Yield();
            yield return new FullSyncItem(directory[i], (i + 1).ToString(CultureInfo.InvariantCulture));
        }
    }

    private static async Task AssertSampleAsync(ContactFixture f, ExternalContactSnapshot[] directory)
    {
        await using var db = f.NewContext();
        foreach (var i in new[] { 0, 799, 800, 1_234, Count - 1 })
        {
            var snapshot = directory[i];
            var customer = await db.Customers
                .Include(c => c.Owner).Include(c => c.Phones)
                .Include(c => c.Followers).ThenInclude(r => r.Tags).ThenInclude(t => t.Tag)
                .SingleAsync(c => db.CustomerIdentities.Any(x => x.CustomerId == c.Id && x.ExternalId == snapshot.ExternalId));
            Assert.Equal(snapshot.Name, customer.Name);
            Assert.Equal(snapshot.FollowUsers[0].EmployeeUserId, customer.Owner!.WeComUserId);
            Assert.Equal($"+86139{i:D8}", Assert.Single(customer.Phones).E164);
            Assert.Equal(snapshot.FollowUsers.Count, customer.Followers.Count);
            Assert.Equal(
                snapshot.FollowUsers[0].Tags.Select(t => t.PlatformTagId).Order(),
                customer.Followers.Single(r => r.Remark == snapshot.FollowUsers[0].Remark).Tags.Select(t => t.Tag!.PlatformTagId).Order());
        }
    }

    private static async Task<CrmChat.CrmCore.Messaging.SyncCheckpoint> CheckpointAsync(ContactFixture f)
    {
        await using var db = f.NewContext();
        return await db.SyncCheckpoints.SingleAsync(c => c.Name == Name);
    }

    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class SyncProgress(List<FullSyncProgress> reports) : IProgress<FullSyncProgress>
    {
        public void Report(FullSyncProgress value) => reports.Add(value);
    }
}

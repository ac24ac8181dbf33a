using System.Globalization;
using System.Runtime.CompilerServices;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
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

using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Tags;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using static CrmChat.CrmCore.Tests.Contacts.Snapshots;

namespace CrmChat.CrmCore.Tests.Contacts;

public class TagSyncTests
{
    private static TagCatalogSnapshot Catalogue(params TagGroupSnapshot[] groups) => new(groups);

    private static TagGroupSnapshot Group(string id, string name, params TagSnapshot[] tags) => new(id, name, 1, tags);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Tag_catalogue_creates_renames_and_deletes_and_a_repeat_changes_nothing(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var first = Catalogue(
            Group("g1", "客户等级", new TagSnapshot("et1", "重要", 1), new TagSnapshot("et2", "普通", 2)),
            Group("g2", "来源", new TagSnapshot("et3", "展会", 1)));
        var created = await f.Sync().ApplyTagCatalogAsync(Platform.WeCom, first);
        var repeat = await f.Sync().ApplyTagCatalogAsync(Platform.WeCom, first);

        f.Clock.Advance(TimeSpan.FromHours(1));
        var changed = await f.Sync().ApplyTagCatalogAsync(Platform.WeCom, Catalogue(
            Group("g1", "客户分级", new TagSnapshot("et1", "重要客户", 1))));

        Assert.Equal(new TagCatalogResult(5, 0, 0), created);
        Assert.Equal(new TagCatalogResult(0, 0, 0), repeat);
        Assert.Equal(new TagCatalogResult(0, 2, 3), changed);
        await using var db = f.NewContext();
        var groups = await db.TagGroups.Include(g => g.Tags).OrderBy(g => g.PlatformGroupId).ToListAsync();
        Assert.Equal(("客户分级", null, TagOrigin.PlatformAdmin), (groups[0].Name, groups[0].DeletedAt, groups[0].Origin));
        Assert.Equal(ContactFixture.Start.AddHours(1), groups[1].DeletedAt);
        var tags = groups.SelectMany(g => g.Tags).OrderBy(t => t.PlatformTagId).ToList();
        Assert.Equal("重要客户", tags[0].Name);
        Assert.Null(tags[0].DeletedAt);
        Assert.All(tags.Skip(1), t => Assert.NotNull(t.DeletedAt));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Tag_first_seen_on_a_contact_is_adopted_by_the_catalogue(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan", tags: [Corp("et1", "重要", "客户等级")])));

        await f.Sync().ApplyTagCatalogAsync(Platform.WeCom, Catalogue(Group("g1", "客户等级", new TagSnapshot("et1", "重要", 1))));

        await using var db = f.NewContext();
        var group = await db.TagGroups.Include(g => g.Tags).SingleAsync();
        Assert.Equal(("g1", "et1"), (group.PlatformGroupId, Assert.Single(group.Tags).PlatformTagId));
        Assert.Equal(1, await db.FollowRelationTags.CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Changing_tags_in_CrmChat_marks_them_on_the_platform_then_updates_the_relation(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var (customerId, employeeId, tagIds) = await ArrangeAsync(f);
        var platform = new RecordingTagWriter();

        var result = await f.Tagging(platform).ChangeTagsAsync(customerId, employeeId, add: [tagIds["et2"]], remove: [tagIds["et1"]]);

        Assert.Equal(["普通"], result.Added);
        Assert.Equal(["重要"], result.Removed);
        var call = Assert.Single(platform.Calls);
        Assert.Equal(("zhangsan", "wmA", "et2", "et1"), (call.UserId, call.ExternalId, Assert.Single(call.Add), Assert.Single(call.Remove)));
        await using var db = f.NewContext();
        Assert.Equal("普通", (await db.FollowRelationTags.Include(t => t.Tag).SingleAsync()).Tag!.Name);
        Assert.Contains("+普通", (await db.Activities.SingleAsync(a => a.Kind == ActivityKind.TagsChanged)).Text);

        // WeCom sends no callback for mark_tag; the next fetch of the contact agrees, so nothing more happens.
        var counts = await f.CountAsync();
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan", tags: [Corp("et2", "普通")])));
        Assert.Equal(counts, await f.CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Platform_refusing_a_tag_change_leaves_CrmChat_unchanged(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var (customerId, employeeId, tagIds) = await ArrangeAsync(f);
        var counts = await f.CountAsync();
        var platform = new RecordingTagWriter { Failure = new HttpRequestException("errcode 45009") };

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            f.Tagging(platform).SetRelationTagsAsync(customerId, employeeId, [tagIds["et2"]]));

        Assert.Single(platform.Calls);
        Assert.Equal(counts, await f.CountAsync());
        await using var db = f.NewContext();
        Assert.Equal("重要", (await db.FollowRelationTags.Include(t => t.Tag).SingleAsync()).Tag!.Name);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Tags_cannot_be_changed_for_an_ended_relation(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var (customerId, employeeId, tagIds) = await ArrangeAsync(f);
        await f.Sync().EndFollowAsync(Platform.WeCom, "wmA", "zhangsan", CrmChat.CrmCore.Customers.FollowEndReason.RemovedByEmployee, null, ContactFixture.Start);
        var platform = new RecordingTagWriter();

        var error = await Assert.ThrowsAsync<TagChangeRejectedException>(() =>
            f.Tagging(platform).ChangeTagsAsync(customerId, employeeId, [tagIds["et2"]], []));

        Assert.Contains("does not follow this customer", error.Message);
        Assert.Empty(platform.Calls);
    }

    private static async Task<(Guid CustomerId, Guid EmployeeId, Dictionary<string, Guid> TagIds)> ArrangeAsync(ContactFixture f)
    {
        await f.Sync().ApplyTagCatalogAsync(Platform.WeCom, Catalogue(
            Group("g1", "客户等级", new TagSnapshot("et1", "重要", 1), new TagSnapshot("et2", "普通", 2))));
        var contact = await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan", tags: [Corp("et1", "重要")])));
        await using var db = f.NewContext();
        var employee = await db.Employees.SingleAsync(e => e.WeComUserId == "zhangsan");
        var tags = await db.Tags.ToDictionaryAsync(t => t.PlatformTagId!, t => t.Id);
        return (contact.CustomerId, employee.Id, tags);
    }

    private sealed class RecordingTagWriter : IPlatformTagWriter
    {
        public List<(string UserId, string ExternalId, IReadOnlyList<string> Add, IReadOnlyList<string> Remove)> Calls { get; } = [];
        public Exception? Failure { get; init; }
        public Platform Platform => Platform.WeCom;

        public Task MarkTagAsync(string employeeUserId, string externalId, IReadOnlyList<string> addPlatformTagIds, IReadOnlyList<string> removePlatformTagIds, CancellationToken ct)
        {
            Calls.Add((employeeUserId, externalId, addPlatformTagIds, removePlatformTagIds));
            return Failure is null ? Task.CompletedTask : Task.FromException(Failure);
        }
    }
}

using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using static CrmChat.CrmCore.Tests.Contacts.Snapshots;

namespace CrmChat.CrmCore.Tests.Contacts;

public class ContactSyncTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Added_contact_becomes_a_customer_with_identity_follower_and_tags(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var snapshot = Contact("wmA", "李雷", Follow("zhangsan", tags: [Corp("et1", "重要客户"), Corp("et2", "已报价", "阶段")]) with
        {
            Remark = "李雷-ACME",
            Description = "展会认识",
            RemarkMobiles = ["138 0013 8000"],
        }) with { UnionId = "oU1", CorpName = "ACME" };

        var result = await f.ApplyAsync(snapshot);

        Assert.Equal(ContactApplyOutcome.Created, result.Outcome);
        await using var db = f.NewContext();
        var customer = await db.Customers
            .Include(c => c.Identities).Include(c => c.Phones).Include(c => c.Owner)
            .Include(c => c.Followers).ThenInclude(r => r.Tags).ThenInclude(t => t.Tag)
            .Include(c => c.Followers).ThenInclude(r => r.Employee)
            .SingleAsync();
        Assert.Equal("李雷", customer.Name);
        Assert.Equal("ACME", customer.Company);
        Assert.Equal("wecom", customer.Source);
        Assert.Equal("zhangsan", customer.Owner!.WeComUserId);
        var identity = Assert.Single(customer.Identities);
        Assert.Equal((Platform.WeCom, "wmA", "oU1"), (identity.Platform, identity.ExternalId, identity.UnionId));
        Assert.Equal("+8613800138000", Assert.Single(customer.Phones).E164);
        var relation = Assert.Single(customer.Followers);
        Assert.True(relation.IsActive);
        Assert.Equal(("李雷-ACME", "展会认识", "expo-2026", 1), (relation.Remark, relation.Description, relation.State, relation.AddWay));
        Assert.Equal(["138 0013 8000"], relation.RemarkMobiles);
        Assert.Equal(["已报价", "重要客户"], relation.Tags.Select(t => t.Tag!.Name).Order());
        // An employee the CRM did not know yet is created with the platform user id.
        Assert.Equal("zhangsan", relation.Employee!.Name);
        var kinds = await db.Activities.Where(a => a.CustomerId == customer.Id).Select(a => a.Kind).ToListAsync();
        Assert.Equal([ActivityKind.FollowStarted, ActivityKind.CustomerCreated], kinds.Order());
        var audit = await db.AuditEntries.SingleAsync(a => a.EntityType == "Customer");
        Assert.Equal(("wecom", "created"), (audit.Actor, audit.Action));
        Assert.Contains("李雷", audit.After);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Same_snapshot_applied_three_times_changes_nothing_after_the_first(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var snapshot = Contact("wmA", "李雷", Follow("zhangsan", tags: [Corp("et1", "重要客户")]) with
        {
            Remark = "李雷",
            RemarkMobiles = ["13800138000"],
        });
        var first = await f.ApplyAsync(snapshot);
        var counts = await f.CountAsync();
        DateTimeOffset UpdatedAt() => f.NewContext().Customers.Single().UpdatedAt;
        var updatedAt = UpdatedAt();

        for (var i = 0; i < 2; i++)
        {
            f.Clock.Advance(TimeSpan.FromMinutes(5));
            var again = await f.ApplyAsync(snapshot);
            Assert.Equal(new ContactApplyResult(first.CustomerId, ContactApplyOutcome.Unchanged), again);
        }

        Assert.Equal(counts, await f.CountAsync());
        Assert.Equal((1, 1), (counts.Customers, counts.Relations));
        Assert.Equal(updatedAt, UpdatedAt());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Second_rep_adding_the_customer_adds_a_relation_and_keeps_the_first_owner(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var firstAdded = ContactFixture.Start.AddDays(-3);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan", firstAdded)));

        // WeCom lists follow users in its own order; the later one comes first here.
        var result = await f.ApplyAsync(Contact("wmA", "李雷", Follow("lisi", ContactFixture.Start), Follow("zhangsan", firstAdded)));

        Assert.Equal(ContactApplyOutcome.Updated, result.Outcome);
        await using var db = f.NewContext();
        var customer = await db.Customers.Include(c => c.Owner).Include(c => c.Followers).ThenInclude(r => r.Employee).SingleAsync();
        Assert.Equal("zhangsan", customer.Owner!.WeComUserId);
        Assert.Equal(["lisi", "zhangsan"], customer.Followers.Select(r => r.Employee!.WeComUserId).Order());
        Assert.Equal(2, await db.Activities.CountAsync(a => a.Kind == ActivityKind.FollowStarted));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task New_customer_is_owned_by_the_rep_who_added_it_first(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);

        await f.ApplyAsync(Contact("wmA", "李雷", Follow("lisi", ContactFixture.Start), Follow("wangwu", ContactFixture.Start.AddDays(-7))));

        await using var db = f.NewContext();
        Assert.Equal("wangwu", (await db.Customers.Include(c => c.Owner).SingleAsync()).Owner!.WeComUserId);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Same_unionid_on_another_platform_is_the_same_customer(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan")) with { UnionId = "oU1" });

        var result = await f.ApplyAsync(Contact("ding-77", "Li Lei", Follow("ding-zhang")) with { Platform = Platform.DingTalk, UnionId = "oU1" });

        Assert.Equal(ContactApplyOutcome.Linked, result.Outcome);
        await using var db = f.NewContext();
        var customer = await db.Customers.Include(c => c.Identities).Include(c => c.Followers).SingleAsync();
        Assert.Equal([Platform.WeCom, Platform.DingTalk], customer.Identities.Select(i => i.Platform).Order());
        Assert.Equal(2, customer.Followers.Count);
        Assert.Equal("ding-zhang", (await db.Employees.SingleAsync(e => e.DingTalkUserId != null)).DingTalkUserId);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Same_phone_and_name_is_the_same_customer(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan") with { RemarkMobiles = ["+86 138-0013-8000"] }));

        var result = await f.ApplyAsync(Contact("wmB", "李雷", Follow("lisi") with { RemarkMobiles = ["13800138000"] }));

        Assert.Equal(ContactApplyOutcome.Linked, result.Outcome);
        var counts = await f.CountAsync();
        Assert.Equal((1, 2, 0), (counts.Customers, counts.Identities, counts.MergeCandidates));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Same_phone_with_a_different_name_goes_to_merge_review_instead_of_merging(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var existing = await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan") with { RemarkMobiles = ["13800138000"] }));
        var snapshot = Contact("wmB", "韩梅梅", Follow("lisi") with { RemarkMobiles = ["138 0013 8000"] });

        var result = await f.ApplyAsync(snapshot);
        await f.ApplyAsync(snapshot);

        Assert.Equal(ContactApplyOutcome.Created, result.Outcome);
        Assert.Equal(existing.CustomerId, result.ProbableDuplicateOf);
        await using var db = f.NewContext();
        Assert.Equal(2, await db.Customers.CountAsync());
        var candidate = await db.MergeCandidates.SingleAsync();
        Assert.Equal((result.CustomerId, existing.CustomerId, MergeCandidateStatus.Open), (candidate.CustomerId, candidate.OtherCustomerId, candidate.Status));
        Assert.Contains("138****8000", candidate.Reason);
        Assert.Contains("same phone, different name", candidate.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Edited_remark_and_tags_show_on_the_timeline(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan", tags: [Corp("et1", "重要客户")]) with { Remark = "李雷" }));
        f.Clock.Advance(TimeSpan.FromHours(1));

        var result = await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan", tags: [Corp("et2", "已报价", "阶段")]) with { Remark = "李雷 ACME 采购" }));

        Assert.Equal(ContactApplyOutcome.Updated, result.Outcome);
        await using var db = f.NewContext();
        var customer = await db.Customers.Include(c => c.Followers).ThenInclude(r => r.Tags).ThenInclude(t => t.Tag).SingleAsync();
        Assert.Equal(ContactFixture.Start.AddHours(1), customer.UpdatedAt);
        var relation = Assert.Single(customer.Followers);
        Assert.Equal("李雷 ACME 采购", relation.Remark);
        Assert.Equal("已报价", Assert.Single(relation.Tags).Tag!.Name);
        var updated = await db.Activities.SingleAsync(a => a.Kind == ActivityKind.CustomerUpdated);
        Assert.Contains("李雷 ACME 采购", updated.Text);
        var tags = await db.Activities.SingleAsync(a => a.Kind == ActivityKind.TagsChanged);
        Assert.Contains("+已报价", tags.Text);
        Assert.Contains("−重要客户", tags.Text);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.EntityType == "FollowRelation" && a.Action == "updated" && a.Before!.Contains("李雷")));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Relation_missing_from_a_snapshot_is_not_ended(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan"), Follow("lisi")));

        await f.ApplyAsync(Contact("wmA", "李雷", Follow("lisi")));

        await using var db = f.NewContext();
        Assert.Equal(2, await db.FollowRelations.CountAsync(r => r.EndedAt == null));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Ending_a_follow_keeps_the_customer_and_a_repeat_changes_nothing(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan"), Follow("lisi")));
        var at = ContactFixture.Start.AddMinutes(3);

        var ended = await f.Sync().EndFollowAsync(Platform.WeCom, "wmA", "lisi", FollowEndReason.RemovedByCustomer, null, at);
        var counts = await f.CountAsync();
        var again = await f.Sync().EndFollowAsync(Platform.WeCom, "wmA", "lisi", FollowEndReason.RemovedByCustomer, null, at);

        Assert.Equal(FollowChangeOutcome.Applied, ended.Outcome);
        Assert.Equal(FollowChangeOutcome.AlreadyApplied, again.Outcome);
        Assert.Equal(counts, await f.CountAsync());
        await using var db = f.NewContext();
        Assert.Equal(1, await db.Customers.CountAsync());
        var relation = await db.FollowRelations.SingleAsync(r => r.Id == ended.RelationId);
        Assert.Equal((at, FollowEndReason.RemovedByCustomer), (relation.EndedAt, relation.EndReason));
        var activity = await db.Activities.SingleAsync(a => a.Kind == ActivityKind.FollowEnded);
        Assert.Contains("客户删除了 lisi / The customer removed lisi", activity.Text);
        Assert.True(await db.FollowRelations.AnyAsync(r => r.EndedAt == null));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Ending_a_follow_nobody_knows_reports_it_without_throwing(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan")));
        var sync = f.Sync();

        var noCustomer = await sync.EndFollowAsync(Platform.WeCom, "wmX", "zhangsan", FollowEndReason.RemovedByEmployee, null, ContactFixture.Start);
        var noEmployee = await sync.EndFollowAsync(Platform.WeCom, "wmA", "nobody", FollowEndReason.RemovedByEmployee, null, ContactFixture.Start);

        Assert.Equal(FollowChangeOutcome.UnknownCustomer, noCustomer.Outcome);
        Assert.Equal(FollowChangeOutcome.UnknownEmployee, noEmployee.Outcome);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Customer_added_again_after_removal_is_followed_again_but_an_old_snapshot_does_not_revive_it(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        var snapshot = Contact("wmA", "李雷", Follow("zhangsan", ContactFixture.Start.AddDays(-1)));
        await f.ApplyAsync(snapshot);
        await f.Sync().EndFollowAsync(Platform.WeCom, "wmA", "zhangsan", FollowEndReason.Transferred, "DELETE_BY_TRANSFER", ContactFixture.Start);

        await f.ApplyAsync(snapshot);
        Assert.False((await f.NewContext().FollowRelations.SingleAsync()).IsActive);

        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan", ContactFixture.Start.AddHours(2))));
        var relation = await f.NewContext().FollowRelations.SingleAsync();
        Assert.True(relation.IsActive);
        Assert.Equal(ContactFixture.Start.AddHours(2), relation.AddedAt);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Failed_handover_is_recorded_on_the_relation_and_the_timeline(DatabaseProvider provider)
    {
        await using var f = await ContactFixture.CreateAsync(provider);
        await f.ApplyAsync(Contact("wmA", "李雷", Follow("zhangsan")));
        var at = ContactFixture.Start.AddMinutes(1);

        var result = await f.Sync().RecordTransferFailedAsync(Platform.WeCom, "wmA", "zhangsan", "customer_refused", at);
        var again = await f.Sync().RecordTransferFailedAsync(Platform.WeCom, "wmA", "zhangsan", "customer_refused", at);

        Assert.Equal((FollowChangeOutcome.Applied, FollowChangeOutcome.AlreadyApplied), (result.Outcome, again.Outcome));
        await using var db = f.NewContext();
        var relation = await db.FollowRelations.SingleAsync();
        Assert.Equal((at, "customer_refused"), (relation.TransferFailedAt, relation.TransferFailReason));
        var activity = await db.Activities.SingleAsync(a => a.Kind == ActivityKind.TransferFailed);
        Assert.Contains("客户拒绝", activity.Text);
        Assert.Contains("customer refused", activity.Text);
    }
}

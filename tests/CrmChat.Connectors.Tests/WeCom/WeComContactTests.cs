using CrmChat.Sandbox;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.Sandbox.WeCom;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComContactTests : IAsyncLifetime
{
    private SandboxServer _server = null!;
    private ClientInstance _client = null!;

    private WeComSandbox Sandbox => _server.WeCom;

    public async Task InitializeAsync()
    {
        // Two follow users per page, so one customer with five followers takes three pages.
        _server = await SandboxServer.StartAsync(o => o.FollowUserPageSize = 2);
        _client = await ClientInstance.StartAsync(_server, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Get_contact_follows_every_follow_user_page_and_returns_the_whole_customer()
    {
        var customer = new SandboxCustomer { ExternalUserId = Sandbox.NewExternalUserId(), Name = "王小明", UnionId = "union-1", CorpName = "星辰科技" };
        for (var i = 1; i <= 5; i++)
        {
            Sandbox.AddMember($"rep{i}");
            Sandbox.AddFollow($"rep{i}", customer, f =>
            {
                f.Remark = $"备注{i}";
                f.RemarkMobiles = ["13800138000"];
                f.State = "expo";
            });
        }

        var contact = await _client.Contacts.GetContactAsync(customer.ExternalUserId);

        Assert.Equal(3, _client.Requests.Count("externalcontact/get"));
        Assert.Equal("王小明", contact.ExternalContact.Name);
        Assert.Equal("union-1", contact.ExternalContact.UnionId);
        Assert.Equal(customer.ExternalUserId, contact.ExternalContact.ExternalUserId);
        Assert.Equal(["rep1", "rep2", "rep3", "rep4", "rep5"], contact.FollowUsers.Select(f => f.UserId));
        Assert.Equal("备注5", contact.FollowUsers[4].Remark);
        Assert.Equal(["13800138000"], contact.FollowUsers[0].RemarkMobiles);
        Assert.Equal("expo", contact.FollowUsers[0].State);
    }

    [Fact]
    public async Task Batch_get_by_user_pages_through_every_relation_of_the_members()
    {
        Sandbox.GenerateDirectory(memberCount: 3, customerCount: 260, seed: 11);
        var members = Sandbox.Members.Select(m => m.UserId).ToList();
        var expected = members.Sum(m => Sandbox.ListExternalContacts(m)["external_userid"]!.AsArray().Count);

        var pages = new List<WeComContactPage>();
        await foreach (var page in _client.Contacts.GetAllContactsByUserAsync(members, limit: 100))
        {
            pages.Add(page);
        }

        var relations = pages.SelectMany(p => p.ExternalContactList).ToList();
        Assert.Equal(expected, relations.Count);
        Assert.Equal(expected, relations.Select(r => (r.FollowInfo.UserId, r.ExternalContact.ExternalUserId)).Distinct().Count());
        Assert.Equal((expected + 99) / 100, pages.Count);
        Assert.Equal("", pages[^1].NextCursor);
        Assert.Contains(relations, r => r.FollowInfo.TagIds.Count > 0);
    }

    [Fact]
    public async Task Batch_get_by_user_resumes_from_a_saved_cursor()
    {
        Sandbox.GenerateDirectory(memberCount: 2, customerCount: 150, seed: 3);
        var members = Sandbox.Members.Select(m => m.UserId).ToList();
        var first = await _client.Contacts.GetContactsByUserAsync(members, limit: 40);

        var rest = new List<WeComContactWithFollowInfo>();
        await foreach (var page in _client.Contacts.GetAllContactsByUserAsync(members, first.NextCursor, limit: 40))
        {
            rest.AddRange(page.ExternalContactList);
        }

        var all = first.ExternalContactList.Concat(rest).Select(r => (r.FollowInfo.UserId, r.ExternalContact.ExternalUserId)).ToList();
        var expected = members.Sum(m => Sandbox.ListExternalContacts(m)["external_userid"]!.AsArray().Count);
        Assert.Equal(expected, all.Count);
        Assert.Equal(expected, all.Distinct().Count());
    }

    [Fact]
    public async Task Batch_get_by_user_refuses_more_than_100_members_before_calling()
    {
        var members = Enumerable.Range(0, 101).Select(i => $"m{i}").ToList();

        await Assert.ThrowsAsync<ArgumentException>(() => _client.Contacts.GetContactsByUserAsync(members));
        Assert.Equal(0, _client.Requests.Count("externalcontact/batch/get_by_user"));
    }

    [Fact]
    public async Task List_of_a_member_without_customers_is_empty()
    {
        Sandbox.AddMember("newrep");

        var ids = await _client.Contacts.ListContactIdsAsync("newrep");

        Assert.Empty(ids);
    }

    [Fact]
    public async Task Tags_can_be_created_renamed_marked_on_a_relation_and_deleted()
    {
        var customer = new SandboxCustomer { ExternalUserId = Sandbox.NewExternalUserId(), Name = "李雷" };
        Sandbox.AddMember("rep1");
        Sandbox.AddFollow("rep1", customer);

        var group = await _client.Contacts.AddCorpTagsAsync(new WeComAddCorpTags { GroupName = "客户等级", Tags = [new("A级"), new("B级", 2)] });
        var a = group.Tags.Single(t => t.Name == "A级").Id;
        var b = group.Tags.Single(t => t.Name == "B级").Id;
        await _client.Contacts.EditCorpTagAsync(b, name: "重点");
        await _client.Contacts.MarkTagAsync("rep1", customer.ExternalUserId, addTagIds: [a, b], removeTagIds: []);
        await _client.Contacts.MarkTagAsync("rep1", customer.ExternalUserId, addTagIds: [], removeTagIds: [a]);
        var contact = await _client.Contacts.GetContactAsync(customer.ExternalUserId);
        var catalogue = await _client.Contacts.GetCorpTagListAsync();

        Assert.Equal([b], contact.FollowUsers.Single().Tags.Select(t => t.TagId));
        Assert.Equal("重点", catalogue.Single(g => g.GroupId == group.GroupId).Tags.Single(t => t.Id == b).Name);

        await _client.Contacts.DeleteCorpTagsAsync(groupIds: [group.GroupId]);
        Assert.DoesNotContain(await _client.Contacts.GetCorpTagListAsync(), g => g.GroupId == group.GroupId);
    }

    [Fact]
    public async Task Remark_changes_what_the_member_noted()
    {
        var customer = new SandboxCustomer { ExternalUserId = Sandbox.NewExternalUserId(), Name = "韩梅梅" };
        Sandbox.AddMember("rep1");
        Sandbox.AddFollow("rep1", customer);

        await _client.Contacts.RemarkAsync(new WeComRemark
        {
            UserId = "rep1",
            ExternalUserId = customer.ExternalUserId,
            Remark = "韩总",
            Description = "展会认识",
            RemarkMobiles = ["13900139000"],
        });

        var follow = (await _client.Contacts.GetContactAsync(customer.ExternalUserId)).FollowUsers.Single();
        Assert.Equal("韩总", follow.Remark);
        Assert.Equal("展会认识", follow.Description);
        Assert.Equal(["13900139000"], follow.RemarkMobiles);
    }
}

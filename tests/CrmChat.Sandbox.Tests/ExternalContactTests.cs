using static CrmChat.Sandbox.Tests.SandboxHttp;

namespace CrmChat.Sandbox.Tests;

public sealed class ExternalContactTests
{
    [Fact]
    public async Task Customer_added_by_the_driver_is_served_by_externalcontact_get_with_tags()
    {
        await using var sandbox = await StartAsync();
        await sandbox.Driver("members", new { userid = "zhangsan", name = "张三" });
        var tags = await sandbox.Driver("tags/create", new { group_name = "客户等级", tags = new[] { "A级", "B级" } });
        var tagA = (string)tags["result"]!["tag_ids"]![0]!;
        var added = await sandbox.Driver("customers/add", new
        {
            userid = "zhangsan", name = "李四", unionid = "ounion1", remark = "李总", remark_mobiles = new[] { "13800000000" },
            state = "expo2025", tags = new[] { tagA },
        });
        var externalUserId = (string)added["result"]!["external_userid"]!;

        var token = await sandbox.ContactToken();
        var reply = await sandbox.Get(Api("externalcontact/get", token, $"&external_userid={externalUserId}"));
        JsonAssert.ErrCode(0, reply);
        Assert.Equal("李四", (string)reply["external_contact"]!["name"]!);
        Assert.Equal("ounion1", (string)reply["external_contact"]!["unionid"]!);
        var follow = reply["follow_user"]![0]!;
        Assert.Equal("zhangsan", (string)follow["userid"]!);
        Assert.Equal("李总", (string)follow["remark"]!);
        Assert.Equal("expo2025", (string)follow["state"]!);
        Assert.Equal("13800000000", (string)follow["remark_mobiles"]![0]!);
        Assert.Equal("A级", (string)follow["tags"]![0]!["tag_name"]!);
        Assert.Equal("客户等级", (string)follow["tags"]![0]!["group_name"]!);
        Assert.StartsWith("et", (string)follow["tags"]![0]!["tag_id"]!);
    }

    [Fact]
    public async Task Unknown_customer_answers_84061_and_a_malformed_id_40096()
    {
        await using var sandbox = await StartAsync();
        var token = await sandbox.ContactToken();
        JsonAssert.ErrCode(84061, await sandbox.Get(Api("externalcontact/get", token, "&external_userid=wmUnknownCustomer000000000000000")));
        JsonAssert.ErrCode(40096, await sandbox.Get(Api("externalcontact/get", token, "&external_userid=bogus")));
    }

    [Fact]
    public async Task Follow_users_are_paged_by_cursor()
    {
        await using var sandbox = await StartAsync(o => o.FollowUserPageSize = 2);
        for (var i = 1; i <= 5; i++)
        {
            await sandbox.Driver("members", new { userid = $"rep{i}" });
            await sandbox.Driver("customers/add", new { userid = $"rep{i}", external_userid = "wmShared", name = "共享客户" });
        }
        var token = await sandbox.ContactToken();
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var reply = await sandbox.Get(Api("externalcontact/get", token, $"&external_userid=wmShared&cursor={Uri.EscapeDataString(cursor ?? "")}"));
            JsonAssert.ErrCode(0, reply);
            seen.AddRange(reply["follow_user"]!.AsArray().Select(f => (string)f!["userid"]!));
            cursor = (string?)reply["next_cursor"];
            pages++;
        }
        while (!string.IsNullOrEmpty(cursor));
        Assert.Equal(3, pages);
        Assert.Equal(["rep1", "rep2", "rep3", "rep4", "rep5"], seen);
    }

    [Fact]
    public async Task Batch_get_by_user_pages_a_generated_directory_completely_and_without_repeats()
    {
        await using var sandbox = await StartAsync();
        var generated = await sandbox.Driver("directory/generate", new { members = 5, customers = 500, seed = 7 });
        var relations = (int)generated["relations"]!;
        Assert.Equal(550, relations);

        var token = await sandbox.ContactToken();
        var userIds = sandbox.Server.WeCom.Members.Select(m => m.UserId).ToArray();
        var pairs = new HashSet<string>();
        string cursor = "";
        do
        {
            var reply = await sandbox.Post(Api("externalcontact/batch/get_by_user", token), new { userid_list = userIds, cursor, limit = 100 });
            JsonAssert.ErrCode(0, reply);
            var list = reply["external_contact_list"]!.AsArray();
            Assert.True(list.Count <= 100);
            foreach (var item in list)
            {
                Assert.True(pairs.Add($"{item!["follow_info"]!["userid"]}/{item["external_contact"]!["external_userid"]}"));
                Assert.NotNull(item["follow_info"]!["tag_id"]);
            }
            cursor = (string)reply["next_cursor"]!;
        }
        while (cursor.Length > 0);
        Assert.Equal(relations, pairs.Count);
    }

    [Fact]
    public async Task Batch_get_by_user_refuses_more_than_100_users_or_a_limit_over_100()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.ContactToken();
        var tooMany = Enumerable.Range(0, 101).Select(i => $"u{i}").ToArray();
        JsonAssert.ErrCode(40031, await sandbox.Post(Api("externalcontact/batch/get_by_user", token), new { userid_list = tooMany }));
        JsonAssert.ErrCode(40058, await sandbox.Post(Api("externalcontact/batch/get_by_user", token), new { userid_list = new[] { "rep1" }, limit = 101 }));
    }

    [Fact]
    public async Task Same_seed_generates_the_same_directory()
    {
        await using var first = await StartAsync();
        await using var second = await StartAsync();
        await first.Driver("directory/generate", new { members = 3, customers = 50, seed = 42 });
        await second.Driver("directory/generate", new { members = 3, customers = 50, seed = 42 });
        var token1 = await first.ContactToken();
        var token2 = await second.ContactToken();
        var list1 = await first.Get(Api("externalcontact/list", token1, "&userid=rep0002"));
        var list2 = await second.Get(Api("externalcontact/list", token2, "&userid=rep0002"));
        Assert.Equal(list1.ToJsonString(), list2.ToJsonString());
    }

    [Fact]
    public async Task Mark_tag_and_remark_through_the_api_change_what_get_returns()
    {
        await using var sandbox = await StartAsync();
        await sandbox.Driver("members", new { userid = "rep1" });
        await sandbox.Driver("customers/add", new { userid = "rep1", external_userid = "wmC1", name = "王五" });
        var token = await sandbox.ContactToken();

        var added = await sandbox.Post(Api("externalcontact/add_corp_tag", token), new { group_name = "意向", tag = new[] { new { name = "高" } } });
        JsonAssert.ErrCode(0, added);
        var tagId = (string)added["tag_group"]!["tag"]![0]!["id"]!;
        JsonAssert.ErrCode(40071, await sandbox.Post(Api("externalcontact/add_corp_tag", token), new { group_name = "意向", tag = new[] { new { name = "高" } } }));

        JsonAssert.ErrCode(0, await sandbox.Post(Api("externalcontact/mark_tag", token), new { userid = "rep1", external_userid = "wmC1", add_tag = new[] { tagId } }));
        JsonAssert.ErrCode(40068, await sandbox.Post(Api("externalcontact/mark_tag", token), new { userid = "rep1", external_userid = "wmC1", add_tag = new[] { "etNope" } }));
        JsonAssert.ErrCode(0, await sandbox.Post(Api("externalcontact/remark", token), new { userid = "rep1", external_userid = "wmC1", remark = "王经理", remark_mobiles = new[] { "13900000000" } }));

        var follow = (await sandbox.Get(Api("externalcontact/get", token, "&external_userid=wmC1")))["follow_user"]![0]!;
        Assert.Equal(tagId, (string)follow["tags"]![0]!["tag_id"]!);
        Assert.Equal("王经理", (string)follow["remark"]!);

        JsonAssert.ErrCode(0, await sandbox.Post(Api("externalcontact/del_corp_tag", token), new { tag_id = new[] { tagId } }));
        var catalogue = await sandbox.Post(Api("externalcontact/get_corp_tag_list", token), new { });
        Assert.Empty(catalogue["tag_group"]!.AsArray());
        follow = (await sandbox.Get(Api("externalcontact/get", token, "&external_userid=wmC1")))["follow_user"]![0]!;
        Assert.Empty(follow["tags"]!.AsArray());
        // Changes made through the API produce no callback.
        Assert.DoesNotContain(sandbox.Server.WeCom.Deliveries, d => d.Kind.StartsWith("change_external_tag", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_answers_84061_for_a_member_without_customers_and_60111_for_an_unknown_member()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.ContactToken();
        JsonAssert.ErrCode(84061, await sandbox.Get(Api("externalcontact/list", token, "&userid=rep1")));
        JsonAssert.ErrCode(60111, await sandbox.Get(Api("externalcontact/list", token, "&userid=ghost")));
    }
}

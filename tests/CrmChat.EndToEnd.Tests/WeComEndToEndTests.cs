using System.Net;
using System.Text.Json.Nodes;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.EndToEnd.Tests;

public sealed class WeComEndToEndTests
{
    private static string Q(string text) => Uri.EscapeDataString(text);

    private static JsonNode Only(JsonNode page) => Assert.Single(page["items"]!.AsArray())!;

    private static async Task<string> AddCustomerAsync(ChatWorld world, string member, string name, string remark, string mobile, params string[] tags)
    {
        var added = await world.DriveAsync("customers/add", new
        {
            userid = member, name, type = 1, remark, remark_mobiles = new[] { mobile }, state = "expo-2026", add_way = 1, tags,
        });
        return added["result"]!["external_userid"]!.GetValue<string>();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_customer_added_on_WeCom_reaches_the_CRM_once_and_stays_in_step(DatabaseProvider provider)
    {
        await using var world = await ChatWorld.StartAsync(provider);
        await world.DriveAsync("members", new { userid = "lisi", name = "李四", mobile = "13700000000", department = new[] { 1 } });
        var tags = await world.DriveAsync("tags/create", new { group_name = "客户等级", tags = new[] { "重要" } });
        var important = tags["result"]!["tag_ids"]![0]!.GetValue<string>();

        var externalId = await AddCustomerAsync(world, "lisi", "张三", "张总", "13800138000", important);

        var page = await world.EventuallyAsync($"/api/customers?q={Q(externalId)}", p => p["total"]!.GetValue<int>() == 1);
        var customer = Only(page);
        Assert.Equal("张三", customer["name"]!.GetValue<string>());
        Assert.Equal("李四", customer["owner"]!["name"]!.GetValue<string>() is "李四" or "lisi" ? "李四" : customer["owner"]!["name"]!.GetValue<string>());
        Assert.Equal(["重要"], customer["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Contains("+8613800138000", customer["phones"]!.AsArray().Select(p => p!.GetValue<string>()));
        var identity = Assert.Single(customer["identities"]!.AsArray())!;
        Assert.Equal(("WeCom", externalId), (identity["platform"]!.GetValue<string>(), identity["externalId"]!.GetValue<string>()));
        var follower = Assert.Single(customer["followers"]!.AsArray())!;
        Assert.Equal("张总", follower["remark"]!.GetValue<string>());
        Assert.Null(follower["endedAt"]);

        // WeCom retries: the same callback three more times applies nothing new.
        var callbacks = (await world.ReadDriverAsync("callbacks")).AsArray();
        var addXml = callbacks.Last(c => c!["kind"]!.GetValue<string>().Contains("add_external_contact", StringComparison.Ordinal))!["xml"]!.GetValue<string>();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await world.PostCallbackAsync(addXml)).StatusCode);
        }
        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(1, await db.Customers.CountAsync());
            Assert.Equal(1, await db.FollowRelations.CountAsync());
            Assert.Equal(1, await db.InboxEvents.CountAsync(e => e.EventType == "change_external_contact/add_external_contact"));
        }

        // The rep edits the remark on WeCom: the CRM follows.
        await world.DriveAsync("customers/edit", new { userid = "lisi", external_userid = externalId, remark = "张总（老客户）" });
        await world.EventuallyAsync($"/api/customers?q={Q(externalId)}",
            p => Only(p)["followers"]![0]!["remark"]!.GetValue<string>() == "张总（老客户）");

        // The customer deletes the rep: the relation ends, the customer stays.
        await world.DriveAsync("customers/delete-member", new { userid = "lisi", external_userid = externalId });
        var after = await world.EventuallyAsync($"/api/customers?q={Q(externalId)}",
            p => Only(p)["followers"]![0]!["endedAt"] is not null);
        Assert.Equal("RemovedByCustomer", Only(after)["followers"]![0]!["endReason"]!.GetValue<string>());
        Assert.Equal("张三", Only(after)["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_callbacks_over_HTTP_are_refused_and_store_nothing()
    {
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite);
        const string Xml = "<xml><ToUserName>c</ToUserName><FromUserName>sys</FromUserName><CreateTime>1700000000</CreateTime><MsgType>event</MsgType><Event>change_external_contact</Event><ChangeType>add_external_contact</ChangeType><UserID>lisi</UserID><ExternalUserID>wmX</ExternalUserID></xml>";

        Assert.Equal(HttpStatusCode.Unauthorized, (await world.PostCallbackAsync(Xml, signatureOverride: new string('0', 40))).StatusCode);

        var secretFile = Path.Combine(Path.GetTempPath(), $"crmchat-xxe-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(secretFile, "TOP-SECRET-FILE-CONTENT");
        try
        {
            var xxe = $"<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x SYSTEM \"file://{secretFile}\">]><xml><ToUserName>c</ToUserName><FromUserName>&x;</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>e</Event></xml>";
            var response = await world.PostCallbackAsync(xxe);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.DoesNotContain("TOP-SECRET", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(secretFile);
        }

        using (var plain = new HttpClient { BaseAddress = world.CrmChatUrl })
        {
            var huge = new StringContent(new string('a', 2 * 1024 * 1024), System.Text.Encoding.UTF8, "text/xml");
            var tooLarge = await plain.PostAsync("/webhooks/wecom?msg_signature=x&timestamp=1&nonce=n", huge);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }

        await using var db = world.Database.NewContext();
        Assert.Equal(0, await db.InboxEvents.CountAsync());
        Assert.Equal(0, await db.Customers.CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_callback_stored_before_a_crash_is_applied_exactly_once_after_restart(DatabaseProvider provider)
    {
        // First life: CrmChat stores the callback and answers, then dies before applying it.
        await using var world = await ChatWorld.StartAsync(provider, processorEnabled: false);
        await world.DriveAsync("members", new { userid = "wangwu", name = "王五" });
        var externalId = await AddCustomerAsync(world, "wangwu", "赵六", "赵总", "13900139000");
        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(InboxStatus.Pending, (await db.InboxEvents.SingleAsync()).Status);
            Assert.Equal(0, await db.Customers.CountAsync());
        }

        // Second life on the same database.
        await world.StartCrmChatAsync(processorEnabled: true);
        await world.EventuallyAsync($"/api/customers?q={Q(externalId)}", p => p["total"]!.GetValue<int>() == 1);
        await Task.Delay(500);
        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(1, await db.Customers.CountAsync());
            Assert.Equal(1, await db.FollowRelations.CountAsync());
            Assert.Equal(InboxStatus.Done, (await db.InboxEvents.SingleAsync()).Status);
        }
    }
}

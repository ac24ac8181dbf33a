using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.EndToEnd.Tests;

public sealed class WeComTagsAndReviewTests
{
    private static async Task<(string ExternalId, Guid CustomerId, string TagId)> CustomerWithTagCatalogueAsync(ChatWorld world)
    {
        await world.DriveAsync("members", new { userid = "lisi", name = "李四" });
        var created = await world.DriveAsync("tags/create", new { group_name = "客户等级", tags = new[] { "重要", "冷淡" } });
        var important = created["result"]!["tag_ids"]![0]!.GetValue<string>();
        var added = await world.DriveAsync("customers/add", new { userid = "lisi", name = "张三", remark_mobiles = new[] { "13800138000" } });
        var externalId = added["result"]!["external_userid"]!.GetValue<string>();
        var page = await world.EventuallyAsync($"/api/customers?q={externalId}", p => p["total"]!.GetValue<int>() == 1);
        // The catalogue comes through its own change_external_tag callback; wait until it is applied.
        await using (var db = world.Database.NewContext())
        {
            for (var i = 0; i < 100 && !await db.Tags.AnyAsync(t => t.PlatformTagId == important); i++)
            {
                await Task.Delay(100);
            }
        }
        return (externalId, page["items"]![0]!["id"]!.GetValue<Guid>(), important);
    }

    [Fact]
    public async Task A_tag_added_in_CrmChat_is_written_to_WeCom_and_shows_at_once()
    {
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite);
        var (externalId, customerId, _) = await CustomerWithTagCatalogueAsync(world);

        var response = await world.Api.PostAsJsonAsync($"/api/customers/{customerId}/tags", new { employee = "lisi", add = new[] { "重要" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // CrmChat shows it without waiting for a callback (WeCom sends none for API changes)...
        var customer = JsonNode.Parse(await world.Api.GetStringAsync($"/api/customers/{customerId}"))!;
        Assert.Equal(["重要"], customer["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        // ...and WeCom has it on that rep's relation.
        JsonNode onWeCom = world.Sandbox.WeCom.GetExternalContact(externalId, null);
        Assert.Equal(["重要"], onWeCom["follow_user"]![0]!["tags"]!.AsArray().Select(t => t!["tag_name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_tag_change_WeCom_refuses_changes_nothing_in_CrmChat()
    {
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite);
        var (externalId, customerId, _) = await CustomerWithTagCatalogueAsync(world);
        await world.DriveAsync("faults", new { api = "externalcontact/mark_tag", errcode = 40068, count = 1 });

        var response = await world.Api.PostAsJsonAsync($"/api/customers/{customerId}/tags", new { employee = "lisi", add = new[] { "重要" } });
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("40068", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var customer = JsonNode.Parse(await world.Api.GetStringAsync($"/api/customers/{customerId}"))!;
        Assert.Empty(customer["tags"]!.AsArray());
        JsonNode onWeCom = world.Sandbox.WeCom.GetExternalContact(externalId, null);
        Assert.Empty(onWeCom["follow_user"]![0]!["tags"]!.AsArray());
    }

    [Fact]
    public async Task A_same_phone_with_another_name_goes_to_the_merge_review_list_not_into_the_customer()
    {
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite);
        await world.DriveAsync("members", new { userid = "lisi", name = "李四" });
        await world.DriveAsync("members", new { userid = "wangwu", name = "王五" });
        await world.DriveAsync("customers/add", new { userid = "lisi", name = "张三", remark_mobiles = new[] { "13800138000" } });
        await world.DriveAsync("customers/add", new { userid = "wangwu", name = "赵六", remark_mobiles = new[] { "138-0013-8000" } });

        var review = await world.EventuallyAsync("/api/merge-candidates", r => r.AsArray().Count == 1);
        var names = new[] { review[0]!["customer"]!["name"]!.GetValue<string>(), review[0]!["other"]!["name"]!.GetValue<string>() };
        Assert.Equal(["张三", "赵六"], names.Order(StringComparer.Ordinal));
        var all = JsonNode.Parse(await world.Api.GetStringAsync("/api/customers"))!;
        Assert.Equal(2, all["total"]!.GetValue<int>());
    }
}

using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.EndToEnd.Tests;

/// <summary>
/// Reps run their CRM by chatting, over HTTP with the Sandbox: a customer added by text, a
/// follow-up at 明天上午10点, done from the card's button (once), and another rep refused.
/// </summary>
public sealed partial class ConversationEndToEndTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>Tomorrow 10:00 in Shanghai, as seen at <paramref name="at"/>.</summary>
    private static DateTimeOffset TomorrowTenAm(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Shanghai);
        return new DateTimeOffset(local.Date.AddDays(1).AddHours(10), TimeSpan.FromHours(8));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_WeCom_rep_adds_a_customer_schedules_a_follow_up_and_finishes_it_from_the_card_once(DatabaseProvider provider)
    {
        await using var world = await ChatWorld.StartAsync(provider);
        await world.DriveAsync("members", new { userid = "zhangsan", name = "张三" });
        await world.DriveAsync("members", new { userid = "lisi", name = "李四" });

        // Add by text → in the API, and a reply card in the rep's chat.
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "新客户 王五 13800138000 上海某某科技 #重要" });
        var customers = await world.EventuallyAsync("/api/customers", c => Items(c).Any(x => x!["name"]!.GetValue<string>() == "王五"));
        var added = await SentToWeComAsync(world, "zhangsan", 1);
        Assert.Contains("已添加客户", ChatWorld.Text(added[0]!["body"]!), StringComparison.Ordinal);

        // A duplicate add names the existing customer and creates nothing.
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "客户 王五二号 138-0013-8000" });
        var duplicate = await SentToWeComAsync(world, "zhangsan", 2);
        Assert.Contains("客户已存在", ChatWorld.Text(duplicate[1]!["body"]!), StringComparison.Ordinal);

        // 明天上午10点 → due at that instant in Asia/Shanghai.
        var before = DateTimeOffset.UtcNow;
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "跟进 王五 明天上午10点 回访报价" });
        var scheduled = await SentToWeComAsync(world, "zhangsan", 3);
        var after = DateTimeOffset.UtcNow;
        await using (var db = world.Database.NewContext())
        {
            var followUp = await db.FollowUps.SingleAsync();
            Assert.Contains(followUp.DueAt, new[] { TomorrowTenAm(before), TomorrowTenAm(after) });
            Assert.Equal(("回访报价", FollowUpStatus.Pending), (followUp.Note, followUp.Status));
        }
        var card = scheduled[2]!;
        Assert.Equal("template_card", card["msg_type"]!.GetValue<string>());
        var taskId = card["task_id"]!.GetValue<string>();
        var doneKey = card["body"]!["template_card"]!["button_list"]!.AsArray()
            .First(b => b!["text"]!.GetValue<string>().StartsWith("完成", StringComparison.Ordinal))!["key"]!.GetValue<string>();

        // Another rep may not touch it.
        await world.DriveAsync("messages/text", new { userid = "lisi", content = "完成 王五" });
        var refused = await SentToWeComAsync(world, "lisi", 1);
        Assert.Contains("无权修改", ChatWorld.Text(refused[0]!["body"]!), StringComparison.Ordinal);
        await world.DriveAsync("messages/text", new { userid = "lisi", content = "阶段 王五 谈判" });
        await SentToWeComAsync(world, "lisi", 2);

        // Done from the card: the follow-up is done and the card is replaced.
        await world.DriveAsync("cards/click", new { userid = "zhangsan", task_id = taskId, event_key = doneKey });
        var updates = await EventuallyDriverAsync(world, "sent/card-updates", u => u.AsArray().Count >= 1);
        Assert.Contains("跟进已完成", ChatWorld.Text(updates[0]!["body"]!), StringComparison.Ordinal);
        DateTimeOffset? completedAt;
        await using (var db = world.Database.NewContext())
        {
            var followUp = await db.FollowUps.SingleAsync();
            Assert.Equal(FollowUpStatus.Done, followUp.Status);
            completedAt = followUp.CompletedAt;
            Assert.Equal(CustomerStage.Lead, (await db.Customers.SingleAsync(c => c.Name == "王五")).Stage);
        }

        // The same card clicked again: nothing changes, and the rep is told.
        await world.DriveAsync("cards/click", new { userid = "zhangsan", task_id = taskId, event_key = doneKey });
        var again = await EventuallyDriverAsync(world, "sent/card-updates", u => u.AsArray().Count >= 2);
        Assert.Contains("Already done", ChatWorld.Text(again[1]!["body"]!), StringComparison.Ordinal);
        await using (var db = world.Database.NewContext())
        {
            var followUp = await db.FollowUps.SingleAsync();
            Assert.Equal((FollowUpStatus.Done, completedAt), (followUp.Status, followUp.CompletedAt));
            var customer = await db.Customers.SingleAsync();
            Assert.Equal(["+8613800138000"], await db.CustomerPhones.Select(p => p.E164).ToListAsync());
            // Every change names the employee: created, scheduled, done — and nothing for the refusals or the second click.
            var audit = await db.AuditEntries.Where(a => a.EntityType != "Card").OrderBy(a => a.At).ThenBy(a => a.Id).Select(a => new { a.Action, a.Actor }).ToListAsync();
            Assert.Equal(taskId, (await db.AuditEntries.SingleAsync(a => a.EntityType == "Card")).EntityId);
            Assert.Equal(["created-by-chat", "scheduled", "done"], audit.Select(a => a.Action));
            var zhangsan = await db.Employees.SingleAsync(e => e.WeComUserId == "zhangsan");
            Assert.All(audit, a => Assert.Equal($"employee:{zhangsan.Id}", a.Actor));
            Assert.Equal(3, await db.Activities.CountAsync(a => a.CustomerId == customer.Id && a.ActorId == zhangsan.Id));
            Assert.Equal(0, await db.InboxEvents.CountAsync(e => e.Status != InboxStatus.Done));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_DingTalk_rep_does_the_same_with_signed_links_that_work_once_and_only_as_signed(DatabaseProvider provider)
    {
        await using var world = await ChatWorld.StartAsync(provider);
        await world.DriveDingTalkAsync("users", new { userid = "zhangsan", name = "张三" });
        await world.DriveDingTalkAsync("users", new { userid = "lisi", name = "李四" });

        var first = await world.DriveDingTalkAsync("robot/messages", new { userid = "zhangsan", content = "add customer Wang Wu +86 138 0013 8000 Acme #vip" });
        var conversation = first["message"]!["conversationId"]!.GetValue<string>();
        await world.EventuallyAsync("/api/customers", c => Items(c).Any(x => x!["name"]!.GetValue<string>() == "Wang Wu"));
        var replies = await SentToDingTalkConversationAsync(world, conversation, 1);
        Assert.Contains("Customer added", ChatWorld.Text(replies[0]!["body"]!), StringComparison.Ordinal);

        var before = DateTimeOffset.UtcNow;
        await world.DriveDingTalkAsync("robot/messages", new { userid = "zhangsan", content = "跟进 Wang Wu 明天上午10点 send quote" });
        replies = await SentToDingTalkConversationAsync(world, conversation, 2);
        var after = DateTimeOffset.UtcNow;
        await using (var db = world.Database.NewContext())
        {
            var followUp = await db.FollowUps.SingleAsync();
            Assert.Contains(followUp.DueAt, new[] { TomorrowTenAm(before), TomorrowTenAm(after) });
        }
        var links = LinkPattern().Matches(ChatWorld.Text(replies[1]!["body"]!)).Select(m => new Uri(m.Value)).ToList();
        Assert.Equal(3, links.Count);
        var done = OnCrmChat(world, links[0]);

        using var browser = new HttpClient();
        // A changed link is refused and changes nothing.
        var extended = ExpiryPattern().Replace(done.AbsoluteUri, m => "exp=" + (long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 86_400));
        var tampered = await browser.PostAsync(extended, null);
        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
        var forOther = await browser.PostAsync(done.AbsoluteUri.Replace("emp=zhangsan", "emp=lisi", StringComparison.Ordinal), null);
        Assert.Equal(HttpStatusCode.Forbidden, forOther.StatusCode);

        // Opening the link shows what it will do; confirming does it.
        var page = await browser.GetAsync(done);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("完成这条跟进", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(FollowUpStatus.Pending, (await db.FollowUps.SingleAsync()).Status);
        }
        var confirmed = await browser.PostAsync(done, null);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var outcome = await SentToDingTalkPersonAsync(world, "zhangsan", 1);
        Assert.Contains("跟进已完成", ChatWorld.Text(outcome[0]!["body"]!), StringComparison.Ordinal);

        var second = await browser.PostAsync(done, null);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("already used", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Another rep is refused in words.
        var other = await world.DriveDingTalkAsync("robot/messages", new { userid = "lisi", content = "stage Wang Wu negotiation" });
        var refused = await SentToDingTalkConversationAsync(world, other["message"]!["conversationId"]!.GetValue<string>(), 1);
        Assert.Contains("Not yours to change", ChatWorld.Text(refused[0]!["body"]!), StringComparison.Ordinal);

        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(FollowUpStatus.Done, (await db.FollowUps.SingleAsync()).Status);
            Assert.Equal(CustomerStage.Lead, (await db.Customers.SingleAsync()).Stage);
            Assert.Equal(["created-by-chat", "scheduled", "done"],
                await db.AuditEntries.Where(a => a.EntityType != "Card").OrderBy(a => a.At).ThenBy(a => a.Id).Select(a => a.Action).ToListAsync());
        }
    }

    [Fact]
    public async Task An_expired_link_is_refused_in_words_and_changes_nothing()
    {
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite);
        var signer = world.App.Services.GetService(typeof(CrmChat.Connectors.Cards.CardLinkSigner)) as CrmChat.Connectors.Cards.CardLinkSigner;
        var link = signer!.CreateLink("dr-expired", "followup.done?id=" + Guid.NewGuid().ToString("N"), "zhangsan", DateTimeOffset.UtcNow.AddMinutes(-1));
        using var browser = new HttpClient();
        var answer = await browser.PostAsync(OnCrmChat(world, link), null);
        Assert.Equal(HttpStatusCode.Gone, answer.StatusCode);
        Assert.Contains("expired", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var db = world.Database.NewContext();
        Assert.Equal(0, await db.InboxEvents.CountAsync());
    }

    [GeneratedRegex(@"exp=(\d+)")]
    private static partial Regex ExpiryPattern();

    [GeneratedRegex(@"https?://[^""\s)\\]+/cards/act\?[^""\s)\\]+")]
    private static partial Regex LinkPattern();

    private static IEnumerable<JsonNode?> Items(JsonNode page) => page is JsonArray array ? array : page["items"]!.AsArray();

    /// <summary>The link as the rep's phone would open it, aimed at this test's CrmChat.</summary>
    private static Uri OnCrmChat(ChatWorld world, Uri link) => new(world.CrmChatUrl, link.PathAndQuery);

    private static Task<JsonArray> SentToWeComAsync(ChatWorld world, string userId, int count) =>
        EventuallyDriverAsync(world, $"sent/app?userid={userId}", s => s.AsArray().Count >= count).ContinueWith(t => t.Result.AsArray(), TaskScheduler.Default);

    private static async Task<JsonArray> SentToDingTalkConversationAsync(ChatWorld world, string conversationId, int count) =>
        (await EventuallyAsync(world.DingTalkDriver, $"sent/conversations/{conversationId}", s => s.AsArray().Count >= count)).AsArray();

    private static async Task<JsonArray> SentToDingTalkPersonAsync(ChatWorld world, string userId, int count) =>
        (await EventuallyAsync(world.DingTalkDriver, $"sent/people/{userId}", s => s.AsArray().Count >= count)).AsArray();

    private static Task<JsonNode> EventuallyDriverAsync(ChatWorld world, string path, Func<JsonNode, bool> condition) =>
        EventuallyAsync(world.Driver, path, condition);

    private static async Task<JsonNode> EventuallyAsync(HttpClient driver, string path, Func<JsonNode, bool> condition)
    {
        JsonNode? last = null;
        for (var waited = 0; waited < 15_000; waited += 100)
        {
            last = JsonNode.Parse(await driver.GetStringAsync(path))!;
            if (condition(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{path} never satisfied the condition; last answer: {last?.ToJsonString()}");
        return null!;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.EndToEnd.Tests;

/// <summary>
/// Contract approvals over HTTP with the Sandbox: ≤ 50,000 the rep's manager; above, the manager
/// and then one of two sales directors.
/// </summary>
public sealed partial class ApprovalEndToEndTests
{
    private static readonly KeyValuePair<string, string?>[] Rules =
    [
        new("Approvals:Rules:0:Name", "small"), new("Approvals:Rules:0:AmountUpTo", "50000"),
        new("Approvals:Rules:0:Steps:0:Name", "经理"), new("Approvals:Rules:0:Steps:0:Approvers:0", "manager"),
        new("Approvals:Rules:1:Name", "large"), new("Approvals:Rules:1:AmountAbove", "50000"),
        new("Approvals:Rules:1:Steps:0:Name", "经理"), new("Approvals:Rules:1:Steps:0:Approvers:0", "manager"),
        new("Approvals:Rules:1:Steps:1:Name", "销售总监"), new("Approvals:Rules:1:Steps:1:Approvers:0", "role:director"),
        new("Approvals:Roles:director:0", "director1"), new("Approvals:Roles:director:1", "director2"),
    ];

    /// <summary>The team in the CRM directory (the manager line) and in the platform's.</summary>
    private static async Task<ChatWorld> StartAsync(DatabaseProvider provider, bool dingTalk)
    {
        var world = await ChatWorld.StartAsync(provider, settings: Rules);
        var people = new[] { ("zhangsan", "张三"), ("boss", "王经理"), ("director1", "赵总"), ("director2", "钱总"), ("lisi", "李四") };
        foreach (var (id, name) in people)
        {
            if (dingTalk)
            {
                await world.DriveDingTalkAsync("users", new { userid = id, name });
            }
            else
            {
                await world.DriveAsync("members", new { userid = id, name });
            }
        }
        await using var db = world.Database.NewContext();
        var now = DateTimeOffset.UtcNow;
        var employees = people.ToDictionary(p => p.Item1, p => new Employee
        {
            Name = p.Item2, WeComUserId = dingTalk ? null : p.Item1, DingTalkUserId = dingTalk ? p.Item1 : null, CreatedAt = now, UpdatedAt = now,
        });
        employees["zhangsan"].ManagerId = employees["boss"].Id;
        employees["lisi"].ManagerId = employees["boss"].Id;
        db.Employees.AddRange(employees.Values);
        await db.SaveChangesAsync();
        return world;
    }

    private static async Task<(ContractStatus, ApprovalStatus, int)> StateAsync(ChatWorld world)
    {
        await using var db = world.Database.NewContext();
        return ((await db.Contracts.SingleAsync()).Status, (await db.ApprovalRequests.SingleAsync()).Status, await db.ApprovalDecisions.CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task On_WeCom_a_two_step_contract_is_approved_by_both_with_every_card_updated_and_clicks_taken_once(DatabaseProvider provider)
    {
        await using var world = await StartAsync(provider, dingTalk: false);
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "新客户 王五 13800138000" });
        await Sent(world, "zhangsan", 1);
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "合同 王五 80000 年度服务" });
        var bossCard = (await Sent(world, "boss", 1))[0]!;
        Assert.Contains("80,000.00 CNY", ChatWorld.Text(bossCard["body"]!), StringComparison.Ordinal);
        var taskId = bossCard["task_id"]!.GetValue<string>();
        var approveKey = ButtonKey(bossCard, "同意");

        // Someone who is not an approver: a genuine WeCom click event from lisi on that card.
        var forged = await world.PostCallbackAsync(ClickXml("lisi", taskId, approveKey, "rc-lisi"));
        Assert.Equal(HttpStatusCode.OK, forged.StatusCode);
        // Its made-up response_code cannot update a card, so the answer comes as a new message.
        await EventuallyAsync(async () => (await Sent(world, "lisi", 0)).Any(u => ChatWorld.Text(u).Contains("Not an approver", StringComparison.Ordinal)));
        Assert.Equal((ContractStatus.PendingApproval, ApprovalStatus.Pending, 0), await StateAsync(world));

        // The manager's click, delivered three times (WeCom retries): one decision.
        await world.DriveAsync("cards/click", new { userid = "boss", task_id = taskId, event_key = approveKey });
        var callbacks = (await world.ReadDriverAsync("callbacks")).AsArray();
        var clickXml = callbacks.Last(c => c!["kind"]!.GetValue<string>() == "template_card_event")!["xml"]!.GetValue<string>();
        await world.PostCallbackAsync(clickXml);
        await world.PostCallbackAsync(clickXml);
        var directorCard = (await Sent(world, "director1", 1))[0]!;
        await Sent(world, "director2", 1);
        Assert.Equal(1, (await StateAsync(world)).Item3);

        await world.DriveAsync("cards/click", new { userid = "director1", task_id = directorCard["task_id"]!.GetValue<string>(), event_key = ButtonKey(directorCard, "同意") });
        var told = await EventuallyAsync(async () => (await Sent(world, "zhangsan", 0)).Any(m => ChatWorld.Text(m!).Contains("已批准", StringComparison.Ordinal)));
        Assert.True(told);
        Assert.Equal((ContractStatus.Approved, ApprovalStatus.Approved, 2), await StateAsync(world));
        // Cards updated: boss's and director1's by their clicks, director2's from the send's response_code
        // (its own outbox message, sent beside the one to 张三, so it may land just after).
        Assert.True(await EventuallyAsync(async () => (await world.ReadDriverAsync("sent/card-updates")).AsArray()
            .Any(u => u!["userids"]!.AsArray().Any(x => x!.GetValue<string>() == "director2"))));

        // A late click on the other director's card is answered "already decided" and changes nothing.
        var director2Card = (await Sent(world, "director2", 1))[0]!;
        await world.DriveAsync("cards/click", new { userid = "director2", task_id = director2Card["task_id"]!.GetValue<string>(), event_key = ButtonKey(director2Card, "同意") });
        Assert.True(await EventuallyAsync(async () => (await world.ReadDriverAsync("sent/card-updates")).AsArray()
            .Any(u => ChatWorld.Text(u!).Contains("Already decided by 赵总", StringComparison.Ordinal))));
        Assert.Equal((ContractStatus.Approved, ApprovalStatus.Approved, 2), await StateAsync(world));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task On_WeCom_a_reject_at_step_one_with_a_reason_ends_it_and_step_two_is_never_asked(DatabaseProvider provider)
    {
        await using var world = await StartAsync(provider, dingTalk: false);
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "新客户 王五 13800138000" });
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "合同 王五 80000 年度服务" });
        var bossCard = (await Sent(world, "boss", 1))[0]!;
        await world.DriveAsync("cards/click", new { userid = "boss", task_id = bossCard["task_id"]!.GetValue<string>(), event_key = ButtonKey(bossCard, "驳回") });
        await world.DriveAsync("messages/text", new { userid = "boss", content = "价格太低，请重新报价" });
        Assert.True(await EventuallyAsync(async () => (await Sent(world, "zhangsan", 0)).Any(m => ChatWorld.Text(m!).Contains("价格太低", StringComparison.Ordinal))));
        Assert.Equal((ContractStatus.Rejected, ApprovalStatus.Rejected, 1), await StateAsync(world));
        Assert.Empty(await Sent(world, "director1", 0));
        Assert.Empty(await Sent(world, "director2", 0));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task On_DingTalk_approvers_decide_through_signed_links_that_refuse_tampering(DatabaseProvider provider)
    {
        await using var world = await StartAsync(provider, dingTalk: true);
        await world.DriveDingTalkAsync("robot/messages", new { userid = "zhangsan", content = "新客户 王五 13800138000" });
        await world.DriveDingTalkAsync("robot/messages", new { userid = "zhangsan", content = "合同 王五 80000 年度服务" });
        var bossLinks = Links(world, await People(world, "boss", 1));
        var approve = bossLinks.Single(l => l.Query.Contains("approval.approve", StringComparison.Ordinal));
        using var browser = new HttpClient();

        // A link signed for the manager, edited to name someone else, or to last longer, is refused.
        var asLisi = await browser.PostAsync(approve.AbsoluteUri.Replace("emp=boss", "emp=lisi", StringComparison.Ordinal), null);
        Assert.Equal(HttpStatusCode.Forbidden, asLisi.StatusCode);
        Assert.Equal((ContractStatus.PendingApproval, ApprovalStatus.Pending, 0), await StateAsync(world));

        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync(approve, null)).StatusCode);
        var directorLinks = Links(world, await People(world, "director1", 1));
        Assert.Equal(HttpStatusCode.Conflict, (await browser.PostAsync(approve, null)).StatusCode);

        // The director rejects with a reason typed on the confirm page.
        var reject = directorLinks.Single(l => l.Query.Contains("approval.reject", StringComparison.Ordinal));
        var page = await browser.GetStringAsync(reject);
        Assert.Contains("name=\"reason\"", page, StringComparison.Ordinal);
        var confirmed = await browser.PostAsync(reject, new FormUrlEncodedContent([new("reason", "账期太长")]));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.True(await EventuallyAsync(async () => (await People(world, "zhangsan", 0)).Any(m => ChatWorld.Text(m!).Contains("账期太长", StringComparison.Ordinal))));
        Assert.Equal((ContractStatus.Rejected, ApprovalStatus.Rejected, 2), await StateAsync(world));
        // The other director is told instead of being left with live buttons.
        Assert.True(await EventuallyAsync(async () => (await People(world, "director2", 0)).Count >= 2));

        await using var db = world.Database.NewContext();
        Assert.Equal("账期太长", (await db.ApprovalDecisions.SingleAsync(d => d.Outcome == DecisionOutcome.Rejected)).Reason);
    }

    private static string ClickXml(string userId, string taskId, string key, string responseCode) =>
        $"<xml><ToUserName><![CDATA[{CrmChat.Sandbox.SandboxDefaults.CorpId}]]></ToUserName><FromUserName><![CDATA[{userId}]]></FromUserName>" +
        $"<CreateTime>{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>" +
        $"<EventKey><![CDATA[{key}]]></EventKey><TaskId><![CDATA[{taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>" +
        $"<ResponseCode><![CDATA[{responseCode}]]></ResponseCode><AgentID>{CrmChat.Sandbox.SandboxDefaults.AgentId}</AgentID></xml>";

    private static string ButtonKey(JsonNode card, string title) => card["body"]!["template_card"]!["button_list"]!.AsArray()
        .First(b => b!["text"]!.GetValue<string>().StartsWith(title, StringComparison.Ordinal))!["key"]!.GetValue<string>();

    /// <summary>The card's links, aimed at this test's CrmChat as the approver's phone would open them.</summary>
    private static List<Uri> Links(ChatWorld world, JsonArray messages) =>
        LinkPattern().Matches(ChatWorld.Text(messages.Last())).Select(m => new Uri(world.CrmChatUrl, new Uri(m.Value).PathAndQuery)).ToList();

    [GeneratedRegex(@"https?://[^""\s)\\]+/cards/act\?[^""\s)\\]+")]
    private static partial Regex LinkPattern();

    private static async Task<JsonArray> Sent(ChatWorld world, string userId, int atLeast)
    {
        JsonArray sent = [];
        await EventuallyAsync(async () => (sent = (await world.ReadDriverAsync($"sent/app?userid={userId}")).AsArray()).Count >= atLeast);
        return sent;
    }

    private static async Task<JsonArray> People(ChatWorld world, string userId, int atLeast)
    {
        JsonArray sent = [];
        await EventuallyAsync(async () => (sent = JsonNode.Parse(await world.DingTalkDriver.GetStringAsync($"sent/people/{userId}"))!.AsArray()).Count >= atLeast);
        return sent;
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var waited = 0; waited < 15_000; waited += 100)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        Assert.Fail("The condition never held within 15 s.");
        return false;
    }
}

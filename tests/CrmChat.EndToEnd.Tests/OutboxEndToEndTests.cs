using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.EndToEnd.Tests;

/// <summary>
/// Cards queued in the outbox leave through the real dispatcher and channels of a running
/// CrmChat and show up in the Sandbox, over HTTP, as the member or group would see them.
/// </summary>
public sealed class OutboxEndToEndTests
{
    private static ChatDelivery Notice(ChatAddress to, string cardId, string heading) =>
        new(to, Card.New().Heading(heading).Facts(("客户", "上海星辰科技")).Build(), cardId);

    private static ChatDelivery Approval(ChatAddress to, string cardId) =>
        new(to, CardExamples.Approval(9, "年度服务合同", "上海星辰科技", "¥120,000", "李四", "https://crm.example.com/approvals/9"), cardId);

    /// <summary>Writes the rows as a CRM change would, in one transaction, then wakes the dispatcher.</summary>
    private static async Task QueueAsync(ChatWorld world, params ChatDelivery[] deliveries)
    {
        var now = world.App.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        await using (var db = world.Database.NewContext())
        {
            foreach (var delivery in deliveries)
            {
                Outbox.Enqueue(db, delivery, "e2e:" + delivery.CardId, now);
            }
            await db.SaveChangesAsync();
        }
        world.App.Services.GetRequiredService<OutboxSignal>().Notify();
    }

    private static async Task<OutboxMessage> RowAsync(ChatWorld world, string cardId)
    {
        await using var db = world.Database.NewContext();
        return await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.CardId == cardId);
    }

    /// <summary>Waits until the row has left Pending (sent or parked).</summary>
    private static async Task<OutboxMessage> SettledAsync(ChatWorld world, string cardId, int timeoutMs = 15_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var row = await RowAsync(world, cardId);
            if (row.Status != OutboxStatus.Pending)
            {
                return row;
            }
            Assert.True(Environment.TickCount64 < deadline, $"{cardId} is still pending after {timeoutMs} ms: attempts {row.Attempts}, {row.LastError}");
            await Task.Delay(50);
        }
    }

    private static async Task<List<JsonNode>> WeComCardsAsync(ChatWorld world, string userId, string taskIdOrTitle) =>
        (await world.ReadDriverAsync($"sent/app?userid={userId}")).AsArray().Select(m => m!)
            .Where(m => m["task_id"]?.GetValue<string>() == taskIdOrTitle
                || m["body"]?["template_card"]?["main_title"]?["title"]?.GetValue<string>() == taskIdOrTitle)
            .ToList();

    private static async Task<List<JsonNode>> DingTalkCardsAsync(ChatWorld world, string path, string title) =>
        (await world.ReadDingTalkDriverAsync(path)).AsArray().Select(m => m!)
            .Where(m => (m["body"]?["msgParam"]?["title"] ?? m["body"]?["markdown"]?["title"] ?? m["body"]?["actionCard"]?["title"])?.GetValue<string>() == title)
            .ToList();

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Cards_queued_for_a_WeCom_member_and_a_DingTalk_member_arrive_once_and_their_rows_say_sent(DatabaseProvider provider)
    {
        await using var world = await ChatWorld.StartAsync(provider);
        await world.DriveAsync("members", new { userid = "rep1", name = "李四" });
        await world.DriveDingTalkAsync("users", new { userid = "zhangsan", name = "张三" });

        await QueueAsync(world,
            Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "wapproval-e2e-1"),
            Notice(ChatAddress.Member(Platform.DingTalk, "zhangsan"), "dnotice-e2e-1", "明天 10:00 拜访上海星辰"));

        var weCom = await SettledAsync(world, "wapproval-e2e-1");
        var dingTalk = await SettledAsync(world, "dnotice-e2e-1");
        await Task.Delay(500);

        var shown = Assert.Single(await WeComCardsAsync(world, "rep1", "wapproval-e2e-1"));
        Assert.Equal("button_interaction", shown["body"]!["template_card"]!["card_type"]!.GetValue<string>());
        Assert.Equal((OutboxStatus.Sent, 1), (weCom.Status, weCom.Attempts));
        Assert.Equal(shown["msg_id"]!.ToString(), weCom.PlatformMessageId);
        Assert.Equal(shown["response_code"]!.GetValue<string>(), weCom.UpdateToken);

        var received = Assert.Single(await DingTalkCardsAsync(world, "sent/people/zhangsan", "明天 10:00 拜访上海星辰"));
        Assert.Equal((OutboxStatus.Sent, 1), (dingTalk.Status, dingTalk.Attempts));
        Assert.Equal(received["process_query_key"]!.GetValue<string>(), dingTalk.PlatformMessageId);
    }

    [Fact]
    public async Task A_platform_busy_for_a_moment_is_retried_and_the_card_arrives_once()
    {
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite, settings:
        [
            new("WeCom:Client:FirstRetryDelay", "00:00:00.010"),
            // DingTalk's client gives up at once, so the outbox's own retries carry the card.
            new("DingTalk:Client:MaxAttempts", "1"),
            new("Outbox:FirstRetryDelay", "00:00:00.050"),
        ]);
        await world.DriveAsync("members", new { userid = "rep1", name = "李四" });
        await world.DriveDingTalkAsync("users", new { userid = "zhangsan", name = "张三" });
        await world.DriveAsync("faults", new { api = "message/send", errcode = 45009, count = 2 });
        await world.DriveDingTalkAsync("faults", new { api = "v1.0/robot/oToMessages/batchSend", errcode = 90002, code = "ServiceUnavailable", http_status = 503, count = 2 });

        await QueueAsync(world,
            Notice(ChatAddress.Member(Platform.WeCom, "rep1"), "wnotice-busy", "忙时提醒"),
            Notice(ChatAddress.Member(Platform.DingTalk, "zhangsan"), "dnotice-busy", "忙时提醒"));

        var weCom = await SettledAsync(world, "wnotice-busy");
        var dingTalk = await SettledAsync(world, "dnotice-busy");
        Assert.Equal((OutboxStatus.Sent, OutboxStatus.Sent), (weCom.Status, dingTalk.Status));
        Assert.Equal(3, dingTalk.Attempts);
        Assert.Single(await WeComCardsAsync(world, "rep1", "忙时提醒"));
        Assert.Single(await DingTalkCardsAsync(world, "sent/people/zhangsan", "忙时提醒"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_refused_card_is_listed_as_a_dead_letter_and_replay_sends_it_once_the_cause_is_fixed(DatabaseProvider provider)
    {
        await using var world = await ChatWorld.StartAsync(provider);

        // rep9 has not joined WeCom yet: WeCom answers 81013, which no retry fixes.
        await QueueAsync(world, Notice(ChatAddress.Member(Platform.WeCom, "rep9"), "wnotice-parked", "新客户分配给你"));
        var parked = await SettledAsync(world, "wnotice-parked");
        Assert.Equal((OutboxStatus.DeadLetter, 1), (parked.Status, parked.Attempts));

        var deadLetters = JsonNode.Parse(await world.Api.GetStringAsync("/api/outbox/dead-letters"))!.AsArray();
        var listed = Assert.Single(deadLetters, d => d!["cardId"]!.GetValue<string>() == "wnotice-parked")!;
        Assert.Equal(("WeCom", "Member", "rep9"), (listed["platform"]!.GetValue<string>(), listed["kind"]!.GetValue<string>(), listed["target"]!.GetValue<string>()));
        Assert.Contains("81013", listed["lastError"]!.GetValue<string>(), StringComparison.Ordinal);

        await world.DriveAsync("members", new { userid = "rep9", name = "新同事" });
        var replay = await world.Api.PostAsync($"/api/outbox/{parked.Id}/replay", null);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);

        var sent = await SettledAsync(world, "wnotice-parked");
        Assert.Equal((OutboxStatus.Sent, 1, null), (sent.Status, sent.Attempts, sent.LastError));
        Assert.Single(await WeComCardsAsync(world, "rep9", "新客户分配给你"));
        Assert.Equal(HttpStatusCode.Conflict, (await world.Api.PostAsync($"/api/outbox/{parked.Id}/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Api.PostAsync($"/api/outbox/{Guid.NewGuid()}/replay", null)).StatusCode);
        var sentList = JsonNode.Parse(await world.Api.GetStringAsync("/api/outbox?status=sent"))!.AsArray();
        Assert.Contains(sentList, m => m!["cardId"]!.GetValue<string>() == "wnotice-parked");
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Api.GetAsync("/api/outbox?status=lost")).StatusCode);
        using var rep = new HttpClient { BaseAddress = world.CrmChatUrl };
        rep.DefaultRequestHeaders.Authorization = new("Bearer", Bots.Tests.CrmChatApp.RepToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await rep.GetAsync("/api/outbox/dead-letters")).StatusCode);
    }

    [Fact]
    public async Task A_click_s_fresh_response_code_updates_the_card_and_a_used_one_sends_the_update_as_a_new_message()
    {
        // The inbox processor is off: CrmChat's own answer to the click (this card is not one it
        // sent, so it would mark the button stale) would race the update under test for the code.
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite, processorEnabled: false);
        await world.DriveAsync("members", new { userid = "rep1", name = "李四" });
        await QueueAsync(world, Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "wapproval-click"));
        await SettledAsync(world, "wapproval-click");
        var click = await world.DriveAsync("cards/click", new { userid = "rep1", task_id = "wapproval-click", event_key = "approval.approve?approvalId=9" });
        var code = click["result"]?["response_code"]?.GetValue<string>() ?? click["response_code"]!.GetValue<string>();

        await QueueAsync(world, Notice(ChatAddress.CardUpdate(Platform.WeCom, "rep1"), "wapproval-click-done", "合同已批准") with { UpdateToken = code });
        Assert.Equal(OutboxStatus.Sent, (await SettledAsync(world, "wapproval-click-done")).Status);
        var update = Assert.Single((await world.ReadDriverAsync("sent/card-updates")).AsArray());
        Assert.Equal(code, update!["response_code"]!.GetValue<string>());
        Assert.Equal("合同已批准", update["body"]!["template_card"]!["main_title"]!["title"]!.GetValue<string>());
        Assert.Empty(await WeComCardsAsync(world, "rep1", "合同已批准"));

        await QueueAsync(world, Notice(ChatAddress.CardUpdate(Platform.WeCom, "rep1"), "wapproval-click-archived", "合同已归档") with { UpdateToken = code });
        Assert.Equal(OutboxStatus.Sent, (await SettledAsync(world, "wapproval-click-archived")).Status);
        Assert.Single((await world.ReadDriverAsync("sent/card-updates")).AsArray());
        Assert.Single(await WeComCardsAsync(world, "rep1", "合同已归档"));
    }

    [Fact]
    public async Task A_DingTalk_reply_goes_through_the_session_webhook_and_once_it_expired_to_the_member()
    {
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite);
        await world.DriveDingTalkAsync("users", new { userid = "zhangsan", name = "张三" });
        var written = await world.DriveDingTalkAsync("robot/messages", new { userid = "zhangsan", content = "今天的跟进" });
        var webhook = written["message"]!["sessionWebhook"]!.GetValue<string>();
        var conversation = written["message"]!["conversationId"]!.GetValue<string>();
        var validUntil = DateTimeOffset.FromUnixTimeMilliseconds(written["message"]!["sessionWebhookExpiredTime"]!.GetValue<long>());

        await QueueAsync(world, Notice(ChatAddress.Reply(Platform.DingTalk, webhook, validUntil, "zhangsan"), "dreply-live", "今天有 2 个跟进"));
        await QueueAsync(world, Notice(ChatAddress.Reply(Platform.DingTalk, webhook, DateTimeOffset.UtcNow.AddSeconds(-1), "zhangsan"), "dreply-late", "明天有 1 个跟进"));

        Assert.Equal(OutboxStatus.Sent, (await SettledAsync(world, "dreply-live")).Status);
        Assert.Equal(OutboxStatus.Sent, (await SettledAsync(world, "dreply-late")).Status);
        var inConversation = Assert.Single(await DingTalkCardsAsync(world, $"sent/conversations/{conversation}", "今天有 2 个跟进"));
        Assert.Equal("session_webhook", inConversation["channel"]!.GetValue<string>());
        Assert.Empty(await DingTalkCardsAsync(world, "sent/people/zhangsan", "今天有 2 个跟进"));
        Assert.Single(await DingTalkCardsAsync(world, "sent/people/zhangsan", "明天有 1 个跟进"));
        // The row names the member, never the webhook (a short-lived credential).
        Assert.Equal("zhangsan", (await RowAsync(world, "dreply-live")).Target);
    }

    /// <summary>
    /// Stands for a CrmChat process that dies right after the platform took a message: the send
    /// returns from the platform, then the process hangs until it is stopped and never marks the row sent.
    /// </summary>
    private sealed class DiesAfterTheSend(IChatChannel inner, ConcurrentQueue<string> accepted) : IChatChannel
    {
        public Platform Platform => inner.Platform;

        public async Task<ChatSendReceipt> SendAsync(ChatDelivery delivery, string dedupeKey, CancellationToken ct)
        {
            await inner.SendAsync(delivery, dedupeKey, ct);
            accepted.Enqueue(delivery.CardId);
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_crash_after_the_platform_took_the_card_and_before_it_was_marked_sent_still_shows_it_once(DatabaseProvider provider)
    {
        var accepted = new ConcurrentQueue<string>();
        await using var world = await ChatWorld.StartAsync(provider, settings: [new("Outbox:Lease", "00:00:02")], services: s =>
        {
            foreach (var channel in s.Where(d => d.ServiceType == typeof(IChatChannel)).ToList())
            {
                s.Remove(channel);
                s.AddTransient<IChatChannel>(sp => new DiesAfterTheSend((IChatChannel)ActivatorUtilities.CreateInstance(sp, channel.ImplementationType!), accepted));
            }
        });
        await world.DriveAsync("members", new { userid = "rep1", name = "李四" });
        await world.DriveDingTalkAsync("custom-robots", new { access_token = "team-robot", secret = "SECcrash0123456789abcdef0123456789abcdef0123456789abcdef0123456" });
        var group = ChatAddress.Group(new TeamChatTarget
        {
            Kind = ChatTargetKind.DingTalkRobotWebhook, Address = "team-robot", Secret = "SECcrash0123456789abcdef0123456789abcdef0123456789abcdef0123456",
        });

        await QueueAsync(world, Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "wapproval-crash"), Notice(group, "ddigest-crash", "今日团队日报"));
        for (var waited = 0; accepted.Count < 2; waited += 50)
        {
            Assert.True(waited < 15_000, "both platforms take their card");
            await Task.Delay(50);
        }
        var first = (await WeComCardsAsync(world, "rep1", "wapproval-crash")).Single();
        // Nothing after the platforms' answers reached the database...
        Assert.Equal((OutboxStatus.Pending, 1), ((await RowAsync(world, "wapproval-crash")).Status, (await RowAsync(world, "wapproval-crash")).Attempts));
        Assert.Equal((OutboxStatus.Pending, 1), ((await RowAsync(world, "ddigest-crash")).Status, (await RowAsync(world, "ddigest-crash")).Attempts));

        // ...when the process dies. A new one takes over once the claims' lease ran out.
        await world.StartCrmChatAsync();

        var weCom = await SettledAsync(world, "wapproval-crash");
        var dingTalk = await SettledAsync(world, "ddigest-crash");
        Assert.Equal((OutboxStatus.Sent, 2), (weCom.Status, weCom.Attempts));
        Assert.Equal((OutboxStatus.Sent, 2), (dingTalk.Status, dingTalk.Attempts));
        // WeCom's duplicate check answers the re-send like the first and does not show it again.
        Assert.Single(await WeComCardsAsync(world, "rep1", "wapproval-crash"));
        Assert.Equal(first["msg_id"]!.ToString(), weCom.PlatformMessageId);
        Assert.Equal(first["response_code"]!.GetValue<string>(), weCom.UpdateToken);
        // DingTalk shows a custom robot message with a msgUuid it has seen once.
        var shown = Assert.Single(await DingTalkCardsAsync(world, "sent/custom-robots/team-robot", "今日团队日报"));
        Assert.Equal("e2e:ddigest-crash", shown["msg_uuid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Thirty_five_cards_to_one_member_in_a_minute_wait_for_WeCom_s_limit_and_all_arrive_in_order()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite, clock: clock);
        await world.DriveAsync("members", new { userid = "rep1", name = "李四" });
        var titles = Enumerable.Range(1, 35).Select(i => $"跟进提醒 {i:00}").ToList();

        await QueueAsync(world, [.. titles.Select((t, i) => Notice(ChatAddress.Member(Platform.WeCom, "rep1"), $"wreminder-{i + 1:00}", t))]);

        async Task<List<string>> ShownAsync() => (await world.ReadDriverAsync("sent/app?userid=rep1")).AsArray()
            .Select(m => m!["body"]!["template_card"]!["main_title"]!["title"]!.GetValue<string>()).ToList();
        for (var waited = 0; (await ShownAsync()).Count < 30; waited += 50)
        {
            Assert.True(waited < 20_000, "30 cards arrive within the first minute");
            await Task.Delay(50);
        }
        await Task.Delay(300);
        Assert.Equal(30, (await ShownAsync()).Count);

        clock.Advance(TimeSpan.FromMinutes(1));
        for (var waited = 0; (await ShownAsync()).Count < 35; waited += 50)
        {
            Assert.True(waited < 20_000, "the last five arrive once the minute has passed");
            await Task.Delay(50);
        }

        Assert.Equal(titles, await ShownAsync());
        // WeCom shows a card before CrmChat has recorded the send: wait for each row to settle.
        var rows = new List<OutboxMessage>();
        foreach (var i in Enumerable.Range(1, 35))
        {
            rows.Add(await SettledAsync(world, $"wreminder-{i:00}"));
        }
        // None was refused with 45009 and retried: each went on its first attempt.
        Assert.All(rows, r => Assert.Equal((OutboxStatus.Sent, 1, null), (r.Status, r.Attempts, r.LastError)));
    }
}

using System.Security;
using CrmChat.Bots.Inbox;
using CrmChat.Connectors.Cards;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Bots.Tests.Conversations;

/// <summary>
/// A rep's messages and clicks as stored WeCom callbacks, applied by the real inbox processor on
/// a real database at a fixed time (Friday 2026-05-01 16:00 in Shanghai). What the rep would see
/// is the cards the bot put in the outbox.
/// </summary>
internal sealed class ChatDesk : IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);

    private int _messages;
    private int _clicks;

    private ChatDesk(TestDatabase database, CrmChatApp host)
    {
        Database = database;
        Host = host;
    }

    public TestDatabase Database { get; }
    public CrmChatApp Host { get; }
    public FakeTimeProvider Clock => Host.Clock!;

    public static async Task<ChatDesk> StartAsync(DatabaseProvider provider, params (string Key, string Value)[] settings)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var host = new CrmChatApp([.. database.HostSettings(), new("Inbox:ProcessorEnabled", "false"),
            .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))], clock: new FakeTimeProvider(Now));
        _ = host.Services;
        return new ChatDesk(database, host);
    }

    /// <summary>The rep writes to the app; returns the cards the bot answered with.</summary>
    public Task<List<ChatDelivery>> SayAsync(string userId, string text)
    {
        var id = Interlocked.Increment(ref _messages);
        var xml = $"<xml><ToUserName>corp</ToUserName><FromUserName>{userId}</FromUserName><CreateTime>{Clock.GetUtcNow().ToUnixTimeSeconds()}</CreateTime>" +
            $"<MsgType>text</MsgType><Content>{SecurityElement.Escape(text)}</Content><MsgId>{id}</MsgId><AgentID>1000002</AgentID></xml>";
        return ApplyAsync("text", $"wecom:msg:{id}", xml);
    }

    /// <summary>The rep clicks the button of <paramref name="card"/> whose title starts with <paramref name="title"/>.</summary>
    public Task<List<ChatDelivery>> ClickAsync(string userId, ChatDelivery card, string title)
    {
        var click = Interlocked.Increment(ref _clicks);
        var action = card.Card.AllActions().OfType<SubmitAction>().First(a => a.Title.StartsWith(title, StringComparison.Ordinal));
        var xml = $"<xml><ToUserName>corp</ToUserName><FromUserName>{userId}</FromUserName><CreateTime>{Clock.GetUtcNow().ToUnixTimeSeconds() + click}</CreateTime>" +
            $"<MsgType>event</MsgType><Event>template_card_event</Event><EventKey>{SecurityElement.Escape(CardActionKey.Encode(action))}</EventKey>" +
            $"<TaskId>{card.CardId}</TaskId><CardType>button_interaction</CardType><ResponseCode>rc-{click}</ResponseCode><AgentID>1000002</AgentID></xml>";
        return ApplyAsync("template_card_event", $"wecom:evt:click:{click}", xml);
    }

    private async Task<List<ChatDelivery>> ApplyAsync(string eventType, string dedupeKey, string xml)
    {
        DateTimeOffset since;
        await using (var scope = Host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
            since = await db.OutboxMessages.OrderByDescending(m => m.Id).Select(m => (DateTimeOffset?)m.CreatedAt).FirstOrDefaultAsync() ?? DateTimeOffset.MinValue;
            var count = await db.OutboxMessages.CountAsync();
            var store = new InboxStore(db, Clock);
            Assert.Equal(InboxAppendResult.Stored, await store.AppendAsync(Platform.WeCom, eventType, dedupeKey, null, xml, CancellationToken.None));
            await Host.Services.GetRequiredService<InboxProcessor>().RunOnceAsync(CancellationToken.None);
            var failed = await db.InboxEvents.AsNoTracking().Where(e => e.Status != InboxStatus.Done).Select(e => e.LastError).ToListAsync();
            Assert.True(failed.Count == 0, string.Join("; ", failed));
            var rows = await db.OutboxMessages.AsNoTracking().OrderBy(m => m.Id).Skip(count).ToListAsync();
            return rows.Select(r => ChatDelivery.FromJson(r.Payload)).ToList();
        }
    }

    public async Task<Employee> EmployeeAsync(string weComUserId, string name, Guid? managerId = null)
    {
        await using var db = Database.NewContext();
        var employee = new Employee { Name = name, WeComUserId = weComUserId, ManagerId = managerId, CreatedAt = Now, UpdatedAt = Now };
        db.Employees.Add(employee);
        await db.SaveChangesAsync();
        return employee;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class ConversationTests
{
    private static string Text(ChatDelivery d) => d.Card.ToJson();

    private static ChatDelivery Single(List<ChatDelivery> replies, string userId)
    {
        var reply = Assert.Single(replies);
        Assert.Equal(userId, reply.To.Value);
        return reply;
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Anything_not_understood_gets_the_closest_command_with_an_example_and_changes_nothing(DatabaseProvider provider)
    {
        await using var desk = await ChatDesk.StartAsync(provider);
        var reply = Single(await desk.SayAsync("zhangsan", "跟进"), "zhangsan");
        Assert.Contains("跟进", Text(reply), StringComparison.Ordinal);
        Assert.Contains("例", Text(reply), StringComparison.Ordinal);

        var nonsense = Single(await desk.SayAsync("zhangsan", "今天天气怎么样"), "zhangsan");
        Assert.Contains("帮助", Text(nonsense) + Text(reply), StringComparison.Ordinal);

        var help = Single(await desk.SayAsync("zhangsan", "?"), "zhangsan");
        Assert.Contains("新客户", Text(help), StringComparison.Ordinal);

        await using var db = desk.Database.NewContext();
        Assert.Equal(0, await db.Customers.CountAsync());
        Assert.Equal(0, await db.AuditEntries.CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Several_matches_give_a_pick_list_and_the_pick_finishes_the_command_on_that_customer(DatabaseProvider provider)
    {
        await using var desk = await ChatDesk.StartAsync(provider);
        await desk.SayAsync("zhangsan", "add customer Zhang Wei 13800138001");
        await desk.SayAsync("zhangsan", "add customer Zhang Min 13800138002");

        var pick = Single(await desk.SayAsync("zhangsan", "note Zhang: called, wants a quote"), "zhangsan");
        Assert.True(pick.Card.AllActions().Any(), Text(pick));
        var buttons = pick.Card.AllActions().OfType<SubmitAction>().Select(a => a.Title).ToList();
        Assert.Equal(["Zhang Min", "Zhang Wei"], buttons.Order());

        var done = Single(await desk.ClickAsync("zhangsan", pick, "Zhang Wei"), "zhangsan");
        Assert.Equal(ChatAddressKind.CardUpdate, done.To.Kind);
        Assert.Contains("已记录", Text(done), StringComparison.Ordinal);

        await using var db = desk.Database.NewContext();
        var wei = await db.Customers.SingleAsync(c => c.Name == "Zhang Wei");
        // "called" makes it a call on the timeline.
        var note = await db.Activities.SingleAsync(a => a.Kind == ActivityKind.Call);
        Assert.Equal(wei.Id, note.CustomerId);
        Assert.Contains("wants a quote", note.Text, StringComparison.Ordinal);

        // The pick list is a card too: a second pick does nothing.
        var again = Single(await desk.ClickAsync("zhangsan", pick, "Zhang Min"), "zhangsan");
        Assert.Contains("already used", Text(again), StringComparison.Ordinal);
        Assert.Equal(1, await db.Activities.CountAsync(a => a.Kind == ActivityKind.Call));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_duplicate_phone_in_another_format_answers_with_the_existing_customer_and_its_owner(DatabaseProvider provider)
    {
        await using var desk = await ChatDesk.StartAsync(provider);
        await desk.EmployeeAsync("zhangsan", "张三");
        await desk.SayAsync("zhangsan", "新客户 王五 13800138000 上海某某科技 #重要");
        var reply = Single(await desk.SayAsync("lisi", "add customer Wang Wu +86 138 0013 8000"), "lisi");
        Assert.Contains("客户已存在", Text(reply), StringComparison.Ordinal);
        Assert.Contains("张三", Text(reply), StringComparison.Ordinal);
        Assert.Contains("王五", Text(reply), StringComparison.Ordinal);

        await using var db = desk.Database.NewContext();
        var customer = await db.Customers.Include(c => c.Tags).ThenInclude(t => t.Tag).SingleAsync();
        Assert.Equal(("王五", "上海某某科技", "chat"), (customer.Name, customer.Company, customer.Source));
        Assert.Equal(["重要"], customer.Tags.Select(t => t.Tag!.Name));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_manager_may_change_a_reps_customer_and_a_colleague_may_not(DatabaseProvider provider)
    {
        await using var desk = await ChatDesk.StartAsync(provider);
        var boss = await desk.EmployeeAsync("boss", "王经理");
        await desk.EmployeeAsync("zhangsan", "张三", boss.Id);
        await desk.EmployeeAsync("lisi", "李四", boss.Id);
        await desk.SayAsync("zhangsan", "新客户 赵六 13900139000");

        var refused = Single(await desk.SayAsync("lisi", "阶段 赵六 谈判"), "lisi");
        Assert.Contains("无权修改", Text(refused), StringComparison.Ordinal);
        Assert.Contains("张三", Text(refused), StringComparison.Ordinal);

        var allowed = Single(await desk.SayAsync("boss", "stage 赵六 negotiation"), "boss");
        Assert.Contains("阶段已更新", Text(allowed), StringComparison.Ordinal);

        await using var db = desk.Database.NewContext();
        Assert.Equal(CustomerStage.Negotiation, (await db.Customers.SingleAsync()).Stage);
        var audit = await db.AuditEntries.SingleAsync(a => a.Action == "stage-changed");
        Assert.Equal($"employee:{boss.Id}", audit.Actor);
        Assert.Contains("Lead", audit.Before!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Reminders_without_a_customer_snoozes_and_lists_read_the_reps_own_time_zone(DatabaseProvider provider)
    {
        await using var desk = await ChatDesk.StartAsync(provider);
        var remind = Single(await desk.SayAsync("zhangsan", "remind me in 2 hours call Li Si"), "zhangsan");
        Assert.Contains("18:00", Text(remind), StringComparison.Ordinal);

        await desk.SayAsync("zhangsan", "新客户 王五 13800138000");
        await desk.SayAsync("zhangsan", "跟进 王五 下周一 14:30 签约");
        await using (var db = desk.Database.NewContext())
        {
            var personal = await db.FollowUps.SingleAsync(f => f.CustomerId == null);
            Assert.Equal(ChatDesk.Now.AddHours(2), personal.DueAt);
            var signing = await db.FollowUps.SingleAsync(f => f.CustomerId != null);
            Assert.Equal(new DateTimeOffset(2026, 5, 4, 14, 30, 0, TimeSpan.FromHours(8)), signing.DueAt);
        }

        var snoozed = Single(await desk.SayAsync("zhangsan", "推迟 王五 2天"), "zhangsan");
        Assert.Contains("已推迟", Text(snoozed), StringComparison.Ordinal);
        await using (var db = desk.Database.NewContext())
        {
            var signing = await db.FollowUps.SingleAsync(f => f.CustomerId != null);
            Assert.Equal(FollowUpStatus.Pending, signing.Status);
            Assert.Equal(new DateTimeOffset(2026, 5, 3, 16, 0, 0, TimeSpan.FromHours(8)), signing.DueAt);
        }

        var today = Single(await desk.SayAsync("zhangsan", "今天"), "zhangsan");
        Assert.Contains("call Li Si", Text(today), StringComparison.Ordinal);
        Assert.DoesNotContain("签约", Text(today), StringComparison.Ordinal);

        desk.Clock.Advance(TimeSpan.FromHours(3));
        var overdue = Single(await desk.SayAsync("zhangsan", "overdue"), "zhangsan");
        Assert.True(Text(overdue).Contains("call Li Si", StringComparison.Ordinal), Text(overdue));

        var mine = Single(await desk.SayAsync("zhangsan", "我的客户"), "zhangsan");
        Assert.Contains("王五", Text(mine), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Tags_notes_and_contracts_by_chat_are_on_the_timeline_with_who_did_them(DatabaseProvider provider)
    {
        await using var desk = await ChatDesk.StartAsync(provider);
        var boss = await desk.EmployeeAsync("boss", "王经理");
        await desk.EmployeeAsync("zhangsan", "张三", boss.Id);
        await desk.SayAsync("zhangsan", "新客户 王五 13800138000 #冷淡");
        var tags = Single(await desk.SayAsync("zhangsan", "标签 王五 +重要 -冷淡"), "zhangsan");
        Assert.Contains("#重要", Text(tags), StringComparison.Ordinal);
        await desk.SayAsync("zhangsan", "记录 王五 电话沟通，对报价有兴趣");
        var submitted = await desk.SayAsync("zhangsan", "合同 王五 50000 年度服务");
        // The manager gets the approval card, the rep the "submitted" card.
        Assert.Equal(["boss", "zhangsan"], submitted.Select(d => d.To.Value).Order());
        Assert.All(submitted, d => Assert.Contains("50,000.00 CNY", Text(d), StringComparison.Ordinal));

        await using var db = desk.Database.NewContext();
        var customer = await db.Customers.Include(c => c.Tags).ThenInclude(t => t.Tag).SingleAsync();
        Assert.Equal(["重要"], customer.Tags.Select(t => t.Tag!.Name));
        var kinds = await db.Activities.Where(a => a.CustomerId == customer.Id).OrderBy(a => a.OccurredAt).ThenBy(a => a.Id).Select(a => a.Kind).ToListAsync();
        Assert.Equal([ActivityKind.CustomerCreated, ActivityKind.TagsChanged, ActivityKind.Call, ActivityKind.ContractSubmitted], kinds);
        var zhangsan = await db.Employees.SingleAsync(e => e.WeComUserId == "zhangsan");
        Assert.All(await db.Activities.ToListAsync(), a => Assert.Equal(zhangsan.Id, a.ActorId));
        var saved = await db.Contracts.SingleAsync();
        Assert.Equal((50000m, "CNY", "年度服务", zhangsan.Id, CrmCore.Deals.ContractStatus.PendingApproval),
            (saved.Amount, saved.Currency, saved.Title, saved.RequesterId, saved.Status));
    }
}

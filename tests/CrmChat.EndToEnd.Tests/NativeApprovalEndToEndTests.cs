using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrmChat.Bots.Tests;
using CrmChat.Connectors.Crypto;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Sandbox;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.EndToEnd.Tests;

/// <summary>
/// Native approval mode over HTTP with the Sandbox: CrmChat files the contract in the platform's
/// approval app, the Sandbox's approvers decide there, and the contract follows, once.
/// </summary>
public sealed partial class NativeApprovalEndToEndTests
{
    /// <summary>Up to 50,000 the rep's manager; above, the manager and then either director.</summary>
    private static readonly (string, string?)[] Rules =
    [
        ("Approvals:Rules:0:Name", "small"), ("Approvals:Rules:0:AmountUpTo", "50000"),
        ("Approvals:Rules:0:Steps:0:Name", "经理"), ("Approvals:Rules:0:Steps:0:Approvers:0", "manager"),
        ("Approvals:Rules:1:Name", "large"), ("Approvals:Rules:1:AmountAbove", "50000"),
        ("Approvals:Rules:1:Steps:0:Name", "经理"), ("Approvals:Rules:1:Steps:0:Approvers:0", "manager"),
        ("Approvals:Rules:1:Steps:1:Name", "销售总监"), ("Approvals:Rules:1:Steps:1:Approvers:0", "role:director"),
        ("Approvals:Rules:1:Steps:1:Rule", "AnyOf"),
        ("Approvals:Roles:director:0", "director1"), ("Approvals:Roles:director:1", "director2"),
    ];

    private const string ZhangsanToken = "test-zhangsan-token-0123456789";

    private static readonly (string, string?)[] WeComNative =
    [
        .. Rules,
        ("Api:Tokens:2:Token", ZhangsanToken), ("Api:Tokens:2:Employee", "zhangsan"), ("Api:Tokens:2:Role", "Rep"),
        ("Approvals:WeCom:Mode", "Native"),
        ("Approvals:WeCom:TemplateId", SandboxDefaults.ApprovalTemplateId),
        ("Approvals:WeCom:Controls:Customer", SandboxDefaults.ApprovalCustomerControl),
        ("Approvals:WeCom:Controls:Title", SandboxDefaults.ApprovalTitleControl),
        ("Approvals:WeCom:Controls:Amount", SandboxDefaults.ApprovalAmountControl),
    ];

    private static readonly (string, string?)[] DingTalkNative =
    [
        .. Rules,
        ("Approvals:DingTalk:Mode", "Native"),
        ("Approvals:DingTalk:ProcessCode", DingTalkSandboxDefaults.ProcessCode),
    ];

    private static IEnumerable<KeyValuePair<string, string?>> Settings((string Key, string? Value)[] settings) =>
        settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value));

    /// <summary>The same people in CrmChat's directory and in the platform: the rep 张三, their manager, two directors.</summary>
    private static async Task<Guid> StaffWeComAsync(ChatWorld world, params (string UserId, string Name)[] extra)
    {
        foreach (var (userId, name) in new[] { ("zhangsan", "张三"), ("boss", "王经理"), ("director1", "赵总"), ("director2", "钱总") }.Concat(extra))
        {
            await world.DriveAsync("members", new { userid = userId, name });
        }
        await using var db = world.Database.NewContext();
        var now = DateTimeOffset.UtcNow;
        var boss = new Employee { Name = "王经理", WeComUserId = "boss", CreatedAt = now, UpdatedAt = now };
        db.Employees.AddRange(boss,
            new Employee { Name = "张三", WeComUserId = "zhangsan", ManagerId = boss.Id, CreatedAt = now, UpdatedAt = now },
            new Employee { Name = "赵总", WeComUserId = "director1", CreatedAt = now, UpdatedAt = now },
            new Employee { Name = "钱总", WeComUserId = "director2", CreatedAt = now, UpdatedAt = now });
        await db.SaveChangesAsync();
        return boss.Id;
    }

    private static async Task<(Guid ContractId, string SpNo)> SubmitByChatAsync(ChatWorld world, string userId, string text)
    {
        await world.DriveAsync("messages/text", new { userid = userId, content = text });
        var contract = await EventuallyAsync(world, db => db.Contracts.AsNoTracking().OrderByDescending(c => c.CreatedAt)
            .FirstOrDefaultAsync(c => c.Status == ContractStatus.PendingApproval && c.UpdatedAt > DateTimeOffset.MinValue));
        await using var read = world.Database.NewContext();
        var request = await read.ApprovalRequests.SingleAsync(r => r.ContractId == contract.Id);
        Assert.Equal((ApprovalMode.NativeOa, CrmCore.Platform.WeCom), (request.Mode, request.Platform));
        return (contract.Id, request.ExternalInstanceId!);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_WeCom_contract_filed_in_the_approval_app_is_approved_there_step_by_step_with_every_decision_recorded_once(DatabaseProvider provider)
    {
        await using var world = await ChatWorld.StartAsync(provider, settings: Settings(WeComNative));
        await StaffWeComAsync(world);
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "新客户 王五 13800138000" });
        await EventuallyAsync(world, db => db.Customers.FirstOrDefaultAsync(c => c.Name == "王五"));

        var (contractId, spNo) = await SubmitByChatAsync(world, "zhangsan", "合同 王五 80000 年度服务");

        // The Sandbox's approval app holds it, in the rep's name, with CrmChat's steps as its flow.
        var filed = (await world.ReadDriverAsync("approvals")).AsArray().Single()!;
        Assert.Equal((spNo, "zhangsan", 1), ((string)filed["sp_no"]!, (string)filed["creator_userid"]!, (int)filed["sp_status"]!));
        Assert.Equal([["boss"], ["director1", "director2"]],
            filed["nodes"]!.AsArray().Select(n => n!["details"]!.AsArray().Select(d => (string)d!["userid"]!).ToArray()));
        Assert.Equal(["王五", "年度服务", "80000.00"], filed["apply_data"]!["contents"]!.AsArray()
            .Select(c => (string?)c!["value"]!["text"] ?? (string)c!["value"]!["new_money"]!));
        // The rep is told where it is; nobody gets CrmChat approval cards.
        var told = await OutboxToAsync(world, "zhangsan", 2);
        Assert.Contains(told, m => m.Contains("企业微信审批", StringComparison.Ordinal) && m.Contains(spNo, StringComparison.Ordinal));
        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(0, await db.OutboxMessages.CountAsync(m => m.Target != "zhangsan"));
        }

        await world.DriveAsync("approvals/decide", new { sp_no = spNo, userid = "boss", action = "approve", speech = "价格合理" });
        var halfway = await world.EventuallyAsync($"/api/contracts/{contractId}", c => c["decisions"]!.AsArray().Count == 1 && (int)c["currentStep"]! == 1);
        Assert.Equal("PendingApproval", (string)halfway["status"]!);
        await world.DriveAsync("approvals/decide", new { sp_no = spNo, userid = "director2", action = "approve", speech = "同意" });
        var approved = await world.EventuallyAsync($"/api/contracts/{contractId}", c => (string)c["status"]! == "Approved");

        Assert.Equal("Approved", (string)approved["approvalStatus"]!);
        Assert.Equal([("经理", "王经理", "Approved", "价格合理"), ("销售总监", "钱总", "Approved", "同意")],
            approved["decisions"]!.AsArray().Select(d => ((string)d!["step"]!, (string)d["approver"]!, (string)d["outcome"]!, (string)d["reason"]!)));
        Assert.All(approved["decisions"]!.AsArray(), d => Assert.Equal($"wecom-oa:{spNo}", (string)d!["channel"]!));
        var trail = approved["trail"]!.AsArray();
        Assert.Equal(["created-by-chat", "submitted", "approved", "approved", "contract-approved"], trail.Select(a => (string)a!["action"]!));
        Assert.All(trail.Skip(1), a => Assert.Contains(spNo, (string)a!["after"]!, StringComparison.Ordinal));
        Assert.Contains("钱总", (string)trail[^1]!["after"]!, StringComparison.Ordinal);
        var outcome = await OutboxToAsync(world, "zhangsan", 4);
        Assert.Contains(outcome, m => m.Contains("合同已批准", StringComparison.Ordinal) && m.Contains("钱总", StringComparison.Ordinal));
        // And it reaches 张三 in WeCom.
        await EventuallySentAsync(world.Driver, "sent/app?userid=zhangsan", "合同已批准");

        // WeCom's retry of the last callback is stored once; the same news again later changes nothing.
        var last = (await world.ReadDriverAsync("callbacks")).AsArray().Last(c => (string)c!["kind"]! == "sys_approval_change")!;
        var xml = (string)last["xml"]!;
        Assert.Equal(HttpStatusCode.OK, (await world.PostCallbackAsync(xml)).StatusCode);
        var later = CreateTime().Replace(xml, m => $"<CreateTime>{long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 3600}</CreateTime>");
        Assert.Equal(HttpStatusCode.OK, (await world.PostCallbackAsync(later)).StatusCode);
        await AllAppliedAsync(world);
        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(2, await db.ApprovalDecisions.CountAsync());
            Assert.Equal(4, await db.AuditEntries.CountAsync(a => a.EntityType == nameof(ApprovalRequest)));
            Assert.Equal(4, await db.OutboxMessages.CountAsync());
            Assert.Equal(ContractStatus.Approved, (await db.Contracts.SingleAsync()).Status);
            Assert.Equal(1, await db.InboxEvents.CountAsync(e => e.Payload == xml));
            Assert.Equal(4, await db.Activities.CountAsync(a =>
                a.Kind == CrmCore.FollowUps.ActivityKind.ContractSubmitted || a.Kind == CrmCore.FollowUps.ActivityKind.ApprovalDecided));
        }

        // Withdrawing from CrmChat is refused: the app is where that happens.
        using var rep = new HttpClient { BaseAddress = world.CrmChatUrl };
        rep.DefaultRequestHeaders.Authorization = new("Bearer", ZhangsanToken);
        var withdraw = await rep.PostAsync($"/api/contracts/{contractId}/withdraw", null);
        Assert.Equal(HttpStatusCode.Conflict, withdraw.StatusCode);
        Assert.Contains("approval app", await withdraw.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_WeCom_reject_ends_it_at_step_one_others_approvals_are_left_alone_and_an_application_the_app_refuses_stays_a_draft()
    {
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite, settings: Settings(WeComNative));
        await StaffWeComAsync(world, ("wangwu", "王五"));
        await world.DriveAsync("messages/text", new { userid = "zhangsan", content = "新客户 李四 13900139000" });
        await EventuallyAsync(world, db => db.Customers.FirstOrDefaultAsync(c => c.Name == "李四"));
        var (contractId, spNo) = await SubmitByChatAsync(world, "zhangsan", "合同 李四 120000 三年维保");

        await world.DriveAsync("approvals/decide", new { sp_no = spNo, userid = "boss", action = "reject", speech = "折扣太大" });
        var rejected = await world.EventuallyAsync($"/api/contracts/{contractId}", c => (string)c["status"]! == "Rejected");

        Assert.Equal([("经理", "王经理", "Rejected", "折扣太大")],
            rejected["decisions"]!.AsArray().Select(d => ((string)d!["step"]!, (string)d["approver"]!, (string)d["outcome"]!, (string)d["reason"]!)));
        // Step 2 was never asked.
        var filed = (await world.ReadDriverAsync("approvals")).AsArray().Single()!;
        Assert.All(filed["nodes"]![1]!["details"]!.AsArray(), d => Assert.Equal(0L, (long)d!["sptime"]!));
        Assert.Contains(await OutboxToAsync(world, "zhangsan", 3), m => m.Contains("折扣太大", StringComparison.Ordinal));

        // Someone's own application in the app (not filed by CrmChat) moves: CrmChat leaves it alone.
        var token = (string)JsonNode.Parse(await world.Sandbox.CreateClient().GetStringAsync(
            $"{SandboxDefaults.WeComApiPath}gettoken?corpid={SandboxDefaults.CorpId}&corpsecret={SandboxDefaults.Secret}"))!["access_token"]!;
        using var sandboxApi = world.Sandbox.CreateClient();
        var own = await (await sandboxApi.PostAsJsonAsync($"{SandboxDefaults.WeComApiPath}oa/applyevent?access_token={token}", new
        {
            creator_userid = "director1", template_id = SandboxDefaults.ApprovalTemplateId, use_template_approver = 0,
            approver = new[] { new { attr = 1, userid = new[] { "boss" } } },
            apply_data = new
            {
                contents = new object[]
                {
                    new { control = "Text", id = SandboxDefaults.ApprovalCustomerControl, value = new { text = "别家" } },
                    new { control = "Text", id = SandboxDefaults.ApprovalTitleControl, value = new { text = "采购" } },
                    new { control = "Money", id = SandboxDefaults.ApprovalAmountControl, value = new { new_money = "100.00" } },
                },
            },
        })).Content.ReadFromJsonAsync<JsonObject>();
        await world.DriveAsync("approvals/decide", new { sp_no = (string)own!["sp_no"]!, userid = "boss", action = "approve" });
        await AllAppliedAsync(world, sysApprovalEvents: 4);
        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(1, await db.ApprovalDecisions.CountAsync());
            Assert.Equal(1, await db.ApprovalRequests.CountAsync());
        }

        // 王五's manager is in CrmChat but not in WeCom's directory: WeCom refuses, the contract stays a draft, and 王五 hears why.
        await using (var db = world.Database.NewContext())
        {
            var now = DateTimeOffset.UtcNow;
            var ghost = new Employee { Name = "离开的经理", WeComUserId = "ghost", CreatedAt = now, UpdatedAt = now };
            db.Employees.AddRange(ghost, new Employee { Name = "王五", WeComUserId = "wangwu", ManagerId = ghost.Id, CreatedAt = now, UpdatedAt = now });
            await db.SaveChangesAsync();
        }
        await world.DriveAsync("messages/text", new { userid = "wangwu", content = "新客户 赵六 13700137000" });
        await EventuallyAsync(world, db => db.Customers.FirstOrDefaultAsync(c => c.Name == "赵六"));
        await world.DriveAsync("messages/text", new { userid = "wangwu", content = "合同 赵六 20000 培训" });
        var refusal = await OutboxToAsync(world, "wangwu", 2);
        Assert.Contains(refusal, m => m.Contains("301025", StringComparison.Ordinal) && m.Contains("草稿", StringComparison.Ordinal));
        await using (var db = world.Database.NewContext())
        {
            var draft = await db.Contracts.SingleAsync(c => c.Title == "培训");
            Assert.Equal(ContractStatus.Draft, draft.Status);
            Assert.False(await db.ApprovalRequests.AnyAsync(r => r.ContractId == draft.Id));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_DingTalk_contract_from_the_API_follows_its_workflow_to_approved_and_a_terminated_one_to_withdrawn(DatabaseProvider provider)
    {
        await using var world = await ChatWorld.StartAsync(provider, settings: Settings(DingTalkNative));
        foreach (var (userId, name) in new[] { ("lisi", "李四"), ("boss", "王经理"), ("director1", "赵总"), ("director2", "钱总") })
        {
            await world.DriveDingTalkAsync("users", new { userid = userId, name });
        }
        Guid customerId;
        await using (var db = world.Database.NewContext())
        {
            var now = DateTimeOffset.UtcNow;
            var boss = new Employee { Name = "王经理", DingTalkUserId = "boss", CreatedAt = now, UpdatedAt = now };
            var lisi = new Employee { Name = "李四", DingTalkUserId = "lisi", ManagerId = boss.Id, CreatedAt = now, UpdatedAt = now };
            db.Employees.AddRange(boss, lisi,
                new Employee { Name = "赵总", DingTalkUserId = "director1", CreatedAt = now, UpdatedAt = now },
                new Employee { Name = "钱总", DingTalkUserId = "director2", CreatedAt = now, UpdatedAt = now });
            var customer = new Customer { Name = "王五", OwnerId = lisi.Id, CreatedAt = now, UpdatedAt = now };
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            customerId = customer.Id;
        }
        using var rep = new HttpClient { BaseAddress = world.CrmChatUrl };
        rep.DefaultRequestHeaders.Authorization = new("Bearer", CrmChatApp.RepToken);

        var created = await rep.PostAsJsonAsync("/api/contracts", new { customerId, title = "年度服务", amount = 80000m });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var contract = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var contractId = (Guid)contract["id"]!;
        Assert.Equal("PendingApproval", (string)contract["status"]!);
        var instance = (await DingTalkDriverAsync(world, "approvals")).AsArray().Single()!;
        var instanceId = (string)instance["process_instance_id"]!;
        Assert.Equal(("lisi", "RUNNING"), ((string)instance["originator_userid"]!, (string)instance["status"]!));
        Assert.Contains(instanceId, (string)contract["trail"]!.AsArray().Single(a => (string)a!["action"]! == "submitted")!["after"]!, StringComparison.Ordinal);

        await world.DriveDingTalkAsync("approvals/decide", new { process_instance_id = instanceId, userid = "boss", result = "agree", remark = "可以" });
        await world.DriveDingTalkAsync("approvals/decide", new { process_instance_id = instanceId, userid = "director1", result = "agree", remark = "同意签约" });
        var approved = await world.EventuallyAsync($"/api/contracts/{contractId}", c => (string)c["status"]! == "Approved");

        Assert.Equal([("经理", "王经理", "可以"), ("销售总监", "赵总", "同意签约")],
            approved["decisions"]!.AsArray().Select(d => ((string)d!["step"]!, (string)d["approver"]!, (string)d["reason"]!)));
        Assert.Equal(["created-by-api", "submitted", "approved", "approved", "contract-approved"],
            approved["trail"]!.AsArray().Select(a => (string)a!["action"]!));
        await EventuallySentAsync(world.DingTalkDriver, "sent/people/lisi", "合同已批准");

        // DingTalk delivers the finish again (a retry that lost its answer): nothing changes.
        var finish = (await DingTalkDriverAsync(world, "events")).AsArray()
            .Last(e => (string)e!["kind"]! == "bpms_instance_change")!["payload"]!.AsObject();
        finish["EventId"] = Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await PostDingTalkEventAsync(world, finish.ToJsonString())).StatusCode);
        await AllAppliedAsync(world);
        await using (var db = world.Database.NewContext())
        {
            Assert.Equal(2, await db.ApprovalDecisions.CountAsync());
            Assert.Equal(1, await db.OutboxMessages.CountAsync(m => m.DedupeKey.EndsWith(":native:approved")));
        }

        // A second contract, withdrawn by the rep in DingTalk.
        var second = (await (await rep.PostAsJsonAsync("/api/contracts", new { customerId, title = "加购", amount = 3000m })).Content.ReadFromJsonAsync<JsonObject>())!;
        var secondInstance = (string)(await DingTalkDriverAsync(world, "approvals")).AsArray().Last()!["process_instance_id"]!;
        await world.DriveDingTalkAsync("approvals/terminate", new { process_instance_id = secondInstance, userid = "lisi" });
        var withdrawn = await world.EventuallyAsync($"/api/contracts/{(string)second["id"]!}", c => (string)c["status"]! == "Withdrawn");
        Assert.Empty(withdrawn["decisions"]!.AsArray());
        Assert.Equal("contract-withdrawn", (string)withdrawn["trail"]!.AsArray()[^1]!["action"]!);
        var refused = await rep.PostAsync($"/api/contracts/{(string)second["id"]!}/withdraw", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
    }

    [GeneratedRegex(@"<CreateTime>(\d+)</CreateTime>")]
    private static partial Regex CreateTime();

    private static async Task<JsonNode> DingTalkDriverAsync(ChatWorld world, string path) => JsonNode.Parse(await world.DingTalkDriver.GetStringAsync(path))!;

    private static async Task<HttpResponseMessage> PostDingTalkEventAsync(ChatWorld world, string json)
    {
        var crypto = new CallbackCrypto(DingTalkSandboxDefaults.Token, DingTalkSandboxDefaults.AesKey, DingTalkSandboxDefaults.AppKey);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var (encrypted, signature) = crypto.Seal(json, timestamp, "nonce1");
        using var http = new HttpClient { BaseAddress = world.CrmChatUrl };
        return await http.PostAsync($"/webhooks/dingtalk/events?msg_signature={signature}&timestamp={timestamp}&nonce=nonce1",
            new StringContent(new JsonObject { ["encrypt"] = encrypted }.ToJsonString(), Encoding.UTF8, "application/json"));
    }

    /// <summary>Waits until what the platform shows (a Sandbox driver's record) contains <paramref name="text"/>.</summary>
    private static async Task EventuallySentAsync(HttpClient driver, string path, string text)
    {
        string last = "";
        for (var waited = 0; waited < 15_000; waited += 100)
        {
            last = System.Text.RegularExpressions.Regex.Unescape(await driver.GetStringAsync(path));
            if (last.Contains(text, StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{path} never showed “{text}”; last: {last}");
    }

    /// <summary>The cards CrmChat queued for a member, as JSON text, once there are at least <paramref name="count"/>.</summary>
    private static async Task<List<string>> OutboxToAsync(ChatWorld world, string userId, int count)
    {
        var rows = await EventuallyAsync(world, async db =>
        {
            var found = await db.OutboxMessages.AsNoTracking().Where(m => m.Target == userId).OrderBy(m => m.CreatedAt).Select(m => m.Payload).ToListAsync();
            return found.Count >= count ? found : null;
        });
        var readable = new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return rows.Select(p => JsonNode.Parse(p)!.ToJsonString(readable)).ToList();
    }

    /// <summary>Waits until every stored event is applied (and, if given, that many approval events arrived).</summary>
    private static Task AllAppliedAsync(ChatWorld world, int sysApprovalEvents = 0) =>
        EventuallyAsync(world, async db =>
            await db.InboxEvents.CountAsync(e => e.EventType == "sys_approval_change") >= sysApprovalEvents
            && !await db.InboxEvents.AnyAsync(e => e.Status == InboxStatus.Pending) ? (object)true : null);

    private static async Task<T> EventuallyAsync<T>(ChatWorld world, Func<CrmDbContext, Task<T?>> read) where T : class
    {
        for (var waited = 0; waited < 15_000; waited += 100)
        {
            await using (var db = world.Database.NewContext())
            {
                if (await read(db) is { } found)
                {
                    return found;
                }
            }
            await Task.Delay(100);
        }
        Assert.Fail("The CRM never reached the expected state.");
        return null!;
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using CrmChat.Connectors.WeCom;
using static CrmChat.Sandbox.Tests.SandboxHttp;

namespace CrmChat.Sandbox.Tests;

/// <summary>WeCom's approval app (OA 审批) in the Sandbox: oa/applyevent, oa/getapprovaldetail, and sys_approval_change as approvers act.</summary>
public sealed class ApprovalTests
{
    private static object Contents(string customer = "王五", string title = "年度服务", string amount = "80000.00") => new[]
    {
        new { control = "Text", id = SandboxDefaults.ApprovalCustomerControl, value = (object)new { text = customer } },
        new { control = "Text", id = SandboxDefaults.ApprovalTitleControl, value = (object)new { text = title } },
        new { control = "Money", id = SandboxDefaults.ApprovalAmountControl, value = (object)new { new_money = amount } },
    };

    private static object Application(object? approver = null, string creator = "zhangsan", string template = SandboxDefaults.ApprovalTemplateId, object? contents = null) => new
    {
        creator_userid = creator,
        template_id = template,
        use_template_approver = 0,
        approver = approver ?? new object[] { new { attr = 2, userid = new[] { "boss", "cfo" } }, new { attr = 1, userid = new[] { "director1", "director2" } } },
        apply_data = new { contents = contents ?? Contents() },
        summary_list = new[] { new { summary_info = new[] { new { text = "客户：王五", lang = "zh_CN" } } } },
    };

    private static async Task<SandboxHttp> StartAsync(CallbackReceiver receiver)
    {
        var sandbox = await SandboxHttp.StartAsync(o =>
        {
            o.CallbackUrl = receiver.Url;
            o.CallbackTimeout = TimeSpan.FromSeconds(2);
        });
        foreach (var member in new[] { "zhangsan", "boss", "cfo", "director1", "director2" })
        {
            await sandbox.Driver("members", new { userid = member });
        }
        return sandbox;
    }

    private static async Task<List<WeComApprovalChanged>> CallbacksAsync(CallbackReceiver receiver, int count)
    {
        for (var waited = 0; receiver.Events.Count < count && waited < 5000; waited += 20)
        {
            await Task.Delay(20);
        }
        Assert.Equal(count, receiver.Events.Count);
        // Read with CrmChat's own parser: what the Sandbox writes is what CrmChat expects.
        return receiver.Events.Select(e => Assert.IsType<WeComApprovalChanged>(WeComCallbackXml.Parse(e.ToString(SaveOptions.DisableFormatting)))).ToList();
    }

    [Fact]
    public async Task An_application_is_filed_with_its_flow_readable_in_detail_and_announced_by_a_callback()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await StartAsync(receiver);
        var token = await sandbox.AppToken();

        var filed = await sandbox.Post(Api("oa/applyevent", token), Application());

        JsonAssert.ErrCode(0, filed);
        var spNo = (string)filed["sp_no"]!;
        Assert.Equal("202506010001", spNo);
        var detail = await sandbox.Post(Api("oa/getapprovaldetail", token), new { sp_no = spNo });
        JsonAssert.ErrCode(0, detail);
        var info = detail["info"]!;
        Assert.Equal((1, "zhangsan", SandboxDefaults.ApprovalTemplateId), ((int)info["sp_status"]!, (string)info["applyer"]!["userid"]!, (string)info["template_id"]!));
        Assert.Equal([2, 1], info["sp_record"]!.AsArray().Select(n => (int)n!["approverattr"]!));
        Assert.Equal(["boss", "cfo"], info["sp_record"]![0]!["details"]!.AsArray().Select(d => (string)d!["approver"]!["userid"]!));
        Assert.Equal("80000.00", (string)info["apply_data"]!["contents"]![2]!["value"]!["new_money"]!);

        var submitted = Assert.Single(await CallbacksAsync(receiver, 1));
        Assert.Equal(("sys", "sys_approval_change"), (submitted.Envelope.FromUserName, submitted.Envelope.Event));
        Assert.Equal((spNo, WeComApprovalStatus.Reviewing, 1, "zhangsan"),
            (submitted.ApprovalInfo.SpNo, submitted.ApprovalInfo.SpStatus, submitted.ApprovalInfo.StatuChangeEvent, submitted.ApprovalInfo.ApplyerUserId));
        Assert.Equal(2, submitted.ApprovalInfo.Steps.Count);
    }

    [Fact]
    public async Task Applications_the_app_would_not_take_are_refused_with_its_errcodes_and_nothing_is_filed()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await StartAsync(receiver);
        var token = await sandbox.AppToken();

        JsonAssert.ErrCode(40058, await sandbox.Post(Api("oa/applyevent", token), Application(creator: "")));
        JsonAssert.ErrCode(301025, await sandbox.Post(Api("oa/applyevent", token), Application(template: "3TkNoSuchTemplate")));
        var stranger = await sandbox.Post(Api("oa/applyevent", token), Application(creator: "stranger"));
        JsonAssert.ErrCode(301025, stranger);
        Assert.Contains("creator_userid not in app visiable range", (string)stranger["errmsg"]!, StringComparison.Ordinal);
        JsonAssert.ErrCode(301025, await sandbox.Post(Api("oa/applyevent", token), Application(approver: new[] { new { attr = 1, userid = new[] { "nobody" } } })));
        JsonAssert.ErrCode(301025, await sandbox.Post(Api("oa/applyevent", token), Application(approver: Array.Empty<object>())));
        JsonAssert.ErrCode(301025, await sandbox.Post(Api("oa/applyevent", token), Application(contents: new[]
        {
            new { control = "Text", id = "Text-unknown", value = new { text = "x" } },
        })));
        JsonAssert.ErrCode(301025, await sandbox.Post(Api("oa/applyevent", token), Application(contents: Contents(amount: "八万"))));
        // The contact secret's token is not the app's.
        JsonAssert.ErrCode(48002, await sandbox.Post(Api("oa/applyevent", await sandbox.ContactToken()), Application()));
        JsonAssert.ErrCode(301025, await sandbox.Post(Api("oa/getapprovaldetail", token), new { sp_no = "209901010001" }));

        Assert.Empty(sandbox.Server.WeCom.Applications());
        await Task.Delay(100);
        Assert.Empty(receiver.Events);
    }

    [Fact]
    public async Task Nodes_settle_by_会签_and_或签_each_decision_is_a_callback_and_a_withdrawal_after_approval_is_status_6()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await StartAsync(receiver);
        var spNo = (string)(await sandbox.Post(Api("oa/applyevent", await sandbox.AppToken()), Application()))["sp_no"]!;
        await CallbacksAsync(receiver, 1);

        // Someone of a later node cannot act yet.
        using (var early = await sandbox.Client.PostAsJsonAsync(SandboxDefaults.WeComDriverPath + "approvals/decide",
            new { sp_no = spNo, userid = "director1", action = "approve" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode);
        }
        await sandbox.Driver("approvals/decide", new { sp_no = spNo, userid = "boss", action = "approve", speech = "价格合理" });
        sandbox.Time.Advance(TimeSpan.FromMinutes(1));
        await sandbox.Driver("approvals/decide", new { sp_no = spNo, userid = "cfo", action = "approve" });
        sandbox.Time.Advance(TimeSpan.FromMinutes(1));
        var last = await sandbox.Driver("approvals/decide", new { sp_no = spNo, userid = "director2", action = "approve" });
        Assert.Equal(2, (int)last["result"]!["sp_status"]!);

        var events = await CallbacksAsync(receiver, 4);
        Assert.Equal([1, 2, 2, 2], events.Select(e => e.ApprovalInfo.StatuChangeEvent ?? 0));
        Assert.Equal([WeComApprovalStatus.Reviewing, WeComApprovalStatus.Reviewing, WeComApprovalStatus.Reviewing, WeComApprovalStatus.Approved],
            events.Select(e => e.ApprovalInfo.SpStatus));
        var final = events[^1].ApprovalInfo;
        Assert.Equal(("boss", "价格合理"), (final.Steps[0].Details[0].ApproverUserId, final.Steps[0].Details[0].Speech));
        Assert.Equal([WeComApprovalStatus.Reviewing, WeComApprovalStatus.Approved], final.Steps[1].Details.Select(d => d.SpStatus));

        await sandbox.Driver("approvals/withdraw", new { sp_no = spNo, userid = "zhangsan" });
        var withdrawn = (await CallbacksAsync(receiver, 5))[^1].ApprovalInfo;
        Assert.Equal((WeComApprovalStatus.WithdrawnAfterApproval, 8), (withdrawn.SpStatus, withdrawn.StatuChangeEvent ?? 0));
    }

    [Fact]
    public async Task A_reject_ends_the_application_and_later_decisions_are_refused()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await StartAsync(receiver);
        var token = await sandbox.AppToken();
        var spNo = (string)(await sandbox.Post(Api("oa/applyevent", token), Application()))["sp_no"]!;

        await sandbox.Driver("approvals/decide", new { sp_no = spNo, userid = "cfo", action = "reject", speech = "金额太高" });

        var detail = (await sandbox.Post(Api("oa/getapprovaldetail", token), new { sp_no = spNo }))["info"]!;
        Assert.Equal((3, 3), ((int)detail["sp_status"]!, (int)detail["sp_record"]![0]!["sp_status"]!));
        var cfo = detail["sp_record"]![0]!["details"]![1]!;
        Assert.Equal(("金额太高", 3), ((string)cfo["speech"]!, (int)cfo["sp_status"]!));
        Assert.True((long)cfo["sptime"]! > 0);
        using var late = await sandbox.Client.PostAsJsonAsync(SandboxDefaults.WeComDriverPath + "approvals/decide", new { sp_no = spNo, userid = "boss", action = "approve" });
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
    }
}

using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.Tests.WeCom;
using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Messaging;
using CrmChat.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SandboxUser = CrmChat.Sandbox.DingTalk.DingTalkUser;

namespace CrmChat.Connectors.Tests;

/// <summary>Both platforms' approval apps behind <see cref="INativeApprovals"/>, against the Sandbox over HTTP.</summary>
public sealed class NativeApprovalsTests
{
    private static readonly ContractFacts Contract = new(Guid.CreateVersion7(), "上海某某科技有限公司华东区域总部", "年度服务", 80_000m, "CNY", "张三", null);

    private static readonly NativeApprovalStep[] Steps =
    [
        new("经理和财务", StepRule.AllOf, ["boss", "cfo"]),
        new("总监", StepRule.AnyOf, ["director1", "director2"]),
        new("老板", StepRule.AllOf, ["ceo"]),
    ];

    private sealed class Instance(IHost host, LogSink logs) : ClientHost(host, logs)
    {
        public INativeApprovals On(Platform platform) => Services.GetServices<INativeApprovals>().Single(a => a.Platform == platform);

        public static async Task<(SandboxServer Server, Instance Client)> StartAsync(IDictionary<string, string?>? settings = null)
        {
            var server = await SandboxServer.StartAsync(time: TimeProvider.System);
            foreach (var userId in new[] { "zhangsan", "boss", "cfo", "director1", "director2", "ceo" })
            {
                server.WeCom.AddMember(userId);
                server.DingTalk.UpsertUser(new SandboxUser { UserId = userId, Name = userId });
            }
            var (host, logs) = await StartHostAsync(TimeProvider.System, new Dictionary<string, string?>
            {
                ["WeCom:CorpId"] = SandboxDefaults.CorpId,
                ["WeCom:Secret"] = SandboxDefaults.Secret,
                ["WeCom:ApiBaseUrl"] = server.WeComApiBaseUrl.ToString(),
                ["WeCom:Client:FirstRetryDelay"] = "00:00:00.001",
                ["WeCom:Client:MaxRetryDelay"] = "00:00:00.010",
                ["DingTalk:AppKey"] = DingTalkSandboxDefaults.AppKey,
                ["DingTalk:AppSecret"] = DingTalkSandboxDefaults.AppSecret,
                ["DingTalk:ApiBaseUrl"] = server.DingTalkApiBaseUrl.ToString(),
                ["DingTalk:OapiBaseUrl"] = server.DingTalkOapiBaseUrl.ToString(),
                ["DingTalk:Client:FirstRetryDelay"] = "00:00:00.001",
                ["DingTalk:Client:MaxRetryDelay"] = "00:00:00.010",
                ["Approvals:WeCom:TemplateId"] = SandboxDefaults.ApprovalTemplateId,
                ["Approvals:WeCom:Controls:Customer"] = SandboxDefaults.ApprovalCustomerControl,
                ["Approvals:WeCom:Controls:Title"] = SandboxDefaults.ApprovalTitleControl,
                ["Approvals:WeCom:Controls:Amount"] = SandboxDefaults.ApprovalAmountControl,
                ["Approvals:DingTalk:ProcessCode"] = DingTalkSandboxDefaults.ProcessCode,
            }, settings, builder =>
            {
                builder.AddWeComClient();
                builder.AddDingTalkClient();
                builder.AddNativeApprovals();
            });
            return (server, new Instance(host, logs));
        }
    }

    [Fact]
    public async Task WeCom_files_the_steps_as_会签_and_或签_nodes_and_reads_each_decision_back_with_its_node_and_speech()
    {
        var (server, client) = await Instance.StartAsync();
        await using var _s = server;
        await using var _c = client;
        var wecom = client.On(Platform.WeCom);

        var spNo = await wecom.StartAsync(new NativeApprovalApplication(Contract.RequestId, Contract, "zhangsan", Steps), default);

        var filed = Assert.Single(server.WeCom.Applications());
        Assert.Equal((spNo, "zhangsan", SandboxDefaults.ApprovalTemplateId), (filed.SpNo, filed.Creator, filed.TemplateId));
        Assert.Equal([2, 1, 2], filed.Nodes.Select(n => n.Attr));
        Assert.Equal(["上海某某科技有限公司华东区域总部", "年度服务", "80000.00"],
            filed.Contents.Select(c => (string?)c!["value"]!["text"] ?? (string)c!["value"]!["new_money"]!));
        Assert.Equal(3, filed.Summary.Count);
        Assert.All(filed.Summary, line => Assert.True(line.Length <= WeComNativeApprovals.SummaryLineLength, line));

        var waiting = await wecom.GetAsync(spNo, default);
        Assert.Equal((NativeApprovalState.Pending, 0), (waiting.State, waiting.Decisions.Count));

        server.WeCom.DecideApproval(spNo, "cfo", approve: true, "预算内");
        server.WeCom.DecideApproval(spNo, "boss", approve: true, null);
        server.WeCom.DecideApproval(spNo, "director2", approve: false, "客户资质待查");
        var rejected = await wecom.GetAsync(spNo, default);

        Assert.Equal(NativeApprovalState.Rejected, rejected.State);
        Assert.Equal([("boss", DecisionOutcome.Approved, "", 0), ("cfo", DecisionOutcome.Approved, "预算内", 0), ("director2", DecisionOutcome.Rejected, "客户资质待查", 1)],
            rejected.Decisions.Select(d => (d.ApproverUserId, d.Outcome, d.Comment ?? "", d.Step ?? -1)));
        Assert.All(rejected.Decisions, d => Assert.True(d.At > DateTimeOffset.UtcNow.AddMinutes(-1)));
    }

    [Fact]
    public async Task A_WeCom_no_is_a_refusal_naming_its_errcode_and_a_WeCom_that_stays_busy_is_not()
    {
        var (server, client) = await Instance.StartAsync();
        await using var _s = server;
        await using var _c = client;
        var wecom = client.On(Platform.WeCom);

        var unknown = await Assert.ThrowsAsync<NativeApprovalException>(() =>
            wecom.StartAsync(new NativeApprovalApplication(Contract.RequestId, Contract, "zhangsan", [new("经理", StepRule.AnyOf, ["nobody"])]), default));
        Assert.True(unknown.Refused);
        Assert.Contains("301025", unknown.Message, StringComparison.Ordinal);

        server.WeCom.InjectFault("oa/applyevent", -1, count: 10);
        var busy = await Assert.ThrowsAsync<NativeApprovalException>(() =>
            wecom.StartAsync(new NativeApprovalApplication(Contract.RequestId, Contract, "zhangsan", Steps), default));
        Assert.False(busy.Refused);
        Assert.Empty(server.WeCom.Applications());
    }

    [Fact]
    public async Task DingTalk_files_the_steps_as_AND_OR_NONE_approvers_and_reads_decisions_with_their_remarks()
    {
        var (server, client) = await Instance.StartAsync();
        await using var _s = server;
        await using var _c = client;
        var dingTalk = client.On(Platform.DingTalk);

        var id = await dingTalk.StartAsync(new NativeApprovalApplication(Contract.RequestId, Contract, "zhangsan", Steps), default);

        var filed = Assert.Single(server.DingTalk.Instances());
        Assert.Equal(["AND", "OR", "NONE"], filed.Steps.Select(s => s.ActionType));
        Assert.Equal(["客户", "合同名称", "合同金额"], filed.FormComponentValues.Select(v => (string)v!["name"]!));
        Assert.Equal("80000.00", (string)filed.FormComponentValues[2]!["value"]!);
        Assert.Equal(NativeApprovalState.Pending, (await dingTalk.GetAsync(id, default)).State);

        server.DingTalk.Decide(id, "boss", agree: true, "同意");
        server.DingTalk.Decide(id, "cfo", agree: true, null);
        server.DingTalk.Decide(id, "director1", agree: true, "可以");
        server.DingTalk.Decide(id, "ceo", agree: true, "批准");
        var approved = await dingTalk.GetAsync(id, default);

        Assert.Equal(NativeApprovalState.Approved, approved.State);
        Assert.Equal([("boss", "同意"), ("cfo", ""), ("director1", "可以"), ("ceo", "批准")],
            approved.Decisions.Select(d => (d.ApproverUserId, d.Comment ?? "")));
        Assert.All(approved.Decisions, d => Assert.Equal((DecisionOutcome.Approved, (int?)null), (d.Outcome, d.Step)));

        var second = await dingTalk.StartAsync(new NativeApprovalApplication(Contract.RequestId, Contract, "zhangsan", Steps), default);
        server.DingTalk.Terminate(second, "zhangsan", null);
        Assert.Equal(NativeApprovalState.Withdrawn, (await dingTalk.GetAsync(second, default)).State);

        var refused = await Assert.ThrowsAsync<NativeApprovalException>(() => dingTalk.GetAsync("no-such-instance", default));
        Assert.True(refused.Refused);
    }

    [Fact]
    public void Native_mode_without_its_settings_is_refused_naming_each_key()
    {
        var wecom = new WeComOaOptionsValidator(Options.Create(new WeComOptions())).Validate(null, new WeComOaOptions { Mode = PlatformApprovalMode.Native });
        var wecomProblems = string.Join(" | ", wecom.Failures!);
        foreach (var key in new[] { "Approvals:WeCom:TemplateId", "Approvals:WeCom:Controls:Customer", "Approvals:WeCom:Controls:Title",
            "Approvals:WeCom:Controls:Amount", "WeCom:Secret", "WeCom:EncodingAESKey" })
        {
            Assert.Contains(key, wecomProblems, StringComparison.Ordinal);
        }

        var dingTalk = new DingTalkWorkflowOptionsValidator(Options.Create(new DingTalkOptions()))
            .Validate(null, new DingTalkWorkflowOptions { Mode = PlatformApprovalMode.Native, Fields = new() { Amount = " " } });
        var dingTalkProblems = string.Join(" | ", dingTalk.Failures!);
        foreach (var key in new[] { "Approvals:DingTalk:ProcessCode", "Approvals:DingTalk:Fields:Amount", "DingTalk:AppSecret", "DingTalk:AesKey" })
        {
            Assert.Contains(key, dingTalkProblems, StringComparison.Ordinal);
        }

        // Cards mode needs none of it.
        Assert.True(new WeComOaOptionsValidator(Options.Create(new WeComOptions())).Validate(null, new WeComOaOptions()).Succeeded);
        Assert.True(new DingTalkWorkflowOptionsValidator(Options.Create(new DingTalkOptions())).Validate(null, new DingTalkWorkflowOptions()).Succeeded);
    }
}

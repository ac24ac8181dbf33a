using CrmChat.Sandbox.DingTalk;

namespace CrmChat.Sandbox.Tests.DingTalk;

public sealed class DingTalkEventTests
{
    private static Task<DingTalkHttp> SandboxCalling(DingTalkReceiver receiver) =>
        DingTalkHttp.StartAsync(o =>
        {
            o.EventCallbackUrl = receiver.EventsUrl;
            // Generous: a busy build machine must not turn a slow first answer into a retry.
            o.EventTimeout = TimeSpan.FromSeconds(2);
            o.EventRetryDelays = [TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(30)];
        });

    private static async Task<string> StartApproval(DingTalkHttp dt, string token)
    {
        var (status, created) = await dt.Api(HttpMethod.Post, "v1.0/workflow/processInstances", token, new
        {
            processCode = DingTalkSandboxDefaults.ProcessCode, originatorUserId = "rep1", deptId = 1,
            approvers = new[] { new { actionType = "NONE", userIds = new[] { "manager1" } } },
            formComponentValues = new[] { new { name = "合同金额", value = "50000" }, new { name = "客户", value = "王五" } },
        });
        Assert.Equal(200, status);
        return (string)created["instanceId"]!;
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }
        Assert.True(condition(), "timed out waiting for background deliveries");
    }

    [Fact]
    public async Task Approval_agreed_by_the_approver_completes_and_its_bpms_events_arrive_encrypted_for_the_appKey()
    {
        await using var receiver = await DingTalkReceiver.StartAsync();
        await using var dt = await SandboxCalling(receiver);
        await dt.AddUser("rep1", "张三");
        await dt.AddUser("manager1", "李经理");
        var token = await dt.Token();
        var instanceId = await StartApproval(dt, token);
        await WaitFor(() => receiver.Events.Count >= 2);

        var decided = await dt.Driver("approvals/decide", new { process_instance_id = instanceId, userid = "manager1", result = "agree", remark = "同意" });

        Assert.All(decided["deliveries"]!.AsArray(), d => Assert.True((bool)d!["delivered"]!));
        var (_, got) = await dt.Api(HttpMethod.Get, $"v1.0/workflow/processInstances?processInstanceId={instanceId}", token);
        var result = got["result"]!;
        Assert.Equal("COMPLETED", (string)result["status"]!);
        Assert.Equal("agree", (string)result["result"]!);
        Assert.Equal("张三提交的合同审批", (string)result["title"]!);
        Assert.Equal("rep1", (string)result["originatorUserId"]!);
        var task = Assert.Single(result["tasks"]!.AsArray())!;
        Assert.Equal(("manager1", "COMPLETED", "AGREE"), ((string)task["userId"]!, (string)task["status"]!, (string)task["result"]!));

        var events = receiver.Events.ToList();
        Assert.Contains(events, e => (string)e["EventType"]! == "bpms_instance_change" && (string)e["type"]! == "start");
        var taskFinish = Assert.Single(events, e => (string)e["EventType"]! == "bpms_task_change" && (string)e["type"]! == "finish");
        Assert.Equal(("agree", "manager1", "同意"), ((string)taskFinish["result"]!, (string)taskFinish["staffId"]!, (string)taskFinish["remark"]!));
        var finish = Assert.Single(events, e => (string)e["EventType"]! == "bpms_instance_change" && (string)e["type"]! == "finish");
        Assert.Equal(instanceId, (string)finish["processInstanceId"]!);
        Assert.Equal("agree", (string)finish["result"]!);
        Assert.Equal(DingTalkSandboxDefaults.ProcessCode, (string)finish["processCode"]!);
        Assert.Equal(DingTalkSandboxDefaults.CorpId, (string)finish["corpId"]!);
        Assert.Equal(events.Count, events.Select(e => (string)e["EventId"]!).Distinct().Count());
    }

    [Fact]
    public async Task Refusal_completes_with_refuse_and_termination_ends_as_terminated()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.AddUser("rep1");
        await dt.AddUser("manager1");
        var token = await dt.Token();
        var refused = await StartApproval(dt, token);
        var withdrawn = await StartApproval(dt, token);

        await dt.Driver("approvals/decide", new { process_instance_id = refused, userid = "manager1", result = "refuse" });
        await dt.Driver("approvals/terminate", new { process_instance_id = withdrawn, userid = "rep1" });

        var (_, r) = await dt.Api(HttpMethod.Get, $"v1.0/workflow/processInstances?processInstanceId={refused}", token);
        Assert.Equal(("COMPLETED", "refuse"), ((string)r["result"]!["status"]!, (string)r["result"]!["result"]!));
        var (_, w) = await dt.Api(HttpMethod.Get, $"v1.0/workflow/processInstances?processInstanceId={withdrawn}", token);
        Assert.Equal("TERMINATED", (string)w["result"]!["status"]!);
        Assert.Contains(dt.Sandbox.Deliveries("event"), d => d.Kind == "bpms_instance_change" && d.Payload.Contains("\"terminate\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Receiver_answering_500_or_the_wrong_plaintext_is_retried_twice_more_and_every_attempt_is_recorded()
    {
        await using var receiver = await DingTalkReceiver.StartAsync(n => n == 1 ? "500" : "wrong");
        await using var dt = await SandboxCalling(receiver);

        var joined = await dt.Driver("users/join", new { userid = "u9", name = "新同事" });

        Assert.Equal(3, receiver.EventRequests);
        var delivery = Assert.Single(joined["deliveries"]!.AsArray())!;
        Assert.False((bool)delivery["delivered"]!);
        var attempts = dt.Sandbox.Deliveries("event").Single().Attempts;
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Number));
        Assert.Equal([500, 200, 200], attempts.Select(a => a.StatusCode));
        Assert.Contains("not 'success'", attempts[2].Error);
        Assert.All(receiver.Events, e => Assert.Equal("user_add_org", (string)e["EventType"]!));
        Assert.Single(receiver.Events.Select(e => (string)e["EventId"]!).Distinct());
    }

    [Fact]
    public async Task Employee_join_modify_and_leave_fire_org_events_and_update_the_directory()
    {
        await using var receiver = await DingTalkReceiver.StartAsync();
        await using var dt = await SandboxCalling(receiver);
        var token = await dt.Token();

        await dt.Driver("users/join", new { userid = "u9", name = "新同事", mobile = "13900000000" });
        await dt.Driver("users/modify", new { userid = "u9", title = "销售经理" });
        Assert.Equal("销售经理", (string)(await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "u9" }))["result"]!["title"]!);
        await dt.Driver("users/leave", new { userid = "u9" });

        Assert.Equal(["user_add_org", "user_modify_org", "user_leave_org"], receiver.Events.Select(e => (string)e["EventType"]!));
        Assert.All(receiver.Events, e =>
        {
            Assert.Equal("u9", (string)e["UserId"]![0]!);
            Assert.Equal(DingTalkSandboxDefaults.CorpId, (string)e["CorpId"]!);
        });
        DingTalkAssert.ErrCode(60121, await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "u9" }));
    }

    [Fact]
    public async Task Check_url_is_verified_only_when_the_reply_is_the_encrypted_success()
    {
        await using var good = await DingTalkReceiver.StartAsync();
        await using var dt = await SandboxCalling(good);
        var verified = await dt.Driver("check_url", new { });
        Assert.True((bool)verified["verified"]!);
        Assert.Equal("check_url", (string)Assert.Single(good.Events)["EventType"]!);

        await using var bad = await DingTalkReceiver.StartAsync(_ => "wrong");
        await dt.Driver("app", new { event_callback_url = bad.EventsUrl });
        Assert.False((bool)(await dt.Driver("check_url", new { }))["verified"]!);
    }
}

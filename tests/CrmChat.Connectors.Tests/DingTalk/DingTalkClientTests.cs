using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Connectors.Tests.WeCom;
using CrmChat.Sandbox;
using DingTalkErrors = CrmChat.Sandbox.DingTalk.DingTalkErrors;
using Microsoft.Extensions.Time.Testing;
using SandboxUser = CrmChat.Sandbox.DingTalk.DingTalkUser;

namespace CrmChat.Connectors.Tests.DingTalk;

public sealed class DingTalkClientTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8));
    private const string TokenPath = "v1.0/oauth2/accessToken";
    private const string UserGet = "topapi/v2/user/get";

    /// <param name="realTime">For retries: backoff waits on the client's clock, which a fake one would hold forever.</param>
    private static async Task<(FakeTimeProvider Time, SandboxServer Server, DingTalkClientInstance Client)> StartAsync(bool realTime = false)
    {
        var fake = new FakeTimeProvider(Start);
        TimeProvider time = realTime ? TimeProvider.System : fake;
        var server = await SandboxServer.StartAsync(time: time);
        server.DingTalk.UpsertUser(new SandboxUser { UserId = "rep1", Name = "张三", Mobile = "13800138000", Title = "销售" });
        server.DingTalk.UpsertUser(new SandboxUser { UserId = "manager1", Name = "李经理" });
        return (fake, server, await DingTalkClientInstance.StartAsync(server, time));
    }

    [Fact]
    public async Task The_token_is_fetched_once_shared_by_v1_and_oapi_calls_and_refreshed_after_dingtalk_expires_it()
    {
        var (_, server, client) = await StartAsync();
        await using var _s = server;
        await using var _c = client;

        var user = await client.Users.GetAsync("rep1");
        await client.Users.GetAsync("rep1");
        var id = await client.Approvals.CreateAsync(Approval());
        Assert.Equal(1, client.Requests.Count(TokenPath));

        server.DingTalk.ExpireTokens();
        await client.Users.GetAsync("rep1");
        server.DingTalk.ExpireTokens();
        await client.Approvals.GetAsync(id);

        Assert.Equal(("rep1", "张三", "13800138000", "销售"), (user.UserId, user.Name, user.Mobile, user.Title));
        Assert.Equal(3, client.Requests.Count(TokenPath));
        Assert.Contains(client.Requests.To(UserGet), c => c.Answer.Contains("40014", StringComparison.Ordinal));
        Assert.Contains(client.Requests.To("v1.0/workflow/processInstances"), c => c.Answer.Contains("InvalidAuthentication", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_token_is_refreshed_early_when_its_lifetime_runs_out_on_our_clock()
    {
        var (time, server, client) = await StartAsync();
        await using var _s = server;
        await using var _c = client;

        await client.Users.GetAsync("rep1");
        time.Advance(TimeSpan.FromSeconds(7200) - TimeSpan.FromMinutes(4));
        await client.Users.GetAsync("rep1");

        Assert.Equal(2, client.Requests.Count(TokenPath));
        Assert.DoesNotContain(client.Requests.To(UserGet), c => c.Answer.Contains("40014", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(90018)]
    [InlineData(90002)]
    [InlineData(-1)]
    public async Task Oapi_limits_and_busy_answers_are_retried_with_backoff(int errCode)
    {
        var (_, server, client) = await StartAsync(realTime: true);
        await using var _s = server;
        await using var _c = client;
        server.DingTalk.InjectFault(UserGet, errCode, null, count: 2);

        var user = await client.Users.GetAsync("rep1");

        Assert.Equal("rep1", user.UserId);
        Assert.Equal(3, client.Requests.Count(UserGet));
    }

    [Theory]
    [InlineData(DingTalkErrors.QpsLimitForAppkeyAndApi, 403)]
    [InlineData("Throttling", 429)]
    [InlineData("ServiceUnavailable", 503)]
    public async Task V1_qps_limits_are_retried_with_backoff(string code, int status)
    {
        var (_, server, client) = await StartAsync(realTime: true);
        await using var _s = server;
        await using var _c = client;
        server.DingTalk.InjectFault("v1.0/workflow/processInstances", null, code, count: 2, httpStatus: status);

        var id = await client.Approvals.CreateAsync(Approval());

        Assert.NotEmpty(id);
        Assert.Equal(3, client.Requests.Count("v1.0/workflow/processInstances"));
    }

    [Fact]
    public async Task Retries_stop_after_max_attempts_with_a_typed_error()
    {
        var (_, server, client) = await StartAsync(realTime: true);
        await using var _s = server;
        await using var _c = client;
        server.DingTalk.InjectFault(UserGet, 90018, null, count: 10);

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() => client.Users.GetAsync("rep1"));

        Assert.Equal(90018, e.ErrCode);
        Assert.Equal(5, client.Requests.Count(UserGet));
    }

    [Fact]
    public async Task An_unknown_user_is_a_typed_error_and_is_not_retried()
    {
        var (_, server, client) = await StartAsync();
        await using var _s = server;
        await using var _c = client;

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() => client.Users.GetAsync("nobody"));

        Assert.True(e.IsUserNotFound);
        Assert.Equal(UserGet, e.Path);
        Assert.Contains("60121", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, client.Requests.Count(UserGet));
    }

    [Fact]
    public async Task A_wrong_app_secret_is_a_typed_error_naming_the_settings()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        await using var client = await DingTalkClientInstance.StartAsync(server, time, new Dictionary<string, string?> { ["DingTalk:AppSecret"] = "wrong" });

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() => client.Users.GetAsync("rep1"));

        Assert.Equal("invalidClientIdOrSecret", e.Code);
        Assert.Contains("DingTalk:AppSecret", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_work_notification_reaches_the_person()
    {
        var (_, server, client) = await StartAsync();
        await using var _s = server;
        await using var _c = client;

        var taskId = await client.WorkNotifications.SendAsync(["rep1"], DingTalkWorkMessage.Markdown("跟进提醒", "### 今天 15:00 回访 **王五**"));

        var sent = Assert.Single(server.DingTalk.PersonMessages("rep1"));
        Assert.Equal("work_notification", sent.Channel);
        Assert.Equal("markdown", sent.MsgType);
        Assert.Equal(taskId, sent.TaskId);
        Assert.Equal("### 今天 15:00 回访 **王五**", sent.Body["msg"]!["markdown"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_approval_is_created_read_running_and_read_again_once_decided()
    {
        var (_, server, client) = await StartAsync();
        await using var _s = server;
        await using var _c = client;

        var id = await client.Approvals.CreateAsync(Approval());
        var running = await client.Approvals.GetAsync(id);
        server.DingTalk.Decide(id, "manager1", agree: true, remark: "同意");
        var done = await client.Approvals.GetAsync(id);

        Assert.Equal(("RUNNING", false), (running.Status, running.IsFinished));
        Assert.Equal(id, running.ProcessInstanceId);
        Assert.Equal("rep1", running.OriginatorUserId);
        Assert.Contains(running.FormComponentValues, v => v is { Name: "合同金额", Value: "120000" });
        Assert.Equal("manager1", Assert.Single(running.Tasks).UserId);
        Assert.Equal(("COMPLETED", "agree", true), (done.Status, done.Result, done.IsAgreed));
    }

    [Fact]
    public async Task The_robot_sends_to_a_group_and_to_people_one_to_one()
    {
        var (_, server, client) = await StartAsync();
        await using var _s = server;
        await using var _c = client;
        var group = server.DingTalk.AddGroup("cidGroup1", "华东销售群", ["rep1", "manager1"]);

        var key = await client.Robot.SendToGroupAsync(group.ConversationId, DingTalkRobotTemplateMessage.SampleMarkdown("日报", "**3** 个新客户"));
        var batch = await client.Robot.SendToUsersAsync(["rep1", "ghost"], DingTalkRobotTemplateMessage.SampleText("请跟进王五"));

        var inGroup = Assert.Single(server.DingTalk.ConversationMessages(group.ConversationId));
        Assert.Equal(key, inGroup.ProcessQueryKey);
        Assert.Equal("**3** 个新客户", inGroup.Body["msgParam"]!["text"]!.GetValue<string>());
        Assert.Equal("sampleText", Assert.Single(server.DingTalk.PersonMessages("rep1")).MsgType);
        Assert.Equal(["ghost"], batch.InvalidStaffIds);
    }

    [Fact]
    public async Task A_session_webhook_reply_shows_in_the_conversation_and_an_expired_one_fails_clearly()
    {
        var (time, server, client) = await StartAsync();
        await using var _s = server;
        await using var _c = client;
        var body = server.DingTalk.PersonMessagesRobot("rep1", "查客户 王五", "1", null, null, null, server.DingTalkOapiBaseUrl.ToString());
        var inbound = DingTalkRobotInboundMessage.Parse(System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()));

        await client.Robot.ReplyAsync(inbound, DingTalkRobotMessage.ForText("王五：上次跟进 3 天前"));
        time.Advance(TimeSpan.FromMinutes(91));
        var expired = await Assert.ThrowsAsync<DingTalkApiException>(() => client.Robot.ReplyAsync(inbound, DingTalkRobotMessage.ForText("too late")));
        // DingTalk's own refusal (300001) reads the same, even when our record of the expiry is wrong.
        var refused = await Assert.ThrowsAsync<DingTalkApiException>(() =>
            client.Robot.ReplyAsync(inbound.SessionWebhook!, time.GetUtcNow().AddHours(1), DingTalkRobotMessage.ForText("too late")));

        var reply = Assert.Single(server.DingTalk.ConversationMessages(inbound.ConversationId!));
        Assert.Equal("session_webhook", reply.Channel);
        Assert.Equal("王五：上次跟进 3 天前", reply.Body["text"]!["content"]!.GetValue<string>());
        Assert.True(expired.IsSessionWebhookExpired);
        Assert.True(refused.IsSessionWebhookExpired);
        Assert.Contains("groupMessages/send", expired.Message, StringComparison.Ordinal);
        Assert.Equal(2, client.Requests.Count("robot/sendBySession"));
    }

    [Fact]
    public async Task A_session_webhook_on_another_host_is_refused()
    {
        var (_, server, client) = await StartAsync();
        await using var _s = server;
        await using var _c = client;

        await Assert.ThrowsAsync<ArgumentException>(() => client.Robot.ReplyAsync(
            new Uri("http://evil.example/robot/sendBySession?session=x"), DateTimeOffset.MaxValue, DingTalkRobotMessage.ForText("x")));
    }

    internal static DingTalkApprovalRequest Approval() => new()
    {
        ProcessCode = DingTalkSandboxDefaults.ProcessCode,
        OriginatorUserId = "rep1",
        Approvers = [new DingTalkApprovers("NONE", ["manager1"])],
        FormComponentValues = [new DingTalkFormValue("客户", "王五"), new DingTalkFormValue("合同金额", "120000")],
    };
}

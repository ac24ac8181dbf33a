using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Connectors.Tests.WeCom;
using CrmChat.Sandbox;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Connectors.Tests.DingTalk;

public sealed class DingTalkCustomRobotTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8));
    private const string Secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
    private static readonly DingTalkCustomRobot Robot = new("team-robot-token", Secret);

    [Fact]
    public async Task Every_message_type_is_signed_and_accepted()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        server.DingTalk.AddCustomRobot(Robot.AccessToken, Secret);
        await using var client = await DingTalkClientInstance.StartAsync(server, time);

        DingTalkRobotMessage[] messages =
        [
            DingTalkRobotMessage.ForText("@13800138000 请跟进王五", new DingTalkAt { AtMobiles = ["13800138000"] }),
            DingTalkRobotMessage.ForMarkdown("日报", "#### 今日新增 **3** 个客户"),
            DingTalkRobotMessage.ForLink("合同", "王五的合同待审批", "https://crm.example/contracts/1"),
            DingTalkRobotMessage.ForActionCard("审批", "王五的合同 ¥120,000", "查看", "https://crm.example/contracts/1"),
            DingTalkRobotMessage.ForActionCard("审批", "王五的合同", [new("同意", "https://crm.example/a?ok=1"), new("拒绝", "https://crm.example/a?ok=0")], sideBySide: true),
            DingTalkRobotMessage.ForFeedCard([new("新客户 王五", "https://crm.example/c/1", "https://crm.example/p.png")]),
        ];
        foreach (var message in messages)
        {
            await client.CustomRobots.SendAsync(Robot, message);
        }

        var delivered = server.DingTalk.Messages("custom_robot", Robot.AccessToken);
        Assert.Equal(["text", "markdown", "link", "actionCard", "actionCard", "feedCard"], delivered.Select(m => m.MsgType));
        Assert.Equal("13800138000", delivered[0].Body["at"]!["atMobiles"]![0]!.GetValue<string>());
        Assert.Equal("https://crm.example/contracts/1", delivered[3].Body["actionCard"]!["singleURL"]!.GetValue<string>());
        Assert.Equal("https://crm.example/a?ok=0", delivered[4].Body["actionCard"]!["btns"]![1]!["actionURL"]!.GetValue<string>());
        Assert.Equal("https://crm.example/p.png", delivered[5].Body["feedCard"]!["links"]![0]!["picURL"]!.GetValue<string>());
        Assert.All(delivered, m => Assert.False(string.IsNullOrEmpty(m.MsgUuid)));
        var query = client.Requests.To("robot/send")[0].Uri.Query;
        Assert.Contains("&timestamp=" + Start.ToUnixTimeMilliseconds(), query, StringComparison.Ordinal);
        Assert.Contains("&sign=" + DingTalkRobotSign(Start.ToUnixTimeMilliseconds()), query, StringComparison.Ordinal);
    }

    private static string DingTalkRobotSign(long ms) => Connectors.DingTalk.DingTalkRobotSign.ComputeForUrl(Secret, ms);

    [Fact]
    public async Task A_wrong_secret_is_a_typed_security_error_and_not_retried()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        server.DingTalk.AddCustomRobot(Robot.AccessToken, Secret);
        await using var client = await DingTalkClientInstance.StartAsync(server, time);

        var e = await Assert.ThrowsAsync<DingTalkApiException>(() =>
            client.CustomRobots.SendAsync(Robot with { Secret = "SECwrong" }, DingTalkRobotMessage.ForText("x")));

        Assert.Equal(DingTalkApiException.RobotSecurityCheckFailed, e.ErrCode);
        Assert.Contains("secret", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Robot.AccessToken, e.Message, StringComparison.Ordinal);
        Assert.Equal(1, client.Requests.Count("robot/send"));
    }

    [Fact]
    public async Task Sending_again_with_the_same_msg_uuid_is_shown_once()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        server.DingTalk.AddCustomRobot(Robot.AccessToken, Secret);
        await using var client = await DingTalkClientInstance.StartAsync(server, time);
        var message = DingTalkRobotMessage.ForText("提醒：回访王五", msgUuid: "outbox-42");

        await client.CustomRobots.SendAsync(Robot, message);
        await client.CustomRobots.SendAsync(Robot, message);

        Assert.Equal(2, client.Requests.Count("robot/send"));
        Assert.Equal("outbox-42", Assert.Single(server.DingTalk.Messages("custom_robot", Robot.AccessToken)).MsgUuid);
    }

    [Fact]
    public async Task Forty_five_messages_at_once_all_arrive_twenty_a_minute_and_none_is_refused()
    {
        // The Sandbox and the client read one fake clock, so "a minute" passes when the test says so.
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        server.DingTalk.AddCustomRobot(Robot.AccessToken, Secret);
        await using var client = await DingTalkClientInstance.StartAsync(server, time);
        int Delivered() => server.DingTalk.Messages("custom_robot", Robot.AccessToken).Count;

        var sends = Enumerable.Range(1, 45)
            .Select(i => client.CustomRobots.SendAsync(Robot, DingTalkRobotMessage.ForText($"提醒 {i}")))
            .ToList();
        await Eventually.TrueAsync(() => Delivered() == 20, "20 messages arrive");
        await Task.Delay(200);
        Assert.Equal(20, Delivered());
        Assert.Equal(25, sends.Count(s => !s.IsCompleted));

        time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(() => Delivered() == 40, "40 messages arrive");
        time.Advance(TimeSpan.FromMinutes(1));
        await Task.WhenAll(sends);

        var delivered = server.DingTalk.Messages("custom_robot", Robot.AccessToken);
        Assert.Equal(45, delivered.Count);
        Assert.Equal(Enumerable.Range(1, 45).Select(i => $"提醒 {i}").Order(), delivered.Select(m => m.Body["text"]!["content"]!.GetValue<string>()).Order());
        Assert.Equal(45, client.Requests.Count("robot/send"));
        Assert.DoesNotContain(client.Requests.To("robot/send"), c => c.Answer.Contains("410100", StringComparison.Ordinal));
        Assert.All(delivered.Skip(40), m => Assert.Equal(Start.AddMinutes(2), m.At));
    }

    [Fact]
    public async Task When_dingtalk_throttles_anyway_the_send_waits_and_goes_through()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        server.DingTalk.AddCustomRobot(Robot.AccessToken, Secret);
        // Another sender outside CrmChat used up the robot's minute.
        server.DingTalk.InjectFault("robot/send", 410100, null, count: 1);
        await using var client = await DingTalkClientInstance.StartAsync(server, time);

        var send = client.CustomRobots.SendAsync(Robot, DingTalkRobotMessage.ForText("不能丢"));
        await Eventually.TrueAsync(() => client.Requests.Count("robot/send") == 1, "the first try is refused");
        await Task.Delay(100);
        Assert.False(send.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(10));
        await send;

        Assert.Equal("不能丢", Assert.Single(server.DingTalk.Messages("custom_robot", Robot.AccessToken)).Body["text"]!["content"]!.GetValue<string>());
        Assert.Equal(Start.AddMinutes(10), server.DingTalk.Messages("custom_robot", Robot.AccessToken)[0].At);
    }

    [Fact]
    public void Robot_credentials_come_from_the_webhook_url()
    {
        var robot = DingTalkCustomRobot.FromWebhook("https://oapi.dingtalk.com/robot/send?access_token=abc%2Bdef", "SECx");

        Assert.Equal(new DingTalkCustomRobot("abc+def", "SECx"), robot);
        Assert.DoesNotContain("abc", robot.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DingTalkCustomRobot.FromWebhook("https://oapi.dingtalk.com/robot/send"));
    }

    [Fact]
    public async Task An_incomplete_message_is_refused_before_it_costs_a_send()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        await using var client = await DingTalkClientInstance.StartAsync(server, time);

        await Assert.ThrowsAsync<ArgumentException>(() => client.CustomRobots.SendAsync(Robot, new DingTalkRobotMessage { MsgType = "actionCard" }));

        Assert.Equal(0, client.Requests.Count("robot/send"));
    }
}

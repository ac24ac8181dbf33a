using System.Net;
using CrmChat.Sandbox.DingTalk;

namespace CrmChat.Sandbox.Tests.DingTalk;

public sealed class DingTalkRobotTests
{
    private const string Secret = "SEC0123456789abcdef";

    private static string SendUrl(string accessToken, long timestamp, string secret = Secret)
    {
        var ts = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"robot/send?access_token={accessToken}&timestamp={ts}&sign={WebUtility.UrlEncode(DingTalkSandbox.RobotSign(secret, ts))}";
    }

    private static object Text(string content, string? msgUuid = null) => new { msgtype = "text", text = new { content }, msgUuid };

    [Fact]
    public void Robot_sign_matches_the_published_examples()
    {
        Assert.Equal("hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=", DingTalkSandbox.RobotSign("this is secret", "1577262236757"));
        Assert.Equal("DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=", DingTalkSandbox.RobotSign("this is a secret", "1577262236757"));
    }

    [Fact]
    public async Task Signed_message_is_shown_wrong_sign_and_stale_timestamp_get_310000()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.Driver("custom-robots", new { access_token = "robot1", secret = Secret });

        DingTalkAssert.ErrCode(0, await dt.Oapi(SendUrl("robot1", dt.NowMs), Text("今日新增客户 3 个")));
        var wrong = await dt.Oapi(SendUrl("robot1", dt.NowMs, "another secret"), Text("x"));
        DingTalkAssert.ErrCode(310000, wrong);
        Assert.Contains("sign not match", (string)wrong["errmsg"]!);
        var stale = await dt.Oapi(SendUrl("robot1", dt.NowMs - (long)TimeSpan.FromMinutes(61).TotalMilliseconds), Text("x"));
        DingTalkAssert.ErrCode(310000, stale);
        Assert.Contains("invalid timestamp", (string)stale["errmsg"]!);
        DingTalkAssert.ErrCode(300005, await dt.Oapi(SendUrl("no-such-robot", dt.NowMs), Text("x")));

        var shown = await dt.DriverGet("sent/custom-robots/robot1");
        Assert.Equal("今日新增客户 3 个", (string)Assert.Single(shown.AsArray())!["body"]!["text"]!["content"]!);
    }

    [Fact]
    public async Task Twenty_first_message_in_a_minute_gets_410100_and_the_robot_stays_throttled_for_ten_minutes()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.Driver("custom-robots", new { access_token = "robot1", secret = Secret });
        for (var i = 1; i <= 20; i++)
        {
            DingTalkAssert.ErrCode(0, await dt.Oapi(SendUrl("robot1", dt.NowMs), Text($"消息 {i}")));
        }

        DingTalkAssert.ErrCode(410100, await dt.Oapi(SendUrl("robot1", dt.NowMs), Text("消息 21")));
        dt.Time.Advance(TimeSpan.FromMinutes(5));
        DingTalkAssert.ErrCode(410100, await dt.Oapi(SendUrl("robot1", dt.NowMs), Text("消息 22")));
        dt.Time.Advance(TimeSpan.FromMinutes(5));
        DingTalkAssert.ErrCode(0, await dt.Oapi(SendUrl("robot1", dt.NowMs), Text("消息 23")));
        Assert.Equal(21, dt.Sandbox.Messages("custom_robot", "robot1").Count);
    }

    [Fact]
    public async Task Same_msgUuid_is_accepted_again_but_shown_once()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.Driver("custom-robots", new { access_token = "robot1", secret = Secret });

        DingTalkAssert.ErrCode(0, await dt.Oapi(SendUrl("robot1", dt.NowMs), Text("日报", "digest-2025-06-01")));
        DingTalkAssert.ErrCode(0, await dt.Oapi(SendUrl("robot1", dt.NowMs), Text("日报", "digest-2025-06-01")));

        Assert.Single(dt.Sandbox.Messages("custom_robot", "robot1"));
    }

    [Fact]
    public async Task Markdown_actionCard_and_feedCard_are_shown_and_a_card_without_buttons_is_refused()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.Driver("custom-robots", new { access_token = "robot1", secret = Secret });

        DingTalkAssert.ErrCode(0, await dt.Oapi(SendUrl("robot1", dt.NowMs), new { msgtype = "markdown", markdown = new { title = "日报", text = "### 今日" } }));
        DingTalkAssert.ErrCode(0, await dt.Oapi(SendUrl("robot1", dt.NowMs), new
        {
            msgtype = "actionCard",
            actionCard = new { title = "合同审批", text = "请审批", btns = new[] { new { title = "同意", actionURL = "https://crm.example/a" } } },
        }));
        DingTalkAssert.ErrCode(0, await dt.Oapi(SendUrl("robot1", dt.NowMs), new
        {
            msgtype = "feedCard",
            feedCard = new { links = new[] { new { title = "客户A", messageURL = "https://crm.example/c/1", picURL = "" } } },
        }));
        DingTalkAssert.ErrCode(40035, await dt.Oapi(SendUrl("robot1", dt.NowMs), new { msgtype = "actionCard", actionCard = new { title = "t", text = "x" } }));

        Assert.Equal(["markdown", "actionCard", "feedCard"], dt.Sandbox.Messages("custom_robot", "robot1").Select(m => m.MsgType));
    }

    [Fact]
    public async Task Person_messaging_the_robot_arrives_signed_and_the_session_webhook_works_until_it_expires()
    {
        await using var receiver = await DingTalkReceiver.StartAsync();
        await using var dt = await DingTalkHttp.StartAsync(o => o.RobotCallbackUrl = receiver.RobotUrl);
        await dt.AddUser("zhangsan", "张三");

        var sent = await dt.Driver("robot/messages", new { userid = "zhangsan", content = "新客户 王五" });

        var (body, signValid) = Assert.Single(receiver.RobotMessages);
        Assert.True(signValid);
        Assert.Equal("新客户 王五", (string)body["text"]!["content"]!);
        Assert.Equal("1", (string)body["conversationType"]!);
        Assert.Equal("zhangsan", (string)body["senderStaffId"]!);
        Assert.Equal("张三", (string)body["senderNick"]!);
        Assert.Equal(DingTalkSandboxDefaults.RobotCode, (string)body["robotCode"]!);
        Assert.Equal(200, (int)sent["delivery"]!["attempts"]![0]!["status"]!);

        var webhook = new Uri((string)body["sessionWebhook"]!);
        var conversationId = (string)body["conversationId"]!;
        using var reply = await dt.Client.PostAsJsonAsync(webhook.PathAndQuery, new { msgtype = "text", text = new { content = "已记录" } });
        DingTalkAssert.ErrCode(0, (await reply.Content.ReadFromJsonAsync<JsonObject>())!);
        Assert.Equal("已记录", (string)Assert.Single((await dt.DriverGet($"sent/conversations/{conversationId}")).AsArray())!["body"]!["text"]!["content"]!);

        dt.Time.Advance(TimeSpan.FromMilliseconds((long)body["sessionWebhookExpiredTime"]! - dt.NowMs));
        using var late = await dt.Client.PostAsJsonAsync(webhook.PathAndQuery, new { msgtype = "text", text = new { content = "太晚了" } });
        DingTalkAssert.ErrCode(300001, (await late.Content.ReadFromJsonAsync<JsonObject>())!);
        Assert.Single(dt.Sandbox.ConversationMessages(conversationId));
    }

    [Fact]
    public async Task Group_at_message_lists_the_at_users_and_an_inline_reply_shows_in_the_group()
    {
        await using var receiver = await DingTalkReceiver.StartAsync(robotReply: """{"msgtype":"text","text":{"content":"收到"}}""");
        await using var dt = await DingTalkHttp.StartAsync(o => o.RobotCallbackUrl = receiver.RobotUrl);
        await dt.AddUser("zhangsan");
        await dt.AddUser("lisi");
        await dt.Driver("groups", new { open_conversation_id = "cidSalesTeam", title = "华东销售群" });

        await dt.Driver("robot/messages", new { userid = "zhangsan", content = "@CRM 指派给 @李四", conversation_type = "2", conversation_id = "cidSalesTeam", at_userids = new[] { "lisi" } });

        var (body, _) = Assert.Single(receiver.RobotMessages);
        Assert.Equal("2", (string)body["conversationType"]!);
        Assert.True((bool)body["isInAtList"]!);
        Assert.Equal("华东销售群", (string)body["conversationTitle"]!);
        Assert.Contains(body["atUsers"]!.AsArray(), u => (string?)u!["staffId"] == "lisi");
        var shown = Assert.Single(dt.Sandbox.ConversationMessages("cidSalesTeam"));
        Assert.Equal("inline_reply", shown.Channel);
    }

    [Fact]
    public async Task Enterprise_robot_sends_to_a_group_and_to_people_and_work_notifications_reach_people()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.AddUser("u1");
        await dt.Driver("groups", new { open_conversation_id = "cidSalesTeam" });
        var token = await dt.Token();

        var (status, group) = await dt.Api(HttpMethod.Post, "v1.0/robot/groupMessages/send", token, new
        {
            robotCode = DingTalkSandboxDefaults.RobotCode, openConversationId = "cidSalesTeam", msgKey = "sampleMarkdown",
            msgParam = """{"title":"日报","text":"### 今日跟进 5 个"}""",
        });
        Assert.Equal(200, status);
        Assert.False(string.IsNullOrEmpty((string?)group["processQueryKey"]));
        var (unknownStatus, unknown) = await dt.Api(HttpMethod.Post, "v1.0/robot/groupMessages/send", token, new
        {
            robotCode = DingTalkSandboxDefaults.RobotCode, openConversationId = "cidNowhere", msgKey = "sampleText", msgParam = """{"content":"x"}""",
        });
        Assert.Equal(400, unknownStatus);
        Assert.NotNull(unknown["code"]);

        var (_, oto) = await dt.Api(HttpMethod.Post, "v1.0/robot/oToMessages/batchSend", token, DingTalkTokenTests.OtoText("u1", "ghost"));
        Assert.Equal("ghost", (string)Assert.Single(oto["invalidStaffIdList"]!.AsArray())!);
        var notice = await dt.Oapi($"topapi/message/corpconversation/asyncsend_v2?access_token={token}", new
        {
            agent_id = DingTalkSandboxDefaults.AgentId, userid_list = "u1", msg = new { msgtype = "text", text = new { content = "合同已通过" } },
        });
        DingTalkAssert.ErrCode(0, notice);
        Assert.True((long)notice["task_id"]! > 0);

        Assert.Equal("### 今日跟进 5 个", (string)dt.Sandbox.ConversationMessages("cidSalesTeam").Single().Body["msgParam"]!["text"]!);
        Assert.Equal(["oto_message", "work_notification"], (await dt.DriverGet("sent/people/u1")).AsArray().Select(m => (string)m!["channel"]!));
    }

    [Fact]
    public async Task User_get_answers_the_directory_and_60121_for_strangers()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.Driver("users", new { userid = "u1", name = "张三", mobile = "13800000000", dept_id_list = new[] { 2L, 3L }, manager_userid = "boss" });
        var token = await dt.Token();

        var user = await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "u1", language = "zh_CN" });

        DingTalkAssert.ErrCode(0, user);
        var result = user["result"]!;
        Assert.Equal("张三", (string)result["name"]!);
        Assert.Equal("13800000000", (string)result["mobile"]!);
        Assert.Equal([2L, 3L], result["dept_id_list"]!.AsArray().Select(d => (long)d!));
        Assert.Equal("boss", (string)result["manager_userid"]!);
        Assert.True((bool)result["active"]!);
        Assert.False(string.IsNullOrEmpty((string?)result["unionid"]));
        DingTalkAssert.ErrCode(60121, await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "nobody" }));
    }
}

using static CrmChat.Sandbox.Tests.SandboxHttp;

namespace CrmChat.Sandbox.Tests;

public sealed class MessageTests
{
    private static object Text(string to, string content, int dup = 0) => new
    {
        touser = to, msgtype = "text", agentid = SandboxDefaults.AgentId, text = new { content },
        enable_duplicate_check = dup, duplicate_check_interval = 600,
    };

    private static object Buttons(string to, string taskId) => new
    {
        touser = to, msgtype = "template_card", agentid = SandboxDefaults.AgentId,
        template_card = new
        {
            card_type = "button_interaction", task_id = taskId, main_title = new { title = "合同审批" },
            button_list = new[] { new { text = "同意", style = 1, key = "approve" }, new { text = "驳回", style = 2, key = "reject" } },
        },
    };

    [Fact]
    public async Task The_31st_message_to_a_member_within_a_minute_gets_45009_and_a_minute_later_it_goes()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        sandbox.Server.WeCom.AddMember("rep2");
        var token = await sandbox.AppToken();
        for (var i = 1; i <= 30; i++)
        {
            JsonAssert.ErrCode(0, await sandbox.Post(Api("message/send", token), Text("rep1", $"第{i}条")));
        }
        JsonAssert.ErrCode(45009, await sandbox.Post(Api("message/send", token), Text("rep1", "第31条")));
        JsonAssert.ErrCode(0, await sandbox.Post(Api("message/send", token), Text("rep2", "another member is not limited")));
        Assert.Equal(30, sandbox.Server.WeCom.AppMessages("rep1").Count);

        sandbox.Time.Advance(TimeSpan.FromSeconds(60));
        JsonAssert.ErrCode(0, await sandbox.Post(Api("message/send", token), Text("rep1", "第31条")));
    }

    [Fact]
    public async Task The_21st_robot_message_within_a_minute_gets_45009()
    {
        await using var sandbox = await StartAsync();
        for (var i = 1; i <= 20; i++)
        {
            JsonAssert.ErrCode(0, await sandbox.Post($"{SandboxDefaults.WeComApiPath}webhook/send?key=team-a", new { msgtype = "text", text = new { content = $"#{i}" } }));
        }
        JsonAssert.ErrCode(45009, await sandbox.Post($"{SandboxDefaults.WeComApiPath}webhook/send?key=team-a", new { msgtype = "text", text = new { content = "#21" } }));
        JsonAssert.ErrCode(0, await sandbox.Post($"{SandboxDefaults.WeComApiPath}webhook/send?key=team-b", new { msgtype = "markdown", markdown = new { content = "**其他群**" } }));
        Assert.Equal(20, sandbox.Server.WeCom.RobotMessages("team-a").Count);
    }

    [Fact]
    public async Task Robot_refuses_oversized_text_and_cards_with_buttons()
    {
        await using var sandbox = await StartAsync();
        var url = $"{SandboxDefaults.WeComApiPath}webhook/send?key=team-a";
        JsonAssert.ErrCode(0, await sandbox.Post(url, new { msgtype = "text", text = new { content = new string('字', 682) } }));
        JsonAssert.ErrCode(45002, await sandbox.Post(url, new { msgtype = "text", text = new { content = new string('字', 683) } }));
        JsonAssert.ErrCode(45002, await sandbox.Post(url, new { msgtype = "markdown", markdown = new { content = new string('a', 4097) } }));
        JsonAssert.ErrCode(40058, await sandbox.Post(url, new { msgtype = "template_card", template_card = new { card_type = "button_interaction" } }));
        JsonAssert.ErrCode(93000, await sandbox.Post($"{SandboxDefaults.WeComApiPath}webhook/send", new { msgtype = "text", text = new { content = "x" } }));
    }

    [Theory]
    [InlineData("approval 1")]
    [InlineData("审批1")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task Task_id_outside_the_allowed_characters_is_refused(string taskId)
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.AppToken();
        JsonAssert.ErrCode(40058, await sandbox.Post(Api("message/send", token), Buttons("rep1", taskId)));
        Assert.Empty(sandbox.Server.WeCom.AppMessages());
    }

    [Fact]
    public async Task Task_id_of_128_bytes_is_accepted_once_and_129_bytes_refused()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.AppToken();
        var longest = "A-_@" + new string('9', 124);
        JsonAssert.ErrCode(0, await sandbox.Post(Api("message/send", token), Buttons("rep1", longest)));
        JsonAssert.ErrCode(40058, await sandbox.Post(Api("message/send", token), Buttons("rep1", longest)));
        JsonAssert.ErrCode(40058, await sandbox.Post(Api("message/send", token), Buttons("rep1", longest + "X")));
    }

    [Fact]
    public async Task Response_code_updates_a_card_once_and_not_after_72_hours()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.AppToken();
        var sent = await sandbox.Post(Api("message/send", token), Buttons("rep1", "approval-1"));
        var code = (string)sent["response_code"]!;
        object Update(string c) => new { userids = new[] { "rep1" }, agentid = SandboxDefaults.AgentId, response_code = c, button = new { replace_name = "已同意" } };

        JsonAssert.ErrCode(0, await sandbox.Post(Api("message/update_template_card", token), Update(code)));
        JsonAssert.ErrCode(40058, await sandbox.Post(Api("message/update_template_card", token), Update(code)));
        Assert.Single(sandbox.Server.WeCom.CardUpdates);

        var late = (string)(await sandbox.Post(Api("message/send", token), Buttons("rep1", "approval-2")))["response_code"]!;
        sandbox.Time.Advance(TimeSpan.FromHours(72) + TimeSpan.FromSeconds(1));
        JsonAssert.ErrCode(40058, await sandbox.Post(Api("message/update_template_card", await sandbox.AppToken()), Update(late)));
    }

    [Fact]
    public async Task A_clicked_card_may_become_a_card_without_buttons_but_only_a_complete_one()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.AppToken();
        var sent = await sandbox.Post(Api("message/send", token), Buttons("rep1", "approval-1"));
        var code = (string)sent["response_code"]!;
        object Replace(object card) => new { userids = new[] { "rep1" }, agentid = SandboxDefaults.AgentId, response_code = code, template_card = card };

        // A text_notice without its card_action is refused, and the code is still good.
        JsonAssert.ErrCode(40058, await sandbox.Post(Api("message/update_template_card", token),
            Replace(new { card_type = "text_notice", main_title = new { title = "已同意" } })));
        JsonAssert.ErrCode(0, await sandbox.Post(Api("message/update_template_card", token),
            Replace(new { card_type = "text_notice", main_title = new { title = "已同意" }, card_action = new { type = 1, url = "https://crm.example.com/" } })));

        var update = Assert.Single(sandbox.Server.WeCom.CardUpdates);
        Assert.Equal("已同意", (string)update.Body["template_card"]!["main_title"]!["title"]!);
    }

    [Fact]
    public async Task Duplicate_within_the_interval_is_accepted_but_delivered_once()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.AppToken();
        var first = await sandbox.Post(Api("message/send", token), Text("rep1", "提醒：明天拜访", dup: 1));
        var again = await sandbox.Post(Api("message/send", token), Text("rep1", "提醒：明天拜访", dup: 1));
        JsonAssert.ErrCode(0, again);
        Assert.Equal((string)first["msgid"]!, (string)again["msgid"]!);
        Assert.Single(sandbox.Server.WeCom.AppMessages("rep1"));

        sandbox.Time.Advance(TimeSpan.FromSeconds(601));
        JsonAssert.ErrCode(0, await sandbox.Post(Api("message/send", token), Text("rep1", "提醒：明天拜访", dup: 1)));
        Assert.Equal(2, sandbox.Server.WeCom.AppMessages("rep1").Count);
    }

    [Fact]
    public async Task Unknown_recipients_are_reported_and_all_unknown_is_81013()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.AppToken();
        var reply = await sandbox.Post(Api("message/send", token), Text("rep1|ghost", "hi"));
        JsonAssert.ErrCode(0, reply);
        Assert.Equal("ghost", (string)reply["invaliduser"]!);
        JsonAssert.ErrCode(81013, await sandbox.Post(Api("message/send", token), Text("ghost", "hi")));
    }
}

using CrmChat.Sandbox;
using CrmChat.Connectors.WeCom.Api;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComMessageTests : IAsyncLifetime
{
    private SandboxServer _server = null!;
    private ClientInstance _client = null!;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync();
        _server.WeCom.AddMember("rep1");
        _server.WeCom.AddMember("boss");
        _client = await ClientInstance.StartAsync(_server, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static WeComTemplateCard ApprovalCard(string taskId) => new()
    {
        CardType = WeComTemplateCard.ButtonInteractionType,
        TaskId = taskId,
        Source = new(Desc: "CrmChat"),
        MainTitle = new("合同审批", "星辰科技 ¥120,000"),
        HorizontalContentList = [new("申请人", "张三")],
        ButtonList = [new("同意", "approve:42", 1), new("驳回", "reject:42", 2)],
    };

    [Fact]
    public async Task Text_and_markdown_reach_every_member_named()
    {
        await _client.Messages.SendAsync(WeComAppMessage.Text(["rep1", "boss"], "新客户：王小明"));
        await _client.Messages.SendAsync(WeComAppMessage.Markdown(["boss"], "**今日跟进** 3 条"));

        Assert.Single(_server.WeCom.AppMessages("rep1"));
        Assert.Equal(["text", "markdown"], _server.WeCom.AppMessages("boss").Select(m => m.MsgType));
    }

    [Fact]
    public async Task Unknown_members_are_reported_back_not_thrown()
    {
        var result = await _client.Messages.SendAsync(WeComAppMessage.Text(["rep1", "ghost"], "hi"));

        Assert.Equal(["ghost"], result.InvalidUsers);
        Assert.Single(_server.WeCom.AppMessages("rep1"));
    }

    [Fact]
    public async Task A_button_card_is_sent_clicked_and_its_buttons_replaced_once()
    {
        var sent = await _client.Messages.SendAsync(WeComAppMessage.Card(["boss"], ApprovalCard("approval-42_v1@crm")));
        var (responseCode, _) = _server.WeCom.ClickCard("boss", "approval-42_v1@crm", "approve:42");

        var invalid = await _client.Messages.UpdateTemplateCardAsync(new WeComTemplateCardUpdate
        {
            UserIds = ["boss"],
            ResponseCode = responseCode,
            ReplaceButtonName = "已同意",
        });
        var again = await Assert.ThrowsAsync<WeComApiException>(() => _client.Messages.UpdateTemplateCardAsync(new WeComTemplateCardUpdate
        {
            UserIds = ["boss"],
            ResponseCode = responseCode,
            ReplaceButtonName = "已同意",
        }));

        Assert.False(string.IsNullOrEmpty(sent.ResponseCode));
        Assert.Empty(invalid);
        Assert.Equal("message/update_template_card", again.Path);
        var update = Assert.Single(_server.WeCom.CardUpdates);
        Assert.Equal("已同意", update.Body["button"]!["replace_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_text_notice_card_goes_to_an_app_member_and_to_a_robot()
    {
        var card = new WeComTemplateCard
        {
            CardType = WeComTemplateCard.TextNoticeType,
            MainTitle = new("跟进提醒"),
            SubTitleText = "王小明 今天 15:00",
            CardAction = new(1, "https://crm.example.com/customers/1"),
        };

        await _client.Messages.SendAsync(WeComAppMessage.Card(["rep1"], card));
        await _client.Robots.SendAsync("team-key", WeComRobotMessage.ForCard(card));

        Assert.Equal("template_card", Assert.Single(_server.WeCom.AppMessages("rep1")).MsgType);
        var robot = Assert.Single(_server.WeCom.RobotMessages("team-key"));
        Assert.Equal("text_notice", robot.Body["template_card"]!["card_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Robot_text_carries_its_mentions()
    {
        await _client.Robots.SendAsync("team-key", WeComRobotMessage.ForText("@张三 合同已批", ["zhangsan", "@all"], ["13800138000"]));

        var sent = Assert.Single(_server.WeCom.RobotMessages("team-key"));
        Assert.Equal(["zhangsan", "@all"], sent.Body["text"]!["mentioned_list"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("13800138000", sent.Body["text"]!["mentioned_mobile_list"]![0]!.GetValue<string>());
    }
}

using System.Text.Json;
using CrmChat.Connectors.Cards;
using CrmChat.CrmCore.Cards;

namespace CrmChat.Connectors.Tests.Cards;

/// <summary>
/// These pin the JSON shapes and field names from DingTalk's robot message and work notification
/// documentation; <see cref="DingTalkCardSandboxTests"/> sends the same renderings to the Sandbox.
/// </summary>
public sealed class DingTalkCardRenderingTests
{
    private static readonly CardLinkTarget Target = new("approval-9-step1", "manager01", CardTestKit.Now.AddHours(24));
    private readonly DingTalkCardRenderer _renderer = new(CardTestKit.Signer(CardTestKit.Clock()));

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static IEnumerable<string> Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name);

    [Fact]
    public void A_card_with_actions_is_an_actionCard_whose_Submit_buttons_are_signed_links_for_the_employee()
    {
        var rendering = _renderer.RenderRobotMessage(CardTestKit.Approval(), Target);
        var json = Json(rendering.Message.ToJson());

        Assert.Equal(["msgtype", "actionCard"], Names(json));
        Assert.Equal("actionCard", json.GetProperty("msgtype").GetString());
        var card = json.GetProperty("actionCard");
        Assert.Equal(["title", "text", "btns", "btnOrientation"], Names(card));
        Assert.Equal("合同审批", card.GetProperty("title").GetString());
        Assert.Equal("### 合同审批\n\n年度服务合同\n\n- **客户**：上海星辰科技\n- **金额**：¥120,000\n- **申请人**：李四\n\n✏️ 驳回理由：请直接回复文字 Reply with text",
            card.GetProperty("text").GetString());
        Assert.Equal("0", card.GetProperty("btnOrientation").GetString());
        var buttons = card.GetProperty("btns").EnumerateArray().ToList();
        Assert.All(buttons, b => Assert.Equal(["title", "actionURL"], Names(b)));
        Assert.Equal(["同意", "驳回", "查看合同"], buttons.Select(b => b.GetProperty("title").GetString()));
        Assert.Equal("https://crm.example.com/approvals/9", buttons[2].GetProperty("actionURL").GetString());

        var signer = CardTestKit.Signer(CardTestKit.Clock());
        var approve = signer.Verify(new Uri(buttons[0].GetProperty("actionURL").GetString()!), "manager01");
        Assert.True(approve.IsValid);
        Assert.Equal(new CardLinkClaim("approval-9-step1", "approval.approve?approvalId=9", "manager01", CardTestKit.Now.AddHours(24)), approve.Claim);
        Assert.Equal(CardLinkVerdict.OtherEmployee, signer.Verify(new Uri(buttons[1].GetProperty("actionURL").GetString()!), "rep02").Verdict);
        Assert.Equal(3, rendering.Notes.Count(n => n.Kind == RenderNoteKind.Degraded));
    }

    [Fact]
    public void A_card_without_actions_is_markdown()
    {
        var rendering = _renderer.RenderRobotMessage(CardTestKit.Help(), Target);
        var json = Json(rendering.Message.ToJson());

        Assert.Equal(["msgtype", "markdown"], Names(json));
        Assert.Equal(["title", "text"], Names(json.GetProperty("markdown")));
        Assert.Equal("CrmChat 帮助 Help", json.GetProperty("markdown").GetProperty("title").GetString());
        Assert.Contains("- **跟进**：跟进 张三 明天上午10点 回访报价", json.GetProperty("markdown").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Empty(rendering.Notes);
    }

    [Theory]
    [InlineData(0, "sampleMarkdown", new[] { "title", "text" })]
    [InlineData(1, "sampleActionCard", new[] { "title", "text", "singleTitle", "singleURL" })]
    [InlineData(2, "sampleActionCard2", new[] { "title", "text", "actionTitle1", "actionURL1", "actionTitle2", "actionURL2" })]
    [InlineData(5, "sampleActionCard5", new[] { "title", "text", "actionTitle1", "actionURL1", "actionTitle2", "actionURL2", "actionTitle3", "actionURL3", "actionTitle4", "actionURL4", "actionTitle5", "actionURL5" })]
    public void The_v1_robot_template_is_chosen_by_button_count(int buttons, string msgKey, string[] paramNames)
    {
        var builder = Card.New().Heading("跟进提醒").Text("张三 明天 10:00");
        for (var i = 1; i <= buttons; i++)
        {
            builder.Submit($"选项{i}", "customer.show", ("customerId", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var rendering = _renderer.RenderRobotTemplate(builder.Build(), Target);

        Assert.Equal(msgKey, rendering.Message.MsgKey);
        var param = Json(rendering.Message.MsgParam);
        Assert.Equal(paramNames, Names(param));
        Assert.Equal("跟进提醒", param.GetProperty("title").GetString());
        Assert.All(param.EnumerateObject().Where(p => p.Name.StartsWith("action", StringComparison.Ordinal) && p.Name.Contains("URL", StringComparison.Ordinal)),
            p => Assert.StartsWith("https://crm.example.com/cards/act?", p.Value.GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public void More_than_five_actions_keep_the_first_five_and_report_the_rest()
    {
        var rendering = _renderer.RenderRobotTemplate(CardExamples.PickList("张",
            Enumerable.Range(1, 7).Select(i => ((long)i, $"张{i}", "公司")).ToList(), "customer.show"), Target);

        Assert.Equal("sampleActionCard5", rendering.Message.MsgKey);
        var dropped = rendering.Notes.Where(n => n.Kind == RenderNoteKind.Dropped).ToList();
        Assert.Equal(["Action.Submit '张6'", "Action.Submit '张7'"], dropped.Select(n => n.Element));
        Assert.Contains(rendering.Notes, n => n is { Kind: RenderNoteKind.Degraded, Element: "ColumnSet" });
    }

    [Fact]
    public void A_work_notification_is_an_action_card_in_snake_case_within_its_button_list_limit()
    {
        var rendering = _renderer.RenderWorkNotification(CardTestKit.Approval(), Target);
        var json = Json(rendering.Message.ToJson());

        Assert.Equal(["msgtype", "action_card"], Names(json));
        Assert.Equal("action_card", json.GetProperty("msgtype").GetString());
        var card = json.GetProperty("action_card");
        Assert.Equal(["title", "markdown", "btn_json_list", "btn_orientation"], Names(card));
        var list = card.GetProperty("btn_json_list");
        Assert.All(list.EnumerateArray(), b => Assert.Equal(["title", "action_url"], Names(b)));
        Assert.True(list.GetRawText().Length <= DingTalkCardLimits.WorkButtonListChars);
        Assert.Equal(list.GetArrayLength() == 3 ? 0 : 3 - list.GetArrayLength(), rendering.Notes.Count(n => n.Kind == RenderNoteKind.Dropped));
    }

    [Fact]
    public void A_work_notification_without_actions_is_markdown()
    {
        var json = Json(_renderer.RenderWorkNotification(Card.New().Heading("合同已通过").Build(), Target).Message.ToJson());

        Assert.Equal("""{"msgtype":"markdown","markdown":{"title":"合同已通过","text":"### 合同已通过"}}""", json.GetRawText());
    }

    [Fact]
    public void Button_titles_over_20_characters_are_cut_and_reported()
    {
        var card = Card.New().Heading("x").Submit("一二三四五六七八九十一二三四五六七八九十一", "v").Build();

        var rendering = _renderer.RenderRobotMessage(card, Target);

        Assert.Equal("一二三四五六七八九十一二三四五六七八九…", rendering.Message.ActionCard!.Btns![0].Title);
        Assert.Contains(rendering.Notes, n => n.Kind == RenderNoteKind.Truncated);
    }

    [Fact]
    public void A_link_over_500_characters_is_refused_rather_than_sent_broken()
    {
        var card = Card.New().Heading("x").Submit("go", "v", ("id", new string('9', 400))).Build();

        Assert.Throws<ArgumentException>(() => _renderer.RenderRobotMessage(card, Target));
    }

    [Fact]
    public void Rendering_is_deterministic()
    {
        Assert.Equal(_renderer.RenderRobotMessage(CardTestKit.Customer(), Target).Message.ToJson(),
            new DingTalkCardRenderer(CardTestKit.Signer(CardTestKit.Clock())).RenderRobotMessage(CardTestKit.Customer(), Target).Message.ToJson());
    }
}

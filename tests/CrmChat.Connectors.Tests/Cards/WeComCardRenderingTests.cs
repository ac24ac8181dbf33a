using System.Net.Http.Json;
using System.Text.Json;
using CrmChat.Connectors.Cards;
using CrmChat.Connectors.Tests.WeCom;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore.Cards;
using CrmChat.Sandbox;

namespace CrmChat.Connectors.Tests.Cards;

/// <summary>WeCom renderings sent with the real client to the Sandbox, which checks template_card as WeCom does.</summary>
public sealed class WeComCardRenderingTests : IAsyncLifetime
{
    private readonly WeComCardRenderer _renderer = new(CardTestKit.Signer(CardTestKit.Clock()), CardTestKit.Options());
    private SandboxServer _server = null!;
    private ClientInstance _client = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync();
        _server.WeCom.AddMember("rep1");
        _server.WeCom.AddMember("boss");
        _client = await ClientInstance.StartAsync(_server, TimeProvider.System);
        _http = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<JsonElement> SentTo(string userId)
    {
        var sent = await _http.GetFromJsonAsync<JsonElement>(new Uri(_server.WeComDriverUrl, $"sent/app?userid={userId}"));
        return sent.EnumerateArray().Last().GetProperty("body").GetProperty("template_card");
    }

    [Fact]
    public async Task A_card_with_Submit_actions_is_a_button_card_the_Sandbox_accepts_and_its_keys_read_back()
    {
        var rendering = _renderer.RenderAppCard(CardTestKit.Customer(), "followup-42_1");

        var result = await _client.Messages.SendAsync(WeComAppMessage.Card(["rep1"], rendering.Message));
        var sent = await SentTo("rep1");
        var (responseCode, _) = _server.WeCom.ClickCard("rep1", "followup-42_1", "followup.done?customerId=7&followUpId=42");

        Assert.False(string.IsNullOrEmpty(result.ResponseCode));
        Assert.False(string.IsNullOrEmpty(responseCode));
        Assert.Equal("button_interaction", sent.GetProperty("card_type").GetString());
        Assert.Equal("followup-42_1", sent.GetProperty("task_id").GetString());
        Assert.Equal("张三", sent.GetProperty("main_title").GetProperty("title").GetString());
        Assert.Equal("上海星辰科技", sent.GetProperty("main_title").GetProperty("desc").GetString());
        Assert.Equal(["电话", "阶段", "下次跟进"], sent.GetProperty("horizontal_content_list").EnumerateArray().Select(h => h.GetProperty("keyname").GetString()));
        Assert.Equal(["完成", "推迟1天"], sent.GetProperty("button_list").EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        Assert.Equal("https://crm.example.com/customers/7", sent.GetProperty("jump_list")[0].GetProperty("url").GetString());
        var snooze = CardActionKey.Parse(sent.GetProperty("button_list")[1].GetProperty("key").GetString()!);
        Assert.Equal(new Dictionary<string, string> { ["verb"] = "followup.snooze", ["followUpId"] = "42", ["days"] = "1" }, snooze);
        Assert.Empty(rendering.Notes);
    }

    [Fact]
    public async Task A_card_without_Submit_actions_is_a_text_notice_that_opens_CrmChat()
    {
        var rendering = _renderer.RenderAppCard(Card.New().Heading("今日跟进 3 条").Text("逾期 1 条").Build(), "digest-1");

        await _client.Messages.SendAsync(WeComAppMessage.Card(["boss"], rendering.Message));
        var sent = await SentTo("boss");

        Assert.Equal("text_notice", sent.GetProperty("card_type").GetString());
        Assert.Equal("逾期 1 条", sent.GetProperty("sub_title_text").GetString());
        Assert.Equal("https://crm.example.com/", sent.GetProperty("card_action").GetProperty("url").GetString());
        Assert.Empty(rendering.Notes);
    }

    [Fact]
    public async Task Too_many_facts_are_cut_to_six_lines_with_an_ellipsis_and_a_note()
    {
        var rendering = _renderer.RenderAppCard(CardTestKit.Help(), "help-1");

        await _client.Messages.SendAsync(WeComAppMessage.Card(["rep1"], rendering.Message));
        var facts = (await SentTo("rep1")).GetProperty("horizontal_content_list").EnumerateArray().ToList();

        Assert.Equal(WeComCardLimits.HorizontalContents, facts.Count);
        Assert.Equal("…", facts[^1].GetProperty("keyname").GetString());
        Assert.Equal("还有 3 项 3 more", facts[^1].GetProperty("value").GetString());
        var note = Assert.Single(rendering.Notes);
        Assert.Equal(RenderNoteKind.Truncated, note.Kind);
        Assert.Contains("查, 帮助", note.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_approval_inputs_become_a_reply_prompt_and_are_reported()
    {
        var rendering = _renderer.RenderAppCard(CardTestKit.Approval(), "approval-9_step1@boss");

        await _client.Messages.SendAsync(WeComAppMessage.Card(["boss"], rendering.Message));
        var sent = await SentTo("boss");

        Assert.Contains("驳回理由：请直接回复文字", sent.GetProperty("sub_title_text").GetString(), StringComparison.Ordinal);
        Assert.Equal([1, 2], sent.GetProperty("button_list").EnumerateArray().Select(b => b.GetProperty("style").GetInt32()));
        Assert.Equal(RenderNoteKind.Degraded, Assert.Single(rendering.Notes).Kind);
    }

    [Fact]
    public void Long_texts_are_cut_with_an_ellipsis_and_reported()
    {
        var card = Card.New().Heading(new string('长', 40)).Submit("这是一个非常非常长的按钮标题", "x.y").Build();

        var rendering = _renderer.RenderAppCard(card, "long-1");

        Assert.Equal(new string('长', 25) + "…", rendering.Message.MainTitle!.Title);
        Assert.Equal("这是一个非常非常长…", rendering.Message.ButtonList![0].Text);
        Assert.Equal(2, rendering.Notes.Count(n => n.Kind == RenderNoteKind.Truncated));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("中文")]
    public void An_invalid_task_id_is_refused_before_sending(string taskId)
    {
        Assert.Throws<ArgumentException>(() => _renderer.RenderAppCard(CardTestKit.Customer(), taskId));
    }

    [Fact]
    public void A_task_id_of_129_bytes_is_refused()
    {
        _renderer.RenderAppCard(CardTestKit.Customer(), new string('a', 128));
        Assert.Throws<ArgumentException>(() => _renderer.RenderAppCard(CardTestKit.Customer(), new string('a', 129)));
    }

    [Fact]
    public async Task Every_random_card_renders_to_something_the_Sandbox_accepts()
    {
        for (var seed = 1; seed <= 40; seed++)
        {
            var member = $"member{seed}";
            _server.WeCom.AddMember(member);
            var card = CrmChat.Testing.RandomCards.Create(seed);

            var app = _renderer.RenderAppCard(card, $"random-{seed}");
            var robotCard = _renderer.RenderRobotCard(card, new CardLinkTarget($"random-{seed}", member));
            var robotMarkdown = _renderer.RenderRobotMarkdown(card, new CardLinkTarget($"random-{seed}", member));

            await _client.Messages.SendAsync(WeComAppMessage.Card([member], app.Message));
            await _client.Robots.SendAsync($"robot-{seed}", WeComRobotMessage.ForCard(robotCard.Message));
            await _client.Robots.SendAsync($"robot-{seed}", robotMarkdown.Message);
            Assert.Single(_server.WeCom.AppMessages(member));
            Assert.Equal(2, _server.WeCom.RobotMessages($"robot-{seed}").Count);
        }
    }

    [Fact]
    public async Task A_robot_card_turns_Submit_actions_into_signed_links_for_the_employee()
    {
        var rendering = _renderer.RenderRobotCard(CardTestKit.Customer(), new CardLinkTarget("followup-42", "rep1", CardTestKit.Now.AddHours(2)));

        await _client.Robots.SendAsync("team", WeComRobotMessage.ForCard(rendering.Message));
        var sent = _server.WeCom.RobotMessages("team").Single().Body["template_card"]!;

        Assert.Equal("text_notice", sent["card_type"]!.GetValue<string>());
        var jumps = sent["jump_list"]!.AsArray();
        Assert.Equal(["详情", "完成", "推迟1天"], jumps.Select(j => j!["title"]!.GetValue<string>()));
        var done = new Uri(jumps[1]!["url"]!.GetValue<string>());
        var check = CardTestKit.Signer(CardTestKit.Clock()).Verify(done, "rep1");
        Assert.True(check.IsValid);
        Assert.Equal("followup.done?customerId=7&followUpId=42", check.Claim!.Action);
        Assert.Equal(2, rendering.Notes.Count(n => n.Kind == RenderNoteKind.Degraded));
    }

    [Fact]
    public async Task Robot_markdown_carries_facts_and_links_and_drops_Submit_actions_without_a_target_with_notes()
    {
        var rendering = _renderer.RenderRobotMarkdown(CardTestKit.Customer(), links: null);

        await _client.Robots.SendAsync("team-md", rendering.Message);

        var content = _server.WeCom.RobotMessages("team-md").Single().Body["markdown"]!["content"]!.GetValue<string>();
        Assert.StartsWith("**张三**\n<font color=\"comment\">上海星辰科技</font>\n> 电话：<font color=\"info\">138 0013 8000</font>", content, StringComparison.Ordinal);
        Assert.EndsWith("[详情](https://crm.example.com/customers/7)", content, StringComparison.Ordinal);
        Assert.Equal(2, rendering.Notes.Count(n => n.Kind == RenderNoteKind.Dropped));
    }

    [Fact]
    public async Task Robot_markdown_over_4096_bytes_is_cut_and_reported()
    {
        var card = Card.New().Heading("长文").Text(string.Concat(Enumerable.Repeat("跟进记录。", 400))).Build();

        var rendering = _renderer.RenderRobotMarkdown(card, null);
        await _client.Robots.SendAsync("team-long", rendering.Message);

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(rendering.Message.Markdown!.Content) <= WeComRobotMessage.MaxMarkdownBytes);
        Assert.EndsWith("…", rendering.Message.Markdown.Content, StringComparison.Ordinal);
        Assert.Contains(rendering.Notes, n => n is { Kind: RenderNoteKind.Truncated, Element: "markdown" });
    }
}

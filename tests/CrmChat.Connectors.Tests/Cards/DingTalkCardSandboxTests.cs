using System.Net.Http.Json;
using System.Text.Json;
using CrmChat.Connectors.Cards;
using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrmChat.Connectors.Tests.Cards;

/// <summary>DingTalk renderings sent with the real DingTalk clients to the Sandbox, which checks each message as DingTalk does.</summary>
public sealed class DingTalkCardSandboxTests : IAsyncLifetime
{
    private const string RobotToken = "cards-robot";
    private const string RobotSecret = "SECcards0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    private static readonly CardLinkTarget Target = new("approval-9-step1", "manager01", CardTestKit.Now.AddHours(24));

    private readonly DingTalkCardRenderer _renderer = new(CardTestKit.Signer(CardTestKit.Clock()));
    private SandboxServer _server = null!;
    private IHost _host = null!;
    private HttpClient _driver = null!;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync();
        _server.DingTalk.AddCustomRobot(RobotToken, RobotSecret);
        _server.DingTalk.AddGroup("cidSalesTeam", "华东销售群", ["manager01"]);
        _driver = new HttpClient { BaseAddress = _server.DingTalkDriverUrl };
        (await _driver.PostAsJsonAsync("users", new { userid = "manager01", name = "王经理" })).EnsureSuccessStatusCode();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DingTalk:AppKey"] = DingTalkSandboxDefaults.AppKey,
            ["DingTalk:AppSecret"] = DingTalkSandboxDefaults.AppSecret,
            ["DingTalk:RobotCode"] = DingTalkSandboxDefaults.RobotCode,
            ["DingTalk:AgentId"] = DingTalkSandboxDefaults.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DingTalk:ApiBaseUrl"] = _server.DingTalkApiBaseUrl.ToString(),
            ["DingTalk:OapiBaseUrl"] = _server.DingTalkOapiBaseUrl.ToString(),
        });
        builder.AddDingTalkClient();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _driver.Dispose();
        await _server.DisposeAsync();
    }

    private T Client<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    private async Task<JsonElement> LastSent(string path)
    {
        var sent = await _driver.GetFromJsonAsync<JsonElement>(path);
        return sent.EnumerateArray().Last();
    }

    [Fact]
    public async Task A_rendered_actionCard_is_accepted_by_a_signed_custom_robot_with_its_buttons_as_rendered()
    {
        var rendering = _renderer.RenderRobotMessage(CardTestKit.Approval(), Target);

        await Client<IDingTalkCustomRobotClient>().SendAsync(new DingTalkCustomRobot(RobotToken, RobotSecret), rendering.Message);

        var sent = await LastSent($"sent/custom-robots/{RobotToken}");
        Assert.Equal("actionCard", sent.GetProperty("msg_type").GetString());
        var card = sent.GetProperty("body").GetProperty("actionCard");
        Assert.Equal("合同审批", card.GetProperty("title").GetString());
        Assert.Equal(rendering.Message.ActionCard!.Text, card.GetProperty("text").GetString());
        Assert.Equal(rendering.Message.ActionCard.Btns!.Select(b => (b.Title, b.ActionUrl)),
            card.GetProperty("btns").EnumerateArray().Select(b => (b.GetProperty("title").GetString()!, b.GetProperty("actionURL").GetString()!)));
        var approve = CardTestKit.Signer(CardTestKit.Clock()).Verify(new Uri(card.GetProperty("btns")[0].GetProperty("actionURL").GetString()!), "manager01");
        Assert.Equal("approval.approve?approvalId=9", approve.Claim!.Action);
    }

    [Fact]
    public async Task A_rendered_three_button_template_reaches_the_group_as_sampleActionCard3()
    {
        var rendering = _renderer.RenderRobotTemplate(CardTestKit.Approval(), Target);

        await Client<IDingTalkRobotClient>().SendToGroupAsync("cidSalesTeam", rendering.Message);

        var sent = await LastSent("sent/conversations/cidSalesTeam");
        Assert.Equal("sampleActionCard3", sent.GetProperty("body").GetProperty("msgKey").GetString());
        Assert.Equal(["同意", "驳回", "查看合同"], Enumerable.Range(1, 3).Select(i => sent.GetProperty("body").GetProperty("msgParam").GetProperty($"actionTitle{i}").GetString()));
    }

    [Fact]
    public async Task A_rendered_work_notification_action_card_reaches_the_employee()
    {
        var rendering = _renderer.RenderWorkNotification(CardTestKit.Approval(), Target);

        await Client<IDingTalkWorkNotificationClient>().SendAsync(["manager01"], rendering.Message);

        var sent = await LastSent("sent/people/manager01");
        Assert.Equal("action_card", sent.GetProperty("msg_type").GetString());
        var card = sent.GetProperty("body").GetProperty("msg").GetProperty("action_card");
        Assert.Equal(["同意", "驳回", "查看合同"], card.GetProperty("btn_json_list").EnumerateArray().Select(b => b.GetProperty("title").GetString()));
        Assert.Equal("https://crm.example.com/approvals/9", card.GetProperty("btn_json_list")[2].GetProperty("action_url").GetString());
    }
}

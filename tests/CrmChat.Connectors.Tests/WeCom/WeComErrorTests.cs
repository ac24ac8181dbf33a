using CrmChat.Sandbox;
using CrmChat.Connectors.WeCom.Api;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComErrorTests : IAsyncLifetime
{
    private SandboxServer _server = null!;
    private ClientInstance _client = null!;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync();
        _server.WeCom.GenerateDirectory(memberCount: 2, customerCount: 5, seed: 7);
        _client = await ClientInstance.StartAsync(_server, TimeProvider.System,
            new Dictionary<string, string?> { ["WeCom:Client:MaxAttempts"] = "4" });
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(45009)]
    [InlineData(45033)]
    public async Task Busy_or_limiting_answers_are_retried_and_the_message_arrives_once(int errCode)
    {
        var member = _server.WeCom.Members[0].UserId;
        _server.WeCom.InjectFault("message/send", errCode, count: 2);

        await _client.Messages.SendAsync(WeComAppMessage.Text([member], "提醒：明天回访"));

        Assert.Equal(3, _client.Requests.Count("message/send"));
        Assert.Single(_server.WeCom.AppMessages(member));
    }

    [Fact]
    public async Task Retries_are_bounded_and_then_the_errcode_surfaces()
    {
        _server.WeCom.InjectFault("externalcontact/get_corp_tag_list", 45033, count: 10);

        var e = await Assert.ThrowsAsync<WeComApiException>(() => _client.Contacts.GetCorpTagListAsync());

        Assert.Equal(45033, e.ErrCode);
        Assert.Equal(4, _client.Requests.Count("externalcontact/get_corp_tag_list"));
    }

    [Fact]
    public async Task Server_errors_over_http_are_retried_too()
    {
        _server.WeCom.InjectFault("externalcontact/get_corp_tag_list", -1, count: 1, httpStatus: 502);

        var groups = await _client.Contacts.GetCorpTagListAsync();

        Assert.NotEmpty(groups);
        Assert.Equal(2, _client.Requests.Count("externalcontact/get_corp_tag_list"));
    }

    [Fact]
    public async Task Ip_not_whitelisted_is_a_typed_error_that_says_what_to_do_and_is_not_retried()
    {
        _server.WeCom.InjectFault("externalcontact/get", 60020, count: 5);
        var customer = _server.WeCom.Members.SelectMany(m => _server.WeCom.ListExternalContacts(m.UserId)["external_userid"]!.AsArray()).First()!.GetValue<string>();

        var e = await Assert.ThrowsAsync<WeComApiException>(() => _client.Contacts.GetContactAsync(customer));

        Assert.Equal(60020, e.ErrCode);
        Assert.Equal("externalcontact/get", e.Path);
        Assert.Contains("trusted IP", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _client.Requests.Count("externalcontact/get"));
    }

    [Fact]
    public async Task An_unknown_customer_is_a_typed_error_with_the_platforms_errcode()
    {
        var e = await Assert.ThrowsAsync<WeComApiException>(() => _client.Contacts.GetContactAsync("wmNoSuchCustomer000000000000000"));

        Assert.Equal(84061, e.ErrCode);
        Assert.Equal("externalcontact/get", e.Path);
        Assert.False(string.IsNullOrEmpty(e.ErrMsg));
    }

    [Fact]
    public async Task An_unknown_member_is_a_typed_error()
    {
        var e = await Assert.ThrowsAsync<WeComApiException>(() => _client.Contacts.ListContactIdsAsync("nobody"));

        Assert.Equal(60111, e.ErrCode);
    }

    [Fact]
    public async Task Oversized_or_malformed_messages_are_refused_before_anything_is_sent()
    {
        var tooLong = new string('字', 700); // 2100 bytes of UTF-8

        await Assert.ThrowsAsync<ArgumentException>(() => _client.Robots.SendAsync("key-1", WeComRobotMessage.ForText(tooLong)));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.Robots.SendAsync("key-1", WeComRobotMessage.ForMarkdown(new string('#', 4097))));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.Messages.SendAsync(WeComAppMessage.Card(["u1"], new WeComTemplateCard
        {
            CardType = WeComTemplateCard.ButtonInteractionType,
            TaskId = "has space",
            MainTitle = new("审批"),
            ButtonList = [new("同意", "approve")],
        })));

        Assert.Empty(_server.WeCom.RobotMessages());
        Assert.Equal(0, _client.Requests.Count("message/send"));
        // Just under the limit still goes out.
        await _client.Robots.SendAsync("key-1", WeComRobotMessage.ForMarkdown(new string('#', 4096)));
        Assert.Single(_server.WeCom.RobotMessages("key-1"));
    }
}

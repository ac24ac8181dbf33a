using CrmChat.Connectors.WeCom.Api;
using CrmChat.Sandbox;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComTokenTests : IAsyncLifetime
{
    private SandboxServer _server = null!;
    private ClientInstance _client = null!;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync();
        _server.WeCom.GenerateDirectory(memberCount: 2, customerCount: 5, seed: 7);
        _client = await ClientInstance.StartAsync(_server, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Many_calls_share_one_cached_token()
    {
        for (var i = 0; i < 5; i++)
        {
            await _client.Contacts.GetCorpTagListAsync();
        }

        Assert.Equal(1, _client.Requests.Count("gettoken"));
        Assert.Equal(5, _client.Requests.Count("externalcontact/get_corp_tag_list"));
    }

    [Fact]
    public async Task Concurrent_first_callers_cause_one_token_fetch()
    {
        var calls = Enumerable.Range(0, 20).Select(_ => Task.Run(() => _client.Contacts.GetCorpTagListAsync()));

        var results = await Task.WhenAll(calls);

        Assert.All(results, groups => Assert.NotEmpty(groups));
        Assert.Equal(1, _client.Requests.Count("gettoken"));
    }

    [Fact]
    public async Task An_expired_token_is_refreshed_and_the_call_retried_without_the_caller_noticing()
    {
        await _client.Contacts.GetCorpTagListAsync();
        _server.WeCom.ExpireTokens();

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => _client.Contacts.GetCorpTagListAsync())));

        Assert.All(concurrent, groups => Assert.NotEmpty(groups));
        // One refresh for all five callers that met the expired token.
        Assert.Equal(2, _client.Requests.Count("gettoken"));
    }

    [Fact]
    public async Task App_and_contact_secrets_get_separate_tokens_and_each_api_gets_the_right_one()
    {
        var member = _server.WeCom.Members[0].UserId;

        await _client.Contacts.ListContactIdsAsync(member);
        var sent = await _client.Messages.SendAsync(WeComAppMessage.Text([member], "你好"));

        var fetches = _client.Requests.To("gettoken").Select(u => u.Query).ToList();
        Assert.Equal(2, fetches.Count);
        Assert.Contains(fetches, q => q.Contains(Uri.EscapeDataString(SandboxDefaults.ContactSecret), StringComparison.Ordinal));
        Assert.Contains(fetches, q => q.Contains(Uri.EscapeDataString(SandboxDefaults.Secret), StringComparison.Ordinal));
        Assert.Empty(sent.InvalidUsers);
        Assert.Single(_server.WeCom.AppMessages(member));
    }

    [Fact]
    public async Task A_wrong_secret_is_a_typed_error_naming_gettoken_and_the_settings_to_check()
    {
        await using var wrong = await ClientInstance.StartAsync(_server, TimeProvider.System,
            new Dictionary<string, string?> { ["WeCom:ContactSecret"] = "not-the-secret" });

        var e = await Assert.ThrowsAsync<WeComApiException>(() => wrong.Contacts.GetCorpTagListAsync());

        Assert.Equal(40001, e.ErrCode);
        Assert.Equal("gettoken", e.Path);
        Assert.Contains("WeCom:ContactSecret", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Neither_the_secret_nor_the_token_reaches_the_log()
    {
        await _client.Contacts.GetCorpTagListAsync();
        _server.WeCom.ExpireTokens();
        await _client.Contacts.GetCorpTagListAsync();
        var tokens = _client.Requests.To("externalcontact/get_corp_tag_list")
            .Select(u => System.Web.HttpUtility.ParseQueryString(u.Query)["access_token"]!).Distinct().ToList();

        Assert.Equal(2, tokens.Count);
        Assert.NotEmpty(_client.Logs.Lines);
        foreach (var line in _client.Logs.Lines)
        {
            Assert.DoesNotContain(SandboxDefaults.ContactSecret, line, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(SandboxDefaults.ContactSecret), line, StringComparison.Ordinal);
            Assert.All(tokens, t => Assert.DoesNotContain(t, line, StringComparison.Ordinal));
        }
    }
}

using CrmChat.Connectors.WeCom.Api;
using CrmChat.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace CrmChat.Connectors.Tests.WeCom;

/// <summary>user/get against the Sandbox over HTTP: a member as a new self-built app sees them, and one who left.</summary>
public sealed class WeComUserTests : IAsyncLifetime
{
    private SandboxServer _server = null!;
    private ClientInstance _client = null!;

    private IWeComUserClient Users => _client.Services.GetRequiredService<IWeComUserClient>();

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync();
        _client = await ClientInstance.StartAsync(_server, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_member_comes_back_with_name_and_direct_leader_read_with_the_app_token()
    {
        _server.WeCom.AddMember("wangwu", "王五", "13800138000", [2], ["zhangsan"]);

        var member = await Users.GetAsync("wangwu");

        Assert.Equal(("wangwu", "王五", 1), (member.UserId, member.Name, member.Status));
        Assert.Equal(["zhangsan"], member.DirectLeader);
        // A self-built app created after June 2022 is not given the mobile.
        Assert.Equal("", member.Mobile);
        var call = Assert.Single(_client.Requests.To("user/get"));
        Assert.Contains("userid=wangwu", call.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_who_left_is_reported_as_not_found_not_as_a_failure_to_retry()
    {
        _server.WeCom.AddMember("lisi", "李四");
        Assert.True(_server.WeCom.RemoveMember("lisi"));

        var error = await Assert.ThrowsAsync<WeComApiException>(() => Users.GetAsync("lisi"));

        Assert.True(error.IsUserNotFound, error.Message);
        Assert.Equal("user/get", error.Path);
        Assert.Single(_client.Requests.To("user/get"));
    }
}

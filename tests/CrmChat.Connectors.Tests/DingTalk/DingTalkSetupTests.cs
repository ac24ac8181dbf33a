using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Connectors.Tests.WeCom;
using CrmChat.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SandboxUser = CrmChat.Sandbox.DingTalk.DingTalkUser;

namespace CrmChat.Connectors.Tests.DingTalk;

public sealed class DingTalkSetupTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDingTalkClient();
        return builder.Build();
    }

    [Theory]
    [InlineData("DingTalk:ApiBaseUrl", "api.dingtalk.com/", "DingTalk:ApiBaseUrl")]
    [InlineData("DingTalk:OapiBaseUrl", "ftp://oapi.dingtalk.com/", "DingTalk:OapiBaseUrl")]
    [InlineData("DingTalk:Token", "tok", "DingTalk:AesKey")]
    [InlineData("DingTalk:AesKey", "tooShort", "DingTalk:AesKey must be the 43-character")]
    [InlineData("DingTalk:MaxBodyBytes", "0", "DingTalk:MaxBodyBytes")]
    public async Task A_malformed_setting_stops_start_up_naming_the_key(string key, string value, string named)
    {
        using var host = Build(new() { [key] = value });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_need_a_key_id_and_default_it_to_the_app_key()
    {
        var events = new Dictionary<string, string?> { ["DingTalk:Token"] = "t", ["DingTalk:AesKey"] = DingTalkSandboxDefaults.AesKey };
        using var withoutKey = Build(events);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => withoutKey.StartAsync());
        Assert.Contains("DingTalk:AppKey", e.Message, StringComparison.Ordinal);

        using var host = Build(new(events) { ["DingTalk:AppKey"] = "dingapp" });
        var options = host.Services.GetRequiredService<IOptions<DingTalkOptions>>().Value;
        Assert.Equal("dingapp", options.EffectiveKeyId);
        Assert.True(options.EventsConfigured);
        Assert.NotNull(host.Services.GetRequiredService<DingTalkEventReceiver>());
    }

    [Fact]
    public async Task Nothing_configured_starts_with_the_real_platform_urls()
    {
        using var host = Build([]);
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<DingTalkOptions>>().Value;
        Assert.Equal((DingTalkOptions.DefaultApiBaseUrl, DingTalkOptions.DefaultOapiBaseUrl, 1024 * 1024),
            (options.ApiBaseUrl, options.OapiBaseUrl, options.MaxBodyBytes));
        Assert.NotNull(host.Services.GetRequiredService<IDingTalkCustomRobotClient>());
        await host.StopAsync();
    }

    [Fact]
    public async Task Two_instances_on_one_redis_share_one_token()
    {
        await using var server = await SandboxServer.StartAsync();
        server.DingTalk.UpsertUser(new SandboxUser { UserId = "rep1", Name = "张三" });
        var settings = Redis.Settings(Redis.NewPrefix());
        await using var a = await DingTalkClientInstance.StartAsync(server, TimeProvider.System, settings);
        await using var b = await DingTalkClientInstance.StartAsync(server, TimeProvider.System, settings);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? a : b).Users.GetAsync("rep1")));

        Assert.Equal(1, a.Requests.Count("v1.0/oauth2/accessToken") + b.Requests.Count("v1.0/oauth2/accessToken"));
        Assert.Equal(10, a.Requests.Count("topapi/v2/user/get") + b.Requests.Count("topapi/v2/user/get"));
    }
}

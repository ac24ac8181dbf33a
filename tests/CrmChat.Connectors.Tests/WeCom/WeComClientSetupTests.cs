using CrmChat.Connectors.Infrastructure;
using CrmChat.Connectors.WeCom;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComClientSetupTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddWeComClient();
        return builder.Build();
    }

    [Theory]
    [InlineData("qyapi.weixin.qq.com/cgi-bin/")]
    [InlineData("ftp://qyapi.weixin.qq.com/cgi-bin/")]
    public async Task A_malformed_api_base_url_stops_start_up_naming_the_key(string url)
    {
        using var host = Build(new() { ["WeCom:ApiBaseUrl"] = url });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("WeCom:ApiBaseUrl", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_redis_tokens_and_limits_stay_in_process_and_no_connection_is_registered()
    {
        using var host = Build([]);

        Assert.IsType<InProcessAccessTokenCache>(host.Services.GetRequiredService<IAccessTokenCache>());
        Assert.IsType<InProcessTargetRateLimiter>(host.Services.GetRequiredService<ITargetRateLimiter>());
        Assert.Null(host.Services.GetService<IConnectionMultiplexer>());
        Assert.Equal(WeComOptions.DefaultApiBaseUrl, host.Services.GetRequiredService<IOptions<WeComOptions>>().Value.ApiBaseUrl);
    }

    [Fact]
    public void With_redis_configured_tokens_and_limits_are_shared_through_it()
    {
        using var host = Build(Redis.Settings(Redis.NewPrefix()));

        Assert.IsType<RedisAccessTokenCache>(host.Services.GetRequiredService<IAccessTokenCache>());
        Assert.IsType<RedisTargetRateLimiter>(host.Services.GetRequiredService<ITargetRateLimiter>());
        Assert.NotNull(host.Services.GetService<IConnectionMultiplexer>());
    }

    [Fact]
    public async Task A_token_is_refreshed_five_minutes_before_it_expires_not_at_every_call()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));
        await using var server = await SandboxServer.StartAsync(time: time);
        await using var client = await ClientInstance.StartAsync(server, time);

        await client.Contacts.GetCorpTagListAsync();
        time.Advance(TimeSpan.FromSeconds(7200 - 301));
        await client.Contacts.GetCorpTagListAsync();
        Assert.Equal(1, client.Requests.Count("gettoken"));

        time.Advance(TimeSpan.FromSeconds(2));
        await client.Contacts.GetCorpTagListAsync();
        Assert.Equal(2, client.Requests.Count("gettoken"));
    }

    [Fact]
    public void Backoff_doubles_up_to_its_cap_with_jitter_from_the_injected_source()
    {
        var low = new RetryBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new FixedRandom(0));
        var high = new RetryBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new FixedRandom(0.999999));

        Assert.Equal([50, 100, 200, 400, 500, 500], Enumerable.Range(0, 6).Select(i => low.DelayBefore(i).TotalMilliseconds));
        Assert.Equal(200, high.DelayBefore(1).TotalMilliseconds, precision: 0);
        Assert.Equal(1000, high.DelayBefore(10).TotalMilliseconds, precision: 0);
    }
}

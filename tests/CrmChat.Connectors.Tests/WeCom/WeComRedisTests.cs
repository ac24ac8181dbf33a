using CrmChat.Sandbox;
using CrmChat.Connectors.WeCom.Api;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Connectors.Tests.WeCom;

/// <summary>Two CrmChat instances on one Redis (CRMCHAT_TEST_REDIS, default 127.0.0.1:6379).</summary>
public sealed class WeComRedisTests
{
    [Fact]
    public async Task Two_instances_sharing_redis_fetch_one_token_between_them()
    {
        await using var server = await SandboxServer.StartAsync();
        var shared = Redis.Settings(Redis.NewPrefix());
        await using var one = await ClientInstance.StartAsync(server, TimeProvider.System, shared);
        await using var two = await ClientInstance.StartAsync(server, TimeProvider.System, shared);

        var calls = Enumerable.Range(0, 10).SelectMany(_ => new[]
        {
            Task.Run(() => one.Contacts.GetCorpTagListAsync()),
            Task.Run(() => two.Contacts.GetCorpTagListAsync()),
        });
        await Task.WhenAll(calls);

        Assert.Equal(1, one.Requests.Count("gettoken") + two.Requests.Count("gettoken"));
    }

    [Fact]
    public async Task A_token_rejected_on_one_instance_is_refreshed_once_for_both()
    {
        await using var server = await SandboxServer.StartAsync();
        var shared = Redis.Settings(Redis.NewPrefix());
        await using var one = await ClientInstance.StartAsync(server, TimeProvider.System, shared);
        await using var two = await ClientInstance.StartAsync(server, TimeProvider.System, shared);
        await one.Contacts.GetCorpTagListAsync();
        server.WeCom.ExpireTokens();

        await one.Contacts.GetCorpTagListAsync();
        await two.Contacts.GetCorpTagListAsync();

        Assert.Equal(2, one.Requests.Count("gettoken") + two.Requests.Count("gettoken"));
        Assert.Equal(1, two.Requests.Count("externalcontact/get_corp_tag_list"));
    }

    [Fact]
    public async Task Two_instances_sharing_redis_share_one_robot_limit()
    {
        var start = new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var server = await SandboxServer.StartAsync(time: time);
        var shared = Redis.Settings(Redis.NewPrefix());
        await using var one = await ClientInstance.StartAsync(server, time, shared);
        await using var two = await ClientInstance.StartAsync(server, time, shared);

        var sends = Enumerable.Range(1, 15).SelectMany(i => new[]
        {
            one.Robots.SendAsync("team-key", WeComRobotMessage.ForText($"one {i}")),
            two.Robots.SendAsync("team-key", WeComRobotMessage.ForText($"two {i}")),
        }).ToList();
        await Eventually.TrueAsync(() => server.WeCom.RobotMessages("team-key").Count == 20, "20 messages arrive");
        await Task.Delay(200);

        Assert.Equal(20, one.Requests.Count("webhook/send") + two.Requests.Count("webhook/send"));
        Assert.Equal(10, sends.Count(s => !s.IsCompleted));

        time.Advance(TimeSpan.FromMinutes(1));
        await Task.WhenAll(sends);

        Assert.Equal(30, server.WeCom.RobotMessages("team-key").Count);
        Assert.Equal(30, one.Requests.Count("webhook/send") + two.Requests.Count("webhook/send"));
    }
}

using CrmChat.Sandbox;
using CrmChat.Connectors.WeCom.Api;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComRateLimitTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public async Task Robot_messages_past_20_a_minute_wait_for_the_window_and_none_is_rejected_or_lost()
    {
        // The Sandbox and the client read one fake clock, so "a minute" passes when the test says so.
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        await using var client = await ClientInstance.StartAsync(server, time);

        var sends = Enumerable.Range(1, 25)
            .Select(i => client.Robots.SendAsync("team-key", WeComRobotMessage.ForText($"提醒 {i}")))
            .ToList();
        await Eventually.TrueAsync(() => server.WeCom.RobotMessages("team-key").Count == 20, "20 messages arrive");
        await Task.Delay(200);

        Assert.Equal(20, server.WeCom.RobotMessages("team-key").Count);
        Assert.Equal(20, client.Requests.Count("webhook/send"));
        Assert.Equal(5, sends.Count(s => !s.IsCompleted));

        time.Advance(TimeSpan.FromMinutes(1));
        await Task.WhenAll(sends);

        var delivered = server.WeCom.RobotMessages("team-key");
        Assert.Equal(25, delivered.Count);
        Assert.Equal(25, client.Requests.Count("webhook/send"));
        Assert.All(delivered.Skip(20), m => Assert.Equal(Start.AddMinutes(1), m.At));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => $"提醒 {i}").Order(), delivered.Select(m => m.Body["text"]!["content"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task Robot_keys_are_limited_separately()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        await using var client = await ClientInstance.StartAsync(server, time);

        for (var i = 0; i < 20; i++)
        {
            await client.Robots.SendAsync("key-a", WeComRobotMessage.ForText("a"));
        }
        await client.Robots.SendAsync("key-b", WeComRobotMessage.ForText("b"));

        Assert.Single(server.WeCom.RobotMessages("key-b"));
    }

    [Fact]
    public async Task App_messages_past_30_a_minute_to_one_member_wait_and_all_arrive()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await SandboxServer.StartAsync(time: time);
        server.WeCom.AddMember("rep1");
        server.WeCom.AddMember("rep2");
        await using var client = await ClientInstance.StartAsync(server, time);

        var sends = Enumerable.Range(1, 32)
            .Select(i => client.Messages.SendAsync(WeComAppMessage.Text(["rep1"], $"第 {i} 条")))
            .ToList();
        await Eventually.TrueAsync(() => server.WeCom.AppMessages("rep1").Count == 30, "30 messages arrive");
        // Another member is not held up by rep1's queue.
        await client.Messages.SendAsync(WeComAppMessage.Text(["rep2"], "hello"));
        Assert.Equal(2, sends.Count(s => !s.IsCompleted));

        time.Advance(TimeSpan.FromMinutes(1));
        await Task.WhenAll(sends);

        Assert.Equal(32, server.WeCom.AppMessages("rep1").Count);
        Assert.Single(server.WeCom.AppMessages("rep2"));
    }
}

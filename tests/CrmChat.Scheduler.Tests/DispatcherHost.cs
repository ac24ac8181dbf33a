using System.Collections.Concurrent;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.Scheduler.OutboxDispatch;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Scheduler.Tests;

/// <summary>
/// A chat platform as the dispatcher sees it: it accepts a delivery or refuses it as scripted
/// per card id, and can hold a send after accepting it (a slow answer, or a process dying).
/// </summary>
internal sealed class ScriptedChannel(Platform platform) : IChatChannel
{
    private int _calls;

    public Platform Platform => platform;

    /// <summary>What the platform accepted, in order: each is a message a member would see.</summary>
    public ConcurrentQueue<(ChatDelivery Delivery, string DedupeKey)> Accepted { get; } = new();

    public ConcurrentDictionary<string, ConcurrentQueue<Exception>> Failures { get; } = new();

    /// <summary>Sends of these cards wait, after the platform accepted them, until released.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Holds { get; } = new();

    public int Calls => _calls;

    public IReadOnlyList<string> AcceptedCards => Accepted.Select(a => a.Delivery.CardId).ToList();

    public void Fail(string cardId, params Exception[] errors) => Failures[cardId] = new ConcurrentQueue<Exception>(errors);

    public TaskCompletionSource Hold(string cardId) =>
        Holds[cardId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<ChatSendReceipt> SendAsync(ChatDelivery delivery, string dedupeKey, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        if (Failures.TryGetValue(delivery.CardId, out var failures) && failures.TryDequeue(out var error))
        {
            throw error;
        }
        Accepted.Enqueue((delivery, dedupeKey));
        if (Holds.TryGetValue(delivery.CardId, out var hold))
        {
            await hold.Task.WaitAsync(ct);
        }
        return new ChatSendReceipt("msg-" + delivery.CardId, "code-" + delivery.CardId);
    }
}

/// <summary>The outbox dispatcher on a real database, a fake clock, fixed jitter and scripted platforms.</summary>
internal sealed class DispatcherHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 1, 0, 0, TimeSpan.Zero);

    private readonly IHost _host;

    private DispatcherHost(IHost host, TestDatabase database, FakeTimeProvider clock)
    {
        _host = host;
        Database = database;
        Clock = clock;
    }

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; }
    public OutboxDispatcher Dispatcher => _host.Services.GetRequiredService<OutboxDispatcher>();
    public OutboxSignal Signal => _host.Services.GetRequiredService<OutboxSignal>();

    /// <summary>Defaults: the hosted loop off (tests drive the dispatcher), 3 attempts, 10 s first retry, 1 min lease.</summary>
    public static async Task<DispatcherHost> StartAsync(TestDatabase database, FakeTimeProvider clock, IEnumerable<IChatChannel> channels,
        params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outbox:Enabled"] = "false",
            ["Outbox:MaxAttempts"] = "3",
            ["Outbox:FirstRetryDelay"] = "00:00:10",
            ["Outbox:Lease"] = "00:01:00",
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Services.AddCrmDatabase(database.Options);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton<IRandomSource>(new FixedRandom(0));
        foreach (var channel in channels)
        {
            builder.Services.AddSingleton(channel);
        }
        builder.AddOutboxDispatcher();
        var host = builder.Build();
        await host.StartAsync();
        return new DispatcherHost(host, database, clock);
    }

    public static ChatDelivery CardTo(string member, string cardId, Platform platform = Platform.WeCom) =>
        new(ChatAddress.Member(platform, member), Card.New().Heading("卡片 " + cardId).Text("card " + cardId).Build(), cardId);

    public async Task EnqueueAsync(params ChatDelivery[] deliveries)
    {
        await using var db = Database.NewContext();
        foreach (var delivery in deliveries)
        {
            Outbox.Enqueue(db, delivery, "test:" + delivery.CardId, Clock.GetUtcNow());
        }
        await db.SaveChangesAsync();
    }

    public async Task<OutboxMessage> RowAsync(string cardId)
    {
        await using var db = Database.NewContext();
        return await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.CardId == cardId);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

internal sealed class FixedRandom(double value) : IRandomSource
{
    public double NextDouble() => value;
}

internal static class Eventually
{
    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int timeoutMs = 10_000, Func<Task<string>>? describe = null)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what + (describe is null ? "" : "; " + await describe()));
            }
            await Task.Delay(20);
        }
    }
}

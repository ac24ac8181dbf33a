using System.Collections.Concurrent;
using CrmChat.Bots.Inbox;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.Scheduler.OutboxDispatch;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Bots.Tests;

/// <summary>An inbox handler whose change answers with a card, as a conversation does.</summary>
internal sealed class RepliesWithACard(CrmDbContext db, TimeProvider clock) : IInboxHandler
{
    public bool Handles(InboxEvent inboxEvent) => inboxEvent.EventType == "test/reply";

    public Task<InboxChange> PrepareAsync(InboxEvent inboxEvent, CancellationToken ct) =>
        Task.FromResult<InboxChange>(_ =>
        {
            Outbox.Enqueue(db, new ChatDelivery(ChatAddress.Member(Platform.WeCom, inboxEvent.Payload), Card.New().Heading("已记录").Build(), "wreply-" + inboxEvent.Id.ToString("N")),
                "reply:" + inboxEvent.Id, clock.GetUtcNow());
            return Task.CompletedTask;
        });
}

/// <summary>Stands in for WeCom: records what the dispatcher hands it.</summary>
internal sealed class RecordingChannel : IChatChannel
{
    public ConcurrentQueue<ChatDelivery> Sent { get; } = new();

    public Platform Platform => Platform.WeCom;

    public Task<ChatSendReceipt> SendAsync(ChatDelivery delivery, string dedupeKey, CancellationToken ct)
    {
        Sent.Enqueue(delivery);
        return Task.FromResult(new ChatSendReceipt("1"));
    }
}

public sealed class OutboxWiringTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_card_written_by_an_applied_event_leaves_at_once_without_waiting_for_a_poll()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var channel = new RecordingChannel();
        // The dispatcher polls on the fake clock, which stands still: only the inbox's signal can wake it.
        await using var app = new CrmChatApp([.. database.HostSettings(), .. CrmChatApp.DefaultTokens(),
            new("Inbox:PollInterval", "00:00:00.100"), new("Outbox:PollInterval", "01:00:00")],
            clock: new FakeTimeProvider(Start),
            services: s =>
            {
                s.AddScoped<IInboxHandler, RepliesWithACard>();
                s.AddSingleton<IChatChannel>(channel);
            });
        app.CreateClient();
        await Task.Delay(300);

        await using (var db = database.NewContext())
        {
            db.InboxEvents.Add(new InboxEvent { Platform = Platform.WeCom, EventType = "test/reply", DedupeKey = "e1", Payload = "rep1", ReceivedAt = Start, NextAttemptAt = Start });
            await db.SaveChangesAsync();
        }
        app.Services.GetRequiredService<InboxSignal>().Notify();

        for (var waited = 0; channel.Sent.IsEmpty; waited += 50)
        {
            Assert.True(waited < 5000, "the reply card is sent within seconds");
            await Task.Delay(50);
        }
        Assert.Equal("rep1", Assert.Single(channel.Sent).To.Value);
    }

    [Fact]
    public async Task In_Development_both_platforms_have_a_channel_to_the_Sandbox()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var app = new CrmChatApp([.. database.HostSettings(), new("Outbox:Enabled", "false")], "Development");
        app.CreateClient();

        var platforms = app.Services.CreateScope().ServiceProvider.GetServices<IChatChannel>().Select(c => c.Platform).Order();
        Assert.Equal([Platform.WeCom, Platform.DingTalk], platforms);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Without_the_platforms_settings_cards_wait_and_say_which_settings_are_missing(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var app = CrmChatApp.On(database, ("Outbox:PollInterval", "00:00:00.100"));
        app.CreateClient();
        Assert.Empty(app.Services.CreateScope().ServiceProvider.GetServices<IChatChannel>());

        await using (var db = database.NewContext())
        {
            Outbox.Enqueue(db, new ChatDelivery(ChatAddress.Member(Platform.DingTalk, "zhangsan"), Card.New().Heading("提醒").Build(), "dwaiting-1"),
                "waiting-1", DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }

        OutboxMessage row;
        var waited = 0;
        do
        {
            await Task.Delay(100);
            waited += 100;
            await using var db = database.NewContext();
            row = await db.OutboxMessages.AsNoTracking().SingleAsync();
        }
        while (row.LastError is null && waited < 5000);
        Assert.Equal((OutboxStatus.Pending, 0), (row.Status, row.Attempts));
        Assert.Equal(OutboxDispatcher.NotConfigured(Platform.DingTalk), row.LastError);
        Assert.Contains("DingTalk:AppKey", row.LastError, StringComparison.Ordinal);
    }
}

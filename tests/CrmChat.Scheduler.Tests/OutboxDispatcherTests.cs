using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.Scheduler.OutboxDispatch;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Scheduler.Tests;

public sealed class OutboxDispatcherTests
{
    private static ChatDelivery CardTo(string member, string cardId, Platform platform = Platform.WeCom) => DispatcherHost.CardTo(member, cardId, platform);

    private static ChatSendException Busy(TimeSpan? retryAfter = null) => new("WeCom API message/send failed with errcode 45009: api freq out of limit.", transient: true)
    {
        RetryAfter = retryAfter,
    };

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Messages_to_one_member_leave_in_order_and_wait_while_an_earlier_one_retries(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        weCom.Fail("wA1", Busy());
        await using var host = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await host.EnqueueAsync(CardTo("a", "wA1"), CardTo("a", "wA2"), CardTo("b", "wB1"));

        await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(["wB1"], weCom.AcceptedCards);
        var waiting = await host.RowAsync("wA1");
        Assert.Equal((OutboxStatus.Pending, 1, DispatcherHost.Start.AddSeconds(10)), (waiting.Status, waiting.Attempts, waiting.NextAttemptAt));
        Assert.Contains("45009", waiting.LastError, StringComparison.Ordinal);

        // Before the backoff is over nothing to member a goes, not even the second card.
        await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(["wB1"], weCom.AcceptedCards);

        clock.Advance(TimeSpan.FromSeconds(10));
        await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(["wB1", "wA1", "wA2"], weCom.AcceptedCards);

        var sent = await host.RowAsync("wA1");
        Assert.Equal((OutboxStatus.Sent, 2, null, "msg-wA1", "code-wA1"), (sent.Status, sent.Attempts, sent.LastError, sent.PlatformMessageId, sent.UpdateToken));
        Assert.Equal(DispatcherHost.Start.AddSeconds(10), sent.SentAt);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_refused_message_is_parked_with_the_reason_and_the_next_one_to_that_member_goes(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        weCom.Fail("wA1", new ChatSendException("WeCom has no member 'a' this app can reach (invaliduser).", transient: false));
        await using var host = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await host.EnqueueAsync(CardTo("a", "wA1"), CardTo("a", "wA2"));

        await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        await host.Dispatcher.RunOnceAsync(CancellationToken.None);

        var parked = await host.RowAsync("wA1");
        Assert.Equal((OutboxStatus.DeadLetter, 1), (parked.Status, parked.Attempts));
        Assert.Equal("WeCom has no member 'a' this app can reach (invaliduser).", parked.LastError);
        Assert.Equal(["wA2"], weCom.AcceptedCards);
        Assert.Equal(OutboxStatus.Sent, (await host.RowAsync("wA2")).Status);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_message_that_keeps_failing_backs_off_then_is_parked_after_MaxAttempts(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        // The platform says how long to wait the second time: that wins over the shorter backoff.
        weCom.Fail("wA1", Busy(), Busy(TimeSpan.FromMinutes(5)), new HttpRequestException("connection refused"));
        await using var host = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await host.EnqueueAsync(CardTo("a", "wA1"));

        await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(DispatcherHost.Start.AddSeconds(10), (await host.RowAsync("wA1")).NextAttemptAt);
        clock.Advance(TimeSpan.FromSeconds(10));
        await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(clock.GetUtcNow().AddMinutes(5), (await host.RowAsync("wA1")).NextAttemptAt);
        clock.Advance(TimeSpan.FromMinutes(5));
        await host.Dispatcher.RunOnceAsync(CancellationToken.None);

        var parked = await host.RowAsync("wA1");
        Assert.Equal((OutboxStatus.DeadLetter, 3), (parked.Status, parked.Attempts));
        Assert.Equal("HttpRequestException: connection refused", parked.LastError);
        Assert.Empty(weCom.Accepted);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Messages_for_a_platform_without_a_channel_stay_pending_and_say_why(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        await using var host = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await host.EnqueueAsync(CardTo("zhangsan", "dZ1", Platform.DingTalk), CardTo("a", "wA1"));

        await host.Dispatcher.RunOnceAsync(CancellationToken.None);

        var waiting = await host.RowAsync("dZ1");
        Assert.Equal((OutboxStatus.Pending, 0), (waiting.Status, waiting.Attempts));
        Assert.Equal(OutboxDispatcher.NotConfigured(Platform.DingTalk), waiting.LastError);
        Assert.Contains("DingTalk:AppKey", waiting.LastError, StringComparison.Ordinal);
        Assert.Equal(["wA1"], weCom.AcceptedCards);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_send_cut_off_by_a_crash_after_the_platform_took_it_goes_again_after_the_lease_with_the_same_content(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        weCom.Hold("wA1");
        var first = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await first.EnqueueAsync(CardTo("a", "wA1"));

        using var dies = new CancellationTokenSource();
        await first.Dispatcher.StartDueAsync(dies.Token);
        await Eventually.TrueAsync(() => Task.FromResult(weCom.Accepted.Count == 1), "the platform takes the card");
        // The process goes away before it could record the send.
        await dies.CancelAsync();
        await first.Dispatcher.WhenIdleAsync();
        await first.DisposeAsync();
        var claimed = await first.RowAsync("wA1");
        Assert.Equal((OutboxStatus.Pending, 1), (claimed.Status, claimed.Attempts));

        weCom.Holds.Clear();
        await using var second = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await second.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Single(weCom.Accepted);

        clock.Advance(TimeSpan.FromMinutes(1));
        await second.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, weCom.Accepted.Count);
        var (before, after) = (weCom.Accepted.First(), weCom.Accepted.Last());
        // Same key and the same rendered input: the platform's duplicate check can recognise it.
        Assert.Equal(before.DedupeKey, after.DedupeKey);
        Assert.Equal(before.Delivery.ToJson(), after.Delivery.ToJson());
        Assert.Equal(DispatcherHost.Start, after.Delivery.QueuedAt);
        Assert.Equal((OutboxStatus.Sent, 2), ((await second.RowAsync("wA1")).Status, (await second.RowAsync("wA1")).Attempts));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_slow_send_keeps_its_claim_across_instances_and_other_members_are_not_held_up(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        var slow = weCom.Hold("wA1");
        await using var host = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await host.EnqueueAsync(CardTo("a", "wA1"), CardTo("a", "wA2"));

        await host.Dispatcher.StartDueAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(weCom.Accepted.Count == 1), "the first card is being sent");
        // Two leases pass while the platform keeps the send waiting; the claim is renewed all along.
        for (var i = 0; i < 24; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            await Eventually.TrueAsync(async () => (await host.RowAsync("wA1")).NextAttemptAt > clock.GetUtcNow(),
                $"the claim is held at +{5 * (i + 1)} s", describe: async () => $"row {(await host.RowAsync("wA1")).NextAttemptAt:O} {(await host.RowAsync("wA1")).Status}, now {clock.GetUtcNow():O}");
        }

        // A second instance on the same database neither takes the card over nor jumps the queue to member a.
        await using var other = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await other.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Single(weCom.Accepted);
        await host.EnqueueAsync(CardTo("b", "wB1"));
        await other.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(OutboxStatus.Sent, (await host.RowAsync("wB1")).Status);

        slow.SetResult();
        await host.Dispatcher.WhenIdleAsync();
        await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(["wA1", "wB1", "wA2"], weCom.AcceptedCards);
        Assert.Equal(1, (await host.RowAsync("wA1")).Attempts);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_stored_message_that_cannot_be_read_is_parked_not_retried(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        await using var host = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await using (var db = database.NewContext())
        {
            db.OutboxMessages.Add(new OutboxMessage
            {
                Platform = Platform.WeCom, TargetKind = "Member", Target = "a", Payload = "{\"to\":", DedupeKey = "broken", CardId = "wBroken",
                CreatedAt = clock.GetUtcNow(), NextAttemptAt = clock.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        }

        await host.Dispatcher.RunOnceAsync(CancellationToken.None);

        var parked = await host.RowAsync("wBroken");
        Assert.Equal((OutboxStatus.DeadLetter, 1), (parked.Status, parked.Attempts));
        Assert.StartsWith("The stored message cannot be read", parked.LastError, StringComparison.Ordinal);
        Assert.Equal(0, weCom.Calls);
    }

    [Fact]
    public async Task The_wake_up_signal_sends_at_once_without_waiting_for_the_poll()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        // The poll runs on the fake clock, which does not move: only the signal can wake the dispatcher.
        await using var host = await DispatcherHost.StartAsync(database, clock, [weCom], ("Outbox:Enabled", "true"), ("Outbox:PollInterval", "01:00:00"));
        await Eventually.TrueAsync(() => Task.FromResult(true), "start");
        await Task.Delay(200);

        await host.EnqueueAsync(CardTo("a", "wA1"));
        host.Signal.Notify();

        await Eventually.TrueAsync(async () => (await host.RowAsync("wA1")).Status == OutboxStatus.Sent, "the card is sent", timeoutMs: 5000);
        Assert.Equal(["wA1"], weCom.AcceptedCards);
    }

    [Theory]
    [InlineData("Outbox:MaxAttempts", "0", "Outbox:MaxAttempts must be at least 1")]
    [InlineData("Outbox:PollInterval", "00:00:00", "Outbox:PollInterval must be positive")]
    [InlineData("Outbox:MaxRetryDelay", "1.00:00:00", "Outbox:MaxRetryDelay must be at most 04:00:00")]
    [InlineData("Outbox:Lease", "00:00:00.100", "Outbox:Lease must be at least 00:00:01")]
    public async Task Settings_that_make_no_sense_stop_start_up_with_the_key_named(string key, string value, string message)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            DispatcherHost.StartAsync(database, new FakeTimeProvider(DispatcherHost.Start), [], (key, value)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_delivery_is_refused_at_enqueue_and_nothing_is_stored()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var card = Card.New().Heading("x").Build();
        await using var db = database.NewContext();
        var noFallback = new ChatDelivery(new ChatAddress(Platform.DingTalk, ChatAddressKind.Reply, "https://oapi.dingtalk.com/robot/sendBySession?session=s"), card, "d1");
        var wrongPlatform = new ChatDelivery(new ChatAddress(Platform.WeCom, ChatAddressKind.Group, "robot-key") { TargetKind = CrmCore.Team.ChatTargetKind.DingTalkRobotWebhook }, card, "w1");
        var noCardId = new ChatDelivery(ChatAddress.Member(Platform.WeCom, "a"), card, "");

        Assert.Contains("FallbackMember", Assert.Throws<ArgumentException>(() => Outbox.Enqueue(db, noFallback, "k1", DispatcherHost.Start)).Message, StringComparison.Ordinal);
        Assert.Contains("not on WeCom", Assert.Throws<ArgumentException>(() => Outbox.Enqueue(db, wrongPlatform, "k2", DispatcherHost.Start)).Message, StringComparison.Ordinal);
        Assert.Contains("CardId", Assert.Throws<ArgumentException>(() => Outbox.Enqueue(db, noCardId, "k3", DispatcherHost.Start)).Message, StringComparison.Ordinal);
        await db.SaveChangesAsync();
        Assert.Equal(0, await db.OutboxMessages.CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Cards_to_one_member_in_one_transaction_keep_their_order_and_one_key_is_queued_once(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(DispatcherHost.Start);
        var weCom = new ScriptedChannel(Platform.WeCom);
        await using var host = await DispatcherHost.StartAsync(database, clock, [weCom]);
        await using (var db = database.NewContext())
        {
            // Ids are random within a millisecond: only CreatedAt can carry the order.
            foreach (var id in new[] { "w3", "w1", "w2", "w6", "w5", "w4" })
            {
                Outbox.Enqueue(db, CardTo("a", id), "key-" + id, clock.GetUtcNow());
            }
            Outbox.Enqueue(db, CardTo("a", "w1"), "key-w1", clock.GetUtcNow());
            await db.SaveChangesAsync();
        }

        for (var i = 0; i < 7; i++)
        {
            await host.Dispatcher.RunOnceAsync(CancellationToken.None);
        }

        Assert.Equal(["w3", "w1", "w2", "w6", "w5", "w4"], weCom.AcceptedCards);
    }
}

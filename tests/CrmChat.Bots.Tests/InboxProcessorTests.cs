using System.Net;
using System.Net.Http.Json;
using CrmChat.Bots.Inbox;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Bots.Tests;

/// <summary>
/// A handler for "test/*" events whose payload says what to do: record an audit entry
/// (the visible effect), optionally after failing a number of times, or fail after writing.
/// </summary>
internal sealed class ScriptedHandler(CrmDbContext db, ScriptedHandler.Failures failures) : IInboxHandler
{
    public sealed class Failures
    {
        public Dictionary<string, int> Remaining { get; } = new(StringComparer.Ordinal);
    }

    public bool Handles(InboxEvent inboxEvent) => inboxEvent.EventType.StartsWith("test/", StringComparison.Ordinal);

    public Task<InboxChange> PrepareAsync(InboxEvent inboxEvent, CancellationToken ct)
    {
        return Task.FromResult<InboxChange>(async token =>
        {
            db.AuditEntries.Add(new AuditEntry { Actor = "test", EntityType = "event", EntityId = inboxEvent.Payload, Action = "applied", At = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync(token);
            lock (failures)
            {
                if (failures.Remaining.TryGetValue(inboxEvent.Payload, out var left) && left > 0)
                {
                    failures.Remaining[inboxEvent.Payload] = left - 1;
                    throw new InvalidOperationException($"scripted failure for {inboxEvent.Payload}");
                }
            }
        });
    }
}

public sealed class InboxProcessorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    private static CrmChatApp App(TestDatabase database, FakeTimeProvider clock, ScriptedHandler.Failures failures, bool processorEnabled = false) =>
        CrmChatApp.On(database, services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton(failures);
            services.AddScoped<IInboxHandler, ScriptedHandler>();
        },
        ("Inbox:ProcessorEnabled", processorEnabled ? "true" : "false"),
        ("Inbox:MaxAttempts", "3"),
        ("Inbox:FirstRetryDelay", "00:00:10"));

    private static async Task StoreAsync(TestDatabase database, string type, string payload, string? orderingKey, DateTimeOffset at)
    {
        await using var db = database.NewContext();
        db.InboxEvents.Add(new InboxEvent
        {
            Platform = Platform.WeCom, EventType = type, DedupeKey = type + "|" + payload, OrderingKey = orderingKey,
            Payload = payload, ReceivedAt = at, NextAttemptAt = at,
        });
        await db.SaveChangesAsync();
    }

    private static async Task<List<string>> AppliedAsync(TestDatabase database)
    {
        await using var db = database.NewContext();
        return await db.AuditEntries.OrderBy(a => a.Id).Select(a => a.EntityId).ToListAsync();
    }

    private static async Task<InboxEvent> EventAsync(TestDatabase database, string payload)
    {
        await using var db = database.NewContext();
        return await db.InboxEvents.SingleAsync(e => e.Payload == payload);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_failed_change_is_rolled_back_retried_with_backoff_and_applied_once(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(Start);
        var failures = new ScriptedHandler.Failures { Remaining = { ["e1"] = 1 } };
        await StoreAsync(database, "test/x", "e1", "wmA", Start);
        await using var app = App(database, clock, failures);
        var processor = app.Services.GetRequiredService<InboxProcessor>();

        await processor.RunOnceAsync(CancellationToken.None);
        Assert.Empty(await AppliedAsync(database));
        var failed = await EventAsync(database, "e1");
        Assert.Equal((InboxStatus.Pending, 1), (failed.Status, failed.Attempts));
        Assert.Contains("scripted failure", failed.LastError, StringComparison.Ordinal);
        Assert.True(failed.NextAttemptAt >= Start.AddSeconds(10), "the retry waits for the backoff");

        await processor.RunOnceAsync(CancellationToken.None);
        Assert.Empty(await AppliedAsync(database));

        clock.Advance(TimeSpan.FromSeconds(13));
        await processor.RunOnceAsync(CancellationToken.None);
        await processor.RunOnceAsync(CancellationToken.None);
        Assert.Equal(["e1"], await AppliedAsync(database));
        Assert.Equal(InboxStatus.Done, (await EventAsync(database, "e1")).Status);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Events_for_one_customer_apply_in_order_even_while_the_first_is_retrying(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(Start);
        var failures = new ScriptedHandler.Failures { Remaining = { ["first"] = 1 } };
        await StoreAsync(database, "test/x", "first", "wmA", Start.AddSeconds(-3));
        await StoreAsync(database, "test/x", "second", "wmA", Start.AddSeconds(-2));
        await StoreAsync(database, "test/x", "other-customer", "wmB", Start.AddSeconds(-1));
        await using var app = App(database, clock, failures);
        var processor = app.Services.GetRequiredService<InboxProcessor>();

        await processor.RunOnceAsync(CancellationToken.None);
        Assert.Equal(["other-customer"], await AppliedAsync(database));

        clock.Advance(TimeSpan.FromMinutes(1));
        await processor.RunOnceAsync(CancellationToken.None);
        await processor.RunOnceAsync(CancellationToken.None);
        Assert.Equal(["other-customer", "first", "second"], await AppliedAsync(database));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task After_too_many_failures_an_event_is_a_dead_letter_an_admin_can_list_and_replay(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(Start);
        var failures = new ScriptedHandler.Failures { Remaining = { ["poison"] = 3 } };
        await StoreAsync(database, "test/x", "poison", "wmA", Start);
        await using var app = App(database, clock, failures);
        var processor = app.Services.GetRequiredService<InboxProcessor>();
        for (var i = 0; i < 5; i++)
        {
            await processor.RunOnceAsync(CancellationToken.None);
            clock.Advance(TimeSpan.FromHours(2));
        }
        var dead = await EventAsync(database, "poison");
        Assert.Equal((InboxStatus.DeadLetter, 3), (dead.Status, dead.Attempts));

        var admin = app.ClientWithToken(CrmChatApp.AdminToken);
        var listed = await admin.GetFromJsonAsync<List<InboxEventView>>("/api/inbox/dead-letters");
        Assert.Equal(dead.Id, Assert.Single(listed!).Id);
        Assert.Contains("scripted failure", listed![0].LastError, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithToken(CrmChatApp.RepToken).GetAsync("/api/inbox/dead-letters")).StatusCode);

        var replay = await admin.PostAsync($"/api/inbox/{dead.Id}/replay", null);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        await processor.RunOnceAsync(CancellationToken.None);
        Assert.Equal(["poison"], await AppliedAsync(database));
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/inbox/{dead.Id}/replay", null)).StatusCode);
    }

    [Fact]
    public async Task An_authentic_event_nobody_handles_is_recorded_as_ignored()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var clock = new FakeTimeProvider(Start);
        await StoreAsync(database, "change_external_chat/create", "chat", null, Start);
        await using var app = App(database, clock, new ScriptedHandler.Failures());
        await app.Services.GetRequiredService<InboxProcessor>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(InboxStatus.Ignored, (await EventAsync(database, "chat")).Status);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_event_stored_before_a_crash_is_applied_once_after_restart(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var failures = new ScriptedHandler.Failures();
        // First life: the event is stored, and the process dies before applying it.
        await using (var first = App(database, new FakeTimeProvider(DateTimeOffset.UtcNow), failures))
        {
            _ = first.Services;
            await StoreAsync(database, "test/x", "survivor", "wmA", DateTimeOffset.UtcNow);
        }
        Assert.Empty(await AppliedAsync(database));

        // Second life, with the real background processor and clock.
        await using var second = CrmChatApp.On(database, services =>
        {
            services.AddSingleton(failures);
            services.AddScoped<IInboxHandler, ScriptedHandler>();
        }, ("Inbox:PollInterval", "00:00:00.100"));
        _ = second.Services;
        for (var i = 0; i < 100 && (await AppliedAsync(database)).Count == 0; i++)
        {
            await Task.Delay(100);
        }
        await Task.Delay(300);
        Assert.Equal(["survivor"], await AppliedAsync(database));
        Assert.Equal(InboxStatus.Done, (await EventAsync(database, "survivor")).Status);
    }
}

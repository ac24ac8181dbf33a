using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.Extensions.Time.Testing;
using static CrmChat.Scheduler.Tests.Jobs.JobsHost;

namespace CrmChat.Scheduler.Tests.Jobs;

/// <summary>Follow-up reminders as a rep meets them: the card arrives when the follow-up falls due, once, in their chat.</summary>
public sealed class ReminderTests
{
    private static string Text(ChatDelivery delivery) => JobsHost.Text(delivery.Card);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_follow_up_due_at_ten_is_reminded_at_ten_not_at_nine_fifty_nine_and_only_once(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(9));
        await using var host = await JobsHost.StartAsync(database, clock);
        var team = await host.TeamAsync("华东销售");
        var rep = await host.EmployeeAsync("张三", team, weCom: "zhangsan");
        var customer = await host.CustomerAsync("王五", rep, At(9, days: -30));
        var atTen = await host.FollowUpAsync(rep, At(10), "回访报价", customer);
        var halfPast = await host.FollowUpAsync(rep, At(10).AddSeconds(30), "发合同", customer);

        clock.SetUtcNow(At(9, 59));
        await host.Reminders.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());

        clock.SetUtcNow(At(10));
        await host.Reminders.RunAsync(CancellationToken.None);
        var reminder = Assert.Single(await host.DeliverAsync());
        Assert.Equal(ChatAddress.Member(Platform.WeCom, "zhangsan"), reminder.Delivery.To);
        Assert.Equal("⏰ 跟进提醒 Follow-up due | 王五 | 时间: 11月24日 周二 10:00 | 内容: 回访报价 | [完成 Done] | [推迟1小时] | [推迟1天]", Text(reminder.Delivery));
        var done = reminder.Delivery.Card.AllActions().OfType<SubmitAction>().First();
        Assert.Equal((CardVerbs.FollowUpDone, FollowUpCards.IdOf(atTen.Id)), (done.Verb, done.Data[CardVerbs.Id]));
        Assert.Equal(At(10), (await host.ReloadAsync(atTen)).RemindedAt);

        // Due half a minute after a run: the next run, a minute later, reminds it.
        clock.SetUtcNow(At(10, 1));
        await host.Reminders.RunAsync(CancellationToken.None);
        var next = Assert.Single(await host.DeliverAsync());
        Assert.Contains("发合同", Text(next.Delivery), StringComparison.Ordinal);

        clock.SetUtcNow(At(10, 2));
        Assert.Equal(0, (await host.Reminders.RunAsync(CancellationToken.None)).Read);
        Assert.Empty(await host.DeliverAsync());
        Assert.NotNull((await host.ReloadAsync(halfPast)).RemindedAt);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Quiet_hours_hold_a_ten_pm_reminder_until_eight_unless_the_team_has_none(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(21));
        await using var host = await JobsHost.StartAsync(database, clock,
            ("Jobs:Teams:0:Team", "夜班"), ("Jobs:Teams:0:QuietHours", ""));
        var day = await host.TeamAsync("华东销售");
        var night = await host.TeamAsync("夜班");
        var zhangsan = await host.EmployeeAsync("张三", day, weCom: "zhangsan");
        var lisi = await host.EmployeeAsync("李四", night, weCom: "lisi");
        var teamless = await host.EmployeeAsync("王五", null, dingTalk: "wangwu");
        var held = await host.FollowUpAsync(zhangsan, At(22), "晚上的提醒");
        await host.FollowUpAsync(lisi, At(22), "夜班提醒");
        await host.FollowUpAsync(teamless, At(23), "无团队提醒");

        clock.SetUtcNow(At(22));
        await host.Reminders.RunAsync(CancellationToken.None);
        var nightShift = Assert.Single(await host.DeliverAsync());
        Assert.Equal("lisi", nightShift.Delivery.To.Value);

        foreach (var quiet in new[] { At(23, 30), At(7, 59, days: 1) })
        {
            clock.SetUtcNow(quiet);
            await host.Reminders.RunAsync(CancellationToken.None);
            Assert.Empty(await host.DeliverAsync());
        }
        Assert.Null((await host.ReloadAsync(held)).RemindedAt);

        clock.SetUtcNow(At(8, days: 1));
        await host.Reminders.RunAsync(CancellationToken.None);
        var morning = await host.DeliverAsync();
        Assert.Equal(["wangwu", "zhangsan"], morning.Select(m => m.Delivery.To.Value).Order(StringComparer.Ordinal));
        Assert.Equal(Platform.DingTalk, morning.Single(m => m.Delivery.To.Value == "wangwu").Delivery.To.Platform);
        Assert.Equal(At(8, days: 1), (await host.ReloadAsync(held)).RemindedAt);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_snoozed_follow_up_is_reminded_again_at_its_new_time_and_a_done_one_never_again(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(9));
        await using var host = await JobsHost.StartAsync(database, clock);
        var rep = await host.EmployeeAsync("张三", await host.TeamAsync("华东销售"), weCom: "zhangsan");
        var followUp = await host.FollowUpAsync(rep, At(10), "回访报价");

        clock.SetUtcNow(At(10));
        await host.Reminders.RunAsync(CancellationToken.None);
        Assert.Single(await host.DeliverAsync());

        await host.SnoozeAsync(followUp, TimeSpan.FromHours(1));
        clock.SetUtcNow(At(10, 59));
        await host.Reminders.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());
        clock.SetUtcNow(At(11));
        await host.Reminders.RunAsync(CancellationToken.None);
        var again = Assert.Single(await host.DeliverAsync());
        Assert.Contains("11月24日 周二 11:00", Text(again.Delivery), StringComparison.Ordinal);

        await host.SnoozeAsync(followUp, TimeSpan.FromHours(1));
        await host.CompleteAsync(followUp);
        foreach (var later in new[] { At(12), At(12, 1), At(10, days: 2) })
        {
            clock.SetUtcNow(later);
            await host.Reminders.RunAsync(CancellationToken.None);
        }
        Assert.Empty(await host.DeliverAsync());
        Assert.Equal(2, (await host.OutboxAsync()).Count);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Several_falling_due_together_come_as_one_summary_and_a_few_as_cards_with_an_open_link(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(9));
        await using var host = await JobsHost.StartAsync(database, clock, ("Jobs:Reminders:OpenUrl", "https://crm.example.com/customers/{customerId}"));
        var team = await host.TeamAsync("华东销售");
        var busy = await host.EmployeeAsync("张三", team, weCom: "zhangsan");
        var calm = await host.EmployeeAsync("李四", team, dingTalk: "lisi");
        var gone = await host.EmployeeAsync("赵六", team, weCom: "zhaoliu", status: EmployeeStatus.Left);
        var customer = await host.CustomerAsync("王五", calm, At(9, days: -3));
        for (var i = 0; i < 5; i++)
        {
            await host.FollowUpAsync(busy, At(9, 30 + i), $"第{i + 1}件事");
        }
        await host.FollowUpAsync(calm, At(9, 40), "回访", customer);
        await host.FollowUpAsync(calm, At(9, 50), "个人事项");
        var orphan = await host.FollowUpAsync(gone, At(9, 45), "离职员工的跟进");

        clock.SetUtcNow(At(10));
        var run = await host.Reminders.RunAsync(CancellationToken.None);
        Assert.Equal(new Scheduler.Jobs.ReminderRun(8, 8, 2, 1, 1), run);
        var sent = await host.DeliverAsync();

        var summary = Assert.Single(sent, s => s.Delivery.To.Value == "zhangsan").Delivery;
        Assert.StartsWith("⏰ 5 条跟进到期 5 follow-ups due | 11月24日 周二 09:30: 个人提醒：第1件事", Text(summary), StringComparison.Ordinal);
        Assert.Contains("第5件事", Text(summary), StringComparison.Ordinal);
        var cards = sent.Where(s => s.Delivery.To.Value == "lisi").Select(s => s.Delivery).ToList();
        Assert.Equal(2, cards.Count);
        Assert.All(cards, c => Assert.Equal(Platform.DingTalk, c.To.Platform));
        var open = cards[0].Card.AllActions().OfType<OpenUrlAction>().Single();
        Assert.Equal($"https://crm.example.com/customers/{customer.Id}", open.Url);
        Assert.Empty(cards[1].Card.AllActions().OfType<OpenUrlAction>());
        Assert.DoesNotContain(sent, s => s.Delivery.To.Value == "zhaoliu");
        Assert.NotNull((await host.ReloadAsync(orphan)).RemindedAt);
    }
}

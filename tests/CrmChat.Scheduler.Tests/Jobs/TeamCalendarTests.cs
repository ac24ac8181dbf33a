using CrmChat.CrmCore;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.Extensions.Time.Testing;
using static CrmChat.Scheduler.Tests.Jobs.JobsHost;

namespace CrmChat.Scheduler.Tests.Jobs;

/// <summary>Each team's digest and nudges arrive at the team's own time, once, with the right numbers.</summary>
public sealed class TeamCalendarTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_morning_digest_reaches_each_team_robot_once_with_the_right_numbers(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(7));
        await using var host = await JobsHost.StartAsync(database, clock,
            ("Jobs:Teams:0:Team", "夜班"), ("Jobs:Teams:0:DigestCron", "0 30 18 * * ?"));
        var team = await host.TeamAsync("华东销售", "Asia/Shanghai",
            new TeamChatTarget { Kind = ChatTargetKind.WeComGroupRobot, Address = "robot-key-east" },
            new TeamChatTarget { Kind = ChatTargetKind.DingTalkRobotWebhook, Address = "access-token-east", Secret = "SECdingtalk" });
        var night = await host.TeamAsync("夜班", "Asia/Shanghai", new TeamChatTarget { Kind = ChatTargetKind.WeComGroupRobot, Address = "robot-key-night" });
        await host.TeamAsync("无群团队");
        var zhangsan = await host.EmployeeAsync("张三", team, weCom: "zhangsan");
        var lisi = await host.EmployeeAsync("李四", team, dingTalk: "lisi");
        var zhaoliu = await host.EmployeeAsync("赵六", night, weCom: "zhaoliu");

        await host.FollowUpAsync(zhangsan, At(10), "今天上午");
        await host.FollowUpAsync(zhangsan, At(15), "今天下午");
        await host.FollowUpAsync(zhangsan, At(16, days: -1), "昨天的");
        await host.FollowUpAsync(zhangsan, At(11), "今天已完成", status: FollowUpStatus.Done);
        await host.FollowUpAsync(zhangsan, At(10, days: 1), "明天的");
        await host.FollowUpAsync(lisi, At(9, days: -2), "前天的");
        await host.FollowUpAsync(lisi, At(17), "今天傍晚");
        await host.FollowUpAsync(zhaoliu, At(12), "别的团队");
        var fresh = await host.CustomerAsync("新客户甲", zhangsan, At(8));
        await host.CustomerAsync("新客户乙", lisi, At(10, days: -1));
        await host.CustomerAsync("老客户", zhangsan, At(8, days: -2));
        await host.CustomerAsync("别队新客户", zhaoliu, At(8));
        await using (var db = database.NewContext())
        {
            var contract = new Contract { CustomerId = fresh.Id, Title = "合同", Amount = 1000m, RequesterId = zhangsan.Id, CreatedAt = At(8), UpdatedAt = At(8) };
            db.Contracts.Add(contract);
            db.ApprovalRequests.Add(new ApprovalRequest { ContractId = contract.Id, RequesterId = zhangsan.Id, Platform = Platform.WeCom, CreatedAt = At(8) });
            db.ApprovalRequests.Add(new ApprovalRequest { ContractId = contract.Id, RequesterId = lisi.Id, Platform = Platform.WeCom, CreatedAt = At(8), Status = ApprovalStatus.Approved });
            await db.SaveChangesAsync();
        }

        clock.SetUtcNow(At(8, 59));
        await host.Calendar.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());

        clock.SetUtcNow(At(9));
        await host.Calendar.RunAsync(CancellationToken.None);
        var digests = await host.DeliverAsync();
        Assert.Equal(["access-token-east", "robot-key-east"], digests.Select(d => d.Delivery.To.Value).Order(StringComparer.Ordinal));
        Assert.All(digests, d => Assert.Equal(ChatAddressKind.Group, d.Delivery.To.Kind));
        Assert.Equal(
            "📋 华东销售 每日简报 Daily digest | 2026年11月24日 周二 | 今日待跟进 Due today: 3 | 逾期 Overdue: 2 | 待审批 Approvals waiting: 1 | 新客户 New customers (24h): 2"
            + " | 按销售 By rep（今日 today · 逾期 overdue） | 张三: 今日 2 · 逾期 1 | 李四: 今日 1 · 逾期 1",
            JobsHost.Text(digests[0].Delivery.Card));
        Assert.Equal(JobsHost.Text(digests[0].Delivery.Card), JobsHost.Text(digests[1].Delivery.Card));

        clock.SetUtcNow(At(9, 1));
        await host.Calendar.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());

        // The night team's own cron, in its zone.
        clock.SetUtcNow(At(18, 30));
        await host.Calendar.RunAsync(CancellationToken.None);
        var evening = Assert.Single(await host.DeliverAsync());
        Assert.Equal("robot-key-night", evening.Delivery.To.Value);
        Assert.Contains("赵六: 今日 1 · 逾期 0", JobsHost.Text(evening.Delivery.Card), StringComparison.Ordinal);

        // CrmChat was down at nine the next day and back at 09:40: the digest goes out late, once.
        clock.SetUtcNow(At(9, 40, days: 1));
        await host.Calendar.RunAsync(CancellationToken.None);
        Assert.Equal(2, (await host.DeliverAsync()).Count);
        // Down until 10:30 the day after: more than an hour late, that day's digest is skipped.
        clock.SetUtcNow(At(10, 30, days: 2));
        await host.Calendar.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_neglected_customer_nudges_its_owner_at_ten_at_most_once_a_week(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(9));
        await using var host = await JobsHost.StartAsync(database, clock);
        var team = await host.TeamAsync("华东销售");
        var rep = await host.EmployeeAsync("张三", team, weCom: "zhangsan");
        var teamless = await host.EmployeeAsync("王五", null, dingTalk: "wangwu");
        var longAgo = At(10, days: -20);
        var neglected = await host.CustomerAsync("久未联系", rep, longAgo);
        var talkedTo = await host.CustomerAsync("最近聊过", rep, longAgo);
        var planned = await host.CustomerAsync("已有安排", rep, longAgo);
        await host.CustomerAsync("新来的", rep, At(10, days: -5));
        await host.CustomerAsync("已流失", rep, longAgo, CustomerStage.Lost);
        await host.CustomerAsync("无团队的客户", teamless, longAgo);
        await host.FollowUpAsync(rep, At(10, days: 3), "下周拜访", planned);
        await using (var db = database.NewContext())
        {
            db.Activities.Add(new Activity { CustomerId = talkedTo.Id, Kind = ActivityKind.Call, Text = "电话", OccurredAt = At(15, days: -3) });
            await db.SaveChangesAsync();
        }

        clock.SetUtcNow(At(9, 59));
        await host.Calendar.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());

        clock.SetUtcNow(At(10));
        await host.Calendar.RunAsync(CancellationToken.None);
        var nudges = await host.DeliverAsync();
        Assert.Equal([("wangwu", "无团队的客户"), ("zhangsan", neglected.Name)],
            nudges.Select(n => (n.Delivery.To.Value, CustomerOf(n.Delivery))).Order());
        Assert.StartsWith($"💤 客户久未跟进 Customer needs attention | 久未联系 已超过 14 天没有跟进或活动",
            JobsHost.Text(nudges.Single(n => n.Delivery.To.Value == "zhangsan").Delivery.Card), StringComparison.Ordinal);

        // Daily rounds later in the same week say nothing new; the next week nudges again.
        foreach (var day in new[] { 1, 2, 5 })
        {
            clock.SetUtcNow(At(10, days: day));
            await host.Calendar.RunAsync(CancellationToken.None);
        }
        Assert.Empty(await host.DeliverAsync());
        clock.SetUtcNow(At(10, days: 6));
        await host.Calendar.RunAsync(CancellationToken.None);
        Assert.Equal(2, (await host.DeliverAsync()).Count);
    }

    private static string CustomerOf(ChatDelivery delivery) =>
        delivery.Card.AllElements().OfType<CrmCore.Cards.FactSet>().First().Facts.Single(f => f.Title == "客户").Value;
}

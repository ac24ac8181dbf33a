using CrmChat.CrmCore;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.Team;
using CrmChat.Scheduler.Jobs;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static CrmChat.Scheduler.Tests.Jobs.JobsHost;

namespace CrmChat.Scheduler.Tests.Jobs;

/// <summary>Work that waits too long reaches someone who can move it: the manager, the approver, then the approver's manager, each once.</summary>
public sealed class EscalationTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_follow_up_overdue_by_a_day_tells_the_reps_manager_exactly_once(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(9));
        await using var host = await JobsHost.StartAsync(database, clock,
            ("Jobs:Teams:0:Team", "大客户"), ("Jobs:Teams:0:EscalateOverdueAfter", "04:00:00"));
        var team = await host.TeamAsync("华东销售");
        var manager = await host.EmployeeAsync("王经理", team, dingTalk: "wangjl");
        var rep = await host.EmployeeAsync("张三", team, weCom: "zhangsan", manager: manager);
        var loner = await host.EmployeeAsync("孤狼", team, weCom: "gulang");
        var customer = await host.CustomerAsync("星辰科技", rep, At(9, days: -10));
        var overdue = await host.FollowUpAsync(rep, At(10), "回访报价", customer);
        var unmanaged = await host.FollowUpAsync(loner, At(10), "无人管的跟进");
        var keyAccounts = await host.TeamAsync("大客户");
        var director = await host.EmployeeAsync("李总监", keyAccounts, weCom: "lizj");
        var keyRep = await host.EmployeeAsync("赵六", keyAccounts, weCom: "zhaoliu", manager: director);
        await host.FollowUpAsync(keyRep, At(10), "大客户回访");

        clock.SetUtcNow(At(13, 59));
        await host.Escalations.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());

        // The key-account team escalates after 4 hours, the others after the default 24.
        clock.SetUtcNow(At(14));
        await host.Escalations.RunAsync(CancellationToken.None);
        var early = Assert.Single(await host.DeliverAsync());
        Assert.Equal("lizj", early.Delivery.To.Value);

        clock.SetUtcNow(At(9, 59, days: 1));
        await host.Escalations.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());

        clock.SetUtcNow(At(10, days: 1));
        var run = await host.Escalations.RunAsync(CancellationToken.None);
        Assert.Equal((2, 1), (run.FollowUpsEscalated, run.ManagerCards));
        var told = Assert.Single(await host.DeliverAsync());
        Assert.Equal((Platform.DingTalk, "wangjl"), (told.Delivery.To.Platform, told.Delivery.To.Value));
        Assert.Equal("⚠️ 跟进逾期 Overdue follow-up | 张三 的跟进已逾期 24 小时 · overdue by 24 h | 客户: 星辰科技 | 内容: 回访报价 | 应于: 11月24日 周二 10:00 | 负责人: 张三 | 请跟进或提醒负责人处理。Please check with them.",
            JobsHost.Text(told.Delivery.Card));
        Assert.Equal(At(10, days: 1), (await host.ReloadAsync(overdue)).EscalatedAt);
        Assert.NotNull((await host.ReloadAsync(unmanaged)).EscalatedAt);

        foreach (var later in new[] { At(10, 5, days: 1), At(10, days: 3) })
        {
            clock.SetUtcNow(later);
            await host.Escalations.RunAsync(CancellationToken.None);
        }
        Assert.Empty(await host.DeliverAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_approval_waiting_past_its_sla_reminds_the_approver_once_then_their_manager_once(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(10));
        await using var host = await JobsHost.StartAsync(database, clock);
        var team = await host.TeamAsync("华东销售");
        var director = await host.EmployeeAsync("李总监", team, weCom: "lizj");
        var manager = await host.EmployeeAsync("王经理", team, weCom: "wangjl", manager: director);
        var rep = await host.EmployeeAsync("张三", team, weCom: "zhangsan", manager: manager);
        var waiting = await SubmitAsync(host, rep, "年度服务合同");
        var decided = await SubmitAsync(host, rep, "小额合同");
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var approvals = scope.ServiceProvider.GetRequiredService<ContractApprovals>();
            await approvals.DecideAsync(decided, manager, DecisionOutcome.Approved, null, "test", CancellationToken.None);
        }
        // The approval cards and the requester's answer leave first; what follows is the jobs' doing.
        await host.DeliverAsync();

        clock.SetUtcNow(At(9, 59, days: 1));
        await host.Escalations.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());

        clock.SetUtcNow(At(10, days: 1));
        await host.Escalations.RunAsync(CancellationToken.None);
        var reminder = Assert.Single(await host.DeliverAsync());
        Assert.Equal("wangjl", reminder.Delivery.To.Value);
        var text = JobsHost.Text(reminder.Delivery.Card);
        Assert.StartsWith("⏰ 合同审批待处理 Approval waiting | 直属主管 Manager 已等待 24 小时 · waiting 24 h | 客户: 星辰科技 | 金额: 120,000.00 CNY | 标题: 年度服务合同", text, StringComparison.Ordinal);
        Assert.EndsWith("[同意 Approve] | [驳回 Reject]", text, StringComparison.Ordinal);

        clock.SetUtcNow(At(12, days: 1));
        await host.Escalations.RunAsync(CancellationToken.None);
        Assert.Empty(await host.DeliverAsync());

        clock.SetUtcNow(At(10, days: 2));
        await host.Escalations.RunAsync(CancellationToken.None);
        var notice = Assert.Single(await host.DeliverAsync());
        Assert.Equal("lizj", notice.Delivery.To.Value);
        Assert.StartsWith("⚠️ 合同审批超时 Approval overdue | 王经理 尚未处理“直属主管 Manager”，已等待 48 小时", JobsHost.Text(notice.Delivery.Card), StringComparison.Ordinal);

        foreach (var later in new[] { At(10, 5, days: 2), At(10, days: 5) })
        {
            clock.SetUtcNow(later);
            await host.Escalations.RunAsync(CancellationToken.None);
        }
        Assert.Empty(await host.DeliverAsync());
        await using var db = database.NewContext();
        Assert.Equal(ApprovalStatus.Pending, (await db.ApprovalRequests.SingleAsync(r => r.Id == waiting)).Status);
    }

    private static async Task<Guid> SubmitAsync(JobsHost host, Employee requester, string title)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.Name == "星辰科技")
            ?? db.Customers.Add(new CrmCore.Customers.Customer { Name = "星辰科技", OwnerId = requester.Id, CreatedAt = host.Clock.GetUtcNow(), UpdatedAt = host.Clock.GetUtcNow() }).Entity;
        var contract = new Contract { CustomerId = customer.Id, Title = title, Amount = 120_000m, RequesterId = requester.Id, CreatedAt = host.Clock.GetUtcNow(), UpdatedAt = host.Clock.GetUtcNow() };
        db.Contracts.Add(contract);
        await db.SaveChangesAsync();
        var me = await db.Employees.SingleAsync(e => e.Id == requester.Id);
        var answer = await scope.ServiceProvider.GetRequiredService<ContractApprovals>().SubmitAsync(contract, me, Platform.WeCom, CancellationToken.None);
        Assert.True(answer.Changed);
        return await db.ApprovalRequests.Where(r => r.ContractId == contract.Id).Select(r => r.Id).SingleAsync();
    }
}

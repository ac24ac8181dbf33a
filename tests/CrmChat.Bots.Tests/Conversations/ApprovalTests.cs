using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Tests.Conversations;

/// <summary>
/// Contract approvals from cards, as WeCom clicks through the real inbox processor: ≤ 50,000 the
/// rep's manager; above, the manager and then the sales director.
/// </summary>
public sealed class ApprovalTests
{
    private static readonly (string, string)[] Rules =
    [
        ("Approvals:Rules:0:Name", "small"), ("Approvals:Rules:0:AmountUpTo", "50000"),
        ("Approvals:Rules:0:Steps:0:Name", "经理"), ("Approvals:Rules:0:Steps:0:Approvers:0", "manager"),
        ("Approvals:Rules:1:Name", "large"), ("Approvals:Rules:1:AmountAbove", "50000"),
        ("Approvals:Rules:1:Steps:0:Name", "经理"), ("Approvals:Rules:1:Steps:0:Approvers:0", "manager"),
        ("Approvals:Rules:1:Steps:1:Name", "销售总监"), ("Approvals:Rules:1:Steps:1:Approvers:0", "role:director"),
        ("Approvals:Rules:1:Steps:1:Rule", "AnyOf"),
        ("Approvals:Roles:director:0", "director1"), ("Approvals:Roles:director:1", "director2"),
    ];

    private sealed record Team(ChatDesk Desk, Employee Boss, Employee Rep);

    private static async Task<Team> StartAsync(DatabaseProvider provider)
    {
        var desk = await ChatDesk.StartAsync(provider, Rules);
        var boss = await desk.EmployeeAsync("boss", "王经理");
        var rep = await desk.EmployeeAsync("zhangsan", "张三", boss.Id);
        await desk.EmployeeAsync("director1", "赵总");
        await desk.EmployeeAsync("director2", "钱总");
        await desk.EmployeeAsync("lisi", "李四", boss.Id);
        await desk.SayAsync("zhangsan", "新客户 王五 13800138000");
        return new Team(desk, boss, rep);
    }

    private static ChatDelivery To(List<ChatDelivery> deliveries, string userId) => Assert.Single(deliveries, d => d.To.Value == userId);

    private static string Text(ChatDelivery d) => d.Card.ToJson();

    private static async Task<(ContractStatus Contract, ApprovalStatus Request, int Decisions)> StateAsync(ChatDesk desk)
    {
        await using var db = desk.Database.NewContext();
        var contract = await db.Contracts.SingleAsync();
        var request = await db.ApprovalRequests.SingleAsync();
        return (contract.Status, request.Status, await db.ApprovalDecisions.CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_two_step_contract_approved_by_both_is_approved_with_every_card_updated_and_the_rep_told(DatabaseProvider provider)
    {
        var (desk, _, _) = await StartAsync(provider);
        await using var _desk = desk;

        var submitted = await desk.SayAsync("zhangsan", "合同 王五 80000 年度服务");
        var bossCard = To(submitted, "boss");
        Assert.Contains("第 1/2 步", Text(bossCard), StringComparison.Ordinal);
        Assert.Contains("80,000.00 CNY", Text(bossCard), StringComparison.Ordinal);
        Assert.Contains("等待", Text(To(submitted, "zhangsan")), StringComparison.Ordinal);

        // A colleague who is not an approver is refused and nothing changes.
        var intruder = await desk.ClickAsync("lisi", bossCard, "同意");
        Assert.Contains("Not an approver", Text(To(intruder, "lisi")), StringComparison.Ordinal);
        Assert.Equal((ContractStatus.PendingApproval, ApprovalStatus.Pending, 0), await StateAsync(desk));

        var step1 = await desk.ClickAsync("boss", bossCard, "同意");
        Assert.Equal(ChatAddressKind.CardUpdate, To(step1, "boss").To.Kind);
        var director1 = To(step1, "director1");
        To(step1, "director2");
        Assert.Contains("第 2/2 步", Text(director1), StringComparison.Ordinal);
        Assert.Contains("等待", Text(To(step1, "zhangsan")), StringComparison.Ordinal);

        var step2 = await desk.ClickAsync("director1", director1, "同意");
        Assert.Contains("已批准", Text(To(step2, "zhangsan")), StringComparison.Ordinal);
        // The other director's card shows the outcome instead of buttons.
        var other = To(step2, "director2");
        Assert.Empty(other.Card.AllActions());
        Assert.Contains("赵总", Text(other), StringComparison.Ordinal);
        Assert.Equal((ContractStatus.Approved, ApprovalStatus.Approved, 2), await StateAsync(desk));

        // Late: the second director and the same card again.
        var late = await desk.ClickAsync("director2", To(step1, "director2"), "同意");
        Assert.Contains("Already decided by 赵总", Text(To(late, "director2")), StringComparison.Ordinal);
        var again = await desk.ClickAsync("boss", bossCard, "驳回");
        Assert.Contains("Already decided", Text(To(again, "boss")), StringComparison.Ordinal);
        Assert.Equal((ContractStatus.Approved, ApprovalStatus.Approved, 2), await StateAsync(desk));

        await using var db = desk.Database.NewContext();
        // One entry per state change (the clock stands still in this test, so compare as a set).
        var trail = await db.AuditEntries.Where(a => a.EntityType == nameof(ApprovalRequest)).Select(a => a.Action).ToListAsync();
        Assert.Equal(["approved", "approved", "contract-approved", "submitted"], trail.Order());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_reject_at_step_one_takes_the_next_text_as_its_reason_and_never_asks_step_two(DatabaseProvider provider)
    {
        var (desk, _, _) = await StartAsync(provider);
        await using var _desk = desk;
        var submitted = await desk.SayAsync("zhangsan", "合同 王五 80000 年度服务");

        var rejected = await desk.ClickAsync("boss", To(submitted, "boss"), "驳回");
        Assert.Contains("请直接回复驳回理由", Text(To(rejected, "boss")), StringComparison.Ordinal);
        Assert.Contains("驳回", Text(To(rejected, "zhangsan")), StringComparison.Ordinal);
        Assert.DoesNotContain(rejected, d => d.To.Value.StartsWith("director", StringComparison.Ordinal));

        var reason = await desk.SayAsync("boss", "价格太低，请重新报价");
        Assert.Contains("价格太低", Text(To(reason, "zhangsan")), StringComparison.Ordinal);
        Assert.Contains("价格太低", Text(To(reason, "boss")), StringComparison.Ordinal);

        Assert.Equal((ContractStatus.Rejected, ApprovalStatus.Rejected, 1), await StateAsync(desk));
        await using var db = desk.Database.NewContext();
        Assert.Equal("价格太低，请重新报价", (await db.ApprovalDecisions.SingleAsync()).Reason);
        Assert.Equal(0, await db.OutboxMessages.CountAsync(m => m.Target.StartsWith("director")));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_requester_can_withdraw_while_pending_and_the_approvers_cards_then_say_so(DatabaseProvider provider)
    {
        var (desk, _, _) = await StartAsync(provider);
        await using var _desk = desk;
        var submitted = await desk.SayAsync("zhangsan", "合同 王五 30000 维保服务");
        var mine = To(submitted, "zhangsan");

        var notMine = await desk.ClickAsync("lisi", mine, "撤回");
        Assert.Contains("Only the requester", Text(To(notMine, "lisi")), StringComparison.Ordinal);

        var withdrawn = await desk.ClickAsync("zhangsan", mine, "撤回");
        Assert.Contains("Withdrawn", Text(To(withdrawn, "zhangsan")), StringComparison.Ordinal);
        Assert.Contains("Withdrawn", Text(To(withdrawn, "boss")), StringComparison.Ordinal);
        Assert.Equal((ContractStatus.Withdrawn, ApprovalStatus.Withdrawn, 0), await StateAsync(desk));

        var late = await desk.ClickAsync("boss", To(submitted, "boss"), "同意");
        Assert.Contains("Already decided by 张三", Text(To(late, "boss")), StringComparison.Ordinal);
        Assert.Equal((ContractStatus.Withdrawn, ApprovalStatus.Withdrawn, 0), await StateAsync(desk));
    }

    [Fact]
    public async Task A_contract_no_rule_covers_stays_a_draft_with_a_clear_answer()
    {
        await using var desk = await ChatDesk.StartAsync(DatabaseProvider.Sqlite,
            ("Approvals:Rules:0:Name", "capped"), ("Approvals:Rules:0:AmountUpTo", "100000"), ("Approvals:Rules:0:Steps:0:Approvers:0", "manager"));
        var boss = await desk.EmployeeAsync("boss", "王经理");
        await desk.EmployeeAsync("zhangsan", "张三", boss.Id);
        await desk.SayAsync("zhangsan", "新客户 王五 13800138000");
        var answer = Assert.Single(await desk.SayAsync("zhangsan", "合同 王五 2000000 框架协议"));
        Assert.Contains("No approval rule", Text(answer), StringComparison.Ordinal);
        await using var db = desk.Database.NewContext();
        Assert.Equal(ContractStatus.Draft, (await db.Contracts.SingleAsync()).Status);
        Assert.Equal(0, await db.ApprovalRequests.CountAsync());
    }
}

using System.Globalization;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;

namespace CrmChat.Scheduler.Jobs;

/// <summary>One line of the digest: a rep's follow-ups due today and overdue.</summary>
public sealed record DigestRep(string Name, int DueToday, int Overdue);

/// <summary>What a team's digest says.</summary>
public sealed record TeamDigestFacts(string Team, DateTimeOffset LocalDay, int DueToday, int Overdue, int ApprovalsWaiting, int NewCustomers,
    IReadOnlyList<DigestRep> Reps);

/// <summary>The cards the scheduled jobs send, authored once for every platform (bilingual, as every CrmChat card).</summary>
public static class JobCards
{
    private const int DigestReps = 20;

    public static AdaptiveCard Digest(TeamDigestFacts d)
    {
        var card = Card.New()
            .Heading($"📋 {d.Team} 每日简报 Daily digest")
            .Subtle(Day(d.LocalDay))
            .Facts(
                ("今日待跟进 Due today", Count(d.DueToday)),
                ("逾期 Overdue", Count(d.Overdue)),
                ("待审批 Approvals waiting", Count(d.ApprovalsWaiting)),
                ("新客户 New customers (24h)", Count(d.NewCustomers)));
        var reps = d.Reps.Where(r => r.DueToday + r.Overdue > 0)
            .OrderByDescending(r => r.Overdue).ThenByDescending(r => r.DueToday).ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        if (reps.Count == 0)
        {
            return card.Text("今天没有待跟进的事项。Nothing is due today.").Build();
        }
        var lines = reps.Take(DigestReps).Select(r => (r.Name, $"今日 {Count(r.DueToday)} · 逾期 {Count(r.Overdue)}")).ToList();
        if (reps.Count > DigestReps)
        {
            lines.Add(("…", $"还有 {reps.Count - DigestReps} 人 and {reps.Count - DigestReps} more"));
        }
        return card.Text("按销售 By rep（今日 today · 逾期 overdue）").Facts([.. lines]).Build();
    }

    /// <summary>To a rep's manager: one follow-up overdue.</summary>
    public static AdaptiveCard OverdueFollowUp(FollowUp followUp, string rep, string? customer, TimeSpan overdue, TimeZoneInfo zone) =>
        Card.New()
            .Heading("⚠️ 跟进逾期 Overdue follow-up")
            .Subtle($"{rep} 的跟进已逾期 {Hours(overdue)} 小时 · overdue by {Hours(overdue)} h")
            .Facts(("客户", customer ?? "个人提醒"), ("内容", Note(followUp.Note)), ("应于", FollowUpCards.When(followUp.DueAt, zone)), ("负责人", rep))
            .Text("请跟进或提醒负责人处理。Please check with them.")
            .Build();

    /// <summary>To a rep's manager: several follow-ups overdue at once.</summary>
    public static AdaptiveCard OverdueFollowUps(IReadOnlyList<(FollowUp FollowUp, string Rep, string? Customer)> overdue, TimeZoneInfo zone, int shown = 10)
    {
        var lines = overdue.Take(shown)
            .Select(o => (o.Rep, $"{o.Customer ?? "个人提醒"}：{Note(o.FollowUp.Note)}（{FollowUpCards.When(o.FollowUp.DueAt, zone)}）"))
            .ToList();
        if (overdue.Count > shown)
        {
            lines.Add(("…", $"还有 {overdue.Count - shown} 条 and {overdue.Count - shown} more"));
        }
        return Card.New()
            .Heading($"⚠️ {overdue.Count} 条跟进逾期 {overdue.Count} overdue follow-ups")
            .Subtle("你的团队成员有跟进逾期未完成。Follow-ups of your team are overdue.")
            .Facts([.. lines])
            .Build();
    }

    /// <summary>To an approver whose step has waited past the SLA: the same buttons as the request card.</summary>
    public static AdaptiveCard ApprovalWaiting(ContractFacts facts, string step, TimeSpan waited)
    {
        var id = facts.RequestId.ToString("N");
        return Card.New()
            .Heading("⏰ 合同审批待处理 Approval waiting")
            .Subtle($"{step} 已等待 {Hours(waited)} 小时 · waiting {Hours(waited)} h")
            .Facts(facts.Facts)
            .TextInput(ApprovalVerbs.Reason, "驳回理由 Reason to reject", "驳回时请填写理由", multiline: true)
            .Submit("同意 Approve", ActionStyle.Positive, ApprovalVerbs.Approve, (ApprovalVerbs.Id, id))
            .Submit("驳回 Reject", ActionStyle.Destructive, ApprovalVerbs.Reject, (ApprovalVerbs.Id, id))
            .Build();
    }

    /// <summary>To an approver's manager once the step waited past the manager SLA.</summary>
    public static AdaptiveCard ApprovalOverdue(ContractFacts facts, string step, IEnumerable<string> approvers, TimeSpan waited)
    {
        var who = string.Join("、", approvers);
        return Card.New()
            .Heading("⚠️ 合同审批超时 Approval overdue")
            .Subtle($"{who} 尚未处理“{step}”，已等待 {Hours(waited)} 小时 · {who} have not decided for {Hours(waited)} h")
            .Facts(facts.Facts)
            .Text("请提醒审批人处理。Please ask them to decide.")
            .Build();
    }

    /// <summary>To a customer's owner when nothing happened with the customer for a while.</summary>
    public static AdaptiveCard Nudge(string customer, string? company, CustomerStage stage, TimeSpan quiet, string? openUrl)
    {
        var days = (int)quiet.TotalDays;
        var card = Card.New()
            .Heading("💤 客户久未跟进 Customer needs attention")
            .Subtle($"{customer} 已超过 {days} 天没有跟进或活动 · nothing for {days} days")
            .Facts(("客户", customer), ("公司", company is { Length: > 0 } ? company : "—"), ("阶段", stage.ToString()))
            .Text($"安排一次跟进，例如发：跟进 {customer} 明天上午10点 回访。Schedule one: follow up {customer} tomorrow 10am.");
        if (openUrl is { Length: > 0 })
        {
            card.OpenUrl("打开 Open", openUrl);
        }
        return card.Build();
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Hours(TimeSpan span) => ((int)Math.Floor(span.TotalHours)).ToString(CultureInfo.InvariantCulture);

    private static string Note(string note) => note.Length == 0 ? "—" : note;

    private static readonly string[] WeekDays = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

    private static string Day(DateTimeOffset local) =>
        string.Create(CultureInfo.InvariantCulture, $"{local:yyyy年M月d日} {WeekDays[(int)local.DayOfWeek]}");
}

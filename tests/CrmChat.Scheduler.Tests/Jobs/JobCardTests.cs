using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;
using CrmChat.Scheduler.Jobs;
using CrmChat.Testing;

namespace CrmChat.Scheduler.Tests.Jobs;

/// <summary>Every card the jobs send, as Microsoft's adaptivecards package reads it.</summary>
public sealed class JobCardTests(AdaptiveCardsPeer peer) : IClassFixture<AdaptiveCardsPeer>
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static IReadOnlyDictionary<string, AdaptiveCard> Samples()
    {
        var followUp = new FollowUp
        {
            CustomerId = Guid.CreateVersion7(), OwnerId = Guid.CreateVersion7(), Note = "回访报价，带上新版合同和价目表",
            DueAt = new DateTimeOffset(2026, 11, 24, 2, 0, 0, TimeSpan.Zero),
        };
        var facts = new ContractFacts(Guid.CreateVersion7(), "上海星辰科技有限公司", "年度服务合同", 120_000m, "CNY", "张三", null);
        var reps = Enumerable.Range(1, 25).Select(i => new DigestRep($"销售{i}", i % 4, i % 3)).ToList();
        return new Dictionary<string, AdaptiveCard>
        {
            ["due"] = FollowUpCards.FollowUpDue(followUp, "王五", Shanghai, "https://crm.example.com/customers/1"),
            ["due-personal"] = FollowUpCards.FollowUpDue(followUp, null, Shanghai),
            ["due-summary"] = FollowUpCards.FollowUpsDue(Enumerable.Range(0, 12).Select(i => (followUp, (string?)$"客户{i}")).ToList(), Shanghai),
            ["digest"] = JobCards.Digest(new TeamDigestFacts("华东销售", new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.FromHours(8)), 30, 20, 2, 7, reps)),
            ["digest-quiet"] = JobCards.Digest(new TeamDigestFacts("华东销售", new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.FromHours(8)), 0, 0, 0, 0, [])),
            ["overdue"] = JobCards.OverdueFollowUp(followUp, "张三", "王五", TimeSpan.FromHours(26), Shanghai),
            ["overdue-many"] = JobCards.OverdueFollowUps(Enumerable.Range(0, 12).Select(i => (followUp, "张三", (string?)$"客户{i}")).ToList(), Shanghai),
            ["approval-waiting"] = JobCards.ApprovalWaiting(facts, "直属主管 Manager", TimeSpan.FromHours(25)),
            ["approval-overdue"] = JobCards.ApprovalOverdue(facts, "直属主管 Manager", ["王经理", "李总监"], TimeSpan.FromHours(49)),
            ["nudge"] = JobCards.Nudge("王五", "上海星辰科技有限公司", CustomerStage.Qualified, TimeSpan.FromDays(14), "https://crm.example.com/customers/1"),
        };
    }

    public static TheoryData<string> Names => new(Samples().Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Every_job_card_parses_cleanly_with_adaptivecards(string name)
    {
        var json = Samples()[name].ToJson();
        CardAssert.Clean(await peer.ProblemsAsync(json), json);
    }

    [Fact]
    public void A_long_digest_lists_twenty_reps_and_says_how_many_more()
    {
        var reps = Enumerable.Range(1, 25).Select(i => new DigestRep($"销售{i:00}", 1, 0)).ToList();
        var card = JobCards.Digest(new TeamDigestFacts("华东销售", new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.FromHours(8)), 25, 0, 0, 0, reps));
        var lines = card.AllElements().OfType<FactSet>().Last().Facts;
        Assert.Equal(21, lines.Count);
        Assert.Equal(("…", "还有 5 人 and 5 more"), (lines[^1].Title, lines[^1].Value));
    }
}

using CrmChat.Bots.Conversations;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;
using CrmChat.Testing;

namespace CrmChat.Bots.Tests.Conversations;

/// <summary>Every card the bot answers with, as Microsoft's adaptivecards package reads it.</summary>
public sealed class ReplyCardTests(AdaptiveCardsPeer peer) : IClassFixture<AdaptiveCardsPeer>
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>One of each, with long Chinese text where the real ones can have it.</summary>
    internal static IReadOnlyDictionary<string, AdaptiveCard> Samples()
    {
        var view = new CustomerView(Guid.CreateVersion7(), "王五", "上海某某科技有限公司", CustomerStage.Negotiation, "张三",
            ["+8613800138000", "+8613900139000"], ["重要", "vip"], "5月2日 周六 10:00");
        var followUp = new FollowUp
        {
            CustomerId = view.Id, OwnerId = Guid.CreateVersion7(), Note = "回访报价，带上新版合同和价目表",
            DueAt = new DateTimeOffset(2026, 5, 2, 2, 0, 0, TimeSpan.Zero), CompletedAt = new DateTimeOffset(2026, 5, 2, 3, 0, 0, TimeSpan.Zero),
        };
        return new Dictionary<string, AdaptiveCard>
        {
            ["message"] = ReplyCards.Message("没看懂 Not understood", "试试：跟进 张三 明天上午10点 回访报价"),
            ["help"] = ReplyCards.Help(),
            ["customer"] = ReplyCards.Customer(view, "已添加客户 Customer added"),
            ["duplicate"] = ReplyCards.Duplicate(view, "手机号相同 same phone number"),
            ["scheduled"] = FollowUpCards.FollowUpScheduled(followUp, view.Name, Shanghai),
            ["personal"] = FollowUpCards.FollowUpScheduled(followUp, null, Shanghai),
            ["done"] = FollowUpCards.FollowUpDone(followUp, view.Name, "张三", Shanghai),
            ["done-again"] = FollowUpCards.FollowUpDone(followUp, view.Name, "张三", Shanghai, again: true),
            ["snoozed"] = FollowUpCards.FollowUpSnoozed(followUp, view.Name, Shanghai),
            ["pick"] = ReplyCards.PickList("张", [view, view with { Id = Guid.CreateVersion7(), Name = "张伟" }], Guid.CreateVersion7()),
            ["list"] = ReplyCards.List("今天的跟进 Today", "", [("10:00", "王五：回访报价"), ("14:30", "李四：签约")]),
            ["empty-list"] = ReplyCards.List("逾期跟进 Overdue", "没有逾期的跟进。Nothing overdue.", []),
            ["filed-in-app"] = CrmCore.Approvals.ApprovalCards.FiledInApp(
                new CrmCore.Approvals.ContractFacts(Guid.CreateVersion7(), view.Company ?? view.Name, "年度服务（含三年维保与上门培训）", 80_000m, "CNY", "张三", null),
                CrmCore.Approvals.ContractApprovals.NativeAppName(CrmCore.Platform.WeCom), "202611230001", "王经理 → 赵总、钱总"),
        };
    }

    public static TheoryData<string> Names => new(Samples().Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Every_reply_card_parses_cleanly_with_adaptivecards(string name)
    {
        var json = Samples()[name].ToJson();
        CardAssert.Clean(await peer.ProblemsAsync(json), json);
    }

    [Fact]
    public void Follow_up_buttons_carry_the_follow_up_and_the_snooze_length()
    {
        var card = Samples()["scheduled"];
        var submits = card.AllActions().OfType<SubmitAction>().ToList();
        Assert.Equal([CardVerbs.FollowUpDone, CardVerbs.FollowUpSnooze, CardVerbs.FollowUpSnooze], submits.Select(s => s.Verb));
        Assert.Equal(["60", "1440"], submits.Skip(1).Select(s => s.Data[CardVerbs.Minutes]));
        Assert.Contains("5月2日 周六 10:00", card.ToJson(), StringComparison.Ordinal);
        Assert.Empty(Samples()["done"].AllActions());
    }
}

using System.Globalization;

namespace CrmChat.CrmCore.Cards;

/// <summary>
/// Cards the tests render on every platform and that show how bot code builds one. The
/// conversation and approval features own their real cards; these stay small on purpose.
/// </summary>
public static class CardExamples
{
    public static AdaptiveCard Customer(
        long customerId, string name, string company, string phone, string stage, string nextFollowUp, long followUpId, string detailUrl) =>
        Card.New()
            .Heading(name)
            .Subtle(company)
            .Facts(("电话", phone), ("阶段", stage), ("下次跟进", nextFollowUp))
            .Submit("完成", ActionStyle.Positive, "followup.done", ("followUpId", Id(followUpId)), ("customerId", Id(customerId)))
            .Submit("推迟1天", "followup.snooze", ("followUpId", Id(followUpId)), ("days", "1"))
            .OpenUrl("详情", detailUrl)
            .Build();

    public static AdaptiveCard Approval(
        long approvalId, string contractTitle, string customer, string amount, string requester, string detailUrl) =>
        Card.New()
            .Heading("合同审批")
            .Subtle(contractTitle)
            .Facts(("客户", customer), ("金额", amount), ("申请人", requester))
            .TextInput("reason", "驳回理由", "驳回时请填写理由", multiline: true)
            .Submit("同意", ActionStyle.Positive, "approval.approve", ("approvalId", Id(approvalId)))
            .Submit("驳回", ActionStyle.Destructive, "approval.reject", ("approvalId", Id(approvalId)))
            .OpenUrl("查看合同", detailUrl)
            .Build();

    /// <summary>The help card: one fact per command, with an example.</summary>
    public static AdaptiveCard Help(IReadOnlyList<(string Command, string Example)> commands) =>
        Card.New()
            .Heading("CrmChat 帮助 Help")
            .Text("直接发文字即可操作客户，前缀可省略。Type a command; the prefix is optional.")
            .Facts(commands.Select(c => (c.Command, c.Example)).ToArray())
            .Build();

    /// <summary>Several customers matched: one row and one button per candidate.</summary>
    public static AdaptiveCard PickList(string query, IReadOnlyList<(long CustomerId, string Name, string Detail)> candidates, string verb)
    {
        var builder = Card.New()
            .Heading($"“{query}” 匹配到 {candidates.Count} 位客户")
            .Subtle("请选择一位 Pick one");
        foreach (var c in candidates)
        {
            builder.Columns(
                new Column([new TextBlock(c.Name) { Weight = TextWeight.Bolder }]) { Width = ColumnWidth.Auto },
                new Column([TextBlock.Subtle(c.Detail)]) { Width = ColumnWidth.Stretch });
        }
        foreach (var c in candidates)
        {
            builder.Submit(c.Name, verb, ("customerId", Id(c.CustomerId)));
        }
        return builder.Build();
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}

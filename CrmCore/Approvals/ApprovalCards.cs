using System.Globalization;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Deals;

namespace CrmChat.CrmCore.Approvals;

/// <summary>The verbs and data keys of approval card buttons.</summary>
public static class ApprovalVerbs
{
    public const string Approve = "approval.approve";
    public const string Reject = "approval.reject";
    public const string Withdraw = "approval.withdraw";

    /// <summary>The approval request id (32 hex digits).</summary>
    public const string Id = "id";
    /// <summary>The text input of a reject reason where the platform has one.</summary>
    public const string Reason = "reason";
}

/// <summary>The facts every approval card shows.</summary>
public sealed record ContractFacts(Guid RequestId, string Customer, string Title, decimal Amount, string Currency, string Requester, string? Link)
{
    public string AmountText => string.Create(CultureInfo.InvariantCulture, $"{Amount:N2} {Currency}");

    public (string, string)[] Facts => [("客户", Customer), ("金额", AmountText), ("标题", Title), ("申请人", Requester)];
}

/// <summary>Cards of the approval flow, authored once for every platform.</summary>
public static class ApprovalCards
{
    public static AdaptiveCard Request(ContractFacts facts, string stepName, int step, int steps)
    {
        var id = facts.RequestId.ToString("N");
        var card = Card.New()
            .Heading("合同审批 Contract approval")
            .Subtle($"第 {step}/{steps} 步 Step {step} of {steps}：{stepName}")
            .Facts(facts.Facts)
            .TextInput(ApprovalVerbs.Reason, "驳回理由 Reason to reject", "驳回时请填写理由", multiline: true)
            .Submit("同意 Approve", ActionStyle.Positive, ApprovalVerbs.Approve, (ApprovalVerbs.Id, id))
            .Submit("驳回 Reject", ActionStyle.Destructive, ApprovalVerbs.Reject, (ApprovalVerbs.Id, id));
        if (facts.Link is { } link)
        {
            card.OpenUrl("查看合同", link);
        }
        return card.Build();
    }

    /// <summary>What an approver's card becomes once the step or the request is settled.</summary>
    public static AdaptiveCard Settled(ContractFacts facts, string outcome, string by, string? reason) =>
        Card.New()
            .Heading($"合同审批：{outcome}")
            .Subtle($"{by}")
            .Facts([.. facts.Facts, .. reason is null ? Array.Empty<(string, string)>() : [("理由", reason)]])
            .Build();

    public static AdaptiveCard Submitted(ContractFacts facts, string waitingFor) =>
        Card.New()
            .Heading("合同已提交审批 Submitted for approval")
            .Subtle($"等待 Waiting for：{waitingFor}")
            .Facts(facts.Facts)
            .Submit("撤回 Withdraw", ActionStyle.Destructive, ApprovalVerbs.Withdraw, (ApprovalVerbs.Id, facts.RequestId.ToString("N")))
            .Build();

    /// <summary>The requester's answer when the contract went to the platform's own approval app.</summary>
    public static AdaptiveCard FiledInApp(ContractFacts facts, string app, string instanceId, string waitingFor) =>
        Card.New()
            .Heading($"合同已提交到{app} Filed for approval")
            .Subtle($"审批人在{app}中处理，进展和结果会通知你。Approvers decide in the approval app; you will hear the outcome here.")
            .Facts([.. facts.Facts, ("审批单号", instanceId), ("审批人", waitingFor)])
            .Build();

    public static AdaptiveCard Progress(ContractFacts facts, ContractStatus status, string what) =>
        Card.New()
            .Heading(status switch
            {
                ContractStatus.Approved => "✅ 合同已批准 Approved",
                ContractStatus.Rejected => "❌ 合同被驳回 Rejected",
                ContractStatus.Withdrawn => "合同已撤回 Withdrawn",
                _ => "审批进展 Approval progress",
            })
            .Subtle(what)
            .Facts(facts.Facts)
            .Build();

    public static AdaptiveCard AskReason(ContractFacts facts) =>
        Card.New()
            .Heading("已驳回 Rejected")
            .Subtle("请直接回复驳回理由，申请人会收到。Reply with the reason; the requester will see it.")
            .Facts(facts.Facts)
            .Build();

    public static AdaptiveCard Notice(string heading, string text) => Card.New().Heading(heading).Text(text).Build();
}

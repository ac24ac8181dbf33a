using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;

namespace CrmChat.Connectors.WeCom;

/// <summary>WeCom callbacks for the conversations and approvals rooms, in platform-neutral terms.</summary>
public static class WeComInboundEvents
{
    /// <summary>The neutral event for a stored callback, or null for the kinds handled elsewhere.</summary>
    public static InboundEvent? From(WeComCallbackMessage message)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(message.Envelope.CreateTime);
        return message switch
        {
            WeComTextMessage text => new ChatMessageReceived(Platform.WeCom, at,
                message.Envelope.MsgId ?? message.DedupeKey, message.Envelope.FromUserName, text.Content),
            WeComTemplateCardClicked { TaskId: { Length: > 0 } taskId } click => new CardActionReceived(Platform.WeCom, at,
                click.MemberUserId, taskId, click.EventKey ?? "", click.ResponseCode),
            WeComApprovalChanged approval => Approval(approval, at),
            _ => null,
        };
    }

    private static NativeApprovalChanged Approval(WeComApprovalChanged approval, DateTimeOffset at)
    {
        var info = approval.ApprovalInfo;
        var state = info.SpStatus switch
        {
            WeComApprovalStatus.Reviewing => NativeApprovalState.Pending,
            WeComApprovalStatus.Approved => NativeApprovalState.Approved,
            WeComApprovalStatus.Rejected => NativeApprovalState.Rejected,
            WeComApprovalStatus.Withdrawn or WeComApprovalStatus.WithdrawnAfterApproval => NativeApprovalState.Withdrawn,
            _ => NativeApprovalState.Other,
        };
        // The latest decision in the flow is the one that moved it.
        var last = info.Steps.SelectMany(s => s.Details).Where(d => d.SpTime > 0).MaxBy(d => d.SpTime);
        return new NativeApprovalChanged(Platform.WeCom, at, info.SpNo, state, last?.ApproverUserId, last?.Speech);
    }
}

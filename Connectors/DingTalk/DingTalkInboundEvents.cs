using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;

namespace CrmChat.Connectors.DingTalk;

/// <summary>DingTalk robot messages and approval events for the conversations and approvals rooms.</summary>
public static class DingTalkInboundEvents
{
    public static ChatMessageReceived? From(DingTalkRobotInboundMessage message)
    {
        if (message.MsgType != "text" || message.Text is null || message.SenderStaffId is null)
        {
            return null;
        }
        return new ChatMessageReceived(Platform.DingTalk, message.CreateAt ?? DateTimeOffset.UnixEpoch, message.MsgId,
            message.SenderStaffId, message.Text.Trim(), message.IsGroup ? message.ConversationId : null,
            message.SessionWebhook?.ToString(), message.SessionWebhookExpiresAt);
    }

    /// <summary>The workflow's own outcome: finish with agree / refuse, or terminate (withdrawn).</summary>
    public static NativeApprovalChanged? From(DingTalkEvent e)
    {
        if (e.Kind != DingTalkEventKind.BpmsInstanceChange || e.Instance is not { } instance)
        {
            return null;
        }
        var state = (instance.Type, instance.Result) switch
        {
            ("start", _) => NativeApprovalState.Pending,
            ("finish", "agree") => NativeApprovalState.Approved,
            ("finish", "refuse") => NativeApprovalState.Rejected,
            ("terminate", _) => NativeApprovalState.Withdrawn,
            _ => NativeApprovalState.Other,
        };
        var at = e.TimeStamp is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.UnixEpoch;
        return new NativeApprovalChanged(Platform.DingTalk, at, instance.ProcessInstanceId, state, instance.StaffId, null);
    }
}

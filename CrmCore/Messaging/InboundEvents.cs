namespace CrmChat.CrmCore.Messaging;

/// <summary>
/// What a chat platform told CrmChat, in words that mean the same on WeCom and DingTalk.
/// Connectors turn stored inbox payloads into these; conversations and approvals consume them.
/// </summary>
public abstract record InboundEvent(Platform Platform, DateTimeOffset At);

/// <summary>A person wrote to CrmChat (the app one-to-one, or the robot in a group).</summary>
/// <param name="ConversationId">The group conversation, or null for one-to-one.</param>
/// <param name="ReplyAddress">Where a reply goes directly (a DingTalk sessionWebhook) while it is valid.</param>
public sealed record ChatMessageReceived(
    Platform Platform,
    DateTimeOffset At,
    string MessageId,
    string SenderUserId,
    string Text,
    string? ConversationId = null,
    string? ReplyAddress = null,
    DateTimeOffset? ReplyAddressExpiresAt = null) : InboundEvent(Platform, At);

/// <summary>A person clicked a button on a card CrmChat sent.</summary>
/// <param name="CardId">The card's id (WeCom task_id).</param>
/// <param name="UpdateToken">Lets CrmChat update that card once (WeCom ResponseCode, 72 hours).</param>
public sealed record CardActionReceived(
    Platform Platform,
    DateTimeOffset At,
    string UserId,
    string CardId,
    string ActionKey,
    string? UpdateToken) : InboundEvent(Platform, At);

public enum NativeApprovalState
{
    Pending = 1,
    Approved = 2,
    Rejected = 3,
    Withdrawn = 4,
    Other = 5,
}

/// <summary>The platform's own approval app moved an approval (WeCom OA, DingTalk workflow).</summary>
public sealed record NativeApprovalChanged(
    Platform Platform,
    DateTimeOffset At,
    string InstanceId,
    NativeApprovalState State,
    string? DeciderUserId,
    string? Comment) : InboundEvent(Platform, At);

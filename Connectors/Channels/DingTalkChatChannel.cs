using CrmChat.Connectors.Cards;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Channels;

/// <summary>
/// Cards into DingTalk through the app's enterprise robot (one to one, session webhook replies,
/// groups it is in) and custom group robots. DingTalk buttons only open links, so every
/// Submit becomes a signed link for the employee the card is for.
/// </summary>
public sealed partial class DingTalkChatChannel(
    IDingTalkRobotClient robot,
    IDingTalkCustomRobotClient customRobots,
    DingTalkCardRenderer renderer,
    IOptions<CardOptions> cards,
    IOptions<DingTalkClientOptions> clientOptions,
    TimeProvider time,
    ILogger<DingTalkChatChannel> logger) : IChatChannel
{
    /// <summary>A session webhook this close to its expiry is not used: the reply goes one to one instead.</summary>
    public static readonly TimeSpan SessionWebhookMargin = TimeSpan.FromSeconds(30);

    public Platform Platform => Platform.DingTalk;

    public async Task<ChatSendReceipt> SendAsync(ChatDelivery delivery, string dedupeKey, CancellationToken ct)
    {
        try
        {
            if (delivery.To.Platform != Platform.DingTalk)
            {
                throw ChatSendFailure.Permanent($"A {delivery.To.Platform} address cannot be sent through DingTalk.");
            }
            switch (delivery.To.Kind)
            {
                case ChatAddressKind.Member:
                    return await SendToMemberAsync(delivery.To.Value, delivery, ct).ConfigureAwait(false);
                case ChatAddressKind.Reply:
                    return await ReplyAsync(delivery, ct).ConfigureAwait(false);
                case ChatAddressKind.CardUpdate:
                    // DingTalk cannot change a robot message once sent: the new card arrives as a new message.
                    LogNoInPlaceUpdate(logger, delivery.CardId, delivery.To.Value);
                    return await SendToMemberAsync(delivery.To.Value, delivery, ct).ConfigureAwait(false);
                case ChatAddressKind.Group:
                    return await SendToGroupAsync(delivery, dedupeKey, ct).ConfigureAwait(false);
                default:
                    throw ChatSendFailure.Permanent($"DingTalk cannot send to a {delivery.To.Kind} address.");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw ChatSendFailure.From(e, clientOptions.Value.RobotThrottleDelay);
        }
    }

    /// <summary>oToMessages/batchSend. DingTalk offers no dedupe key here: a re-send after a crash can show twice.</summary>
    private async Task<ChatSendReceipt> SendToMemberAsync(string userId, ChatDelivery delivery, CancellationToken ct)
    {
        var rendering = renderer.RenderRobotTemplate(delivery.Card, Links(delivery, delivery.LinkUserId ?? userId));
        ChannelCards.LogNotes(logger, "DingTalk one-to-one", delivery.CardId, rendering);
        var result = await robot.SendToUsersAsync([userId], rendering.Message, ct).ConfigureAwait(false);
        if (result.InvalidStaffIds.Contains(userId, StringComparer.Ordinal))
        {
            throw ChatSendFailure.Permanent($"DingTalk has no active user '{userId}' the robot can write to (invalidStaffIdList): check the userid.");
        }
        if (result.FlowControlledStaffIds.Contains(userId, StringComparer.Ordinal))
        {
            throw ChatSendFailure.Transient($"DingTalk held back the message to '{userId}' (flowControlledStaffIdList).", retryAfter: TimeSpan.FromMinutes(1));
        }
        return new ChatSendReceipt(result.ProcessQueryKey);
    }

    /// <summary>Into the conversation the person wrote from while its session webhook lives; then one to one.</summary>
    private async Task<ChatSendReceipt> ReplyAsync(ChatDelivery delivery, CancellationToken ct)
    {
        var member = delivery.To.FallbackMember ?? throw ChatSendFailure.Permanent("A DingTalk reply needs the member to message once the session webhook expired.");
        if (delivery.To.ValidUntil is { } validUntil && time.GetUtcNow() + SessionWebhookMargin < validUntil)
        {
            if (!Uri.TryCreate(delivery.To.Value, UriKind.Absolute, out var webhook))
            {
                throw ChatSendFailure.Permanent("The reply's session webhook is not an absolute URL.");
            }
            var rendering = renderer.RenderRobotMessage(delivery.Card, Links(delivery, delivery.LinkUserId ?? member));
            ChannelCards.LogNotes(logger, "DingTalk reply", delivery.CardId, rendering);
            try
            {
                await robot.ReplyAsync(webhook, validUntil, rendering.Message, ct).ConfigureAwait(false);
                return new ChatSendReceipt();
            }
            catch (DingTalkApiException e) when (e.IsSessionWebhookExpired)
            {
                LogSessionGone(logger, delivery.CardId, member);
            }
        }
        else
        {
            LogSessionExpired(logger, delivery.CardId, member);
        }
        return await SendToMemberAsync(member, delivery, ct).ConfigureAwait(false);
    }

    private async Task<ChatSendReceipt> SendToGroupAsync(ChatDelivery delivery, string dedupeKey, CancellationToken ct)
    {
        var links = delivery.LinkUserId is { Length: > 0 } employee ? Links(delivery, employee) : null;
        switch (delivery.To.TargetKind)
        {
            case ChatTargetKind.DingTalkRobotWebhook:
                var message = renderer.RenderRobotMessage(delivery.Card, links);
                ChannelCards.LogNotes(logger, "DingTalk custom robot", delivery.CardId, message);
                // msgUuid: DingTalk shows a message with a msgUuid it has seen once, however often it is sent.
                await customRobots.SendAsync(new DingTalkCustomRobot(delivery.To.Value, delivery.To.Secret),
                    message.Message with { MsgUuid = dedupeKey }, ct).ConfigureAwait(false);
                return new ChatSendReceipt();
            case ChatTargetKind.DingTalkConversation:
                var template = renderer.RenderRobotTemplate(delivery.Card, links);
                ChannelCards.LogNotes(logger, "DingTalk group", delivery.CardId, template);
                var key = await robot.SendToGroupAsync(delivery.To.Value, template.Message, ct).ConfigureAwait(false);
                return new ChatSendReceipt(key.Length > 0 ? key : null);
            default:
                throw ChatSendFailure.Permanent($"A {delivery.To.TargetKind} group is not a DingTalk group.");
        }
    }

    private CardLinkTarget Links(ChatDelivery delivery, string employeeId) =>
        new(delivery.CardId, employeeId, ChannelCards.LinksExpireAt(delivery, cards.Value.LinkLifetime, time.GetUtcNow()));

    [LoggerMessage(EventId = 3311, Level = LogLevel.Information,
        Message = "DingTalk card {CardId}: DingTalk cannot update a sent robot message, so the new card went to {Member} as a new message")]
    private static partial void LogNoInPlaceUpdate(ILogger logger, string cardId, string member);

    [LoggerMessage(EventId = 3312, Level = LogLevel.Information,
        Message = "DingTalk card {CardId}: the session webhook has expired (or expires within seconds); replying to {Member} one to one")]
    private static partial void LogSessionExpired(ILogger logger, string cardId, string member);

    [LoggerMessage(EventId = 3313, Level = LogLevel.Information,
        Message = "DingTalk card {CardId}: DingTalk no longer knows the session webhook; replying to {Member} one to one")]
    private static partial void LogSessionGone(ILogger logger, string cardId, string member);
}

using CrmChat.Connectors.Cards;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Channels;

/// <summary>
/// Cards into WeCom: app messages to members (button cards call back), whole-card updates
/// through a click's response_code, and group robot messages.
/// </summary>
public sealed partial class WeComChatChannel(
    IWeComMessageClient messages,
    IWeComGroupRobotClient robots,
    WeComCardRenderer renderer,
    IOptions<CardOptions> cards,
    TimeProvider time,
    ILogger<WeComChatChannel> logger) : IChatChannel
{
    /// <summary>
    /// WeCom's longest duplicate check window (4 hours): the same card sent again to the same
    /// member within it is answered like the first and not shown twice.
    /// </summary>
    public const int DuplicateCheckSeconds = 4 * 3600;

    public Platform Platform => Platform.WeCom;

    public async Task<ChatSendReceipt> SendAsync(ChatDelivery delivery, string dedupeKey, CancellationToken ct)
    {
        try
        {
            if (delivery.To.Platform != Platform.WeCom)
            {
                throw ChatSendFailure.Permanent($"A {delivery.To.Platform} address cannot be sent through WeCom.");
            }
            return delivery.To.Kind switch
            {
                ChatAddressKind.Member => await SendCardAsync(delivery.To.Value, delivery, ct).ConfigureAwait(false),
                // WeCom replies to a member's message are app messages to that member.
                ChatAddressKind.Reply => await SendCardAsync(delivery.To.FallbackMember ?? delivery.To.Value, delivery, ct).ConfigureAwait(false),
                ChatAddressKind.CardUpdate => await UpdateCardAsync(delivery, ct).ConfigureAwait(false),
                ChatAddressKind.Group => await SendToGroupAsync(delivery, ct).ConfigureAwait(false),
                _ => throw ChatSendFailure.Permanent($"WeCom cannot send to a {delivery.To.Kind} address."),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw ChatSendFailure.From(e);
        }
    }

    private async Task<ChatSendReceipt> SendCardAsync(string userId, ChatDelivery delivery, CancellationToken ct)
    {
        var rendering = renderer.RenderAppCard(delivery.Card, delivery.CardId);
        ChannelCards.LogNotes(logger, "WeCom app message", delivery.CardId, rendering);
        var message = WeComAppMessage.Card([userId], rendering.Message) with { DuplicateCheckInterval = DuplicateCheckSeconds };
        var result = await messages.SendAsync(message, ct).ConfigureAwait(false);
        if (result.InvalidUsers.Contains(userId, StringComparer.Ordinal))
        {
            throw ChatSendFailure.Permanent($"WeCom has no member '{userId}' this app can reach (invaliduser): check the userid and the app's visible range.");
        }
        if (result.UnlicensedUsers.Contains(userId, StringComparer.Ordinal))
        {
            throw ChatSendFailure.Permanent($"WeCom member '{userId}' has no account licence (unlicenseduser), so the app cannot message them.");
        }
        return new ChatSendReceipt(result.MsgId, result.ResponseCode);
    }

    /// <summary>
    /// Replaces the card the member clicked, once, with the response_code of the click. When the
    /// code is missing, used or past its 72 hours (WeCom answers 40058), the new card goes to the
    /// member as a new message instead: the change is never lost.
    /// </summary>
    private async Task<ChatSendReceipt> UpdateCardAsync(ChatDelivery delivery, CancellationToken ct)
    {
        var member = delivery.To.Value;
        var fallback = delivery.To.FallbackMember ?? member;
        if (string.IsNullOrEmpty(delivery.UpdateToken))
        {
            LogNoResponseCode(logger, delivery.CardId, fallback);
            return await SendCardAsync(fallback, delivery, ct).ConfigureAwait(false);
        }
        // A card without buttons becomes a text_notice: WeCom lets a clicked card turn into any template card.
        var rendering = renderer.RenderAppCard(delivery.Card, delivery.CardId);
        ChannelCards.LogNotes(logger, "WeCom card update", delivery.CardId, rendering);
        try
        {
            var invalid = await messages.UpdateTemplateCardAsync(new WeComTemplateCardUpdate
            {
                UserIds = [member],
                ResponseCode = delivery.UpdateToken,
                TemplateCard = rendering.Message,
            }, ct).ConfigureAwait(false);
            if (invalid.Contains(member, StringComparer.Ordinal))
            {
                throw ChatSendFailure.Permanent($"WeCom did not update the card for '{member}' (invaliduser): check the userid.");
            }
            return new ChatSendReceipt();
        }
        catch (WeComApiException e) when (e.ErrCode == WeComApiException.InvalidParameter)
        {
            LogUpdateFellBack(logger, delivery.CardId, e.ErrMsg, fallback);
            return await SendCardAsync(fallback, delivery, ct).ConfigureAwait(false);
        }
    }

    private async Task<ChatSendReceipt> SendToGroupAsync(ChatDelivery delivery, CancellationToken ct)
    {
        switch (delivery.To.TargetKind)
        {
            case ChatTargetKind.WeComGroupRobot:
                var links = delivery.LinkUserId is { Length: > 0 } employee
                    ? new CardLinkTarget(delivery.CardId, employee, ChannelCards.LinksExpireAt(delivery, cards.Value.LinkLifetime, time.GetUtcNow()))
                    : null;
                // A text_notice card looks best; markdown holds more. Send the card unless it would lose more.
                var card = renderer.RenderRobotCard(delivery.Card, links);
                var markdown = renderer.RenderRobotMarkdown(delivery.Card, links);
                if (ChannelCards.Losses(card) <= ChannelCards.Losses(markdown))
                {
                    ChannelCards.LogNotes(logger, "WeCom group robot", delivery.CardId, card);
                    await robots.SendAsync(delivery.To.Value, WeComRobotMessage.ForCard(card.Message), ct).ConfigureAwait(false);
                }
                else
                {
                    ChannelCards.LogNotes(logger, "WeCom group robot", delivery.CardId, markdown);
                    await robots.SendAsync(delivery.To.Value, markdown.Message, ct).ConfigureAwait(false);
                }
                return new ChatSendReceipt();
            case ChatTargetKind.WeComAppChat:
                throw ChatSendFailure.Permanent(
                    "CrmChat does not send to WeCom app group chats (appchat) yet: give the team a group robot (WeComGroupRobot) instead.");
            default:
                throw ChatSendFailure.Permanent($"A {delivery.To.TargetKind} group is not a WeCom group.");
        }
    }

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information,
        Message = "WeCom card {CardId}: no response_code to update it with; sent the new card to {Member} as a new message")]
    private static partial void LogNoResponseCode(ILogger logger, string cardId, string member);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Information,
        Message = "WeCom card {CardId} could not be updated in place ({Reason}: the response_code was used or is past 72 h); sent the new card to {Member} as a new message")]
    private static partial void LogUpdateFellBack(ILogger logger, string cardId, string reason, string member);
}

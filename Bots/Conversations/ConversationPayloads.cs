using System.Text;
using System.Text.Json;
using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;

namespace CrmChat.Bots.Conversations;

/// <summary>A click on a signed card link, as /cards/act stores it in the inbox.</summary>
internal sealed record CardLinkClick(string CardId, string Action, string UserId, DateTimeOffset At)
{
    /// <summary>What the person typed on the confirm page (a reject reason).</summary>
    public string? Reason { get; init; }

    public const string EventType = "card/link";

    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    public static CardLinkClick? FromJson(string json) => JsonSerializer.Deserialize<CardLinkClick>(json, JsonSerializerOptions.Web);
}

/// <summary>Reads stored inbox payloads back into the neutral chat events the conversation handles.</summary>
internal static class ConversationPayloads
{
    public static bool IsConversation(InboxEvent e) => (e.Platform, e.EventType) switch
    {
        (Platform.WeCom, "text") => true,
        (Platform.WeCom, "template_card_event") => true,
        (Platform.DingTalk, "robot/text") => true,
        (_, CardLinkClick.EventType) => true,
        _ => false,
    };

    public static InboundEvent? Read(InboxEvent e)
    {
        if (e.EventType == CardLinkClick.EventType)
        {
            var click = CardLinkClick.FromJson(e.Payload) ?? throw new InvalidDataException("A card link click without a body.");
            return new CardActionReceived(e.Platform, click.At, click.UserId, click.CardId, click.Action, null);
        }
        return e.Platform switch
        {
            Platform.WeCom => WeComInboundEvents.From(WeComCallbackXml.Parse(e.Payload)),
            Platform.DingTalk => DingTalkInboundEvents.From(DingTalkRobotInboundMessage.Parse(Encoding.UTF8.GetBytes(e.Payload))),
            _ => null,
        };
    }

    public static ChatMessageReceived? Message(InboxEvent e) => IsConversation(e) ? Read(e) as ChatMessageReceived : null;
}

using CrmChat.Bots.Inbox;
using CrmChat.Connectors.Cards;
using CrmChat.CrmCore.Messaging;

namespace CrmChat.Bots.Conversations;

/// <summary>
/// Chat messages and card clicks from the inbox. Everything it does is CRM work plus outbox rows,
/// so the whole of it runs in the inbox transaction: a reply is sent only if the change committed.
/// </summary>
internal sealed class ConversationHandler(Conversation conversation) : IInboxHandler
{
    public bool Handles(InboxEvent inboxEvent) => ConversationPayloads.IsConversation(inboxEvent);

    public Task<InboxChange> PrepareAsync(InboxEvent inboxEvent, CancellationToken ct)
    {
        InboxChange change = ConversationPayloads.Read(inboxEvent) switch
        {
            ChatMessageReceived message when message.Text.Length > 0 => token => conversation.OnMessageAsync(message, inboxEvent, token),
            CardActionReceived click => token => conversation.OnCardActionAsync(click, ActionData(click, inboxEvent), inboxEvent, token),
            // A sticker, an empty text, a card event without a task: nothing to do.
            _ => _ => Task.CompletedTask,
        };
        return Task.FromResult(change);
    }

    /// <summary>The button's data, with what the person typed on a link's confirm page.</summary>
    private static IReadOnlyDictionary<string, string>? ActionData(CardActionReceived click, InboxEvent inboxEvent)
    {
        var data = CardActionKey.Parse(click.ActionKey);
        if (data is null || inboxEvent.EventType != CardLinkClick.EventType || CardLinkClick.FromJson(inboxEvent.Payload)?.Reason is not { Length: > 0 } reason)
        {
            return data;
        }
        return new Dictionary<string, string>(data) { [CrmCore.Approvals.ApprovalVerbs.Reason] = reason };
    }
}

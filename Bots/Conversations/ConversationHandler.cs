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
            CardActionReceived click => token => conversation.OnCardActionAsync(click, CardActionKey.Parse(click.ActionKey), inboxEvent, token),
            // A sticker, an empty text, a card event without a task: nothing to do.
            _ => _ => Task.CompletedTask,
        };
        return Task.FromResult(change);
    }
}

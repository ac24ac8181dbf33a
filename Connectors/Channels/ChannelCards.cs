using CrmChat.Connectors.Cards;
using CrmChat.CrmCore.Messaging;
using Microsoft.Extensions.Logging;

namespace CrmChat.Connectors.Channels;

/// <summary>What both platforms' channels do with a delivery's card before sending it.</summary>
internal static partial class ChannelCards
{
    /// <summary>
    /// The expiry of the card's signed links: the delivery's own, else a fixed lifetime after it
    /// was queued. Never "now + lifetime": a re-send must render the same links as the first send.
    /// </summary>
    public static DateTimeOffset LinksExpireAt(ChatDelivery delivery, TimeSpan lifetime, DateTimeOffset now) =>
        delivery.LinksExpireAt ?? (delivery.QueuedAt ?? now) + lifetime;

    /// <summary>Logs what the platform could not show as authored: elements only, never the card's text.</summary>
    public static void LogNotes<T>(ILogger logger, string channel, string cardId, CardRendering<T> rendering)
    {
        if (rendering.Notes.Count > 0 && logger.IsEnabled(LogLevel.Information))
        {
            LogRendered(logger, cardId, channel, string.Join("; ", rendering.Notes.Select(n => $"{n.Kind} {n.Element}")));
        }
    }

    /// <summary>How much of the card a rendering loses (cut or left out), to pick the better of two.</summary>
    public static int Losses<T>(CardRendering<T> rendering) =>
        rendering.Notes.Count(n => n.Kind is RenderNoteKind.Truncated or RenderNoteKind.Dropped);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Card {CardId} for {Channel} was adapted: {Notes}")]
    private static partial void LogRendered(ILogger logger, string cardId, string channel, string notes);
}

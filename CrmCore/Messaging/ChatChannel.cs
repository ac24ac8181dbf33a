using System.Text.Json;
using System.Text.Json.Serialization;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Data;

namespace CrmChat.CrmCore.Messaging;

/// <summary>Who or where a message goes.</summary>
public enum ChatAddressKind
{
    /// <summary>One member, one to one: <see cref="ChatAddress.Value"/> is the platform user id.</summary>
    Member = 1,
    /// <summary>
    /// A DingTalk robot message's session webhook (<see cref="ChatAddress.Value"/> is its URL),
    /// valid until <see cref="ChatAddress.ValidUntil"/>; afterwards the message goes to
    /// <see cref="ChatAddress.FallbackMember"/> one to one.
    /// </summary>
    Reply = 2,
    /// <summary>Replace a card already shown to <see cref="ChatAddress.Value"/> (a member user id), see <see cref="ChatDelivery.UpdateToken"/>.</summary>
    CardUpdate = 3,
    /// <summary>A team's group chat: <see cref="ChatAddress.TargetKind"/> says which kind, Value its address.</summary>
    Group = 4,
}

/// <summary>Where a delivery goes, in platform terms the channel understands.</summary>
public sealed record ChatAddress(Platform Platform, ChatAddressKind Kind, string Value)
{
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>For <see cref="ChatAddressKind.Reply"/> and <see cref="ChatAddressKind.CardUpdate"/>: the member to message instead.</summary>
    public string? FallbackMember { get; init; }

    /// <summary>For <see cref="ChatAddressKind.Group"/>.</summary>
    public Team.ChatTargetKind? TargetKind { get; init; }

    /// <summary>For a DingTalk custom robot group: its signing secret (never logged).</summary>
    public string? Secret { get; init; }

    public static ChatAddress Member(Platform platform, string userId) => new(platform, ChatAddressKind.Member, userId);

    public static ChatAddress Reply(Platform platform, string sessionWebhook, DateTimeOffset validUntil, string fallbackMember) =>
        new(platform, ChatAddressKind.Reply, sessionWebhook) { ValidUntil = validUntil, FallbackMember = fallbackMember };

    public static ChatAddress CardUpdate(Platform platform, string userId) =>
        new(platform, ChatAddressKind.CardUpdate, userId) { FallbackMember = userId };
}

/// <summary>
/// One card to one address: what an outbox row holds. The channel renders the card for its
/// platform at send time. <see cref="CardId"/> names this card instance (WeCom task_id, the
/// card of a signed link); <see cref="LinkUserId"/> is the platform user whose signed links the
/// card carries where buttons can only open URLs.
/// </summary>
public sealed record ChatDelivery(ChatAddress To, AdaptiveCard Card, string CardId)
{
    public string? LinkUserId { get; init; }

    /// <summary>For <see cref="ChatAddressKind.CardUpdate"/>: WeCom's one-use response_code.</summary>
    public string? UpdateToken { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, DeliveryJson);

    public static ChatDelivery FromJson(string json) =>
        JsonSerializer.Deserialize<ChatDelivery>(json, DeliveryJson) ?? throw new JsonException("An outbox payload was null.");

    private static readonly JsonSerializerOptions DeliveryJson = new(CardJson.Options)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}

/// <summary>What the platform answered to a delivery it accepted.</summary>
/// <param name="PlatformMessageId">WeCom msgid, DingTalk processQueryKey / task id, when given.</param>
/// <param name="UpdateToken">WeCom response_code of a sent button card: lets CrmChat update it once within 72 hours.</param>
public sealed record ChatSendReceipt(string? PlatformMessageId = null, string? UpdateToken = null);

/// <summary>A delivery the platform refused. Transient ones are retried; the rest park as dead letters.</summary>
public sealed class ChatSendException(string message, bool transient, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = transient;

    /// <summary>When the platform said how long to wait (a rate limit).</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>
/// Sends cards into one chat platform. Implemented per platform in Connectors; only the outbox
/// dispatcher calls it, so every message leaves once, after the change behind it committed.
/// </summary>
public interface IChatChannel
{
    Platform Platform { get; }

    /// <param name="dedupeKey">The outbox row's key: passed to the platform where it deduplicates (WeCom duplicate check, DingTalk msgUuid).</param>
    Task<ChatSendReceipt> SendAsync(ChatDelivery delivery, string dedupeKey, CancellationToken ct);
}

/// <summary>Card ids: short, unique, safe as a WeCom task_id and in a link; the first letter names the platform.</summary>
public static class ChatCardId
{
    public static string New(Platform platform, string purpose) =>
        $"{(platform == Platform.WeCom ? 'w' : 'd')}{purpose}-{Guid.CreateVersion7():N}";

    public static Platform? PlatformOf(string cardId) => cardId.Length == 0 ? null : cardId[0] switch
    {
        'w' => Platform.WeCom,
        'd' => Platform.DingTalk,
        _ => null,
    };
}

/// <summary>
/// Writes outbox rows into the caller's unit of work: they commit with the change that caused
/// them, or not at all. The dispatcher sends them afterwards.
/// </summary>
public static class Outbox
{
    /// <summary>Adds a pending row unless one with <paramref name="dedupeKey"/> is already tracked; does not save.</summary>
    public static OutboxMessage Enqueue(CrmDbContext db, ChatDelivery delivery, string dedupeKey, DateTimeOffset now)
    {
        var message = new OutboxMessage
        {
            Platform = delivery.To.Platform,
            TargetKind = delivery.To.Kind.ToString(),
            // A session webhook URL is a short-lived credential: the row names the member instead.
            Target = delivery.To.Kind == ChatAddressKind.Reply ? delivery.To.FallbackMember ?? "" : delivery.To.Value,
            Payload = delivery.ToJson(),
            DedupeKey = dedupeKey,
            CardId = delivery.CardId,
            CreatedAt = now,
            NextAttemptAt = now,
        };
        db.OutboxMessages.Add(message);
        return message;
    }
}

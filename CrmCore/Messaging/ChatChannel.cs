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

    /// <summary>A team's group chat, with the target's kind and (DingTalk custom robot) secret.</summary>
    public static ChatAddress Group(Team.TeamChatTarget target) =>
        new(target.Platform, ChatAddressKind.Group, target.Address) { TargetKind = target.Kind, Secret = target.Secret };

    /// <summary>Robot keys, access tokens, secrets and session webhooks are credentials: only member ids are shown.</summary>
    public override string ToString() =>
        $"{Platform} {Kind} {(Kind is ChatAddressKind.Member or ChatAddressKind.CardUpdate ? Value : "…")}";
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

    /// <summary>
    /// When the outbox row was written (<see cref="Outbox.Enqueue"/> sets it). Signed links on the
    /// card expire a fixed lifetime after it, so a re-send after a crash renders the very same
    /// message and the platform's duplicate check recognises it.
    /// </summary>
    public DateTimeOffset? QueuedAt { get; init; }

    /// <summary>When the card's signed links stop working; null = the configured lifetime after <see cref="QueuedAt"/>.</summary>
    public DateTimeOffset? LinksExpireAt { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, DeliveryJson);

    /// <summary>Throws <see cref="ArgumentException"/> naming what is missing, so a bad delivery is refused before it is stored.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(CardId) || CardId.Length > OutboxMessage.MaxCardIdLength)
        {
            throw new ArgumentException($"A chat delivery needs a CardId of 1 to {OutboxMessage.MaxCardIdLength} characters (ChatCardId.New).", nameof(CardId));
        }
        if (string.IsNullOrWhiteSpace(To.Value) || (To.Kind != ChatAddressKind.Reply && To.Value.Length > OutboxMessage.MaxTargetLength))
        {
            throw new ArgumentException($"A {To.Kind} delivery needs an address value (user id, webhook or group) of at most {OutboxMessage.MaxTargetLength} characters.", nameof(To));
        }
        switch (To.Kind)
        {
            case ChatAddressKind.Reply when To.ValidUntil is null || string.IsNullOrWhiteSpace(To.FallbackMember):
                throw new ArgumentException("A reply needs its session webhook's ValidUntil and a FallbackMember to message once it expired.", nameof(To));
            case ChatAddressKind.Group when To.TargetKind is null:
                throw new ArgumentException("A group delivery needs the chat target's kind (ChatAddress.Group(target)).", nameof(To));
            case ChatAddressKind.Group when Team.TeamChatTarget.PlatformOf(To.TargetKind.Value) != To.Platform:
                throw new ArgumentException($"A {To.TargetKind} group is not on {To.Platform}.", nameof(To));
            case ChatAddressKind.Member or ChatAddressKind.Reply or ChatAddressKind.CardUpdate or ChatAddressKind.Group:
                break;
            default:
                throw new ArgumentException($"Unknown address kind {To.Kind}.", nameof(To));
        }
    }

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
/// them, or not at all. The dispatcher sends them afterwards, in enqueue order per target; call
/// <see cref="WorkSignal.Notify"/> on the <see cref="OutboxSignal"/> after the commit so they
/// leave at once (the inbox processor does this for its handlers).
/// </summary>
public static class Outbox
{
    /// <summary>Adds a pending row unless one with <paramref name="dedupeKey"/> is already tracked; does not save.</summary>
    public static OutboxMessage Enqueue(CrmDbContext db, ChatDelivery delivery, string dedupeKey, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dedupeKey);
        if (dedupeKey.Length > OutboxMessage.MaxDedupeKeyLength)
        {
            throw new ArgumentException($"An outbox dedupe key is at most {OutboxMessage.MaxDedupeKeyLength} characters.", nameof(dedupeKey));
        }
        delivery.Validate();
        if (db.OutboxMessages.Local.FirstOrDefault(m => m.DedupeKey == dedupeKey) is { } tracked)
        {
            return tracked;
        }
        // A session webhook URL is a short-lived credential: the row names the member instead.
        var target = delivery.To.Kind == ChatAddressKind.Reply ? delivery.To.FallbackMember ?? "" : delivery.To.Value;
        // Stored times are UTC: the providers compare and sort them as such. Messages to one
        // target leave in CreatedAt order, so a second one in this unit of work sorts after the first.
        now = now.ToUniversalTime();
        var createdAt = now;
        var previous = db.OutboxMessages.Local
            .Where(m => m.Platform == delivery.To.Platform && m.Target == target)
            .Select(m => (DateTimeOffset?)m.CreatedAt)
            .Max();
        if (previous is { } last && last >= createdAt)
        {
            // 0.1 ms: the finest step every provider keeps (SQLite's binary DateTimeOffset drops less).
            createdAt = last.AddTicks(TimeSpan.TicksPerMillisecond / 10);
        }
        delivery = delivery with { QueuedAt = delivery.QueuedAt ?? now };
        var message = new OutboxMessage
        {
            Platform = delivery.To.Platform,
            TargetKind = delivery.To.Kind.ToString(),
            Target = target,
            Payload = delivery.ToJson(),
            DedupeKey = dedupeKey,
            CardId = delivery.CardId,
            CreatedAt = createdAt,
            NextAttemptAt = now,
        };
        db.OutboxMessages.Add(message);
        return message;
    }
}

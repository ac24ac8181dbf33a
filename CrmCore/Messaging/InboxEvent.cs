namespace CrmChat.CrmCore.Messaging;

public enum InboxStatus
{
    Pending = 1,
    Done = 2,
    /// <summary>Authentic but nothing to do: recorded so the platform stops retrying.</summary>
    Ignored = 3,
    /// <summary>Failed too many times; waits for an operator to replay it.</summary>
    DeadLetter = 4,
}

/// <summary>
/// An event as the platform sent it, stored before the webhook answers. The dedupe key is
/// unique, so the platform's retries and late duplicates are stored once and applied once.
/// </summary>
public class InboxEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Platform Platform { get; set; }
    /// <summary>The event's type, e.g. "change_external_contact/add_external_contact".</summary>
    public required string EventType { get; set; }
    public required string DedupeKey { get; set; }
    /// <summary>Events with the same key are applied in order (the customer's external id).</summary>
    public string? OrderingKey { get; set; }
    /// <summary>The decrypted payload, as received.</summary>
    public required string Payload { get; set; }
    public InboxStatus Status { get; set; } = InboxStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
}

public enum OutboxStatus
{
    Pending = 1,
    Sent = 2,
    DeadLetter = 3,
}

/// <summary>A message to a chat app, written in the same transaction as the change behind it.</summary>
public class OutboxMessage
{
    public const int MaxTargetLength = 512;
    public const int MaxDedupeKeyLength = 256;
    public const int MaxCardIdLength = 128;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Platform Platform { get; set; }
    /// <summary>The <see cref="ChatAddressKind"/> of the target: Member, Reply, CardUpdate, Group.</summary>
    public required string TargetKind { get; set; }
    /// <summary>The member's user id, the robot key, the chat id.</summary>
    public required string Target { get; set; }
    public required string Payload { get; set; }
    public required string DedupeKey { get; set; }
    public OutboxStatus Status { get; set; } = OutboxStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    /// <summary>The card this message shows (see <see cref="ChatDelivery.CardId"/>), to find it again for an update.</summary>
    public string? CardId { get; set; }
    /// <summary>What the platform answered: WeCom msgid, DingTalk processQueryKey.</summary>
    public string? PlatformMessageId { get; set; }
    /// <summary>WeCom's response_code for the sent card: updates it once within 72 hours.</summary>
    public string? UpdateToken { get; set; }
}

/// <summary>Where a long-running sync stands, so it resumes after a crash.</summary>
public class SyncCheckpoint
{
    /// <summary>e.g. "wecom/full-sync".</summary>
    public required string Name { get; set; }
    public required string State { get; set; }
    public int Done { get; set; }
    public int Total { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

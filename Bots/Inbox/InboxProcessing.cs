using CrmChat.CrmCore.Messaging;

namespace CrmChat.Bots.Inbox;

/// <summary>
/// Applies one kind of inbox event. Work against the platform (fetching a contact) happens
/// in <see cref="PrepareAsync"/>, outside any transaction; the returned change runs inside
/// the transaction that also marks the event done, so an event is applied exactly once.
/// </summary>
public interface IInboxHandler
{
    bool Handles(InboxEvent inboxEvent);

    Task<InboxChange> PrepareAsync(InboxEvent inboxEvent, CancellationToken ct);
}

/// <summary>The CRM change an event makes; runs inside the inbox transaction.</summary>
public delegate Task InboxChange(CancellationToken ct);

public sealed class InboxOptions
{
    public const string Section = "Inbox";

    /// <summary>False leaves events stored but unapplied (an operator pausing, or a test).</summary>
    public bool ProcessorEnabled { get; set; } = true;
    public int MaxAttempts { get; set; } = 8;
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a claimed event is held; a processor that dies releases it after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);
    public int BatchSize { get; set; } = 100;
}

/// <summary>Wakes the processor as soon as a webhook stored something, so it need not wait a poll.</summary>
public sealed class InboxSignal : WorkSignal;

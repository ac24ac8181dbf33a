namespace CrmChat.Scheduler.OutboxDispatch;

/// <summary>The <c>Outbox</c> section: how the dispatcher paces, retries and gives up.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>False leaves messages queued, unsent (an operator pausing, or a test driving the dispatcher itself).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the dispatcher looks for due messages when nothing wakes it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts in all before a message that keeps failing is parked as a dead letter.</summary>
    public int MaxAttempts { get; set; } = 10;

    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest pause between attempts. Kept under WeCom's 4-hour duplicate check window, so a
    /// message the platform took but whose answer was lost is recognised when it is sent again.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a claimed message is held; renewed while it is being sent. A dispatcher that dies releases it after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many due messages (one per target) are claimed per look.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Sends in flight at once, each to a different target.</summary>
    public int MaxConcurrentSends { get; set; } = 8;
}

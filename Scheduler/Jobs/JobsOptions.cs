namespace CrmChat.Scheduler.Jobs;

/// <summary>
/// The <c>Jobs</c> section: when the time-driven jobs run and what they hold back. Every cron is
/// a Quartz expression (seconds first, e.g. <c>0 0 9 * * ?</c>); team settings are read in the
/// team's own time zone.
/// </summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>False schedules none of the jobs (maintenance, or tests that run them by hand).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>IANA zone the job crons below are read in; empty = <c>Crm:TimeZone</c>.</summary>
    public string TimeZone { get; set; } = "";

    public ReminderJobOptions Reminders { get; set; } = new();

    public EscalationJobOptions Escalations { get; set; } = new();

    public TeamCalendarJobOptions TeamCalendar { get; set; } = new();

    public ReconciliationJobOptions Reconciliation { get; set; } = new();

    /// <summary>What every team gets unless <see cref="Teams"/> says otherwise.</summary>
    public TeamJobSettings TeamDefaults { get; set; } = TeamJobSettings.Defaults();

    /// <summary>Per team, by the team's name: only the settings given replace the defaults.</summary>
    public List<TeamJobSettings> Teams { get; set; } = [];
}

public sealed class ReminderJobOptions
{
    public string Cron { get; set; } = "0 * * * * ?";

    /// <summary>Due follow-ups read and reminded per transaction.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>More than this many falling due for one rep at once come as one summary card.</summary>
    public int SummaryAbove { get; set; } = 3;

    /// <summary>
    /// A page for the customer, with <c>{customerId}</c> in it, e.g.
    /// <c>https://crm.example.com/customers/{customerId}</c>: reminders get an Open button. Empty = none.
    /// </summary>
    public string OpenUrl { get; set; } = "";
}

public sealed class EscalationJobOptions
{
    public string Cron { get; set; } = "0 */5 * * * ?";

    /// <summary>How long an approval step may wait before its approvers are reminded.</summary>
    public TimeSpan ApprovalSla { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an approval step may wait before the approvers' managers are told; more than <see cref="ApprovalSla"/>.</summary>
    public TimeSpan ApprovalManagerSla { get; set; } = TimeSpan.FromHours(48);

    public int BatchSize { get; set; } = 500;
}

/// <summary>The minute tick that runs each team's digest and nudges at the team's own cron, in the team's zone.</summary>
public sealed class TeamCalendarJobOptions
{
    public string Cron { get; set; } = "0 * * * * ?";

    /// <summary>A digest or nudge round CrmChat missed (it was down) still runs up to this late; later ones are skipped.</summary>
    public TimeSpan MaxLateness { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Nudges per transaction.</summary>
    public int BatchSize { get; set; } = 500;
}

public sealed class ReconciliationJobOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Nightly: WeCom contacts and tags, WeCom and DingTalk employees.</summary>
    public string Cron { get; set; } = "0 0 2 * * ?";
}

/// <summary>One team's settings (or the defaults). Null = take the default.</summary>
public sealed class TeamJobSettings
{
    /// <summary>The team's name as in the CRM (entries of <c>Jobs:Teams</c> only).</summary>
    public string? Team { get; set; }

    /// <summary><c>HH:mm-HH:mm</c> in the team's zone, e.g. <c>21:00-08:00</c>; empty = no quiet hours. Reminders and escalations wait until they end.</summary>
    public string? QuietHours { get; set; }

    /// <summary>When the team's group chats get the digest.</summary>
    public string? DigestCron { get; set; }

    /// <summary>How long a follow-up may be overdue before the rep's manager is told.</summary>
    public TimeSpan? EscalateOverdueAfter { get; set; }

    /// <summary>When owners of neglected customers are nudged (at most once a week per customer).</summary>
    public string? NudgeCron { get; set; }

    /// <summary>How long without a follow-up or activity makes a customer neglected.</summary>
    public TimeSpan? NudgeAfter { get; set; }

    public static TeamJobSettings Defaults() => new()
    {
        QuietHours = "21:00-08:00",
        DigestCron = "0 0 9 * * ?",
        EscalateOverdueAfter = TimeSpan.FromHours(24),
        NudgeCron = "0 0 10 * * ?",
        NudgeAfter = TimeSpan.FromDays(14),
    };
}

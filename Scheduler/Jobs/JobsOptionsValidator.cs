using Microsoft.Extensions.Options;
using Quartz;

namespace CrmChat.Scheduler.Jobs;

/// <summary>Checks the <c>Jobs</c> section at start; every message names the key to fix.</summary>
internal sealed class JobsOptionsValidator : IValidateOptions<JobsOptions>
{
    private const string S = JobsOptions.Section;

    public ValidateOptionsResult Validate(string? name, JobsOptions o)
    {
        var problems = new List<string>();
        if (o.TimeZone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _))
        {
            problems.Add($"{S}:TimeZone '{o.TimeZone}' is not a time zone this machine knows (use an IANA id such as Asia/Shanghai, or leave it empty for Crm:TimeZone).");
        }
        Cron(problems, $"{S}:Reminders:Cron", o.Reminders.Cron);
        Positive(problems, $"{S}:Reminders:BatchSize", o.Reminders.BatchSize, 10_000);
        Positive(problems, $"{S}:Reminders:SummaryAbove", o.Reminders.SummaryAbove, 1000);
        if (o.Reminders.OpenUrl.Length > 0 && (!o.Reminders.OpenUrl.Contains("{customerId}", StringComparison.Ordinal)
            || !Uri.TryCreate(o.Reminders.OpenUrl.Replace("{customerId}", Guid.Empty.ToString(), StringComparison.Ordinal), UriKind.Absolute, out var open)
            || open.Scheme is not ("https" or "http")))
        {
            problems.Add($"{S}:Reminders:OpenUrl must be an absolute http(s) URL with {{customerId}} in it, e.g. https://crm.example.com/customers/{{customerId}}, or empty.");
        }

        Cron(problems, $"{S}:Escalations:Cron", o.Escalations.Cron);
        Positive(problems, $"{S}:Escalations:BatchSize", o.Escalations.BatchSize, 10_000);
        if (o.Escalations.ApprovalSla <= TimeSpan.Zero)
        {
            problems.Add($"{S}:Escalations:ApprovalSla must be positive, e.g. 1.00:00:00 for 24 hours.");
        }
        if (o.Escalations.ApprovalManagerSla <= o.Escalations.ApprovalSla)
        {
            problems.Add($"{S}:Escalations:ApprovalManagerSla must be longer than {S}:Escalations:ApprovalSla: approvers are reminded first, their managers later.");
        }

        Cron(problems, $"{S}:TeamCalendar:Cron", o.TeamCalendar.Cron);
        Positive(problems, $"{S}:TeamCalendar:BatchSize", o.TeamCalendar.BatchSize, 10_000);
        if (o.TeamCalendar.MaxLateness < TimeSpan.FromMinutes(1) || o.TeamCalendar.MaxLateness > TimeSpan.FromDays(1))
        {
            problems.Add($"{S}:TeamCalendar:MaxLateness must be between 00:01:00 and 1.00:00:00.");
        }

        Cron(problems, $"{S}:Reconciliation:Cron", o.Reconciliation.Cron);

        Team(problems, $"{S}:TeamDefaults", o.TeamDefaults, required: true);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Teams.Count; i++)
        {
            var key = $"{S}:Teams:{i}";
            var team = o.Teams[i];
            if (string.IsNullOrWhiteSpace(team.Team))
            {
                problems.Add($"{key}:Team must name the team (its name in CrmChat) the settings are for.");
            }
            else if (!names.Add(team.Team.Trim()))
            {
                problems.Add($"{key}:Team '{team.Team}' is configured twice; keep one entry per team.");
            }
            Team(problems, key, team, required: false);
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Team(List<string> problems, string key, TeamJobSettings team, bool required)
    {
        if (team.QuietHours is null ? required : !QuietHours.TryParse(team.QuietHours, out _))
        {
            problems.Add($"{key}:QuietHours '{team.QuietHours}' must be HH:mm-HH:mm in the team's zone, e.g. 21:00-08:00, or empty for none.");
        }
        if (team.DigestCron is not null || required)
        {
            Cron(problems, $"{key}:DigestCron", team.DigestCron);
        }
        if (team.NudgeCron is not null || required)
        {
            Cron(problems, $"{key}:NudgeCron", team.NudgeCron);
        }
        if (team.EscalateOverdueAfter is null ? required : team.EscalateOverdueAfter <= TimeSpan.Zero)
        {
            problems.Add($"{key}:EscalateOverdueAfter must be positive, e.g. 1.00:00:00 for 24 hours.");
        }
        if (team.NudgeAfter is null ? required : team.NudgeAfter < TimeSpan.FromDays(1))
        {
            problems.Add($"{key}:NudgeAfter must be at least one day, e.g. 14.00:00:00.");
        }
    }

    private static void Cron(List<string> problems, string key, string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression) || !CronExpression.TryParse(expression, out _))
        {
            problems.Add($"{key} '{expression}' is not a Quartz cron expression (seconds first, e.g. 0 0 9 * * ? for 09:00 every day).");
        }
    }

    private static void Positive(List<string> problems, string key, int value, int max)
    {
        if (value < 1 || value > max)
        {
            problems.Add($"{key} must be between 1 and {max}.");
        }
    }
}

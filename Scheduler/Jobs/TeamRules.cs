using System.Collections.Concurrent;
using System.Globalization;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace CrmChat.Scheduler.Jobs;

/// <summary>A daily stretch of local time when people are not messaged, e.g. 21:00–08:00; From == Until means none.</summary>
public readonly record struct QuietHours(TimeOnly From, TimeOnly Until)
{
    public static QuietHours None => default;

    public bool IsNone => From == Until;

    public bool Contains(TimeOnly time) =>
        !IsNone && (From < Until ? time >= From && time < Until : time >= From || time < Until);

    /// <summary><c>HH:mm-HH:mm</c>; empty or whitespace is <see cref="None"/>.</summary>
    public static bool TryParse(string? text, out QuietHours hours)
    {
        hours = None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !TimeOnly.TryParseExact(parts[0], "H:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
            || !TimeOnly.TryParseExact(parts[1], "H:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var until))
        {
            return false;
        }
        hours = new QuietHours(from, until);
        return true;
    }

    public override string ToString() =>
        IsNone ? "none" : string.Create(CultureInfo.InvariantCulture, $"{From:HH\\:mm}-{Until:HH\\:mm}");
}

/// <summary>One team's job settings, resolved: configuration over the defaults, read in the team's zone.</summary>
/// <param name="TeamId">Null for employees in no team, who follow the defaults in <c>Crm:TimeZone</c>.</param>
public sealed record TeamRules(
    Guid? TeamId,
    string Name,
    TimeZoneInfo Zone,
    QuietHours Quiet,
    CronExpression Digest,
    TimeSpan EscalateOverdueAfter,
    CronExpression Nudge,
    TimeSpan NudgeAfter)
{
    public DateTimeOffset Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone);

    public bool IsQuietAt(DateTimeOffset at) => Quiet.Contains(TimeOnly.FromDateTime(Local(at).DateTime));

    /// <summary>Midnight starting the local day <paramref name="at"/> falls in, as an instant.</summary>
    public DateTimeOffset StartOfDay(DateTimeOffset at) => Midnight(Local(at).Date);

    /// <summary>Midnight ending the local day <paramref name="at"/> falls in.</summary>
    public DateTimeOffset EndOfDay(DateTimeOffset at) => Midnight(Local(at).Date.AddDays(1));

    private DateTimeOffset Midnight(DateTime date) => new DateTimeOffset(date, Zone.GetUtcOffset(date)).ToUniversalTime();
}

/// <summary>Every team's rules at one moment, and the rules of employees in no team.</summary>
public sealed class TeamRuleSet(IReadOnlyList<TeamRules> teams, TeamRules noTeam)
{
    public IReadOnlyList<TeamRules> Teams => teams;
    public TeamRules NoTeam => noTeam;

    /// <summary>The teams, then the rules for employees in no team.</summary>
    public IEnumerable<TeamRules> All => teams.Append(noTeam);

    public TeamRules Of(Guid? teamId) =>
        teamId is { } id ? teams.FirstOrDefault(t => t.TeamId == id) ?? noTeam : noTeam;
}

/// <summary>Builds <see cref="TeamRules"/> from <c>Jobs:TeamDefaults</c>, <c>Jobs:Teams</c> and each team's zone.</summary>
public sealed class TeamRulebook(IOptions<JobsOptions> jobs, IOptions<CrmOptions> crm)
{
    private readonly ConcurrentDictionary<(string, string), CronExpression> _crons = new();

    public async Task<TeamRuleSet> LoadAsync(CrmDbContext db, CancellationToken ct)
    {
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Name).Select(t => new { t.Id, t.Name, t.TimeZone }).ToListAsync(ct);
        return new TeamRuleSet(teams.Select(t => For(t.Id, t.Name, t.TimeZone)).ToList(), For(null, "", null));
    }

    public TeamRules For(SalesTeam team) => For(team.Id, team.Name, team.TimeZone);

    public TeamRules For(Guid? teamId, string name, string? timeZone)
    {
        var o = jobs.Value;
        var defaults = o.TeamDefaults;
        var own = teamId is null ? null : o.Teams.FirstOrDefault(t => string.Equals(t.Team?.Trim(), name, StringComparison.Ordinal));
        var zone = crm.Value.ZoneFor(timeZone);
        QuietHours.TryParse(own?.QuietHours ?? defaults.QuietHours, out var quiet);
        return new TeamRules(
            teamId,
            name,
            zone,
            quiet,
            Cron(own?.DigestCron ?? defaults.DigestCron!, zone),
            own?.EscalateOverdueAfter ?? defaults.EscalateOverdueAfter!.Value,
            Cron(own?.NudgeCron ?? defaults.NudgeCron!, zone),
            own?.NudgeAfter ?? defaults.NudgeAfter!.Value);
    }

    private CronExpression Cron(string expression, TimeZoneInfo zone) =>
        _crons.GetOrAdd((expression, zone.Id), key => CronExpression.Parse(key.Item1).WithTimeZone(zone));
}

/// <summary>Which employees a query covers: members of these teams, and maybe those in no team.</summary>
/// <param name="Everyone">Every team and the teamless: no filter needed.</param>
public sealed record TeamScope(IReadOnlyList<Guid> TeamIds, bool NoTeam, bool Everyone)
{
    public bool IsEmpty => TeamIds.Count == 0 && !NoTeam;

    public static TeamScope Of(IEnumerable<TeamRules> selected, TeamRuleSet all)
    {
        var list = selected.ToList();
        var ids = list.Where(r => r.TeamId is not null).Select(r => r.TeamId!.Value).Distinct().ToList();
        var noTeam = list.Any(r => r.TeamId is null);
        return new TeamScope(ids, noTeam, noTeam && ids.Count == all.Teams.Count);
    }
}

internal static class TeamScopeQueries
{
    /// <summary>Follow-ups whose owner is in <paramref name="scope"/>: an EXISTS on the employee's key, so the follow-up index still leads.</summary>
    public static IQueryable<FollowUp> OwnedWithin(this IQueryable<FollowUp> query, CrmDbContext db, TeamScope scope)
    {
        if (scope.Everyone)
        {
            return query;
        }
        var ids = scope.TeamIds.ToList();
        var noTeam = scope.NoTeam;
        return query.Where(f => db.Employees.Any(e => e.Id == f.OwnerId
            && ((e.TeamId == null && noTeam) || (e.TeamId != null && ids.Contains(e.TeamId.Value)))));
    }
}

using Microsoft.Extensions.Options;

namespace CrmChat.CrmCore;

/// <summary>CRM-wide settings (section <c>Crm</c>).</summary>
public sealed class CrmOptions
{
    public const string Section = "Crm";

    /// <summary>IANA id of the zone chat times are read in when the employee's team names none.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    /// <summary>The team's zone if it names a known one, else the configured default.</summary>
    public TimeZoneInfo ZoneFor(string? teamZone) =>
        teamZone is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(teamZone, out var zone) ? zone : Zone;
}

public sealed class CrmOptionsValidator : IValidateOptions<CrmOptions>
{
    public ValidateOptionsResult Validate(string? name, CrmOptions options) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Crm:TimeZone '{options.TimeZone}' is not a time zone this machine knows (use an IANA id such as Asia/Shanghai).");
}

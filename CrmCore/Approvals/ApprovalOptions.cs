using System.Globalization;
using Microsoft.Extensions.Options;

namespace CrmChat.CrmCore.Approvals;

/// <summary>
/// Who approves a contract (section <c>Approvals</c>): rules by amount and team, each an ordered
/// chain of steps. A team's own rules replace the company-wide ones (rules without Teams) for it.
/// </summary>
public sealed class ApprovalOptions
{
    public const string Section = "Approvals";

    public List<ApprovalRuleOptions> Rules { get; set; } = [];

    /// <summary>Named groups of approvers, e.g. "director": ["wangzong"], referenced as "role:director". Values are WeCom or DingTalk user ids.</summary>
    public Dictionary<string, List<string>> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>Approvals:WeCom</c>: whether WeCom requests are decided from CrmChat's cards or in WeCom's own approval app.</summary>
    public PlatformApprovalOptions WeCom { get; set; } = new();

    /// <summary><c>Approvals:DingTalk</c>: the same for DingTalk's workflow (OA 审批).</summary>
    public PlatformApprovalOptions DingTalk { get; set; } = new();

    public PlatformApprovalMode ModeFor(Platform platform) => platform switch
    {
        Platform.WeCom => WeCom.Mode,
        Platform.DingTalk => DingTalk.Mode,
        _ => PlatformApprovalMode.Cards,
    };

    /// <summary>The rules in force: the configured ones, or the default (every contract → the requester's manager).</summary>
    public IReadOnlyList<ApprovalRuleOptions> EffectiveRules => Rules.Count > 0 ? Rules : DefaultRules;

    public static IReadOnlyList<ApprovalRuleOptions> DefaultRules { get; } =
    [
        new() { Name = "manager", Steps = [new() { Name = "直属主管 Manager", Approvers = [ApproverSpec.Manager] }] },
    ];

    /// <summary>The rule for this amount and team; null when none matches.</summary>
    public ApprovalRuleOptions? Match(decimal amount, string? team)
    {
        var scoped = EffectiveRules.Where(r => team is not null && r.Teams.Contains(team, StringComparer.OrdinalIgnoreCase)).ToList();
        var rules = scoped.Count > 0 ? scoped : EffectiveRules.Where(r => r.Teams.Count == 0).ToList();
        return rules.FirstOrDefault(r => r.Covers(amount));
    }
}

public enum PlatformApprovalMode
{
    /// <summary>CrmChat sends each approver a card and records the decisions itself (the default).</summary>
    Cards = 1,
    /// <summary>CrmChat files the contract in the platform's own approval app and follows its outcome.</summary>
    Native = 2,
}

/// <summary>
/// <c>Approvals:WeCom</c> / <c>Approvals:DingTalk</c> as the CRM sees them: only the mode. The
/// platform's own keys in the same section (the WeCom template, the DingTalk process code) are
/// read and checked by Connectors, which files the approvals.
/// </summary>
public sealed class PlatformApprovalOptions
{
    public PlatformApprovalMode Mode { get; set; } = PlatformApprovalMode.Cards;
}

public sealed class ApprovalRuleOptions
{
    public string Name { get; set; } = "";
    /// <summary>Amounts strictly above this (null: from zero).</summary>
    public decimal? AmountAbove { get; set; }
    /// <summary>Amounts up to and including this (null: no upper limit).</summary>
    public decimal? AmountUpTo { get; set; }
    /// <summary>Team names this rule is for; empty for every team without rules of its own.</summary>
    public List<string> Teams { get; set; } = [];
    public List<ApprovalStepOptions> Steps { get; set; } = [];

    public bool Covers(decimal amount) => (AmountAbove is not { } above || amount > above) && (AmountUpTo is not { } upTo || amount <= upTo);

    public string Range => string.Create(CultureInfo.InvariantCulture,
        $"{(AmountAbove is { } a ? $"above {a:N0}" : "from 0")} {(AmountUpTo is { } u ? $"up to {u:N0}" : "with no upper limit")}");
}

public sealed class ApprovalStepOptions
{
    public string Name { get; set; } = "";
    /// <summary>AllOf: everyone must approve; AnyOf: the first decision settles the step.</summary>
    public StepRule Rule { get; set; } = StepRule.AnyOf;
    /// <summary>"manager" (the requester's manager), "manager:2" (their manager's manager), "role:NAME", "user:USERID".</summary>
    public List<string> Approvers { get; set; } = [];
}

/// <summary>How a configured approver names people.</summary>
public static class ApproverSpec
{
    public const string Manager = "manager";
    public const string RolePrefix = "role:";
    public const string UserPrefix = "user:";

    /// <summary>Levels up the requester's management chain for "manager" / "manager:N", else null.</summary>
    public static int? ManagerLevel(string spec)
    {
        if (string.Equals(spec, Manager, StringComparison.OrdinalIgnoreCase))
        {
            return 1;
        }
        return spec.StartsWith(Manager + ":", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(spec.AsSpan(Manager.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var level) && level is >= 1 and <= 5
            ? level
            : null;
    }
}

/// <summary>Checks the rules at start: every step has approvers that can be resolved, and amounts neither overlap nor leave gaps.</summary>
public sealed class ApprovalOptionsValidator : IValidateOptions<ApprovalOptions>
{
    public ValidateOptionsResult Validate(string? name, ApprovalOptions options)
    {
        var failures = new List<string>();
        foreach (var (key, platform) in new[] { ("WeCom", options.WeCom), ("DingTalk", options.DingTalk) })
        {
            if (!Enum.IsDefined(platform.Mode))
            {
                failures.Add($"Approvals:{key}:Mode must be Cards or Native.");
            }
        }
        for (var i = 0; i < options.Rules.Count; i++)
        {
            CheckRule(options, options.Rules[i], $"Approvals:Rules:{i}", failures);
        }
        var scopes = options.Rules.SelectMany(r => r.Teams).Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(team => (Label: $"team '{team}'", Rules: options.Rules.Where(r => r.Teams.Contains(team, StringComparer.OrdinalIgnoreCase)).ToList()))
            .Prepend(("the company-wide rules (no Teams)", options.Rules.Where(r => r.Teams.Count == 0).ToList()));
        foreach (var (label, rules) in scopes)
        {
            CheckRanges(label, rules, failures);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckRule(ApprovalOptions options, ApprovalRuleOptions rule, string key, List<string> failures)
    {
        var label = $"{key} ('{rule.Name}')";
        if (string.IsNullOrWhiteSpace(rule.Name))
        {
            failures.Add($"{key}:Name is required.");
        }
        if (rule.AmountAbove < 0 || rule.AmountUpTo < 0)
        {
            failures.Add($"{label}: amounts cannot be negative.");
        }
        if (rule.AmountAbove is { } above && rule.AmountUpTo is { } upTo && upTo <= above)
        {
            failures.Add($"{label}: AmountUpTo ({upTo}) must be greater than AmountAbove ({above}).");
        }
        if (rule.Steps.Count == 0)
        {
            failures.Add($"{label}: needs at least one step.");
        }
        for (var s = 0; s < rule.Steps.Count; s++)
        {
            var step = rule.Steps[s];
            if (step.Approvers.Count == 0)
            {
                failures.Add($"{key}:Steps:{s}: needs at least one approver.");
            }
            if (!Enum.IsDefined(step.Rule))
            {
                failures.Add($"{key}:Steps:{s}:Rule must be AllOf or AnyOf.");
            }
            foreach (var spec in step.Approvers)
            {
                if (ApproverSpec.ManagerLevel(spec) is not null
                    || (spec.StartsWith(ApproverSpec.UserPrefix, StringComparison.OrdinalIgnoreCase) && spec.Length > ApproverSpec.UserPrefix.Length))
                {
                    continue;
                }
                if (spec.StartsWith(ApproverSpec.RolePrefix, StringComparison.OrdinalIgnoreCase))
                {
                    var role = spec[ApproverSpec.RolePrefix.Length..];
                    if (!options.Roles.TryGetValue(role, out var members) || members.Count == 0)
                    {
                        failures.Add($"{key}:Steps:{s}: approver '{spec}' names a role that Approvals:Roles does not list (or lists with nobody).");
                    }
                    continue;
                }
                failures.Add($"{key}:Steps:{s}: approver '{spec}' is not 'manager', 'manager:N' (N 1-5), 'role:NAME' or 'user:USERID'.");
            }
        }
    }

    private static void CheckRanges(string label, List<ApprovalRuleOptions> rules, List<string> failures)
    {
        if (rules.Count == 0)
        {
            return;
        }
        var ordered = rules.OrderBy(r => r.AmountAbove ?? -1m).ToList();
        if (ordered[0].AmountAbove is > 0 and var first)
        {
            failures.Add($"Approvals: in {label}, amounts from 0 up to {first:N0} match no rule.");
        }
        for (var i = 1; i < ordered.Count; i++)
        {
            var previous = ordered[i - 1];
            var next = ordered[i];
            var previousTop = previous.AmountUpTo;
            var nextBottom = next.AmountAbove ?? 0m;
            if (previousTop is null || previousTop > nextBottom || (next.AmountAbove is null && previous.AmountAbove is null))
            {
                failures.Add($"Approvals: in {label}, rules '{previous.Name}' ({previous.Range}) and '{next.Name}' ({next.Range}) overlap.");
            }
            else if (previousTop < nextBottom)
            {
                failures.Add($"Approvals: in {label}, amounts above {previousTop:N0} up to {nextBottom:N0} match no rule.");
            }
        }
    }
}

using CrmChat.CrmCore.Approvals;
using Microsoft.Extensions.Configuration;

namespace CrmChat.CrmCore.Tests.Approvals;

public sealed class ApprovalRuleTests
{
    private static ApprovalRuleOptions Rule(string name, decimal? above, decimal? upTo, params string[] approvers) => new()
    {
        Name = name, AmountAbove = above, AmountUpTo = upTo,
        Steps = [new ApprovalStepOptions { Name = "s", Approvers = approvers.Length == 0 ? ["manager"] : [.. approvers] }],
    };

    private static IReadOnlyList<string> Problems(ApprovalOptions options)
    {
        var result = new ApprovalOptionsValidator().Validate(null, options);
        return result.Failed ? result.Failures!.ToList() : [];
    }

    private static ApprovalOptions Company(params ApprovalRuleOptions[] rules) => new()
    {
        Rules = [.. rules],
        Roles = new(StringComparer.OrdinalIgnoreCase) { ["director"] = ["wangzong"], ["finance"] = ["cfo"] },
    };

    [Fact]
    public void The_issue_example_chain_is_valid_and_each_amount_finds_its_rule()
    {
        var options = Company(
            Rule("small", null, 50_000, "manager"),
            Rule("medium", 50_000, 500_000, "manager", "role:director"),
            Rule("large", 500_000, null, "manager", "role:director", "role:finance"));
        Assert.Empty(Problems(options));
        Assert.Equal("small", options.Match(50_000m, null)!.Name);
        Assert.Equal("medium", options.Match(50_000.01m, null)!.Name);
        Assert.Equal("medium", options.Match(500_000m, null)!.Name);
        Assert.Equal("large", options.Match(10_000_000m, "华东")!.Name);
    }

    [Fact]
    public void Overlapping_ranges_are_refused_naming_both_rules()
    {
        var problems = Problems(Company(Rule("small", null, 60_000), Rule("medium", 50_000, null)));
        Assert.Contains(problems, p => p.Contains("'small'", StringComparison.Ordinal) && p.Contains("'medium'", StringComparison.Ordinal) && p.Contains("overlap", StringComparison.Ordinal));

        Assert.Contains(Problems(Company(Rule("a", null, null), Rule("b", null, 1000))), p => p.Contains("overlap", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_ranges_are_refused_with_the_amounts_nobody_covers()
    {
        var gap = Problems(Company(Rule("small", null, 50_000), Rule("large", 100_000, null)));
        Assert.Contains(gap, p => p.Contains("above 50,000 up to 100,000 match no rule", StringComparison.Ordinal));

        var bottom = Problems(Company(Rule("large", 1_000, null)));
        Assert.Contains(bottom, p => p.Contains("from 0 up to 1,000", StringComparison.Ordinal));
    }

    [Fact]
    public void A_capped_top_is_allowed_and_an_amount_above_it_matches_nothing()
    {
        var options = Company(Rule("capped", null, 1_000_000));
        Assert.Empty(Problems(options));
        Assert.Null(options.Match(1_000_000.01m, null));
    }

    [Fact]
    public void Team_rules_replace_the_company_rules_for_that_team_and_are_checked_on_their_own()
    {
        var east = Rule("east-all", null, null, "manager:2");
        east.Teams = ["华东"];
        var options = Company(Rule("all", null, null), east);
        Assert.Empty(Problems(options));
        Assert.Equal("east-all", options.Match(10m, "华东")!.Name);
        Assert.Equal("all", options.Match(10m, "华南")!.Name);

        var eastGap = Rule("east-small", null, 1000);
        eastGap.Teams = ["华东"];
        var eastBig = Rule("east-big", 2000, null);
        eastBig.Teams = ["华东"];
        Assert.Contains(Problems(Company(Rule("all", null, null), eastGap, eastBig)),
            p => p.Contains("team '华东'", StringComparison.Ordinal) && p.Contains("match no rule", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("boss")]
    [InlineData("manager:9")]
    [InlineData("role:ceo")]
    [InlineData("user:")]
    public void Approvers_that_cannot_be_resolved_are_refused_by_key(string approver)
    {
        var problems = Problems(Company(Rule("all", null, null, approver)));
        Assert.Contains(problems, p => p.Contains("Approvals:Rules:0:Steps:0", StringComparison.Ordinal) && p.Contains(approver, StringComparison.Ordinal));
    }

    [Fact]
    public void Rules_need_a_name_steps_and_sane_amounts()
    {
        var bad = new ApprovalRuleOptions { Name = "", AmountAbove = 100, AmountUpTo = 50 };
        var problems = Problems(Company(bad));
        Assert.Contains(problems, p => p.Contains("Name is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("at least one step", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("must be greater than", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_configured_rules_the_requesters_manager_approves_everything()
    {
        var options = new ApprovalOptions();
        Assert.Empty(Problems(options));
        Assert.Equal(["manager"], options.Match(123_456_789m, null)!.Steps.Single().Approvers);
    }

    private static ApprovalOptions Bound(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build()
            .GetSection(ApprovalOptions.Section).Get<ApprovalOptions>() ?? new ApprovalOptions();

    [Fact]
    public void Each_platform_decides_on_cards_unless_its_mode_says_native()
    {
        var options = Bound(("Approvals:DingTalk:Mode", "Native"));
        Assert.Empty(Problems(options));
        Assert.Equal((PlatformApprovalMode.Cards, PlatformApprovalMode.Native), (options.ModeFor(Platform.WeCom), options.ModeFor(Platform.DingTalk)));
        Assert.Equal(PlatformApprovalMode.Cards, new ApprovalOptions().ModeFor(Platform.WeCom));
    }

    [Theory]
    [InlineData("Approvals:WeCom:Mode", "Nativ")]
    [InlineData("Approvals:DingTalk:Mode", "OA")]
    public void A_mode_that_is_no_mode_names_its_key(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Bound((key, value)));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mode_given_as_an_unknown_number_is_refused_by_key()
    {
        var problems = Problems(Bound(("Approvals:WeCom:Mode", "7")));
        Assert.Contains("Approvals:WeCom:Mode must be Cards or Native.", problems);
    }
}

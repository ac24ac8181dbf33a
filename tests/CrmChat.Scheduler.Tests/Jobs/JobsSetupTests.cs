using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using CrmChat.Scheduler.Jobs;
using CrmChat.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Quartz;
using static CrmChat.Scheduler.Tests.Jobs.JobsHost;

namespace CrmChat.Scheduler.Tests.Jobs;

/// <summary>Every schedule comes from configuration, checked when CrmChat starts.</summary>
public sealed class JobsSetupTests
{
    [Fact]
    public async Task The_jobs_are_scheduled_from_configuration_in_the_configured_zone()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var host = await JobsHost.StartAsync(database, new FakeTimeProvider(At(9)),
            ("Jobs:Enabled", "true"), ("Jobs:TimeZone", "Europe/Berlin"), ("Jobs:Reconciliation:Cron", "0 30 3 * * ?"));
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

        var triggers = new Dictionary<string, ICronTrigger>();
        foreach (var key in await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals("crmchat")))
        {
            triggers[key.Name] = (ICronTrigger)Assert.Single(await scheduler.GetTriggersOfJob(key));
        }

        Assert.Equal(
            [("escalations", "0 */5 * * * ?"), ("follow-up-reminders", "0 * * * * ?"), ("reconciliation", "0 30 3 * * ?"), ("team-calendar", "0 * * * * ?")],
            triggers.Select(t => (t.Key, t.Value.CronExpressionString!)).Order());
        Assert.All(triggers.Values, t => Assert.Equal("Europe/Berlin", t.TimeZone.Id));
    }

    [Fact]
    public async Task Switched_off_nothing_is_scheduled_and_the_reconciliation_can_be_switched_off_alone()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using (var off = await JobsHost.StartAsync(database, new FakeTimeProvider(At(9))))
        {
            var scheduler = await off.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            Assert.Empty(await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals("crmchat")));
        }
        await using var noSync = await JobsHost.StartAsync(database, new FakeTimeProvider(At(9)), ("Jobs:Enabled", "true"), ("Jobs:Reconciliation:Enabled", "false"));
        var jobs = await (await noSync.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).GetJobKeys(GroupMatcher<JobKey>.GroupEquals("crmchat"));
        Assert.Equal(["escalations", "follow-up-reminders", "team-calendar"], jobs.Select(j => j.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Jobs:Reminders:Cron", "every minute", "Jobs:Reminders:Cron 'every minute' is not a Quartz cron expression")]
    [InlineData("Jobs:TeamDefaults:DigestCron", "0 0 25 * * ?", "Jobs:TeamDefaults:DigestCron '0 0 25 * * ?' is not a Quartz cron expression")]
    [InlineData("Jobs:TeamDefaults:QuietHours", "9pm-8am", "Jobs:TeamDefaults:QuietHours '9pm-8am' must be HH:mm-HH:mm")]
    [InlineData("Jobs:TimeZone", "Mars/Olympus", "Jobs:TimeZone 'Mars/Olympus' is not a time zone")]
    [InlineData("Jobs:Escalations:ApprovalManagerSla", "12:00:00", "Jobs:Escalations:ApprovalManagerSla must be longer than Jobs:Escalations:ApprovalSla")]
    [InlineData("Jobs:Reminders:OpenUrl", "https://crm.example.com/customers", "Jobs:Reminders:OpenUrl must be an absolute http(s) URL with {customerId}")]
    [InlineData("Jobs:Teams:0:NudgeCron", "tomorrow", "Jobs:Teams:0:Team must name the team")]
    public async Task A_bad_setting_stops_start_up_naming_its_key(string key, string value, string message)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => JobsHost.StartAsync(database, new FakeTimeProvider(At(9)), (key, value)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_team_entry_with_a_bad_cron_names_the_entry()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => JobsHost.StartAsync(database, new FakeTimeProvider(At(9)),
            ("Jobs:Teams:0:Team", "华东销售"), ("Jobs:Teams:1:Team", "华北销售"), ("Jobs:Teams:1:NudgeCron", "tomorrow")));
        Assert.Contains("Jobs:Teams:1:NudgeCron 'tomorrow' is not a Quartz cron expression", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("appsettings.json")]
    [InlineData("appsettings.Production.example.json")]
    public async Task The_shipped_settings_files_start(string file)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "CrmChat.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("CrmChat.sln not found");
        }
        var settings = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(root.FullName, "appsettings", file)).Build()
            .GetSection("Jobs").AsEnumerable(makePathsRelative: false)
            .Where(s => s.Value is not null && s.Key != "Jobs:Enabled")
            .Select(s => (s.Key, s.Value))
            .ToArray();
        Assert.NotEmpty(settings);
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var host = await JobsHost.StartAsync(database, new FakeTimeProvider(At(9)), settings);
        Assert.NotNull(host.Services.GetRequiredService<IOptions<JobsOptions>>().Value);
    }

    [Fact]
    public async Task The_nightly_reconciliation_runs_every_platform_even_when_one_fails()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var failing = new FakeReconciliation("wecom/contacts", () => throw new HttpRequestException("WeCom is unreachable"));
        var working = new FakeReconciliation("dingtalk/employees", () => new ReconciliationResult(true, "12 employees checked, 1 left"));
        await using var host = await JobsHost.StartAsync(database, new FakeTimeProvider(At(2)), [failing, working]);

        var outcomes = await host.Services.GetRequiredService<NightlyReconciliation>().RunAsync(CancellationToken.None);

        Assert.Equal(
            [("wecom/contacts", null, "HttpRequestException: WeCom is unreachable"), ("dingtalk/employees", "12 employees checked, 1 left", null)],
            outcomes.Select(o => (o.Name, o.Result?.Summary, o.Error)));
        Assert.Equal((1, 1), (failing.Runs, working.Runs));
    }

    private sealed class FakeReconciliation(string name, Func<ReconciliationResult> run) : IReconciliation
    {
        public int Runs { get; private set; }

        public string Name => name;

        public Task<ReconciliationResult> RunAsync(CancellationToken ct)
        {
            Runs++;
            return Task.FromResult(run());
        }
    }
}

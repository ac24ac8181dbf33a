using CrmChat.CrmCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;

namespace CrmChat.Scheduler.Jobs;

[DisallowConcurrentExecution]
internal sealed class FollowUpReminderJob(FollowUpReminders reminders) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await reminders.RunAsync(cancellationToken);
}

[DisallowConcurrentExecution]
internal sealed class EscalationJob(Escalations escalations) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await escalations.RunAsync(cancellationToken);
}

[DisallowConcurrentExecution]
internal sealed class TeamCalendarJob(TeamCalendar calendar) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await calendar.RunAsync(cancellationToken);
}

[DisallowConcurrentExecution]
internal sealed class ReconciliationJob(NightlyReconciliation reconciliation) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await reconciliation.RunAsync(cancellationToken);
}

public static class JobsSetup
{
    public static readonly JobKey Reminders = new("follow-up-reminders", "crmchat");
    public static readonly JobKey Escalations = new("escalations", "crmchat");
    public static readonly JobKey TeamCalendar = new("team-calendar", "crmchat");
    public static readonly JobKey Reconciliation = new("reconciliation", "crmchat");

    /// <summary>
    /// The time-driven jobs, from the <c>Jobs</c> section (validated on start): reminders,
    /// escalations, the team calendar (digests and nudges) and the nightly reconciliation. Each
    /// job's work is a service of its own, so tests and tools run it directly; Quartz only says when.
    /// </summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<JobsOptions>, JobsOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<CrmCore.Messaging.OutboxSignal>();
        builder.Services.AddSingleton<TeamRulebook>();
        builder.Services.AddSingleton<FollowUpReminders>();
        builder.Services.AddSingleton<Escalations>();
        builder.Services.AddSingleton<TeamCalendar>();
        builder.Services.AddSingleton<NightlyReconciliation>();
        builder.Services.AddTransient<FollowUpReminderJob>();
        builder.Services.AddTransient<EscalationJob>();
        builder.Services.AddTransient<TeamCalendarJob>();
        builder.Services.AddTransient<ReconciliationJob>();

        // Only the switches are read here; the schedules are read once the options were validated.
        var section = builder.Configuration.GetSection(JobsOptions.Section);
        if (!section.GetValue("Enabled", true))
        {
            return builder;
        }
        var reconcile = section.GetValue("Reconciliation:Enabled", true);
        builder.Services.AddQuartz(q =>
        {
            Schedule<FollowUpReminderJob>(q, Reminders, o => o.Reminders.Cron);
            Schedule<EscalationJob>(q, Escalations, o => o.Escalations.Cron);
            Schedule<TeamCalendarJob>(q, TeamCalendar, o => o.TeamCalendar.Cron);
            if (reconcile)
            {
                Schedule<ReconciliationJob>(q, Reconciliation, o => o.Reconciliation.Cron);
            }
        });
        return builder;
    }

    /// <summary>The cron is read when the scheduler starts, after the options were validated, in <c>Jobs:TimeZone</c> (else <c>Crm:TimeZone</c>).</summary>
    private static void Schedule<TJob>(IQuartzBuilder q, JobKey key, Func<JobsOptions, string> cron)
        where TJob : IJob
    {
        q.AddJob<TJob>(j => j.WithIdentity(key));
        q.AddTrigger((services, t) =>
        {
            var jobs = services.GetRequiredService<IOptions<JobsOptions>>().Value;
            var crm = services.GetRequiredService<IOptions<CrmOptions>>().Value;
            var zone = jobs.TimeZone.Length > 0 ? TimeZoneInfo.FindSystemTimeZoneById(jobs.TimeZone) : crm.Zone;
            t.ForJob(key).WithIdentity(key.Name, key.Group)
                .WithCronSchedule(cron(jobs), c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed));
        });
    }
}

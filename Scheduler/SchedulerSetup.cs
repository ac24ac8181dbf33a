using CrmChat.Scheduler.Jobs;
using CrmChat.Scheduler.OutboxDispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace CrmChat.Scheduler;

public static class SchedulerSetup
{
    /// <summary>
    /// Quartz in memory (the embedded default), or clustered on the CRM database when
    /// <c>Quartz:Clustered</c> is true, with the jobs of the <c>Jobs</c> section. The outbox
    /// dispatcher runs beside it, as a hosted service of its own.
    /// </summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        builder.AddOutboxDispatcher();
        var clusterDatabase = QuartzClusterStore.ReadClusterDatabase(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddQuartz(q =>
        {
            q.AddJobListener<JobRunLog>();
            if (clusterDatabase is not null)
            {
                q.UseClusteredStore(clusterDatabase);
            }
        });
        builder.AddJobs();
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }
}

using CrmChat.Scheduler.OutboxDispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace CrmChat.Scheduler;

public static class SchedulerSetup
{
    /// <summary>
    /// Quartz in memory (the embedded default), or clustered on the CRM database when
    /// <c>Quartz:Clustered</c> is true; jobs register themselves here as they land. The outbox
    /// dispatcher runs beside it, as a hosted service of its own.
    /// </summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        builder.AddOutboxDispatcher();
        var clusterDatabase = QuartzClusterStore.ReadClusterDatabase(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddQuartz(q =>
        {
            if (clusterDatabase is not null)
            {
                q.UseClusteredStore(clusterDatabase);
            }
        });
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }
}

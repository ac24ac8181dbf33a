using CrmChat.Scheduler.OutboxDispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace CrmChat.Scheduler;

public static class SchedulerSetup
{
    /// <summary>
    /// Quartz in memory (the embedded default); jobs register themselves here as they land. The
    /// outbox dispatcher runs beside it, as a hosted service of its own.
    /// </summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        builder.AddOutboxDispatcher();
        builder.Services.AddQuartz();
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }
}

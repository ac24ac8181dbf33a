using System.Globalization;
using Microsoft.Extensions.Logging;
using Quartz;

namespace CrmChat.Scheduler;

/// <summary>
/// One log line when a job starts (which trigger, the time it was scheduled for, which instance
/// runs it) and one when it ends. In a cluster this is how an operator sees that each scheduled
/// time ran once and on which instance; turn the category down to Warning to keep only failures.
/// </summary>
public sealed partial class JobRunLog(ILogger<JobRunLog> logger) : IJobListener
{
    public string Name => "crmchat-job-runs";

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        LogStarted(logger, context.JobDetail.Key.ToString(), context.Trigger.Key.ToString(), Scheduled(context),
            context.Scheduler.SchedulerInstanceId);
        return ValueTask.CompletedTask;
    }

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;

    public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
    {
        var elapsed = context.JobRunTime;
        if (jobException is null)
        {
            LogFinished(logger, context.JobDetail.Key.ToString(), Scheduled(context), context.Scheduler.SchedulerInstanceId, elapsed.TotalMilliseconds);
        }
        else
        {
            LogFailed(logger, jobException, context.JobDetail.Key.ToString(), Scheduled(context), context.Scheduler.SchedulerInstanceId, elapsed.TotalMilliseconds);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The time the trigger was due (not when it actually ran), the identity of a firing.</summary>
    private static string Scheduled(IJobExecutionContext context) =>
        (context.ScheduledFireTimeUtc ?? context.FireTimeUtc).ToString("O", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 4251, Level = LogLevel.Information, Message = "Job {Job} started by trigger {Trigger}, scheduled for {ScheduledFor}, on instance {Instance}")]
    private static partial void LogStarted(ILogger logger, string job, string trigger, string scheduledFor, string instance);

    [LoggerMessage(EventId = 4252, Level = LogLevel.Information, Message = "Job {Job} scheduled for {ScheduledFor} finished on instance {Instance} in {ElapsedMs:F0} ms")]
    private static partial void LogFinished(ILogger logger, string job, string scheduledFor, string instance, double elapsedMs);

    [LoggerMessage(EventId = 4253, Level = LogLevel.Error, Message = "Job {Job} scheduled for {ScheduledFor} failed on instance {Instance} after {ElapsedMs:F0} ms; its next scheduled time runs as usual")]
    private static partial void LogFailed(ILogger logger, Exception error, string job, string scheduledFor, string instance, double elapsedMs);
}

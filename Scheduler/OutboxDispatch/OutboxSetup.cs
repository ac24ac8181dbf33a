using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Scheduler.OutboxDispatch;

public static class OutboxSetup
{
    /// <summary>
    /// The outbox dispatcher, from the <c>Outbox</c> section (validated on start), running as a
    /// hosted service unless <c>Outbox:Enabled</c> is false. It sends through the
    /// <see cref="IChatChannel"/>s the platforms register.
    /// </summary>
    public static IHostApplicationBuilder AddOutboxDispatcher(this IHostApplicationBuilder builder)
    {
        const string s = OutboxOptions.Section;
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(s)
            .Validate(o => o.PollInterval > TimeSpan.Zero, $"{s}:PollInterval must be positive, e.g. 00:00:01.")
            .Validate(o => o.MaxAttempts >= 1, $"{s}:MaxAttempts must be at least 1.")
            .Validate(o => o.FirstRetryDelay > TimeSpan.Zero, $"{s}:FirstRetryDelay must be positive, e.g. 00:00:10.")
            .Validate(o => o.MaxRetryDelay >= o.FirstRetryDelay, $"{s}:MaxRetryDelay must be at least {s}:FirstRetryDelay.")
            .Validate(o => o.MaxRetryDelay <= TimeSpan.FromHours(4),
                $"{s}:MaxRetryDelay must be at most 04:00:00, WeCom's duplicate check window, so a re-sent message is still recognised.")
            .Validate(o => o.Lease >= TimeSpan.FromSeconds(1), $"{s}:Lease must be at least 00:00:01.")
            .Validate(o => o.BatchSize >= 1, $"{s}:BatchSize must be at least 1.")
            .Validate(o => o.MaxConcurrentSends >= 1, $"{s}:MaxConcurrentSends must be at least 1.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IRandomSource, SharedRandomSource>();
        builder.Services.TryAddSingleton<OutboxSignal>();
        builder.Services.TryAddSingleton<OutboxDispatcher>();
        builder.Services.AddHostedService<OutboxDispatcherService>();
        return builder;
    }
}

/// <summary>Runs the dispatcher: on every wake-up signal and at least every poll interval.</summary>
internal sealed partial class OutboxDispatcherService(
    OutboxDispatcher dispatcher,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxDispatcherService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            LogDisabled(logger);
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await dispatcher.StartDueAsync(stoppingToken);
                await signal.WaitAsync(o.PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database may be down: keep the service alive and look again later.
                LogLoopError(logger, ex.GetType().Name, ex.Message);
                await Task.Delay(o.PollInterval * 5, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        // Sends in flight were cancelled; let them finish their bookkeeping.
        await dispatcher.WhenIdleAsync();
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Outbox dispatcher is disabled (Outbox:Enabled=false): messages are queued, not sent")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Error, Message = "Outbox dispatcher loop failed: {Error} {Message}")]
    private static partial void LogLoopError(ILogger logger, string error, string message);
}

using CrmChat.CrmCore.Contacts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrmChat.Scheduler.Jobs;

/// <summary>
/// Runs every registered <see cref="IReconciliation"/> (WeCom contacts and tags, WeCom and DingTalk
/// employees …) one after another; one platform failing does not keep the next from running.
/// </summary>
public sealed partial class NightlyReconciliation(IServiceScopeFactory scopes, ILogger<NightlyReconciliation> logger)
{
    public async Task<IReadOnlyList<(string Name, ReconciliationResult? Result, string? Error)>> RunAsync(CancellationToken ct)
    {
        var outcomes = new List<(string, ReconciliationResult?, string?)>();
        await using var scope = scopes.CreateAsyncScope();
        foreach (var reconciliation in scope.ServiceProvider.GetServices<IReconciliation>())
        {
            try
            {
                var result = await reconciliation.RunAsync(ct);
                if (result.Ran)
                {
                    LogDone(reconciliation.Name, result.Summary);
                }
                else
                {
                    LogSkipped(reconciliation.Name, result.Summary);
                }
                outcomes.Add((reconciliation.Name, result, null));
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogFailed(reconciliation.Name, ex.GetType().Name, ex.Message);
                outcomes.Add((reconciliation.Name, null, $"{ex.GetType().Name}: {ex.Message}"));
            }
        }
        return outcomes;
    }

    [LoggerMessage(EventId = 4231, Level = LogLevel.Information, Message = "Reconciliation {Name}: {Summary}")]
    private partial void LogDone(string name, string summary);

    [LoggerMessage(EventId = 4232, Level = LogLevel.Information, Message = "Reconciliation {Name} skipped: {Summary}")]
    private partial void LogSkipped(string name, string summary);

    [LoggerMessage(EventId = 4233, Level = LogLevel.Error, Message = "Reconciliation {Name} failed ({Error}: {Message}); it runs again next night, or start it by hand")]
    private partial void LogFailed(string name, string error, string message);
}

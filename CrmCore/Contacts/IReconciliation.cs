namespace CrmChat.CrmCore.Contacts;

/// <summary>What one reconciliation found and repaired, in words an operator reads in the log.</summary>
/// <param name="Ran">False when the platform is not set up for it (nothing was called).</param>
public sealed record ReconciliationResult(bool Ran, string Summary);

/// <summary>
/// A repair of the CRM from one platform's own records: callbacks get lost and changes made
/// through the API produce none. The Scheduler runs every registered one nightly; the rooms that
/// can reach a platform (Bots, Connectors) implement it, so the Scheduler needs no reference to them.
/// </summary>
public interface IReconciliation
{
    /// <summary>A short name for logs, e.g. "wecom/contacts".</summary>
    string Name { get; }

    Task<ReconciliationResult> RunAsync(CancellationToken ct);
}

namespace CrmChat.CrmCore.Messaging;

/// <summary>
/// Wakes a background worker as soon as there is work, so it need not wait for its next poll.
/// Signals coalesce: one wake-up drains everything that was signalled before it.
/// </summary>
public class WorkSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        // Already signalled: nothing to do. Checked first because the webhook notifies on every
        // stored event, and a SemaphoreFullException each time cost more than the rest of Notify.
        if (_signal.CurrentCount > 0)
        {
            return;
        }
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Signalled by another thread meanwhile; one wake-up drains everything.
        }
    }

    /// <summary>Completes when signalled, or after <paramref name="timeout"/> on <paramref name="time"/>'s clock.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            await _signal.WaitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The poll interval passed without a signal.
        }
    }
}

/// <summary>
/// Wakes the outbox dispatcher. Code that wrote outbox rows calls <see cref="WorkSignal.Notify"/>
/// after its transaction committed, so a reply leaves at once rather than at the next poll.
/// </summary>
public sealed class OutboxSignal : WorkSignal;

using CrmChat.CrmCore.Data;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.CrmCore.Messaging;

public enum InboxAppendResult
{
    /// <summary>A new row, pending for the processor.</summary>
    Stored = 1,
    /// <summary>An event with this dedupe key is already in the inbox; nothing was written.</summary>
    Duplicate = 2,
}

/// <summary>Writes inbound platform events to the inbox, once per dedupe key, on any provider.</summary>
public sealed class InboxStore(CrmDbContext db, TimeProvider time)
{
    /// <summary>
    /// Stores the event as Pending and due now, unless its dedupe key is already stored.
    /// Returns only once the row is durable, so a webhook may answer the platform after it.
    /// </summary>
    public async Task<InboxAppendResult> AppendAsync(
        Platform platform, string eventType, string dedupeKey, string? orderingKey, string payload, CancellationToken ct)
    {
        // The check answers the platform's ordinary retries without a failed insert;
        // the unique index settles the race between two deliveries arriving together.
        if (await IsStoredAsync(dedupeKey, ct))
        {
            return InboxAppendResult.Duplicate;
        }
        var now = time.GetUtcNow();
        var row = new InboxEvent
        {
            Platform = platform,
            EventType = eventType,
            DedupeKey = dedupeKey,
            OrderingKey = orderingKey,
            Payload = payload,
            Status = InboxStatus.Pending,
            ReceivedAt = now,
            NextAttemptAt = now,
        };
        db.InboxEvents.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
            return InboxAppendResult.Stored;
        }
        catch (DbUpdateException)
        {
            db.Entry(row).State = EntityState.Detached;
            // Whatever the provider calls a unique violation, the row being there now is the proof.
            if (await IsStoredAsync(dedupeKey, ct))
            {
                return InboxAppendResult.Duplicate;
            }
            throw;
        }
    }

    private Task<bool> IsStoredAsync(string dedupeKey, CancellationToken ct) =>
        db.InboxEvents.AsNoTracking().AnyAsync(e => e.DedupeKey == dedupeKey, ct);
}

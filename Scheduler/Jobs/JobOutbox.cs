using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Scheduler.Jobs;

/// <summary>Where a job's message to a person goes: the platform they use, as a member.</summary>
public sealed record ChatPerson(Guid EmployeeId, string Name, Platform Platform, string UserId);

/// <summary>What the jobs share when they write messages into the outbox.</summary>
internal static class JobOutbox
{
    private const int KeysPerQuery = 500;

    /// <summary>
    /// WeCom when the employee has a WeCom id, else DingTalk; null for someone who left or has
    /// neither (there is nobody to message).
    /// </summary>
    public static ChatPerson? Reach(Employee? employee)
    {
        if (employee is null || employee.Status != EmployeeStatus.Active)
        {
            return null;
        }
        if (employee.WeComUserId is { Length: > 0 } weCom)
        {
            return new ChatPerson(employee.Id, employee.Name, Platform.WeCom, weCom);
        }
        return employee.DingTalkUserId is { Length: > 0 } dingTalk ? new ChatPerson(employee.Id, employee.Name, Platform.DingTalk, dingTalk) : null;
    }

    /// <summary>Queues <paramref name="card"/> for <paramref name="to"/> in the caller's unit of work, under <paramref name="dedupeKey"/>.</summary>
    public static void Send(CrmDbContext db, ChatPerson to, AdaptiveCard card, string purpose, string dedupeKey, DateTimeOffset now) =>
        Outbox.Enqueue(db, new ChatDelivery(ChatAddress.Member(to.Platform, to.UserId), card, ChatCardId.New(to.Platform, purpose)) { LinkUserId = to.UserId },
            dedupeKey, now);

    /// <summary>
    /// Which of these keys the outbox already holds: a job that finds its message queued (by an
    /// earlier run, or another instance) does not queue it again, and its transaction does not
    /// trip over the unique key.
    /// </summary>
    public static async Task<HashSet<string>> ExistingKeysAsync(CrmDbContext db, IEnumerable<string> keys, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in keys.Distinct().Chunk(KeysPerQuery))
        {
            var some = await db.OutboxMessages.AsNoTracking().Where(m => chunk.Contains(m.DedupeKey)).Select(m => m.DedupeKey).ToListAsync(ct);
            found.UnionWith(some);
        }
        return found;
    }
}

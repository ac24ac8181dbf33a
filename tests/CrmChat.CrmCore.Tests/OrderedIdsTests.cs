using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.CrmCore.Tests;

/// <summary>An audit trail written in one instant must still read in the order it happened.</summary>
public sealed class OrderedIdsTests
{
    [Fact]
    public void Ids_made_in_one_millisecond_sort_in_the_order_they_were_made_and_stay_version_7()
    {
        // More than the 4,096 a millisecond's counter holds, all stamped with the same instant.
        var instant = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 10_000).Select(_ => OrderedIds.Next(instant)).ToList();

        Assert.Equal(ids, ids.Order());
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.All(ids, id => Assert.Equal(0b10, id.Variant >> 2));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var stamps = ids.Select(Milliseconds).ToList();
        Assert.True(stamps[0] >= instant.ToUnixTimeMilliseconds());
        // 10,000 ids borrow at least two milliseconds, and stay within a few of the clock (tests beside this one make ids too).
        Assert.True(stamps[^1] - stamps[0] >= 2);
        Assert.True(stamps[^1] <= after + 20, $"{stamps[^1] - after} ms ahead of the clock");
    }

    [Fact]
    public void A_clock_that_steps_back_does_not_reorder_ids()
    {
        var first = OrderedIds.Next();
        var behind = OrderedIds.Next(DateTimeOffset.UtcNow.AddSeconds(-5));
        Assert.True(behind.CompareTo(first) > 0);
        Assert.True(Milliseconds(behind) >= Milliseconds(first));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Audit_entries_with_the_same_time_read_back_in_the_order_they_were_written(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var at = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
        var actions = Enumerable.Range(0, 200).Select(i => $"step-{i:D3}").ToList();
        await using (var db = database.NewContext())
        {
            // Added in reverse so the insert order the database sees is not the order asked for.
            var entries = actions.Select(a => new AuditEntry { Actor = "system", EntityType = "Contract", EntityId = "c1", Action = a, At = at }).ToList();
            entries.Reverse();
            db.AuditEntries.AddRange(entries);
            await db.SaveChangesAsync();
        }
        await using (var db = database.NewContext())
        {
            var read = await db.AuditEntries.OrderBy(a => a.At).ThenBy(a => a.Id).Select(a => a.Action).ToListAsync();
            Assert.Equal(actions, read);
        }
    }

    private static long Milliseconds(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return (long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
    }
}

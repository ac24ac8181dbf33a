using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CrmChat.CrmCore.Data;

/// <summary>
/// Version 7 UUIDs that sort in the order this process made them, even within one millisecond.
/// <see cref="Guid.CreateVersion7()"/> fills the 12 bits after the version at random, so two ids
/// made in the same millisecond sort either way; here those bits count up (RFC 9562 §6.2,
/// method 1) and the 62 variant bits stay random. When the counter runs out inside a millisecond
/// the id borrows the next one, so the order holds however fast they are made.
/// </summary>
/// <remarks>
/// The order is the ids' big-endian byte order: <see cref="Guid.CompareTo(Guid)"/>, SQLite's
/// text and PostgreSQL's uuid all sort that way. SQL Server's uniqueidentifier does not, so sort
/// by these ids in memory when the order matters there.
/// </remarks>
public static class OrderedIds
{
    private const int CounterMax = 0xFFF;
    private static readonly Lock Gate = new();
    private static long lastMs = long.MinValue;
    private static int counter;

    public static Guid Next() => Next(DateTimeOffset.UtcNow);

    /// <summary>An id stamped with <paramref name="now"/>, or just after the last one if the clock is behind it.</summary>
    public static Guid Next(DateTimeOffset now)
    {
        long ms;
        int count;
        lock (Gate)
        {
            var clock = now.ToUnixTimeMilliseconds();
            if (clock > lastMs)
            {
                lastMs = clock;
                counter = 0;
            }
            else if (++counter > CounterMax)
            {
                lastMs++;
                counter = 0;
            }
            (ms, count) = (lastMs, counter);
        }
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[8..]);
        BinaryPrimitives.WriteInt64BigEndian(bytes, ms << 16);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[6..], (ushort)(0x7000 | count));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }
}

using System.Security.Cryptography;

namespace CrmChat.Connectors.Crypto;

/// <summary>
/// The 16 random bytes that open every sealed plaintext, drawn from the system CSPRNG a
/// kilobyte at a time: one call to it costs about as much as encrypting a 1 KiB message,
/// and every byte is still handed out once only.
/// </summary>
internal static class RandomPrefix
{
    private const int PoolSize = 1024;
    [ThreadStatic] private static byte[]? _pool;
    [ThreadStatic] private static int _unspent;

    /// <summary>Fills <paramref name="destination"/>, at most a kilobyte: the only caller takes 16 bytes.</summary>
    public static void Fill(Span<byte> destination)
    {
        var pool = _pool ??= new byte[PoolSize];
        if (_unspent < destination.Length)
        {
            RandomNumberGenerator.Fill(pool);
            _unspent = PoolSize;
        }
        var taken = pool.AsSpan(PoolSize - _unspent, destination.Length);
        taken.CopyTo(destination);
        // Spent bytes are wiped, so the pool never holds a prefix already used.
        taken.Clear();
        _unspent -= destination.Length;
    }
}

using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace CrmChat.Connectors.Crypto;

/// <summary>Why a callback could not be opened; the codes mirror the platforms' own samples.</summary>
public enum CallbackCryptoError
{
    BadSignature = -40001,
    /// <summary>The XML around or inside the ciphertext is malformed, too large or has a DTD.</summary>
    ParseError = -40002,
    BadAesKey = -40004,
    ReceiverMismatch = -40005,
    DecryptFailed = -40007,
}

public sealed class CallbackCryptoException(CallbackCryptoError error, string message) : Exception(message)
{
    public CallbackCryptoError Error { get; } = error;
}

/// <summary>
/// The callback encryption WeCom and DingTalk share (WXBizMsgCrypt): AES-256-CBC with the IV
/// taken from the key, PKCS#7 padding to 32-byte blocks, a plaintext of 16 random bytes,
/// a big-endian length, the message and the receiver id; signed with a SHA1 over the sorted
/// token, timestamp, nonce and ciphertext.
/// </summary>
public sealed class CallbackCrypto
{
    private const int BlockSize = 32;
    private readonly byte[] _key;
    private readonly byte[] _receiverId;
    private readonly string _token;
    private readonly Func<int, byte[]>? _random;
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    // AES-NI where the processor has it (every x64 one); else the library's AES objects with
    // the key set, reused: instance one-shots are not documented thread-safe, so each call
    // borrows one that no other thread holds.
    private readonly AesNiCbc? _aesNi;
    private readonly ConcurrentBag<Aes> _aes = [];
    // The native kernel, where it loaded: the signature's SHA-1 and the AES pass interleaved.
    private readonly CryptoKernel? _kernel;

    /// <param name="token">The callback token used in signatures.</param>
    /// <param name="encodingAesKey">The 43-character key from the platform's console.</param>
    /// <param name="receiverId">CorpId (WeCom self-built app), appKey, corpId or suiteKey (DingTalk).</param>
    /// <param name="random">Source of the 16 random bytes; tests pass a fixed one.</param>
    public CallbackCrypto(string token, string encodingAesKey, string receiverId, Func<int, byte[]>? random = null)
        : this(token, encodingAesKey, receiverId, random, AesNiCbc.IsSupported, nativeKernel: true)
    {
    }

    /// <param name="processorAes">False for the library's AES even where AES-NI is there: tests cover both paths.</param>
    /// <param name="nativeKernel">False to stay managed even where the native kernel loaded; it needs <paramref name="processorAes"/>.</param>
    internal CallbackCrypto(string token, string encodingAesKey, string receiverId, Func<int, byte[]>? random, bool processorAes, bool nativeKernel)
    {
        _key = DecodeKey(encodingAesKey);
        _aesNi = processorAes ? new AesNiCbc(_key) : null;
        _kernel = processorAes && nativeKernel ? CryptoKernel.Shared : null;
        _token = token;
        _receiverId = Encoding.UTF8.GetBytes(receiverId);
        _random = random;
    }

    public static byte[] DecodeKey(string encodingAesKey)
    {
        if (encodingAesKey is not { Length: 43 })
        {
            throw new CallbackCryptoException(CallbackCryptoError.BadAesKey, "The EncodingAESKey must be 43 characters.");
        }
        try
        {
            var key = Convert.FromBase64String(encodingAesKey + "=");
            return key.Length == 32
                ? key
                : throw new CallbackCryptoException(CallbackCryptoError.BadAesKey, "The EncodingAESKey does not decode to 32 bytes.");
        }
        catch (FormatException)
        {
            throw new CallbackCryptoException(CallbackCryptoError.BadAesKey, "The EncodingAESKey is not Base64.");
        }
    }

    /// <summary>Lowercase hex SHA1 over the four values sorted ordinally.</summary>
    public static string Sign(string token, string timestamp, string nonce, string encrypted)
    {
        Span<char> hex = stackalloc char[SignatureLength];
        SignInto(token, timestamp, nonce, encrypted, hex);
        return new string(hex);
    }

    public string Sign(string timestamp, string nonce, string encrypted) => Sign(_token, timestamp, nonce, encrypted);

    private const int SignatureLength = 40;

    /// <summary>The signature as lowercase hex into <paramref name="hex"/>, with no allocation beyond a pooled buffer.</summary>
    private static void SignInto(string token, string timestamp, string nonce, string encrypted, Span<char> hex)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SignedLength(token, timestamp, nonce, encrypted));
        try
        {
            SignInto(token, timestamp, nonce, encrypted, buffer, hex, out _);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int SignedLength(string token, string timestamp, string nonce, ReadOnlySpan<char> encrypted) =>
        Encoding.UTF8.GetMaxByteCount(token.Length + timestamp.Length + nonce.Length + encrypted.Length);

    /// <summary>
    /// Writes the four parts sorted ordinally as UTF-8 into <paramref name="buffer"/>, hashes them
    /// into <paramref name="hex"/>, and says where the ciphertext's bytes are in the buffer.
    /// </summary>
    private static void SignInto(string token, string timestamp, string nonce, ReadOnlySpan<char> encrypted, byte[] buffer, Span<char> hex, out Range encryptedBytes)
    {
        var written = WriteSorted(token, timestamp, nonce, encrypted, buffer, out encryptedBytes);
        HexSha1(buffer.AsSpan(0, written), hex);
    }

    /// <summary>The four parts sorted ordinally, as UTF-8 into <paramref name="buffer"/>; returns the length and where the ciphertext is.</summary>
    private static int WriteSorted(string token, string timestamp, string nonce, ReadOnlySpan<char> encrypted, byte[] buffer, out Range encryptedBytes)
    {
        Span<int> order = [0, 1, 2, 3];
        SortParts(order, token, timestamp, nonce, encrypted);
        var written = 0;
        encryptedBytes = default;
        foreach (var index in order)
        {
            var start = written;
            written += Encoding.UTF8.GetBytes(Part(index, token, timestamp, nonce, encrypted), buffer.AsSpan(written));
            if (index == 3)
            {
                encryptedBytes = start..written;
            }
        }
        return written;
    }

    /// <summary>Orders the part indexes ordinally, by an insertion sort on the stack: no array per signature.</summary>
    private static void SortParts(Span<int> order, string token, string timestamp, string nonce, ReadOnlySpan<char> encrypted)
    {
        for (var i = 1; i < order.Length; i++)
        {
            for (var j = i; j > 0 && Part(order[j - 1], token, timestamp, nonce, encrypted).SequenceCompareTo(Part(order[j], token, timestamp, nonce, encrypted)) > 0; j--)
            {
                (order[j - 1], order[j]) = (order[j], order[j - 1]);
            }
        }
    }

    /// <summary>The signature: SHA1 of the sorted parts, as 40 lowercase hex characters.</summary>
    private static void HexSha1(ReadOnlySpan<byte> signed, Span<char> hex)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(signed, hash);
        Convert.TryToHexStringLower(hash, hex, out _);
    }

    /// <summary>The kernel's way to the same 40 hex characters: finish its SHA-1 over what is left.</summary>
    private static void HexSha1(CryptoKernel kernel, ref CryptoKernel.Sha1State state, ReadOnlySpan<byte> rest, Span<char> hex)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        kernel.Sha1Final(ref state, rest, hash);
        Convert.TryToHexStringLower(hash, hex, out _);
    }

    private static ReadOnlySpan<char> Part(int index, string token, string timestamp, string nonce, ReadOnlySpan<char> encrypted) => index switch
    {
        0 => token,
        1 => timestamp,
        2 => nonce,
        _ => encrypted,
    };

    /// <summary>Checks a signature in constant time.</summary>
    public bool VerifySignature(string? signature, string timestamp, string nonce, string encrypted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SignedLength(_token, timestamp, nonce, encrypted));
        try
        {
            return VerifySignature(signature, timestamp, nonce, encrypted, buffer, out _);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool VerifySignature(string? signature, string timestamp, string nonce, ReadOnlySpan<char> encrypted, byte[] buffer, out Range encryptedBytes)
    {
        encryptedBytes = default;
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        Span<char> expected = stackalloc char[SignatureLength];
        SignInto(_token, timestamp, nonce, encrypted, buffer, expected, out encryptedBytes);
        return SignatureMatches(signature, expected);
    }

    /// <summary>The presented signature against the expected hex, in constant time.</summary>
    private static bool SignatureMatches(string signature, ReadOnlySpan<char> expected)
    {
        Span<char> presented = stackalloc char[SignatureLength];
        // A signature of another length can never match; compare anyway so the time does not depend on it.
        var usable = signature.Length == SignatureLength;
        signature.AsSpan(0, Math.Min(signature.Length, SignatureLength)).ToLowerInvariant(presented);
        return CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected), MemoryMarshal.AsBytes(presented)) && usable;
    }

    /// <summary>Verifies the signature, then decrypts and checks the receiver id.</summary>
    public string Open(string? signature, string timestamp, string nonce, string encrypted) =>
        Open(signature, timestamp, nonce, encrypted.AsSpan());

    /// <summary>As <see cref="Open(string?, string, string, string)"/>, for a ciphertext still inside the request body.</summary>
    public string Open(string? signature, string timestamp, string nonce, ReadOnlySpan<char> encrypted)
    {
        // The signature needs the ciphertext as UTF-8 anyway, and Base64 decodes from UTF-8
        // bytes many times faster than from a string: one encoding serves both.
        var buffer = ArrayPool<byte>.Shared.Rent(SignedLength(_token, timestamp, nonce, encrypted));
        try
        {
            if (_kernel is not null)
            {
                var written = WriteSorted(_token, timestamp, nonce, encrypted, buffer, out var cipherBytes);
                return OpenWithKernel(_kernel, signature, buffer.AsSpan(0, written), cipherBytes);
            }
            if (!VerifySignature(signature, timestamp, nonce, encrypted, buffer, out var encryptedBytes))
            {
                throw new CallbackCryptoException(CallbackCryptoError.BadSignature, "The signature does not match.");
            }
            return Decrypt(buffer.AsSpan(encryptedBytes));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// As <see cref="Open(string?, string, string, string)"/>, for a ciphertext still as bytes in
    /// the request body: it is hashed and decoded where it lies, with no copy into characters
    /// and back. A ciphertext with bytes outside ASCII (never Base64) goes the string way.
    /// </summary>
    public string Open(string? signature, string timestamp, string nonce, ReadOnlySpan<byte> encrypted)
    {
        return Ascii.IsValid(encrypted)
            ? OpenAscii(signature, timestamp, nonce, encrypted)
            : Open(signature, timestamp, nonce, Encoding.UTF8.GetString(encrypted));
    }

    /// <summary>As <see cref="Open(string?, string, string, ReadOnlySpan{byte})"/>, for a caller that has checked the bytes are ASCII.</summary>
    internal string OpenAscii(string? signature, string timestamp, string nonce, ReadOnlySpan<byte> encrypted)
    {
        // The parts go into one pooled buffer in sorted order, the ciphertext copied, not converted.
        var buffer = ArrayPool<byte>.Shared.Rent(SignedLength(_token, timestamp, nonce, default) + encrypted.Length);
        try
        {
            var written = WriteSortedAscii(timestamp, nonce, encrypted, buffer, out var cipherBytes);
            if (_kernel is not null)
            {
                return OpenWithKernel(_kernel, signature, buffer.AsSpan(0, written), cipherBytes);
            }
            Span<char> expected = stackalloc char[SignatureLength];
            HexSha1(buffer.AsSpan(0, written), expected);
            if (string.IsNullOrEmpty(signature) || !SignatureMatches(signature, expected))
            {
                throw new CallbackCryptoException(CallbackCryptoError.BadSignature, "The signature does not match.");
            }
            return Decrypt(encrypted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The token, timestamp and nonce in ordinal order with an ASCII ciphertext copied into its
    /// place among them (for ASCII, bytes order as the characters do); returns the length and
    /// where the ciphertext is.
    /// </summary>
    private int WriteSortedAscii(string timestamp, string nonce, ReadOnlySpan<byte> encrypted, byte[] buffer, out Range encryptedBytes)
    {
        Span<int> order = [0, 1, 2];
        // Given the whole ciphertext, the place is always known.
        var before = CiphertextPlace(order, timestamp, nonce, encrypted, encrypted.Length)!.Value;
        var written = WriteParts(order[..before], timestamp, nonce, buffer);
        encrypted.CopyTo(buffer.AsSpan(written));
        encryptedBytes = written..(written + encrypted.Length);
        written += encrypted.Length;
        return written + WriteParts(order[before..], timestamp, nonce, buffer.AsSpan(written));
    }

    /// <summary>
    /// Sorts the token, timestamp and nonce into <paramref name="order"/> and says how many of
    /// them go before an ASCII ciphertext that starts with <paramref name="head"/> and is
    /// <paramref name="length"/> long; null when the head is too short to tell.
    /// </summary>
    private int? CiphertextPlace(Span<int> order, string timestamp, string nonce, ReadOnlySpan<byte> head, int length)
    {
        SortParts(order, _token, timestamp, nonce, default);
        for (var before = 0; before < order.Length; before++)
        {
            switch (SortsAfterCiphertext(Part(order[before], _token, timestamp, nonce, default), head, length))
            {
                case null:
                    return null;
                case true:
                    return before;
            }
        }
        return order.Length;
    }

    /// <summary>The parts in <paramref name="order"/> as UTF-8 into <paramref name="buffer"/>; returns the length.</summary>
    private int WriteParts(ReadOnlySpan<int> order, string timestamp, string nonce, Span<byte> buffer)
    {
        var written = 0;
        foreach (var index in order)
        {
            written += Encoding.UTF8.GetBytes(Part(index, _token, timestamp, nonce, default), buffer[written..]);
        }
        return written;
    }

    /// <summary>
    /// Open through the native kernel: the signed text's SHA-1 and the ciphertext's decryption
    /// run interleaved, and nothing decrypted is looked at before the signature has matched, so
    /// a forged callback gets the same answer as on the managed path.
    /// </summary>
    private string OpenWithKernel(CryptoKernel kernel, string? signature, ReadOnlySpan<byte> signed, Range encryptedBytes)
    {
        if (string.IsNullOrEmpty(signature))
        {
            throw new CallbackCryptoException(CallbackCryptoError.BadSignature, "The signature does not match.");
        }
        var base64 = signed[encryptedBytes];
        var buffer = ArrayPool<byte>.Shared.Rent(base64.Length / 4 * 3 + 3);
        try
        {
            var decoded = Base64.DecodeFromUtf8(base64, buffer, out _, out var cipherLength) == OperationStatus.Done;
            var blocks = decoded && cipherLength > 0 && cipherLength % 16 == 0;
            var cipher = buffer.AsSpan(0, blocks ? cipherLength : 0);
            var state = CryptoKernel.Sha1State.Start();
            var hashed = blocks ? kernel.Sha1AndDecrypt(ref state, signed, _aesNi!.DecryptionKeys, cipher, _key.AsSpan(0, 16)) : 0;
            Span<char> expected = stackalloc char[SignatureLength];
            HexSha1(kernel, ref state, signed[hashed..], expected);
            if (!SignatureMatches(signature, expected))
            {
                throw new CallbackCryptoException(CallbackCryptoError.BadSignature, "The signature does not match.");
            }
            if (!decoded)
            {
                throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The ciphertext is not Base64.");
            }
            if (!blocks)
            {
                throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The ciphertext is not a whole number of AES blocks.");
            }
            return ReadPlaintext(cipher);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public string Decrypt(string encrypted)
    {
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(encrypted.Length));
        try
        {
            return Decrypt(utf8.AsSpan(0, Encoding.UTF8.GetBytes(encrypted, utf8)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    /// <param name="base64">The ciphertext as UTF-8 bytes; whitespace in it is skipped, as the character decoder does.</param>
    private string Decrypt(ReadOnlySpan<byte> base64)
    {
        // Decoding, decryption and unpadding all happen in one pooled buffer; the only
        // allocation that stays is the message string the caller keeps.
        var buffer = ArrayPool<byte>.Shared.Rent(base64.Length / 4 * 3 + 3);
        try
        {
            if (Base64.DecodeFromUtf8(base64, buffer, out _, out var cipherLength) != OperationStatus.Done)
            {
                throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The ciphertext is not Base64.");
            }
            if (cipherLength == 0 || cipherLength % 16 != 0)
            {
                throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The ciphertext is not a whole number of AES blocks.");
            }
            var cipher = buffer.AsSpan(0, cipherLength);
            CbcInPlace(cipher, encrypt: false);
            return ReadPlaintext(cipher);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>AES-256-CBC over whole blocks, the IV being the key's first half; no padding.</summary>
    private void CbcInPlace(Span<byte> data, bool encrypt)
    {
        var iv = _key.AsSpan(0, 16);
        if (_aesNi is not null)
        {
            if (encrypt)
            {
                _aesNi.EncryptInPlace(iv, data);
            }
            else
            {
                _aesNi.DecryptInPlace(iv, data);
            }
            return;
        }
        var aes = RentAes();
        try
        {
            _ = encrypt
                ? aes.EncryptCbc(data, iv, data, PaddingMode.None)
                : aes.DecryptCbc(data, iv, data, PaddingMode.None);
        }
        finally
        {
            _aes.Add(aes);
        }
    }

    private Aes RentAes()
    {
        if (_aes.TryTake(out var aes))
        {
            return aes;
        }
        aes = Aes.Create();
        aes.Key = _key;
        return aes;
    }

    private string ReadPlaintext(ReadOnlySpan<byte> plain)
    {
        int pad = plain[^1];
        // Every pad byte must hold the pad length: checking only the last one lets a
        // ciphertext cut short by a block pass as a message for another receiver.
        if (pad is < 1 or > BlockSize || pad > plain.Length || plain[(plain.Length - pad)..].ContainsAnyExcept((byte)pad))
        {
            throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The padding is invalid.");
        }
        var content = plain[..^pad];
        if (content.Length < 20)
        {
            throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The plaintext is too short.");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(content.Slice(16, 4));
        if (length > content.Length - 20)
        {
            throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The message length is out of range.");
        }
        var message = content.Slice(20, (int)length);
        var receiver = content[(20 + (int)length)..];
        if (!CryptographicOperations.FixedTimeEquals(receiver, _receiverId))
        {
            throw new CallbackCryptoException(CallbackCryptoError.ReceiverMismatch, "The message is addressed to another receiver id.");
        }
        // Most callbacks are ASCII XML: widening needs no count of characters first.
        if (Ascii.IsValid(message))
        {
            return string.Create(message.Length, message, static (chars, bytes) => Ascii.ToUtf16(bytes, chars, out _));
        }
        try
        {
            return StrictUtf8.GetString(message);
        }
        catch (DecoderFallbackException)
        {
            throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The message is not UTF-8.");
        }
    }

    public string Encrypt(string message)
    {
        var messageLength = Encoding.UTF8.GetByteCount(message);
        var total = PlaintextLength(messageLength);
        var buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var plain = buffer.AsSpan(0, total);
            WritePlaintext(message, messageLength, plain);
            // In place: CBC encryption without padding writes exactly over what it reads.
            CbcInPlace(plain, encrypt: true);
            return Convert.ToBase64String(plain);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>16 random bytes, the length, the message and the receiver id, padded to whole 32-byte blocks.</summary>
    private int PlaintextLength(int messageLength)
    {
        var contentLength = 20 + messageLength + _receiverId.Length;
        return contentLength + BlockSize - (contentLength % BlockSize);
    }

    private void WritePlaintext(string message, int messageLength, Span<byte> plain)
    {
        if (_random is null)
        {
            RandomPrefix.Fill(plain[..16]);
        }
        else
        {
            _random(16).AsSpan(0, 16).CopyTo(plain);
        }
        BinaryPrimitives.WriteUInt32BigEndian(plain.Slice(16, 4), (uint)messageLength);
        Encoding.UTF8.GetBytes(message, plain.Slice(20, messageLength));
        var contentLength = 20 + messageLength + _receiverId.Length;
        _receiverId.CopyTo(plain[(20 + messageLength)..]);
        plain[contentLength..].Fill((byte)(plain.Length - contentLength));
    }

    /// <summary>Encrypts and signs; returns the ciphertext and its signature.</summary>
    public (string Encrypted, string Signature) Seal(string message, string timestamp, string nonce)
    {
        if (_kernel is not null)
        {
            return SealWithKernel(_kernel, message, timestamp, nonce);
        }
        var encrypted = Encrypt(message);
        return (encrypted, Sign(timestamp, nonce, encrypted));
    }

    /// <summary>Plaintext bytes per step of <see cref="SealWithKernel"/>: 48 blocks, whose Base64 is 16 SHA-1 blocks.</summary>
    private const int SealChunk = 768;

    /// <summary>
    /// Seal through the native kernel. CBC encryption is one chain, so the signature cannot wait
    /// for the whole ciphertext: each step encrypts the next chunk while the kernel hashes the
    /// Base64 of the chunk before it, already in place in the signed text.
    /// </summary>
    private (string Encrypted, string Signature) SealWithKernel(CryptoKernel kernel, string message, string timestamp, string nonce)
    {
        var messageLength = Encoding.UTF8.GetByteCount(message);
        var total = PlaintextLength(messageLength);
        var encodedLength = Base64.GetMaxEncodedToUtf8Length(total);
        var plainBuffer = ArrayPool<byte>.Shared.Rent(total);
        var signedBuffer = ArrayPool<byte>.Shared.Rent(SignedLength(_token, timestamp, nonce, default) + encodedLength);
        try
        {
            var plain = plainBuffer.AsSpan(0, total);
            var signed = signedBuffer.AsSpan();
            WritePlaintext(message, messageLength, plain);
            var keys = _aesNi!.EncryptionKeys;
            Span<byte> chain = stackalloc byte[16];
            _key.AsSpan(0, 16).CopyTo(chain);
            var state = CryptoKernel.Sha1State.Start();

            // The first chunk, encrypted alone, says where the ciphertext sorts among the parts.
            var first = Math.Min(SealChunk, total);
            kernel.Sha1AndEncrypt(ref state, default, keys, plain[..first], chain);
            Span<byte> head = stackalloc byte[SealChunk / 3 * 4];
            Base64.EncodeToUtf8(plain[..first], head, out _, out var headLength, isFinalBlock: first == total);
            head = head[..headLength];
            Span<int> order = [0, 1, 2];
            if (CiphertextPlace(order, timestamp, nonce, head, encodedLength) is not { } before)
            {
                // A part longer than the head and equal to it: finish the plain way.
                kernel.Sha1AndEncrypt(ref state, default, keys, plain[first..], chain);
                var whole = Convert.ToBase64String(plain);
                return (whole, Sign(timestamp, nonce, whole));
            }

            var written = WriteParts(order[..before], timestamp, nonce, signed);
            var cipherStart = written;
            head.CopyTo(signed[written..]);
            written += head.Length;
            var hashed = 0;
            for (var at = first; at < total; at += SealChunk)
            {
                var chunk = plain.Slice(at, Math.Min(SealChunk, total - at));
                hashed += kernel.Sha1AndEncrypt(ref state, signed[hashed..written], keys, chunk, chain);
                Base64.EncodeToUtf8(chunk, signed[written..], out _, out var encoded, isFinalBlock: at + chunk.Length == total);
                written += encoded;
            }
            var encrypted = Encoding.ASCII.GetString(signed[cipherStart..written]);
            written += WriteParts(order[before..], timestamp, nonce, signed[written..]);
            Span<char> hex = stackalloc char[SignatureLength];
            HexSha1(kernel, ref state, signed[hashed..written], hex);
            return (encrypted, new string(hex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plainBuffer);
            ArrayPool<byte>.Shared.Return(signedBuffer);
        }
    }

    /// <summary>
    /// Whether a part sorts after an ASCII ciphertext in ordinal order (as the string of its bytes
    /// would), known from its first characters (<paramref name="head"/> of <paramref name="length"/>);
    /// null when the head is too short to tell. Given the whole ciphertext it always tells.
    /// </summary>
    private static bool? SortsAfterCiphertext(ReadOnlySpan<char> part, ReadOnlySpan<byte> head, int length)
    {
        var common = Math.Min(part.Length, head.Length);
        for (var i = 0; i < common; i++)
        {
            if (part[i] != head[i])
            {
                return part[i] > head[i];
            }
        }
        if (part.Length <= head.Length)
        {
            // The part is the ciphertext's start, or all of it: it does not sort after.
            return false;
        }
        // The part goes on past the head: after the ciphertext if the head is all of it.
        return head.Length == length ? true : null;
    }
}

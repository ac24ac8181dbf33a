using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

using CrmChat.Connectors.Crypto;

namespace CrmChat.Bench.Baseline;

/// <summary>CallbackCrypto as it was before the benchmark work, kept to measure the change side by side.</summary>
public sealed class CallbackCryptoBefore
{
    private const int BlockSize = 32;
    private readonly byte[] _key;
    private readonly byte[] _receiverId;
    private readonly string _token;
    private readonly Func<int, byte[]> _random;

    /// <param name="token">The callback token used in signatures.</param>
    /// <param name="encodingAesKey">The 43-character key from the platform's console.</param>
    /// <param name="receiverId">CorpId (WeCom self-built app), appKey, corpId or suiteKey (DingTalk).</param>
    /// <param name="random">Source of the 16 random bytes; tests pass a fixed one.</param>
    public CallbackCryptoBefore(string token, string encodingAesKey, string receiverId, Func<int, byte[]>? random = null)
    {
        _key = DecodeKey(encodingAesKey);
        _token = token;
        _receiverId = Encoding.UTF8.GetBytes(receiverId);
        _random = random ?? RandomNumberGenerator.GetBytes;
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
        string[] parts = [token, timestamp, nonce, encrypted];
        Array.Sort(parts, StringComparer.Ordinal);
        var text = string.Concat(parts);
        var bytes = Encoding.UTF8.GetBytes(text);
        return Convert.ToHexStringLower(SHA1.HashData(bytes));
    }

    public string Sign(string timestamp, string nonce, string encrypted) => Sign(_token, timestamp, nonce, encrypted);

    /// <summary>Checks a signature in constant time.</summary>
    public bool VerifySignature(string? signature, string timestamp, string nonce, string encrypted)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(timestamp, nonce, encrypted));
        var presented = Encoding.ASCII.GetBytes(signature.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    /// <summary>Verifies the signature, then decrypts and checks the receiver id.</summary>
    public string Open(string? signature, string timestamp, string nonce, string encrypted)
    {
        if (!VerifySignature(signature, timestamp, nonce, encrypted))
        {
            throw new CallbackCryptoException(CallbackCryptoError.BadSignature, "The signature does not match.");
        }
        return Decrypt(encrypted);
    }

    public string Decrypt(string encrypted)
    {
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encrypted);
        }
        catch (FormatException)
        {
            throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The ciphertext is not Base64.");
        }
        if (cipher.Length == 0 || cipher.Length % 16 != 0)
        {
            throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The ciphertext is not a whole number of AES blocks.");
        }

        using var aes = Aes.Create();
        aes.Key = _key;
        var plain = aes.DecryptCbc(cipher, _key.AsSpan(0, 16), PaddingMode.None);

        int pad = plain[^1];
        // Every pad byte must hold the pad length: checking only the last one lets a
        // ciphertext cut short by a block pass as a message for another receiver.
        if (pad is < 1 or > BlockSize || pad > plain.Length || plain.AsSpan(plain.Length - pad).ContainsAnyExcept((byte)pad))
        {
            throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The padding is invalid.");
        }
        var content = plain.AsSpan(0, plain.Length - pad);
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
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message);
        }
        catch (DecoderFallbackException)
        {
            throw new CallbackCryptoException(CallbackCryptoError.DecryptFailed, "The message is not UTF-8.");
        }
    }

    public string Encrypt(string message)
    {
        var messageBytes = Encoding.UTF8.GetBytes(message);
        var contentLength = 20 + messageBytes.Length + _receiverId.Length;
        var pad = BlockSize - (contentLength % BlockSize);
        var plain = new byte[contentLength + pad];
        var random = _random(16);
        random.AsSpan(0, 16).CopyTo(plain);
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(16, 4), (uint)messageBytes.Length);
        messageBytes.CopyTo(plain, 20);
        _receiverId.CopyTo(plain, 20 + messageBytes.Length);
        plain.AsSpan(contentLength).Fill((byte)pad);

        using var aes = Aes.Create();
        aes.Key = _key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, _key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>Encrypts and signs; returns the ciphertext and its signature.</summary>
    public (string Encrypted, string Signature) Seal(string message, string timestamp, string nonce)
    {
        var encrypted = Encrypt(message);
        return (encrypted, Sign(timestamp, nonce, encrypted));
    }
}

using System.Security.Cryptography;
using System.Text;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Connectors.Tests.Crypto;

/// <summary>
/// CallbackCrypto against WeCom's official @wecom/crypto package, both ways: what we seal
/// the package opens (and its signature check agrees), and what it seals we open.
/// </summary>
public sealed class CallbackCryptoCrossCheckTests(OfficialWeComCrypto official) : IClassFixture<OfficialWeComCrypto>
{
    public const string Key = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    public const string CorpId = "wwsandbox0000000001";
    // Mixed case on purpose: ordinal order ("Q" < "n") differs from culture-aware order.
    private const string Token = "QDG6eKtokenCrmChat";
    private const string Nonce = "nonce1372623149";

    public static TheoryData<string, int> Messages()
    {
        var data = new TheoryData<string, int>();
        for (var pad = 1; pad <= 32; pad++)
        {
            data.Add("pad" + pad, TestMessages.SizeForPad(pad, CorpId));
        }
        var sizes = new SortedSet<int> { 1, 65536 };
        var random = new Random(20260501);
        while (sizes.Count < 26)
        {
            // Log-uniform, so small and large messages both get their share.
            sizes.Add((int)Math.Round(Math.Pow(65536, random.NextDouble())));
        }
        foreach (var size in sizes)
        {
            data.Add("random", size);
        }
        data.Add("chinese", 3);
        data.Add("chinese", 100);
        data.Add("chinese", 4099);
        data.Add("chinese", 65535);
        // Plain ASCII XML, the usual callback, takes its own path to a string.
        foreach (var size in new[] { 1, 127, 1024, 16384, 65535 })
        {
            data.Add("ascii", size);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Official_package_opens_what_we_seal_and_accepts_our_signature(string kind, int size)
    {
        var message = MessageFor(kind, size);
        var random = RandomBytes(size);
        var timestamp = Timestamp(size);
        // Same random bytes in, so the padding must match byte for byte too.
        var theirs = await official.SealAsync(Key, Token, CorpId, message, timestamp, Nonce, random);

        foreach (var (path, ours) in CryptoPaths.Every(Token, Key, CorpId, _ => random))
        {
            var (encrypted, signature) = ours.Seal(message, timestamp, Nonce);
            var opened = await official.OpenAsync(Key, Token, encrypted, timestamp, Nonce, signature);

            Assert.True(opened.SignatureValid, $"{path}: the official package computes a different signature");
            Assert.Equal(message, opened.Message);
            Assert.Equal(CorpId, opened.ReceiverId);
            Assert.Equal(theirs.Encrypt, encrypted);
            Assert.Equal(theirs.Signature, signature);
        }
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task We_open_what_the_official_package_seals(string kind, int size)
    {
        var message = MessageFor(kind, size);
        var timestamp = Timestamp(size);
        var (encrypted, signature) = await official.SealAsync(Key, Token, CorpId, message, timestamp, Nonce);

        foreach (var (_, ours) in CryptoPaths.Every(Token, Key, CorpId))
        {
            Assert.Equal(message, ours.Open(signature, timestamp, Nonce, encrypted));
            // The webhook's way: the ciphertext as the body's bytes.
            Assert.Equal(message, ours.Open(signature, timestamp, Nonce, Encoding.ASCII.GetBytes(encrypted)));
        }
    }

    [Theory]
    [InlineData("!first")]   // sorts before everything: digits, letters, '+' and '/'
    [InlineData("~last")]    // sorts after everything
    [InlineData("prefix")]   // the ciphertext's own first characters: a prefix sorts first
    [InlineData("")]
    public async Task The_bytes_path_sorts_the_ciphertext_among_the_parts_as_the_official_package_does(string nonceKind)
    {
        var message = TestMessages.Ascii(300);
        var random = RandomBytes(300);
        var probe = await official.SealAsync(Key, Token, CorpId, message, "1700000000", "n", random);
        var nonce = nonceKind == "prefix" ? probe.Encrypt[..6] : nonceKind;
        // The same random bytes again with the nonce chosen: the ciphertext does not depend on the nonce.
        var (encrypted, signature) = await official.SealAsync(Key, Token, CorpId, message, "1700000000", nonce, random);
        Assert.Equal(probe.Encrypt, encrypted);

        foreach (var (_, ours) in CryptoPaths.Every(Token, Key, CorpId, _ => random))
        {
            Assert.Equal(message, ours.Open(signature, "1700000000", nonce, Encoding.ASCII.GetBytes(encrypted)));
            var refused = Assert.Throws<CallbackCryptoException>(() => ours.Open(signature, "1700000001", nonce, Encoding.ASCII.GetBytes(encrypted)));
            Assert.Equal(CallbackCryptoError.BadSignature, refused.Error);
            // Sealing puts the ciphertext in the same place among the parts.
            Assert.Equal((encrypted, signature), ours.Seal(message, "1700000000", nonce));
        }
    }

    [Theory]
    [InlineData("你好")]
    [InlineData("客户李四（138-0013-8000）已添加，标签：重要客户、华东区")]
    [InlineData("<xml><Content><![CDATA[合同已审批通过 ✅ 🎉]]></Content></xml>")]
    public async Task Chinese_text_survives_both_directions(string message)
    {
        var theirsSealed = await official.SealAsync(Key, Token, CorpId, message, "1700000001", Nonce);
        foreach (var (_, ours) in CryptoPaths.Every(Token, Key, CorpId))
        {
            var (encrypted, signature) = ours.Seal(message, "1700000000", Nonce);
            var theirsOpened = await official.OpenAsync(Key, Token, encrypted, "1700000000", Nonce, signature);

            Assert.True(theirsOpened.SignatureValid);
            Assert.Equal(message, theirsOpened.Message);
            Assert.Equal(message, ours.Open(theirsSealed.Signature, "1700000001", Nonce, theirsSealed.Encrypt));
        }
    }

    [Fact]
    public async Task Message_for_another_corp_is_refused_as_receiver_mismatch()
    {
        var (encrypted, signature) = await official.SealAsync(Key, Token, "wwsomeoneelse000001", "<xml/>", "1700000000", Nonce);

        foreach (var (_, ours) in CryptoPaths.Every(Token, Key, CorpId))
        {
            var error = Assert.Throws<CallbackCryptoException>(() => ours.Open(signature, "1700000000", Nonce, encrypted));

            Assert.Equal(CallbackCryptoError.ReceiverMismatch, error.Error);
            Assert.Equal(-40005, (int)error.Error);
        }
    }

    [Fact]
    public async Task Message_sealed_with_another_token_is_refused_as_bad_signature()
    {
        var (encrypted, signature) = await official.SealAsync(Key, "anotherToken", CorpId, "<xml/>", "1700000000", Nonce);

        foreach (var (_, ours) in CryptoPaths.Every(Token, Key, CorpId))
        {
            var error = Assert.Throws<CallbackCryptoException>(() => ours.Open(signature, "1700000000", Nonce, encrypted));

            Assert.Equal(CallbackCryptoError.BadSignature, error.Error);
        }
    }

    private static string MessageFor(string kind, int size) => kind switch
    {
        "chinese" => TestMessages.Chinese(size),
        "ascii" => TestMessages.Ascii(size),
        _ => TestMessages.Random(size, seed: size),
    };

    private static byte[] RandomBytes(int seed)
    {
        var bytes = new byte[16];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Timestamp(int size) => (1700000000 + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Fixed answers (made with the official package) and every way a callback can be refused.</summary>
public sealed class CallbackCryptoKnownAnswerTests
{
    private const string Key = CallbackCryptoCrossCheckTests.Key;
    private const string CorpId = CallbackCryptoCrossCheckTests.CorpId;
    private const string Token = "QDG6eKtoken";
    private const string Message =
        "<xml><ToUserName><![CDATA[wwsandbox0000000001]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>" +
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好，CrmChat]]></Content>" +
        "<MsgId>7300000000000000001</MsgId><AgentID>1000002</AgentID></xml>";

    // Made by @wecom/crypto 1.0.1 with random = "0123456789abcdef", timestamp 1700000000, nonce "nonce42".
    private const string Encrypted =
        "sKqRbbiSUnDhFHOvPjtUMRKL+ax6pQz59MqzKnvOAcymL077O/pDaLTF/uRFS/a+E3UAJQsXv+T3TpPk2s24lMSvao2RLz03dVxbWTyI+uwVZgYcFHCryJ9GDy7n9s" +
        "cederw5E8uXID07EmvH3WJD1tpha/tetxrViW8DzeXhtrl5JfzLojy5YlnA6W47TQytJvofJJx1O+CSWne4VNdaf1UA3MCSpi5egdtin/fp80RdLPL15iZzqPRcse3g" +
        "lfkKlIv4QhdplPrYcUHdBGg0a4tIK/aCydq0Uen0tuZi4CKdJcKBtAYqxJUQb4gnR9GEIZtRjOUAol7PvbOmHu0kBSP5nHTYwqBHI9EhgLjQtPgtC2WI+GDdh5QfLHW0" +
        "s6ggvZeGsP44M3Ben4zM8/WSYB8tDwYlg5Lptn6WZmbYD0CLl8333oP8tX/dZJaGK3ZMVae6jSdcsrYsfMhkMFLxA==";
    private const string Signature = "ec513873e6e50c08b52c92e0eece2b9b01535015";

    /// <summary>Every path CallbackCrypto can take here, each with the fixed random bytes.</summary>
    private static IEnumerable<CallbackCrypto> EveryOurs() =>
        CryptoPaths.Every(Token, Key, CorpId, _ => Encoding.ASCII.GetBytes("0123456789abcdef")).Select(p => p.Crypto);

    [Fact]
    public void Sealing_gives_the_official_packages_ciphertext_and_signature()
    {
        foreach (var ours in EveryOurs())
        {
            var (encrypted, signature) = ours.Seal(Message, "1700000000", "nonce42");

            Assert.Equal(Encrypted, encrypted);
            Assert.Equal(Signature, signature);
        }
    }

    [Fact]
    public void Opening_the_official_packages_ciphertext_gives_the_message()
    {
        Assert.All(EveryOurs(), ours => Assert.Equal(Message, ours.Open(Signature, "1700000000", "nonce42", Encrypted)));
    }

    [Fact]
    public void Opening_the_ciphertext_as_bytes_gives_the_message()
    {
        Assert.All(EveryOurs(), ours => Assert.Equal(Message, ours.Open(Signature, "1700000000", "nonce42", Encoding.ASCII.GetBytes(Encrypted))));
    }

    [Theory]
    [InlineData("ec513873e6e50c08b52c92e0eece2b9b01535016")]
    [InlineData("")]
    [InlineData(null)]
    public void Wrong_or_missing_signature_is_refused_on_the_bytes_path(string? signature)
    {
        Assert.All(EveryOurs(), ours => AssertRefused(CallbackCryptoError.BadSignature, () => ours.Open(signature, "1700000000", "nonce42", Encoding.ASCII.GetBytes(Encrypted))));
    }

    [Fact]
    public void Base64_broken_across_lines_opens_both_ways()
    {
        var wrapped = string.Join("\r\n", Encrypted.Chunk(76).Select(c => new string(c)));
        foreach (var ours in EveryOurs())
        {
            var signature = ours.Sign("1700000000", "nonce42", wrapped);

            Assert.Equal(Message, ours.Open(signature, "1700000000", "nonce42", wrapped));
            Assert.Equal(Message, ours.Open(signature, "1700000000", "nonce42", Encoding.ASCII.GetBytes(wrapped)));
        }
    }

    [Fact]
    public void Ciphertext_bytes_outside_ascii_are_refused_as_not_base64()
    {
        var garbled = Encrypted[..40] + "中" + Encrypted[40..];
        foreach (var ours in EveryOurs())
        {
            var signature = ours.Sign("1700000000", "nonce42", garbled);

            AssertRefused(CallbackCryptoError.DecryptFailed, () => ours.Open(signature, "1700000000", "nonce42", Encoding.UTF8.GetBytes(garbled)));
        }
    }

    [Fact]
    public void Uppercase_hex_signature_is_accepted()
    {
        Assert.All(EveryOurs(), ours => Assert.Equal(Message, ours.Open(Signature.ToUpperInvariant(), "1700000000", "nonce42", Encrypted)));
    }

    [Theory]
    [InlineData("ec513873e6e50c08b52c92e0eece2b9b01535016")]
    [InlineData("ec513873e6e50c08b52c92e0eece2b9b0153501")]
    [InlineData("")]
    [InlineData(null)]
    public void Wrong_or_missing_signature_is_refused(string? signature)
    {
        Assert.All(EveryOurs(), ours => AssertRefused(CallbackCryptoError.BadSignature, () => ours.Open(signature, "1700000000", "nonce42", Encrypted)));
    }

    [Fact]
    public void Changed_timestamp_invalidates_the_signature()
    {
        Assert.All(EveryOurs(), ours => AssertRefused(CallbackCryptoError.BadSignature, () => ours.Open(Signature, "1700000001", "nonce42", Encrypted)));
    }

    [Fact]
    public void Receiver_id_other_than_ours_is_refused_with_40005()
    {
        foreach (var (_, forOtherCorp) in CryptoPaths.Every(Token, Key, "wwsomeoneelse000001"))
        {
            var error = AssertRefused(CallbackCryptoError.ReceiverMismatch, () => forOtherCorp.Open(Signature, "1700000000", "nonce42", Encrypted));

            Assert.Equal(-40005, (int)error.Error);
        }
    }

    [Theory]
    [InlineData("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2")]
    [InlineData("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2CD")]
    [InlineData("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B!!")]
    [InlineData("")]
    public void Malformed_aes_key_is_refused_with_40004(string key)
    {
        AssertRefused(CallbackCryptoError.BadAesKey, () => new CallbackCrypto(Token, key, CorpId));
    }

    [Fact]
    public void Ciphertext_under_another_valid_key_fails_to_decrypt()
    {
        var otherKey = Convert.ToBase64String(SHA256.HashData("another key"u8))[..43];
        foreach (var (_, withOtherKey) in CryptoPaths.Every(Token, otherKey, CorpId))
        {
            AssertRefused(CallbackCryptoError.DecryptFailed, () => withOtherKey.Open(Signature, "1700000000", "nonce42", Encrypted));
        }
    }

    public static TheoryData<string, string> Garbled() => new()
    {
        { "a whole block short", Convert.ToBase64String(Convert.FromBase64String(Encrypted)[..^16]) },
        { "three bytes short", Convert.ToBase64String(Convert.FromBase64String(Encrypted)[..^3]) },
        { "not Base64", Encrypted.Replace('+', '*') },
        { "empty", "" },
        { "length field flipped", Flip(Encrypted, index: 0, mask: 0x80) },
        { "last block flipped", Flip(Encrypted, index: ^1, mask: 0x01) },
    };

    [Theory]
    [MemberData(nameof(Garbled))]
    public void Truncated_or_garbled_ciphertext_fails_to_decrypt(string why, string ciphertext)
    {
        foreach (var ours in EveryOurs())
        {
            var signature = ours.Sign("1700000000", "nonce42", ciphertext);

            var error = AssertRefused(CallbackCryptoError.DecryptFailed, () => ours.Open(signature, "1700000000", "nonce42", ciphertext));
            AssertRefused(CallbackCryptoError.DecryptFailed, () => ours.Open(signature, "1700000000", "nonce42", Encoding.UTF8.GetBytes(ciphertext)));
            // Garbled and unsigned is refused for the signature, before anything is decrypted.
            AssertRefused(CallbackCryptoError.BadSignature, () => ours.Open(Signature, "1700000000", "nonce42", ciphertext));

            Assert.False(string.IsNullOrEmpty(error.Message), why);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x3C, 0x78, 0xC3, 0x28, 0x3E })]
    [InlineData(new byte[] { 0x3C, 0x78, 0xFF, 0x3E })]
    [InlineData(new byte[] { 0xE5, 0xAE })]
    public void Message_that_is_not_utf8_fails_to_decrypt(byte[] message)
    {
        // Sealed by hand: CallbackCrypto only ever seals text, so it cannot produce these bytes.
        var key = CallbackCrypto.DecodeKey(Key);
        var receiver = Encoding.UTF8.GetBytes(CorpId);
        var content = 20 + message.Length + receiver.Length;
        var plain = new byte[content + (32 - content % 32)];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(16), (uint)message.Length);
        message.CopyTo(plain, 20);
        receiver.CopyTo(plain, 20 + message.Length);
        plain.AsSpan(content).Fill((byte)(plain.Length - content));
        using var aes = Aes.Create();
        aes.Key = key;
        var ciphertext = Convert.ToBase64String(aes.EncryptCbc(plain, key.AsSpan(0, 16), PaddingMode.None));
        foreach (var ours in EveryOurs())
        {
            AssertRefused(CallbackCryptoError.DecryptFailed, () => ours.Open(ours.Sign("1700000000", "nonce42", ciphertext), "1700000000", "nonce42", ciphertext));
        }
    }

    [Fact]
    public void Every_seal_opens_with_fresh_random_bytes_across_threads()
    {
        // Enough seals per thread to drain the random pool several times over.
        var key = CallbackCrypto.DecodeKey(Key);
        var ours = new CallbackCrypto(Token, Key, CorpId);
        var prefixes = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, _ =>
        {
            using var aes = Aes.Create();
            aes.Key = key;
            for (var i = 0; i < 300; i++)
            {
                var plain = aes.DecryptCbc(Convert.FromBase64String(ours.Encrypt("same message")), key.AsSpan(0, 16), PaddingMode.None);
                prefixes.Add(Convert.ToHexString(plain, 0, 16));
            }
        });

        Assert.Equal(1200, prefixes.Distinct().Count());
        Assert.DoesNotContain(new string('0', 32), prefixes);
    }

    private static string Flip(string base64, Index index, byte mask)
    {
        var bytes = Convert.FromBase64String(base64);
        bytes[index] ^= mask;
        return Convert.ToBase64String(bytes);
    }

    private static CallbackCryptoException AssertRefused(CallbackCryptoError expected, Action open)
    {
        var error = Assert.Throws<CallbackCryptoException>(open);
        Assert.Equal(expected, error.Error);
        return error;
    }
}

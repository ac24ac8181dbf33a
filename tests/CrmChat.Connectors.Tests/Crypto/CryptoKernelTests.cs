using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using System.Text;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Connectors.Tests.Crypto;

/// <summary>The ways CallbackCrypto can run on this machine, so every cross-check covers each.</summary>
internal static class CryptoPaths
{
    public static IEnumerable<(string Path, CallbackCrypto Crypto)> Every(string token, string key, string receiverId, Func<int, byte[]>? random = null)
    {
        if (CryptoKernel.Shared is not null)
        {
            yield return ("native kernel", new CallbackCrypto(token, key, receiverId, random, processorAes: true, nativeKernel: true));
        }
        yield return ("managed", new CallbackCrypto(token, key, receiverId, random, AesNiCbc.IsSupported, nativeKernel: false));
    }
}

/// <summary>The native kernel against the library's SHA-1 and our managed AES-NI, and the seal's ordering edge cases.</summary>
public sealed class CryptoKernelTests
{
    private const string Key = CallbackCryptoCrossCheckTests.Key;
    private const string CorpId = CallbackCryptoCrossCheckTests.CorpId;

    /// <summary>
    /// Where the build compiles the kernel (Linux x64 with gcc) and the processor has SHA-NI, it
    /// must have loaded: otherwise the native path would go untested without anyone noticing.
    /// </summary>
    [Fact]
    public void Loads_where_it_can_run()
    {
        var here = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
            && X86Base.IsSupported && (X86Base.CpuId(7, 0).Ebx & (1 << 29)) != 0 && File.Exists("/usr/bin/gcc")
            && !string.Equals(Environment.GetEnvironmentVariable(CryptoKernel.SwitchVariable), "off", StringComparison.OrdinalIgnoreCase);
        if (here)
        {
            Assert.True(CryptoKernel.Shared is not null, "the native crypto kernel did not load: " + CryptoKernel.Unavailable);
        }
        else
        {
            Assert.Null(CryptoKernel.Shared);
            Assert.NotEmpty(CryptoKernel.Unavailable);
        }
    }

    // Every length around SHA-1's padding edges (55/56 bytes into a block) and the AES stride.
    public static TheoryData<int> Lengths() => [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 21_888, 21_900, 65_537];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sha1_agrees_with_the_library(int length)
    {
        // Where it should be here and is not, Loads_where_it_can_run fails.
        var kernel = CryptoKernel.Shared;
        if (kernel is null)
        {
            return;
        }
        var text = new byte[length];
        new Random(length).NextBytes(text);
        var state = CryptoKernel.Sha1State.Start();
        var digest = new byte[20];

        kernel.Sha1Final(ref state, text, digest);

        Assert.Equal(SHA1.HashData(text), digest);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(1, 2)]
    [InlineData(3, 1)]
    [InlineData(4, 1)]
    [InlineData(48, 16)]
    [InlineData(49, 16)]
    [InlineData(1027, 342)]
    [InlineData(1027, 400)]
    [InlineData(5, 342)]
    public void Interleaved_decrypt_and_encrypt_agree_with_aes_and_sha1_apart(int aesBlocks, int shaBlocks)
    {
        // Where it should be here and is not, Loads_where_it_can_run fails.
        var kernel = CryptoKernel.Shared;
        if (kernel is null)
        {
            return;
        }
        var random = new Random(aesBlocks * 1000 + shaBlocks);
        var key = new byte[32];
        var iv = new byte[16];
        var plain = new byte[aesBlocks * 16];
        var text = new byte[shaBlocks * 64 + 17];
        random.NextBytes(key);
        random.NextBytes(iv);
        random.NextBytes(plain);
        random.NextBytes(text);
        var aes = new AesNiCbc(key);
        var cipher = plain.ToArray();
        aes.EncryptInPlace(iv, cipher);

        var decrypted = cipher.ToArray();
        var state = CryptoKernel.Sha1State.Start();
        var hashed = kernel.Sha1AndDecrypt(ref state, text, aes.DecryptionKeys, decrypted, iv);
        var digest = new byte[20];
        kernel.Sha1Final(ref state, text.AsSpan(hashed), digest);
        Assert.Equal(plain, decrypted);
        Assert.Equal(SHA1.HashData(text), digest);

        // Encryption in two calls, chained through the IV the first hands back.
        var encrypted = plain.ToArray();
        var chain = iv.ToArray();
        state = CryptoKernel.Sha1State.Start();
        var half = aesBlocks / 2 * 16;
        hashed = kernel.Sha1AndEncrypt(ref state, text.AsSpan(0, text.Length / 2), aes.EncryptionKeys, encrypted.AsSpan(0, half), chain);
        hashed += kernel.Sha1AndEncrypt(ref state, text.AsSpan(hashed), aes.EncryptionKeys, encrypted.AsSpan(half), chain);
        kernel.Sha1Final(ref state, text.AsSpan(hashed), digest);
        Assert.Equal(cipher, encrypted);
        Assert.Equal(SHA1.HashData(text), digest);
        Assert.Equal(aesBlocks == 0 ? iv : cipher[^16..], chain);
    }

    [Fact]
    public void Refuses_partial_blocks_and_short_keys_before_calling_in()
    {
        // Where it should be here and is not, Loads_where_it_can_run fails.
        var kernel = CryptoKernel.Shared;
        if (kernel is null)
        {
            return;
        }
        var aes = new AesNiCbc(new byte[32]);
        var state = CryptoKernel.Sha1State.Start();

        Assert.Throws<ArgumentException>(() => kernel.Sha1AndDecrypt(ref state, default, aes.DecryptionKeys, new byte[17], new byte[16]));
        Assert.Throws<ArgumentException>(() => kernel.Sha1AndDecrypt(ref state, default, aes.DecryptionKeys[..16], new byte[16], new byte[16]));
        Assert.Throws<ArgumentException>(() => kernel.Sha1AndEncrypt(ref state, default, aes.EncryptionKeys, new byte[16], new byte[8]));
    }

    /// <summary>
    /// The kernel's seal decides where the ciphertext sorts from its first 1,024 characters. A
    /// part that starts the same way for longer (a token copied from a ciphertext) must still
    /// come out as the managed path signs it, and so must a part the whole ciphertext begins.
    /// </summary>
    [Theory]
    [InlineData(3000, 1100, "")]     // longer than the head, equal to it: the plain way
    [InlineData(3000, 1100, "~")]
    [InlineData(3000, 600, "")]      // a prefix inside the head: sorts first
    [InlineData(3000, 600, "!")]     // differs inside the head
    [InlineData(100, 0, "x")]        // the whole ciphertext is the head, and the token goes on past it
    [InlineData(100, 0, "")]         // the token is the ciphertext
    public void Seal_sorts_a_token_that_starts_like_the_ciphertext_as_the_managed_path_does(int size, int copied, string suffix)
    {
        var random = Encoding.ASCII.GetBytes("0123456789abcdef");
        var message = TestMessages.Ascii(size);
        var managed = new CallbackCrypto("t", Key, CorpId, _ => random, AesNiCbc.IsSupported, nativeKernel: false);
        var ciphertext = managed.Encrypt(message);
        var token = (copied == 0 ? ciphertext : ciphertext[..copied]) + suffix;

        foreach (var (path, ours) in CryptoPaths.Every(token, Key, CorpId, _ => random))
        {
            var (encrypted, signature) = ours.Seal(message, "1700000000", "nonce");

            Assert.Equal(ciphertext, encrypted);
            Assert.True(signature == CallbackCrypto.Sign(token, "1700000000", "nonce", ciphertext), path);
            Assert.Equal(message, ours.Open(signature, "1700000000", "nonce", encrypted));
        }
    }

    [Fact]
    public void Seals_and_opens_on_four_threads_at_once()
    {
        var crypto = CryptoPaths.Every("token", Key, CorpId).First().Crypto;
        var failures = 0;
        Parallel.For(0, 4, thread =>
        {
            for (var i = 0; i < 200; i++)
            {
                var message = TestMessages.Random(1 + (thread * 7919 + i * 104729) % 20_000, seed: thread * 1000 + i);
                var (encrypted, signature) = crypto.Seal(message, "1700000000", "n" + i);
                if (crypto.Open(signature, "1700000000", "n" + i, Encoding.ASCII.GetBytes(encrypted)) != message
                    || signature != CallbackCrypto.Sign("token", "1700000000", "n" + i, encrypted))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.Equal(0, failures);
    }
}

using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Connectors.Tests.Crypto;

/// <summary>Our AES-NI CBC against the platform library's, block for block, both ways.</summary>
public sealed class AesNiCbcTests
{
    // Around the eight-block stride and its tail: 1–7 leftover blocks, exact multiples, large.
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(1030)]
    [InlineData(4097)]
    public void Agrees_with_the_library_both_ways(int blocks)
    {
        if (!RunsHere())
        {
            return;
        }
        var random = new Random(blocks);
        for (var trial = 0; trial < 4; trial++)
        {
            var key = new byte[32];
            var iv = new byte[16];
            var plain = new byte[blocks * 16];
            random.NextBytes(key);
            random.NextBytes(iv);
            random.NextBytes(plain);
            using var aes = Aes.Create();
            aes.Key = key;
            var data = aes.EncryptCbc(plain, iv, PaddingMode.None);

            var ours = new AesNiCbc(key);
            var encrypted = plain.ToArray();
            ours.EncryptInPlace(iv, encrypted);
            ours.DecryptInPlace(iv, data);

            Assert.Equal(plain, data);
            Assert.Equal(aes.EncryptCbc(plain, iv, PaddingMode.None), encrypted);
        }
    }

    /// <summary>
    /// Every x64 processor .NET 10 runs on has AES-NI, so there it must be used; elsewhere
    /// CallbackCrypto takes the library's path, which the cross-check tests cover.
    /// </summary>
    private static bool RunsHere()
    {
        if (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86)
        {
            Assert.True(AesNiCbc.IsSupported, "an x86 processor without AES-NI");
            return true;
        }
        return false;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(16384)]
    public void Callbacks_sealed_on_one_aes_path_open_on_the_other(int size)
    {
        if (!RunsHere())
        {
            return;
        }
        var message = TestMessages.Random(size, seed: size);
        var withAesNi = new CallbackCrypto("token", CallbackCryptoCrossCheckTests.Key, CallbackCryptoCrossCheckTests.CorpId, null, processorAes: true, nativeKernel: false);
        var withLibrary = new CallbackCrypto("token", CallbackCryptoCrossCheckTests.Key, CallbackCryptoCrossCheckTests.CorpId, null, processorAes: false, nativeKernel: false);

        var (byAesNi, signedByAesNi) = withAesNi.Seal(message, "1700000000", "n1");
        var (byLibrary, signedByLibrary) = withLibrary.Seal(message, "1700000000", "n1");

        Assert.Equal(message, withLibrary.Open(signedByAesNi, "1700000000", "n1", byAesNi));
        Assert.Equal(message, withAesNi.Open(signedByLibrary, "1700000000", "n1", byLibrary));
    }

    [Fact]
    public void Refuses_a_partial_block_or_a_short_iv()
    {
        if (!RunsHere())
        {
            return;
        }
        var aes = new AesNiCbc(new byte[32]);

        Assert.Throws<ArgumentException>(() => aes.DecryptInPlace(new byte[16], new byte[31]));
        Assert.Throws<ArgumentException>(() => aes.DecryptInPlace(new byte[8], new byte[32]));
        Assert.Throws<ArgumentException>(() => aes.EncryptInPlace(new byte[16], new byte[17]));
        Assert.Throws<ArgumentException>(() => new AesNiCbc(new byte[16]));
    }
}

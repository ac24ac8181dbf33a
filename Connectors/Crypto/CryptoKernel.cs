using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace CrmChat.Connectors.Crypto;

/// <summary>
/// The native kernel in <c>Crypto/Native/crmchat_crypto.c</c>: SHA-1 with the processor's SHA
/// instructions, and SHA-1 interleaved with AES-256-CBC so that one hides the other. Present
/// only where the build could compile it (Linux x64 with gcc) and the processor has SHA-NI and
/// AES-NI; <see cref="Shared"/> is null otherwise and <see cref="CallbackCrypto"/> stays
/// managed. <c>CRMCHAT_NATIVE_CRYPTO=off</c> turns it off.
/// </summary>
internal sealed unsafe class CryptoKernel
{
    internal const string LibraryFile = "libcrmchat_crypto.so";
    internal const string SwitchVariable = "CRMCHAT_NATIVE_CRYPTO";
    private const int Sha1Block = 64;
    private const int AesBlock = 16;

    private readonly delegate* unmanaged<uint*, byte*, nuint, void> _sha1Blocks;
    private readonly delegate* unmanaged<uint*, byte*, nuint, byte*, byte*, nuint, byte*, void> _sha1CbcDecrypt;
    private readonly delegate* unmanaged<uint*, byte*, nuint, byte*, byte*, nuint, byte*, void> _sha1CbcEncrypt;

    private CryptoKernel(nint sha1Blocks, nint sha1CbcDecrypt, nint sha1CbcEncrypt)
    {
        _sha1Blocks = (delegate* unmanaged<uint*, byte*, nuint, void>)sha1Blocks;
        _sha1CbcDecrypt = (delegate* unmanaged<uint*, byte*, nuint, byte*, byte*, nuint, byte*, void>)sha1CbcDecrypt;
        _sha1CbcEncrypt = (delegate* unmanaged<uint*, byte*, nuint, byte*, byte*, nuint, byte*, void>)sha1CbcEncrypt;
    }

    private static readonly (CryptoKernel? Kernel, string Why) Loaded = Load();

    /// <summary>The kernel for this process, or null where it cannot run.</summary>
    public static CryptoKernel? Shared => Loaded.Kernel;

    /// <summary>Why <see cref="Shared"/> is null, for the host's start-up log; empty when it loaded.</summary>
    public static string Unavailable => Loaded.Why;

    private static (CryptoKernel?, string) Load()
    {
        if (string.Equals(Environment.GetEnvironmentVariable(SwitchVariable), "off", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"{SwitchVariable}=off");
        }
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return (null, "the kernel is built for Linux x64 only");
        }
        if (!ProcessorHasInstructions())
        {
            return (null, "the processor lacks SHA-NI, AES-NI or SSE4.1");
        }
        var path = Path.Combine(LibraryDirectory(), LibraryFile);
        if (!NativeLibrary.TryLoad(path, out var library))
        {
            return (null, $"{path} is missing or cannot load (the build compiles it where gcc is installed)");
        }
        // A library from another build could lack a function: then it is not this kernel.
        if (!NativeLibrary.TryGetExport(library, "crmchat_sha1_blocks", out var blocks)
            || !NativeLibrary.TryGetExport(library, "crmchat_sha1_cbc_decrypt", out var decrypt)
            || !NativeLibrary.TryGetExport(library, "crmchat_sha1_cbc_encrypt", out var encrypt))
        {
            return (null, $"{path} lacks the kernel's functions (a stale build?)");
        }
        return (new CryptoKernel(blocks, decrypt, encrypt), "");
    }

    private static string LibraryDirectory()
    {
        var location = typeof(CryptoKernel).Assembly.Location;
        return string.IsNullOrEmpty(location) ? AppContext.BaseDirectory : Path.GetDirectoryName(location)!;
    }

    /// <summary>SHA extensions are CPUID leaf 7, EBX bit 29; the kernel also uses SSSE3 and SSE4.1.</summary>
    private static bool ProcessorHasInstructions() =>
        X86Base.IsSupported && X86Aes.IsSupported && Ssse3.IsSupported && Sse41.IsSupported
        && (X86Base.CpuId(7, 0).Ebx & (1 << 29)) != 0;

    /// <summary>A SHA-1 in progress: the five chaining words and how many bytes went in.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Sha1State
    {
        public fixed uint H[5];
        public long Length;

        public static Sha1State Start()
        {
            var s = new Sha1State();
            s.H[0] = 0x67452301;
            s.H[1] = 0xEFCDAB89;
            s.H[2] = 0x98BADCFE;
            s.H[3] = 0x10325476;
            s.H[4] = 0xC3D2E1F0;
            return s;
        }

        /// <summary>The digest, big-endian words.</summary>
        public readonly void WriteDigest(Span<byte> digest)
        {
            for (var i = 0; i < 5; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(digest[(4 * i)..], H[i]);
            }
        }
    }

    /// <summary>Hashes the whole 64-byte blocks at the start of <paramref name="text"/>; returns how many bytes that was.</summary>
    public int Sha1Blocks(ref Sha1State state, ReadOnlySpan<byte> text)
    {
        var blocks = text.Length / Sha1Block;
        fixed (Sha1State* s = &state)
        fixed (byte* t = text)
        {
            _sha1Blocks(s->H, t, (nuint)blocks);
        }
        state.Length += blocks * Sha1Block;
        return blocks * Sha1Block;
    }

    /// <summary>Hashes what is left (under 64 bytes after <see cref="Sha1Blocks"/>) with SHA-1's padding and writes the digest.</summary>
    public void Sha1Final(ref Sha1State state, ReadOnlySpan<byte> rest, Span<byte> digest)
    {
        var hashed = Sha1Blocks(ref state, rest);
        rest = rest[hashed..];
        Span<byte> last = stackalloc byte[2 * Sha1Block];
        last.Clear();
        rest.CopyTo(last);
        last[rest.Length] = 0x80;
        var length = rest.Length + 9 <= Sha1Block ? Sha1Block : 2 * Sha1Block;
        BinaryPrimitives.WriteUInt64BigEndian(last[(length - 8)..], (ulong)(state.Length + rest.Length) * 8);
        fixed (Sha1State* s = &state)
        fixed (byte* t = last)
        {
            _sha1Blocks(s->H, t, (nuint)(length / Sha1Block));
        }
        state.WriteDigest(digest);
    }

    /// <summary>
    /// Hashes the whole blocks at the start of <paramref name="text"/> and, interleaved, decrypts
    /// <paramref name="data"/> (whole AES blocks) in place with CBC from <paramref name="iv"/>.
    /// Returns how many bytes of text were hashed.
    /// </summary>
    public int Sha1AndDecrypt(ref Sha1State state, ReadOnlySpan<byte> text, ReadOnlySpan<byte> decryptionKeys, Span<byte> data, ReadOnlySpan<byte> iv)
    {
        if (iv.Length != AesBlock)
        {
            throw BadShape();
        }
        // The kernel only reads the IV when decrypting; the shared call takes a writable one.
        Span<byte> chain = stackalloc byte[AesBlock];
        iv.CopyTo(chain);
        return Interleaved(_sha1CbcDecrypt, ref state, text, decryptionKeys, data, chain);
    }

    /// <summary>
    /// Hashes the whole blocks at the start of <paramref name="text"/> and, interleaved, encrypts
    /// <paramref name="data"/> in place with CBC chained from <paramref name="chain"/>, which then
    /// holds the last ciphertext block. Returns how many bytes of text were hashed.
    /// </summary>
    public int Sha1AndEncrypt(ref Sha1State state, ReadOnlySpan<byte> text, ReadOnlySpan<byte> encryptionKeys, Span<byte> data, Span<byte> chain) =>
        Interleaved(_sha1CbcEncrypt, ref state, text, encryptionKeys, data, chain);

    private static int Interleaved(delegate* unmanaged<uint*, byte*, nuint, byte*, byte*, nuint, byte*, void> kernel,
        ref Sha1State state, ReadOnlySpan<byte> text, ReadOnlySpan<byte> keys, Span<byte> data, Span<byte> chain)
    {
        if (keys.Length != 15 * AesBlock || data.Length % AesBlock != 0 || chain.Length != AesBlock)
        {
            throw BadShape();
        }
        var blocks = text.Length / Sha1Block;
        fixed (Sha1State* s = &state)
        fixed (byte* t = text, k = keys, d = data, v = chain)
        {
            kernel(s->H, t, (nuint)blocks, k, d, (nuint)(data.Length / AesBlock), v);
        }
        state.Length += blocks * Sha1Block;
        return blocks * Sha1Block;
    }

    private static ArgumentException BadShape() => new("The kernel needs 15 round keys, whole 16-byte blocks and a 16-byte IV.");
}

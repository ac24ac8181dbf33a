using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Bench;

/// <summary>CallbackCrypto per callback, as the webhook uses it: open (verify + decrypt) and seal (encrypt + sign).</summary>
[MemoryDiagnoser]
public class CallbackCryptoBenchmarks
{
    private const string Timestamp = "1777622400";
    private const string Nonce = "n12345";
    private readonly CallbackCrypto _crypto = new(BotsHost.Token, BotsHost.EncodingAesKey, BotsHost.CorpId);
    // The same without the native kernel, for the interleaved turns: what a host without it gets.
    private readonly CallbackCrypto _managed = new(BotsHost.Token, BotsHost.EncodingAesKey, BotsHost.CorpId, null, AesNiCbc.IsSupported, nativeKernel: false);
    private readonly Baseline.CallbackCryptoBefore _before = new(BotsHost.Token, BotsHost.EncodingAesKey, BotsHost.CorpId);
    private string _message = "";
    private string _encrypted = "";
    private string _signature = "";
    private byte[] _encryptedUtf8 = [];

    [Params(1024, 16384)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _message = new string('x', Size);
        (_encrypted, _signature) = _crypto.Seal(_message, Timestamp, Nonce);
        _encryptedUtf8 = System.Text.Encoding.ASCII.GetBytes(_encrypted);
    }

    [Benchmark]
    public string DecryptVerify() => _crypto.Open(_signature, Timestamp, Nonce, _encrypted);

    /// <summary>The webhook's way: the ciphertext as the bytes of the request body, not a string.</summary>
    [Benchmark]
    public string DecryptVerifyBytes() => _crypto.Open(_signature, Timestamp, Nonce, _encryptedUtf8.AsSpan());

    [Benchmark]
    public (string, string) EncryptSign() => _crypto.Seal(_message, Timestamp, Nonce);

    public string DecryptVerifyBytesManaged() => _managed.Open(_signature, Timestamp, Nonce, _encryptedUtf8.AsSpan());

    public (string, string) EncryptSignManaged() => _managed.Seal(_message, Timestamp, Nonce);

    [Benchmark]
    public string DecryptVerifyBefore() => _before.Open(_signature, Timestamp, Nonce, _encrypted);

    [Benchmark]
    public (string, string) EncryptSignBefore() => _before.Seal(_message, Timestamp, Nonce);
}

/// <summary>BenchmarkDotNet for CallbackCrypto, then the official Node package timed in the same run.</summary>
public static class CryptoBench
{
    public static int Run(BenchArgs args)
    {
        Report.UseFile(args.String("results", ""));
        var smoke = args.Smoke;
        // In process: no child build of this project, which would take minutes on two cores.
        var job = (smoke ? Job.Dry.WithIterationCount(3) : Job.Default.WithWarmupCount(3).WithIterationCount(10))
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.Create(DefaultConfig.Instance).AddJob(job)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "crmchat-bench", "bdn"));
        var summary = BenchmarkRunner.Run<CallbackCryptoBenchmarks>(config);
        if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
        {
            throw new BenchFailedException("crypto: a BenchmarkDotNet case failed");
        }

        var node = NodePeer(args.String("peers"), smoke ? 0.5 : 3);
        foreach (var report in summary.Reports)
        {
            var method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            var size = (int)report.BenchmarkCase.Parameters["Size"];
            var ns = report.ResultStatistics!.Median;
            var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
            var before = method.EndsWith("Before", StringComparison.Ordinal);
            var op = before ? method[..^"Before".Length] : method;
            var output = OutputBytes(op, size);
            var name = $"{op} {size / 1024} KiB";
            var who = before ? "CallbackCrypto before this work" : "CallbackCrypto";
            Report.Figure("crypto", $"{name}: {who}", ns / 1000, "us/op", $"{1e9 / ns:0} ops/s");
            Report.Figure("crypto", $"{name}: {(before ? "before, " : "")}allocated", bytes, "B/op", $"output strings ~{output} B, overhead {bytes - output} B");
            if (!before && node.TryGetValue((NodeOp(op), size), out var nodeNs))
            {
                Report.Figure("crypto", $"{name}: @wecom/crypto (Node)", nodeNs / 1000, "us/op", $"{1e9 / nodeNs:0} ops/s");
                Report.Figure("crypto", $"{name}: .NET / Node throughput", nodeNs / ns, "x", "target >= 2x");
            }
        }
        Interleaved(args.String("peers"), smoke);
        return 0;
    }

    /// <summary>
    /// The ratio again, with both runtimes timed the same way (batches of 100 calls for a fixed
    /// time after 2,000 warm-up calls, as the Node script does) in alternating one-second turns:
    /// BenchmarkDotNet's minutes and Node's half-minute above see the shared machine at
    /// different loads, these turns see it at nearly the same one.
    /// </summary>
    private static void Interleaved(string peers, bool smoke)
    {
        var rounds = smoke ? 1 : 5;
        var seconds = smoke ? 0.2 : 1.0;
        var cases = new List<(string Op, int Size, Func<object> Call)>();
        foreach (var size in new[] { 1024, 16384 })
        {
            var bench = new CallbackCryptoBenchmarks { Size = size };
            bench.Setup();
            cases.Add((nameof(CallbackCryptoBenchmarks.DecryptVerify), size, bench.DecryptVerify));
            cases.Add((nameof(CallbackCryptoBenchmarks.DecryptVerifyBytes), size, bench.DecryptVerifyBytes));
            cases.Add((nameof(CallbackCryptoBenchmarks.EncryptSign), size, () => bench.EncryptSign()));
            if (CryptoKernel.Shared is not null)
            {
                cases.Add((nameof(CallbackCryptoBenchmarks.DecryptVerifyBytesManaged), size, bench.DecryptVerifyBytesManaged));
                cases.Add((nameof(CallbackCryptoBenchmarks.EncryptSignManaged), size, () => bench.EncryptSignManaged()));
            }
        }
        Report.Figure("crypto", "native kernel (SHA-1 with AES interleaved)", CryptoKernel.Shared is null ? 0 : 1, "loaded",
            CryptoKernel.Shared is null ? "not loaded: " + CryptoKernel.Unavailable + "; every figure is the managed path" : "CallbackCrypto's figures use it; the Managed rows are the same code without it");
        var turns = cases.ToDictionary(c => (c.Op, c.Size), _ => new List<(double DotNet, double Node)>());
        for (var round = 0; round < rounds; round++)
        {
            Dictionary<(string, int), double> node = [];
            var dotnet = new Dictionary<(string, int), double>();
            void TimeDotNet()
            {
                foreach (var (op, size, call) in cases)
                {
                    dotnet[(op, size)] = NanosecondsPerCall(call, seconds);
                }
            }
            // Whoever went second last time goes first, so a drifting load favours neither.
            if (round % 2 == 0)
            {
                node = NodePeer(peers, seconds);
                TimeDotNet();
            }
            else
            {
                TimeDotNet();
                node = NodePeer(peers, seconds);
            }
            foreach (var (op, size, _) in cases)
            {
                turns[(op, size)].Add((dotnet[(op, size)], node[(NodeOp(op), size)]));
            }
        }
        static double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        foreach (var ((op, size), list) in turns)
        {
            var ratios = list.Select(t => t.Node / t.DotNet).Order().ToList();
            Report.Figure("crypto", $"{op} {size / 1024} KiB: .NET / Node, interleaved turns", Median(ratios), "x",
                string.Create(CultureInfo.InvariantCulture,
                    $"median of {list.Count} rounds of {seconds:0.#} s turns, range {ratios[0]:0.00}-{ratios[^1]:0.00}; medians {Median(list.Select(t => t.DotNet)) / 1000:0.00} vs {Median(list.Select(t => t.Node)) / 1000:0.00} us; target >= 2x"));
        }
    }

    /// <summary>Node has one decrypt + verify, from a string: the bytes cases are set beside it too, and the managed cases beside their op.</summary>
    private static string NodeOp(string op) => op switch
    {
        nameof(CallbackCryptoBenchmarks.DecryptVerifyBytes) or nameof(CallbackCryptoBenchmarks.DecryptVerifyBytesManaged) => nameof(CallbackCryptoBenchmarks.DecryptVerify),
        nameof(CallbackCryptoBenchmarks.EncryptSignManaged) => nameof(CallbackCryptoBenchmarks.EncryptSign),
        _ => op,
    };

    /// <summary>
    /// Mean time per call over <paramref name="seconds"/>, in batches of 100, after 2,000 warm-up
    /// calls and at least 0.3 s of them: tiered compilation swaps in optimised code only after a
    /// 100 ms quiet spell, where V8 has optimised the Node side within its 2,000.
    /// </summary>
    private static double NanosecondsPerCall(Func<object> call, double seconds)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 2000 || warm.Elapsed.TotalSeconds < 0.3; i++)
        {
            GC.KeepAlive(call());
        }
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 100; i++)
            {
                GC.KeepAlive(call());
            }
            calls += 100;
        }
        return clock.Elapsed.TotalNanoseconds / calls;
    }

    /// <summary>What the caller keeps: the plaintext string, or the Base64 ciphertext and the hex signature.</summary>
    private static long OutputBytes(string method, int size)
    {
        static long StringBytes(long chars) => 22 + 2 * chars + (chars % 4 == 0 ? 2 : 0);
        if (method is nameof(CallbackCryptoBenchmarks.DecryptVerify) or nameof(CallbackCryptoBenchmarks.DecryptVerifyBytes))
        {
            return StringBytes(size);
        }
        var padded = (20 + size + BotsHost.CorpId.Length) / 32 * 32 + 32;
        return StringBytes((padded + 2) / 3 * 4) + StringBytes(40);
    }

    private static Dictionary<(string, int), double> NodePeer(string peers, double seconds)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "node", "wecom-crypto-bench.js");
        var start = new ProcessStartInfo("node", [script, peers, seconds.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new BenchFailedException("crypto: could not start node");
        var results = new Dictionary<(string, int), double>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            results[(root.GetProperty("op").GetString()!, root.GetProperty("size").GetInt32())] = root.GetProperty("nsPerOp").GetDouble();
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || results.Count != 4)
        {
            throw new BenchFailedException($"crypto: the Node peer exited with {process.ExitCode} after {results.Count} of 4 cases");
        }
        return results;
    }
}

using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace CrmChat.Bench;

/// <summary>
/// An EventPipe trace of the host process over the latency run (--trace-host): Kestrel's own
/// request start and stop, the runtime's GC suspensions, lock contention and thread-pool
/// changes. The trace streams to a file while the run goes (the load generator shares the
/// machine, so nothing is parsed until the run is over); afterwards each request's latency
/// as the load generator saw it is split into the time before Kestrel began the request, the
/// time Kestrel had it, and the time after Kestrel finished it until the answer arrived.
/// </summary>
public sealed class HostTrace : IAsyncDisposable
{
    private const string Kestrel = "Microsoft-AspNetCore-Server-Kestrel";
    private readonly EventPipeSession _session;
    private readonly Task _copy;
    private readonly string _file;
    private bool _stopped;

    private HostTrace(EventPipeSession session, string file)
    {
        _session = session;
        _file = file;
        _copy = Task.Run(async () =>
        {
            await using var output = File.Create(file);
            await session.EventStream.CopyToAsync(output);
        });
    }

    public static HostTrace Start(int pid, string file)
    {
        var keywords = ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.Contention | ClrTraceEventParser.Keywords.Threading;
        EventPipeProvider[] providers =
        [
            new("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)keywords),
            new(Kestrel, EventLevel.Verbose),
        ];
        var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 256);
        return new HostTrace(session, file);
    }

    /// <summary>What the trace held: every request Kestrel began, in order of its start, and the runtime's pauses; times are UTC.</summary>
    public sealed record Recording(List<(DateTime Start, double HostMs)> Requests, List<(DateTime Start, double Ms)> GcPauses,
        List<(DateTime At, double Ms)> Contention, List<(DateTime At, int Threads)> ThreadPool);

    public async Task<Recording> StopAsync()
    {
        await StopSessionAsync();
        return Parse(_file);
    }

    private async Task StopSessionAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        await _session.StopAsync(CancellationToken.None);
        await _copy;
    }

    private static Recording Parse(string file)
    {
        var open = new Dictionary<(string, string), DateTime>();
        var requests = new List<(DateTime, double)>();
        var pauses = new List<(DateTime, double)>();
        var contention = new List<(DateTime, double)>();
        var pool = new List<(DateTime, int)>();
        DateTime? suspended = null;
        using var source = new EventPipeEventSource(file);
        source.Dynamic.All += e =>
        {
            if (e.ProviderName != Kestrel)
            {
                return;
            }
            var name = e.EventName.Replace("/", "", StringComparison.Ordinal);
            if (name is not ("RequestStart" or "RequestStop"))
            {
                return;
            }
            var key = ((string)e.PayloadByName("connectionId"), (string)e.PayloadByName("requestId"));
            var at = e.TimeStamp.ToUniversalTime();
            if (name == "RequestStart")
            {
                open[key] = at;
            }
            else if (open.Remove(key, out var start))
            {
                requests.Add((start, (at - start).TotalMilliseconds));
            }
        };
        source.Clr.GCSuspendEEStart += e => suspended = e.TimeStamp.ToUniversalTime();
        source.Clr.GCRestartEEStop += e =>
        {
            if (suspended is { } s)
            {
                pauses.Add((s, (e.TimeStamp.ToUniversalTime() - s).TotalMilliseconds));
                suspended = null;
            }
        };
        source.Clr.ContentionStop += e => contention.Add((e.TimeStamp.ToUniversalTime(), e.DurationNs / 1e6));
        source.Clr.ThreadPoolWorkerThreadAdjustmentAdjustment += e => pool.Add((e.TimeStamp.ToUniversalTime(), (int)e.NewWorkerThreadCount));
        source.Process();
        requests.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return new Recording(requests, pauses, contention, pool);
    }

    /// <summary>
    /// Splits the open-loop run's latencies (request j of the measured part due at
    /// <see cref="LoadResult.StartedAt"/> + j / rate) with the trace: the k-th request Kestrel
    /// began is taken to be the k-th sent, as loopback keeps them nearly in order. Says it
    /// cannot when the trace's count differs from what was sent.
    /// </summary>
    public static string Describe(Recording trace, LoadResult run, double slowMs, IReadOnlyList<double> windows, double windowSeconds)
    {
        var latencies = run.InOrderMs!;
        var skipped = run.Sent - latencies.Length;
        if (trace.Requests.Count != run.Sent)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"host trace: Kestrel began {trace.Requests.Count} requests where {run.Sent} were sent; not split");
        }
        var origin = run.StartedAt.UtcDateTime;
        var all = new Split();
        var slow = new Split();
        for (var j = 0; j < latencies.Length; j++)
        {
            var due = origin.AddMilliseconds(j * 1000.0 / run.Rate);
            var (start, hostMs) = trace.Requests[skipped + j];
            var before = (start - due).TotalMilliseconds;
            var after = latencies[j] - before - hostMs;
            all.Add(before, hostMs, after);
            if (latencies[j] > slowMs)
            {
                slow.Add(before, hostMs, after);
            }
        }
        bool InWindows(DateTime at)
        {
            var s = (at - origin).TotalSeconds;
            return windows.Any(w => s >= w && s < w + windowSeconds);
        }
        var inRun = trace.GcPauses.Where(p => p.Start >= origin).ToList();
        var slowPauses = inRun.Where(p => InWindows(p.Start)).ToList();
        var contended = trace.Contention.Where(c => c.At >= origin).ToList();
        var threads = trace.ThreadPool.Where(t => t.At >= origin).Select(t => t.Threads).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"host trace ({latencies.Length} requests split; before = due until Kestrel began it, host = Kestrel began to finished, after = until the load generator had the answer): "
            + $"all {all}; the {slow.Count} over {slowMs:0} ms {slow}; "
            + $"GC paused the host {inRun.Count} times for {inRun.Sum(p => p.Ms):0} ms (longest {(inRun.Count == 0 ? 0 : inRun.Max(p => p.Ms)):0.0} ms), {slowPauses.Count} of them in the slow windows for {slowPauses.Sum(p => p.Ms):0} ms; "
            + $"lock contention {contended.Count} waits, {contended.Sum(c => c.Ms):0.0} ms; "
            + $"thread-pool adjustments {threads.Count}{(threads.Count > 0 ? $" ({threads.Min()}-{threads.Max()} workers)" : "")}");
    }

    /// <summary>Means and maxima of the three parts over a set of requests.</summary>
    private sealed class Split
    {
        private double _before, _host, _after, _maxBefore, _maxHost, _maxAfter;
        public int Count { get; private set; }

        public void Add(double before, double host, double after)
        {
            Count++;
            _before += before;
            _host += host;
            _after += after;
            _maxBefore = Math.Max(_maxBefore, before);
            _maxHost = Math.Max(_maxHost, host);
            _maxAfter = Math.Max(_maxAfter, after);
        }

        public override string ToString() => Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture,
            $"mean before {_before / Count:0.0} / host {_host / Count:0.0} / after {_after / Count:0.0} ms, max {_maxBefore:0.0} / {_maxHost:0.0} / {_maxAfter:0.0} ms");
    }

    public async ValueTask DisposeAsync()
    {
        await StopSessionAsync();
        _session.Dispose();
    }
}

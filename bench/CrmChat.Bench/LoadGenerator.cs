using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime;

namespace CrmChat.Bench;

public sealed record LoadResult(int Sent, int Ok, int Failed, double Seconds, double[] LatenciesMs)
{
    /// <summary>Open loop only: when the run started, the rate it sent at, and each request's latency in the order sent.</summary>
    public DateTimeOffset StartedAt { get; init; }
    public double Rate { get; init; }
    public double[]? InOrderMs { get; init; }
    /// <summary>Open loop only: the load generator's own garbage collections while it ran (its pauses delay sends).</summary>
    public (int Gen2, double PauseMs) GeneratorGc { get; init; }

    /// <summary>
    /// Open loop only: how many requests took longer than <paramref name="thresholdMs"/>, and the
    /// windows of send time they fell in, as seconds from the run's start, in order (request i
    /// was due at i / rate).
    /// </summary>
    public (int Slow, List<double> Windows) SlowMoments(double thresholdMs, double windowMs)
    {
        if (InOrderMs is null)
        {
            return (0, []);
        }
        var windows = new HashSet<long>();
        var slow = 0;
        for (var i = 0; i < InOrderMs.Length; i++)
        {
            if (InOrderMs[i] > thresholdMs)
            {
                slow++;
                windows.Add((long)(i * 1000.0 / Rate / windowMs));
            }
        }
        return (slow, windows.Order().Select(w => w * windowMs / 1000).ToList());
    }

    public double PerSecond => Ok / Seconds;

    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }
        var index = (int)Math.Ceiling(p / 100.0 * LatenciesMs.Length) - 1;
        return LatenciesMs[Math.Clamp(index, 0, LatenciesMs.Length - 1)];
    }
}

/// <summary>
/// HTTP load from this process to the host's process, over loopback. Closed loop (N
/// connections, each sends its next request when the last is answered) finds the maximum;
/// open loop (requests sent on a fixed schedule, latency counted from the scheduled time, so a
/// stall is not hidden by sending less) measures latency at a given rate.
/// </summary>
public sealed class LoadGenerator(Uri baseUrl)
{
    private static readonly MediaTypeHeaderValue Xml = new("text/xml") { CharSet = "utf-8" };

    /// <summary>Sends requests[0..] until they run out or the time is up.</summary>
    public async Task<LoadResult> ClosedLoopAsync(IReadOnlyList<CallbackRequest> requests, string? pathOverride, int connections, TimeSpan duration)
    {
        using var invoker = CreateInvoker(connections);
        var latencies = new double[requests.Count];
        var next = -1;
        int ok = 0, failed = 0;
        var clock = Stopwatch.StartNew();
        var deadline = duration.TotalSeconds;
        var workers = Enumerable.Range(0, connections).Select(async _ =>
        {
            while (clock.Elapsed.TotalSeconds < deadline)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= requests.Count)
                {
                    break;
                }
                var start = clock.Elapsed.TotalMilliseconds;
                var success = await SendAsync(invoker, requests[i], pathOverride);
                latencies[i] = clock.Elapsed.TotalMilliseconds - start;
                Interlocked.Increment(ref success ? ref ok : ref failed);
            }
        }).ToList();
        await Task.WhenAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        var sent = Math.Min(next + 1, requests.Count);
        return new LoadResult(sent, ok, failed, seconds, Sorted(latencies, sent));
    }

    /// <summary>Sends <paramref name="rate"/> requests a second on a fixed schedule for the duration (or until they run out).</summary>
    /// <param name="leadIn">
    /// Sent at the same rate before the measured part and left out of the latencies (not of
    /// the counts): the run then measures the server settled at this rate, not how it comes
    /// down from whatever ran before.
    /// </param>
    public async Task<LoadResult> OpenLoopAsync(IReadOnlyList<CallbackRequest> requests, string? pathOverride, double rate, TimeSpan duration, TimeSpan leadIn = default, int maxConnections = 256)
    {
        using var invoker = CreateInvoker(maxConnections);
        var count = (int)Math.Min(requests.Count, rate * (leadIn + duration).TotalSeconds);
        var skipped = Math.Min(count, (int)(rate * leadIn.TotalSeconds));
        var latencies = new double[count];
        int ok = 0, failed = 0;
        var inFlight = new Task[count];
        var (gen2Before, pauseBefore) = (GC.CollectionCount(2), GC.GetTotalPauseDuration());
        // The generator holds every pre-built callback (over 1 GB for 400,000): a blocking gen2
        // of that heap paused it 242 ms in one control run, and every send due meanwhile counted
        // as server latency. Only background gen2 collections while it measures.
        var latencyMode = GCSettings.LatencyMode;
        GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency;
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var due = i * 1000.0 / rate;
                var wait = due - clock.Elapsed.TotalMilliseconds;
                if (wait >= 1)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait));
                }
                var index = i;
                inFlight[i] = Task.Run(async () =>
                {
                    var success = await SendAsync(invoker, requests[index], pathOverride);
                    // From when it was due, not when it went out: a stalled server cannot hide behind a late send.
                    latencies[index] = clock.Elapsed.TotalMilliseconds - due;
                    Interlocked.Increment(ref success ? ref ok : ref failed);
                });
            }
            await Task.WhenAll(inFlight);
        }
        finally
        {
            GCSettings.LatencyMode = latencyMode;
        }
        var measured = latencies[skipped..];
        return new LoadResult(count, ok, failed, clock.Elapsed.TotalSeconds, Sorted(measured, measured.Length))
        {
            StartedAt = startedAt + TimeSpan.FromSeconds(skipped / rate),
            Rate = rate,
            InOrderMs = measured,
            GeneratorGc = (GC.CollectionCount(2) - gen2Before, (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds),
        };
    }

    private async Task<bool> SendAsync(HttpMessageInvoker invoker, CallbackRequest request, string? pathOverride)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, pathOverride ?? request.PathAndQuery))
        {
            Content = new ByteArrayContent(request.Body) { Headers = { ContentType = Xml } },
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            using var response = await invoker.SendAsync(message, timeout.Token);
            return response.StatusCode == System.Net.HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private static HttpMessageInvoker CreateInvoker(int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    });

    private static double[] Sorted(double[] latencies, int count)
    {
        var result = latencies.AsSpan(0, count).ToArray();
        Array.Sort(result);
        return result;
    }
}

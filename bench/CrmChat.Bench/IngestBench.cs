using System.Globalization;

namespace CrmChat.Bench;

/// <summary>
/// Webhook ingest end to end over HTTP against the real host, beside the bare-Kestrel ceiling
/// in the same host and the same run: max throughput (closed loop, rounds alternating bare and
/// ingest), latency at half the ingest max (open loop), memory, and the inbox rows afterwards.
/// </summary>
public static class IngestBench
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        Report.UseFile(args.String("results", ""));
        var provider = args.String("provider", "sqlite");
        var smoke = args.Smoke;
        var seconds = TimeSpan.FromSeconds(args.Double("seconds", smoke ? 1.5 : 5));
        var latencySeconds = TimeSpan.FromSeconds(args.Double("latency-seconds", smoke ? 2 : 10));
        var rounds = args.Int("rounds", smoke ? 1 : 3);
        // Closed loop at one fixed concurrency understates the maximum of a path that waits (on
        // a commit, say) rather than computes: at 32 connections the PostgreSQL ingest left a
        // quarter of the machine idle. Each endpoint is measured at every level in each round and
        // its best level counts, for bare and ingest alike.
        var levels = args.Ints("connections", "32,64");
        var processor = args.Flag("processor");
        var bench = $"ingest/{provider}";

        var requests = CallbackFile.Read(args.String("requests"), args.Int("max-requests", int.MaxValue));
        var database = await BenchDatabase.CreateAsync(provider, "ingest");
        var settings = new Dictionary<string, string>
        {
            ["Bench:BareEndpoint"] = "true",
            ["Inbox:ProcessorEnabled"] = processor ? "true" : "false",
            // The host says where a slow batch's time went (queue, database, GC); read back below.
            ["Inbox:SlowWriteWarning"] = SlowWrites.Threshold,
        };
        // Extra host settings for experiments: --host "Key:A=1;Key:B=2".
        foreach (var pair in args.String("host", "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            settings[pair[..eq]] = pair[(eq + 1)..];
        }
        var logFile = args.String("log", $"/tmp/crmchat-bench-{provider}.log");
        async Task<BotsHost> StartIdleAsync(string log, string figure, string note, IDictionary<string, string> hostSettings)
        {
            var started = await BotsHost.StartAsync(args.String("bots"), database, hostSettings, log);
            await Task.Delay(TimeSpan.FromSeconds(smoke ? 1 : 3));
            Report.Figure(bench, figure, started.Memory().Rss, "MiB", note);
            return started;
        }
        // Idle twice: the first start creates the schema (once in a deployment's life), every
        // later start finds it migrated. The load runs on the second. The first also has its
        // jobs fire once, soon, to see what an idle host holds once each has run.
        var jobsAt = DateTime.UtcNow.AddSeconds(smoke ? 15 : 25);
        var firstSettings = new Dictionary<string, string>(settings)
        {
            ["Jobs:TimeZone"] = "UTC",
            // The idle trim's own line, to say in the note whether it ran before the measurement.
            [$"Logging:LogLevel:{IdleTrimCategory}"] = "Debug",
        };
        foreach (var job in IdleJobs)
        {
            firstSettings[$"Jobs:{job.Option}:Cron"] = $"{jobsAt.Second} {jobsAt.Minute} {jobsAt.Hour} * * ?";
        }
        // --skip-idle leaves out the first start and its jobs (a minute), for repeated load runs.
        if (!args.Flag("skip-idle"))
        {
            await using var first = await StartIdleAsync(logFile + ".first", "host idle RSS, first start", "empty database, migrated at start, before any request", firstSettings);
            await IdleAfterJobsAsync(bench, first, logFile + ".first", jobsAt, smoke);
        }
        await using var host = await StartIdleAsync(logFile, "host idle RSS", "restarted on the migrated database, before any request", settings);
        Report.Note(bench, $"processor {(processor ? "on" : "off")}, {string.Join("/", levels)} connections, {requests.Count} distinct callbacks available");

        var load = new LoadGenerator(host.BaseUrl);
        var cursor = 0;
        var accepted = 0;
        var failedIngest = 0;
        IReadOnlyList<CallbackRequest> Next(int n)
        {
            var slice = requests.Skip(cursor).Take(n).ToList();
            return slice;
        }
        // A quarter of the callbacks are kept for the latency run, whatever the rounds use up.
        var reserve = requests.Count / 4;
        async Task<LoadResult> IngestClosed(int connections, TimeSpan duration)
        {
            var result = await load.ClosedLoopAsync(Next(Math.Max(0, requests.Count - reserve - cursor)), null, connections, duration);
            cursor += result.Sent;
            accepted += result.Ok;
            failedIngest += result.Failed;
            return result;
        }

        // Warm-up: JIT, connection pools, the database's caches. A trace of the host 15 s after
        // start still showed its tiered-compilation thread taking ~45% of its CPU with the old
        // 1 s + 2 s warm-up, which the first measured rounds paid; a server runs warm, so both
        // endpoints are warmed until tier-1 code is in place before either is measured.
        var warmup = TimeSpan.FromSeconds(args.Double("warmup-seconds", smoke ? 0.5 : 8));
        var warmConnections = levels.Max();
        await load.ClosedLoopAsync(Cycle(requests, 200_000), "/bench/bare", warmConnections, warmup / 2);
        await IngestClosed(warmConnections, warmup);
        await load.ClosedLoopAsync(Cycle(requests, 200_000), "/bench/bare", warmConnections, warmup / 4);

        var bare = new List<double>();
        var ingest = new List<double>();
        var ratios = new List<double>();
        var bareCpu = new List<double>();
        var ingestCpu = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var best = (Bare: 0.0, BareCpu: 0.0, BareAt: 0, Ingest: 0.0, IngestCpu: 0.0, IngestAt: 0);
            var levelNotes = new List<string>();
            foreach (var connections in levels)
            {
                var cpu0 = Machine.CpuSeconds(host.Pid);
                var b = await load.ClosedLoopAsync(Cycle(requests, 400_000), "/bench/bare", connections, seconds);
                var cpu1 = Machine.CpuSeconds(host.Pid);
                if (b.Failed > 0)
                {
                    throw new BenchFailedException($"{bench}: {b.Failed} bare requests failed");
                }
                var i = await IngestClosed(connections, seconds);
                var cpu2 = Machine.CpuSeconds(host.Pid);
                if (b.PerSecond > best.Bare)
                {
                    best = best with { Bare = b.PerSecond, BareCpu = (cpu1 - cpu0) * 1e6 / b.Ok, BareAt = connections };
                }
                if (i.PerSecond > best.Ingest)
                {
                    best = best with { Ingest = i.PerSecond, IngestCpu = (cpu2 - cpu1) * 1e6 / Math.Max(1, i.Ok), IngestAt = connections };
                }
                levelNotes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{connections} conn: bare {b.PerSecond:0}, ingest {i.PerSecond:0} ({i.Ok} ok, {i.Failed} failed, {i.PerSecond / b.PerSecond:P1})"));
            }
            Report.Note(bench, string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}: {string.Join("; ", levelNotes)}; best bare {best.Bare:0} req/s at {best.BareAt}, best ingest {best.Ingest:0} req/s at {best.IngestAt}, ratio {best.Ingest / best.Bare:P1}, host CPU/request bare {best.BareCpu:0} us ingest {best.IngestCpu:0} us, load {Machine.LoadAverage()}"));
            if (cursor >= requests.Count - reserve)
            {
                // An ingest level that ran dry stopped early and timed too few requests: the round
                // says nothing about the maximum, so it does not count (a smoke run's one round
                // counts anyway: it only shows the code runs).
                Report.Note(bench, $"round {round + 1} ran out of distinct callbacks{(smoke ? "" : " and is not counted")}: generate more (--count)");
                if (!smoke)
                {
                    break;
                }
            }
            bareCpu.Add(best.BareCpu);
            ingestCpu.Add(best.IngestCpu);
            bare.Add(best.Bare);
            ingest.Add(best.Ingest);
            ratios.Add(best.Ingest / best.Bare);
        }
        if (ratios.Count < Math.Min(rounds, 2))
        {
            throw new BenchFailedException($"{bench}: only {ratios.Count} of {rounds} rounds had callbacks enough to count; generate more (--count)");
        }
        var bareMax = Median(bare);
        var ingestMax = Median(ingest);
        var swept = $"closed loop, best of {string.Join("/", levels)} connections each round, {ratios.Count} rounds counted";
        Report.Figure(bench, "bare Kestrel max (median of rounds)", bareMax, "req/s", swept);
        Report.Figure(bench, "ingest max (median of rounds)", ingestMax, "req/s", swept);
        Report.Figure(bench, "ingest / bare (median of per-round ratios)", Median(ratios) * 100, "%", "target >= 25%");
        Report.Figure(bench, "host CPU per bare request", Median(bareCpu), "us", "user+sys of the host process, less sensitive to machine load");
        Report.Figure(bench, "host CPU per ingest request", Median(ingestCpu), "us");

        var leadIn = TimeSpan.FromSeconds(args.Double("lead-in-seconds", smoke ? 0.5 : 3));
        // --latency-rate fixes the open-loop rate, so two variants are compared at the same load.
        var rate = args.Double("latency-rate", Math.Max(10, ingestMax / 2));
        var checkpointsBefore = await CheckpointsAsync(database);
        var walFilesBefore = database.IsSqlite ? 0 : await WalFilesAsync(database);
        // Timed as the slow windows are: from the end of the lead-in.
        await using var writeback = Writeback.Start(DateTime.UtcNow + leadIn);
        await using var cpuWatch = MachineWatch.Start(host.Pid, DateTime.UtcNow + leadIn);
        // --trace-host: an EventPipe trace of the host over the run, to split each latency into
        // before, inside and after Kestrel (it costs the host a little CPU: diagnostic runs only).
        await using var trace = args.Flag("trace-host") ? HostTrace.Start(host.Pid, logFile + ".nettrace") : null;
        var open = await load.OpenLoopAsync(Next(requests.Count - cursor), null, rate, latencySeconds, leadIn);
        var recording = trace is null ? null : await trace.StopAsync();
        var writebackNote = writeback is null ? "" : "; " + await writeback.StopAsync();
        var cpuSamples = cpuWatch is null ? null : await cpuWatch.StopAsync();
        var checkpoints = await CheckpointsAsync(database) - checkpointsBefore;
        var walNote = "";
        if (!database.IsSqlite)
        {
            var created = await WalFilesAsync(database) - walFilesBefore;
            var zeroed = await database.ScalarAsync("SELECT CASE WHEN current_setting('wal_init_zero') = 'on' THEN 1 ELSE 0 END") == 1;
            walNote = string.Create(CultureInfo.InvariantCulture, $"; WAL segments created during it: {created} (wal_init_zero {(zeroed ? "on" : "off")})");
        }
        cursor += open.Sent;
        accepted += open.Ok;
        failedIngest += open.Failed;
        if (open.Sent == 0)
        {
            throw new BenchFailedException($"{bench}: no callbacks left for the latency run; generate more");
        }
        var half = string.Create(CultureInfo.InvariantCulture,
            $"open loop at {rate:0} req/s = {rate / ingestMax:P0} of ingest max, {open.LatenciesMs.Length} requests measured after {leadIn.TotalSeconds:0.#} s at that rate");
        Report.Figure(bench, "ingest p50 at half max", open.Percentile(50), "ms", half);
        Report.Figure(bench, "ingest p99 at half max", open.Percentile(99), "ms", "target <= 50 ms");
        Report.Figure(bench, "ingest p99.9 at half max", open.Percentile(99.9), "ms");
        Report.Figure(bench, "ingest achieved rate at half max", open.PerSecond, "req/s");
        // One stall of 100 ms at a few thousand a second is already 1% of a 10 s run: say whether
        // the slow requests were one moment or spread over the run.
        var (slow, moments) = open.SlowMoments(50, 100);
        var when = moments.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $" (started {open.StartedAt:HH:mm:ss.f} UTC; windows at +{string.Join(", +", moments.Take(12).Select(m => m.ToString("0.0", CultureInfo.InvariantCulture)))} s)");
        Report.Note(bench, string.Create(CultureInfo.InvariantCulture,
            $"latency run: {slow} requests over 50 ms, sent within {moments.Count} distinct 100 ms windows of the {latencySeconds.TotalSeconds:0} s run{when}; load generator GC: {open.GeneratorGc.Gen2} gen2, {open.GeneratorGc.PauseMs:0} ms paused{(checkpoints is { } c ? $"; PostgreSQL checkpoints during it: {c}" : "")}{walNote}{writebackNote}"));
        Report.Note(bench, "latency run: " + SlowWrites.Describe(SlowWrites.Read(logFile, open.StartedAt), moments, 0.1, latencySeconds.TotalSeconds, cpuSamples));
        if (recording is not null)
        {
            Report.Note(bench, "latency run: " + HostTrace.Describe(recording, open, 50, moments, 0.1));
        }
        // The control: the bare endpoint at the same rate, the same way, right after. Stalls of
        // the machine or of the load generator show here too; stalls of the ingest path do not.
        var control = await load.OpenLoopAsync(Cycle(requests, open.Sent), "/bench/bare", rate, latencySeconds, leadIn);
        var (controlSlow, controlWindows) = control.SlowMoments(50, 100);
        Report.Figure(bench, "bare p99 at the same rate (control)", control.Percentile(99), "ms",
            string.Create(CultureInfo.InvariantCulture, $"p50 {control.Percentile(50):0.0} ms, p99.9 {control.Percentile(99.9):0.0} ms; {controlSlow} requests over 50 ms in {controlWindows.Count} windows; load generator GC {control.GeneratorGc.Gen2} gen2, {control.GeneratorGc.PauseMs:0} ms paused"));
        var peak = host.Memory().Peak;
        Report.Figure(bench, "host peak RSS under ingest", peak, "MiB", "target <= 300 MiB");

        var rows = await database.ScalarAsync("SELECT COUNT(*) FROM \"Inbox\"");
        var distinct = await database.ScalarAsync("SELECT COUNT(DISTINCT \"DedupeKey\") FROM \"Inbox\"");
        Report.Figure(bench, "callbacks answered 200", accepted, "requests");
        Report.Figure(bench, "callbacks failed (non-200 or error)", failedIngest, "requests");
        Report.Figure(bench, "inbox rows afterwards", rows, "rows", $"{distinct} distinct dedupe keys");
        // Every request was distinct: each 200 must be one row. A failed request may or may not have stored.
        var lost = Math.Max(0, accepted - rows);
        var doubled = rows - distinct;
        var extra = rows - accepted;
        if (lost > 0 || doubled > 0 || extra > failedIngest)
        {
            throw new BenchFailedException($"{bench}: {accepted} accepted but {rows} rows ({distinct} distinct): lost {lost}, doubled {doubled}");
        }
        if (failedIngest > 0)
        {
            throw new BenchFailedException($"{bench}: {failedIngest} callbacks were not answered 200");
        }
        Report.Note(bench, "inbox check: every accepted callback stored exactly once");
        return 0;
    }

    /// <summary>
    /// PostgreSQL's checkpoint count (timed and requested), null on SQLite. A checkpoint's
    /// fsync of the data files holds up the WAL's for about 100 ms on this machine's disk,
    /// which every commit waits on.
    /// </summary>
    private static async Task<long?> CheckpointsAsync(BenchDatabase database) =>
        database.IsSqlite ? null : await database.ScalarAsync("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter");

    /// <summary>
    /// The files in PostgreSQL's pg_wal. A count that grows is segments created rather than
    /// recycled: with wal_init_zero on, each is 16 MiB of zeroes written and fsynced inside
    /// whichever commit crossed into it, 50-60 ms on this machine's disk.
    /// </summary>
    private static Task<long> WalFilesAsync(BenchDatabase database) => database.ScalarAsync("SELECT COUNT(*) FROM pg_ls_waldir()");

    private const string IdleTrimCategory = "CrmChat.Bots.Hosting.IdleMemoryService";

    /// <summary>The jobs that run through the day, by their option section and job key; the nightly reconciliation is not among them.</summary>
    private static readonly (string Option, string Key)[] IdleJobs =
    [
        ("Reminders", "crmchat.follow-up-reminders"),
        ("Escalations", "crmchat.escalations"),
        ("TeamCalendar", "crmchat.team-calendar"),
    ];

    /// <summary>
    /// RSS once every job has run and the host has had two of its idle-trim looks (15 s each)
    /// to notice it is quiet: the figure an idle deployment shows all day.
    /// </summary>
    private static async Task IdleAfterJobsAsync(string bench, BotsHost host, string log, DateTime jobsAt, bool smoke)
    {
        var quiet = TimeSpan.FromSeconds(smoke ? 5 : 40);
        var wait = jobsAt + quiet - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
        var rss = host.Memory().Rss;
        var lines = new List<string>();
        using (var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }
        }
        // JobRunLog's line for a run that ended without an error.
        var ran = IdleJobs.Where(j => lines.Any(line => line.Contains($"Job {j.Key} scheduled for", StringComparison.Ordinal)
            && line.Contains("finished on instance", StringComparison.Ordinal))).Select(j => j.Option).ToList();
        var trims = lines.Count(line => line.Contains(IdleTrimCategory, StringComparison.Ordinal) && line.Contains("handed back", StringComparison.Ordinal));
        Report.Figure(bench, "host idle RSS after every job's first run", rss, "MiB", string.Create(CultureInfo.InvariantCulture,
            $"{ran.Count} of {IdleJobs.Length} jobs ran ({string.Join(", ", ran)}) at {jobsAt:HH:mm:ss} UTC, measured {quiet.TotalSeconds:0} s later, after {trims} idle trim(s); target <= 150 MB"));
        if (ran.Count < IdleJobs.Length && !smoke)
        {
            throw new BenchFailedException($"{bench}: only {ran.Count} of {IdleJobs.Length} jobs ran before the idle measurement; see {log}");
        }
    }

    /// <summary>The bare endpoint ignores the body: the same requests can go round again.</summary>
    private static List<CallbackRequest> Cycle(List<CallbackRequest> requests, int count) =>
        Enumerable.Range(0, count).Select(i => requests[i % requests.Count]).ToList();

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

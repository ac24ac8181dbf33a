using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Team;
using CrmChat.Sandbox;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Quartz;
using Xunit.Abstractions;

namespace CrmChat.EndToEnd.Tests;

/// <summary>
/// Two real CrmChat processes (<c>dotnet CrmChat.Bots.dll</c>) on one PostgreSQL and one Redis,
/// clustered, with every job on a seconds cron: each scheduled time of each job runs once across
/// the two, reminders reach WeCom once each, and when one process is killed (SIGKILL, no clean
/// stop) the other takes over its triggers and its unsent messages.
/// <c>CRMCHAT_CLUSTER_SECONDS</c> lengthens each phase (default 40 s) for a longer run by hand.
/// </summary>
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    private const string AdminToken = "cluster-test-admin-token-0123456789";
    private const int Reps = 3;

    /// <summary>Job → its cron in the test: often enough that a phase holds many scheduled times of each.</summary>
    private static readonly Dictionary<string, string> Crons = new()
    {
        ["crmchat.follow-up-reminders"] = "*/2 * * * * ?",
        ["crmchat.escalations"] = "*/3 * * * * ?",
        ["crmchat.team-calendar"] = "*/5 * * * * ?",
        ["crmchat.reconciliation"] = "*/10 * * * * ?",
    };

    private sealed record Fire(string Job, DateTimeOffset ScheduledFor, string Instance, int Process);

    [Fact]
    public async Task Two_CrmChat_processes_on_one_PostgreSQL_and_Redis_run_each_scheduled_time_once_and_the_survivor_carries_on_after_a_kill()
    {
        var phase = TimeSpan.FromSeconds(Environment.GetEnvironmentVariable("CRMCHAT_CLUSTER_SECONDS") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture) : 40);
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSql);
        await using var sandbox = await SandboxServer.StartAsync();
        using var driver = new HttpClient { BaseAddress = sandbox.WeComDriverUrl };
        var redisPrefix = "crmchat-cluster-" + Guid.NewGuid().ToString("N")[..8] + ":";

        // Reps known to WeCom and to the CRM, and follow-ups falling due every 3 s across both phases.
        var employees = new List<Employee>();
        for (var i = 0; i < Reps; i++)
        {
            (await driver.PostAsync("members", JsonContent(new { userid = $"rep{i}", name = $"销售{i}" }))).EnsureSuccessStatusCode();
            employees.Add(new Employee { Name = $"销售{i}", WeComUserId = $"rep{i}" });
        }
        var firstDue = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddSeconds(25);
        var followUps = new List<FollowUp>();
        for (var due = firstDue; due < firstDue + 2 * phase; due = due.AddSeconds(3))
        {
            followUps.Add(new FollowUp { OwnerId = employees[followUps.Count % Reps].Id, DueAt = due, Note = $"集群回访-{followUps.Count:D3}", CreatedAt = DateTimeOffset.UtcNow });
        }
        await using (var db = database.NewContext())
        {
            db.Employees.AddRange(employees);
            db.FollowUps.AddRange(followUps);
            await db.SaveChangesAsync();
        }

        var starting = new[] { 1, 2 }.Select(n => CrmChatProcess.StartAsync(n, database, sandbox, redisPrefix, output)).ToList();
        await Task.WhenAll(starting.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        await using var first = starting[0].IsCompletedSuccessfully ? await starting[0] : null;
        await using var second = starting[1].IsCompletedSuccessfully ? await starting[1] : null;
        Assert.True(first is not null && second is not null, "both processes start: " +
            string.Join("; ", starting.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!.Message)));
        // From here both run: every scheduled time after this must run exactly once.
        var sharedFrom = DateTimeOffset.UtcNow.AddSeconds(2);
        await Task.Delay(phase);

        var shared = Fires(first, second).Where(f => f.ScheduledFor >= sharedFrom).ToList();
        Assert.True(shared.Any(f => f.Process == 1) && shared.Any(f => f.Process == 2),
            $"both processes take turns at the triggers; fires by process: {string.Join(", ", shared.GroupBy(f => f.Process).Select(g => $"{g.Key}: {g.Count()}"))}");

        // Kill (not stop) the process that ran something last: it may be holding triggers and messages.
        var (victim, survivor) = shared.MaxBy(f => f.ScheduledFor)!.Process == 1 ? (first, second) : (second, first);
        victim.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        output.WriteLine($"killed process {victim.Number} at {killedAt:O}; process {survivor.Number} carries on");
        // The cluster writes the killed instance off after its check-in is overdue (within about
        // 30 s, QuartzClusterStore), frees what it held, and the survivor catches up on those times.
        await Task.Delay((phase > TimeSpan.FromSeconds(45) ? phase : TimeSpan.FromSeconds(45)) + TimeSpan.FromSeconds(10));
        var lastCounted = DateTimeOffset.UtcNow.AddSeconds(-8);

        var fires = Fires(first, second).Where(f => f.ScheduledFor >= sharedFrom).ToList();
        var twice = fires.GroupBy(f => (f.Job, f.ScheduledFor)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Job} @ {g.Key.ScheduledFor:HH:mm:ss} on processes {string.Join(", ", g.Select(f => f.Process))}").ToList();
        Assert.True(twice.Count == 0, "ran more than once: " + string.Join("; ", twice));
        foreach (var (job, cron) in Crons)
        {
            var expected = ScheduledTimes(cron, sharedFrom, lastCounted);
            var ran = fires.Where(f => f.Job == job).Select(f => f.ScheduledFor).ToHashSet();
            var missed = expected.Where(t => !ran.Contains(t)).Select(t => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).ToList();
            Assert.True(missed.Count == 0, $"{job} never ran for {missed.Count} of {expected.Count} scheduled times: {string.Join(", ", missed)}");
            Assert.Contains(fires, f => f.Job == job && f.Process == survivor.Number && f.ScheduledFor > killedAt);
        }
        Assert.DoesNotContain(fires, f => f.Process == victim.Number && f.ScheduledFor > killedAt.AddSeconds(1));

        // Every follow-up that fell due was reminded, and each reminder reached its rep once.
        var sent = JsonNode.Parse(await driver.GetStringAsync("sent/app"))!.AsArray();
        var texts = sent.Select(m => m!.ToJsonString(ReadableJson)).ToList();
        var problems = new List<string>();
        foreach (var followUp in followUps.Where(f => f.DueAt <= lastCounted.AddSeconds(-10)))
        {
            var count = texts.Count(t => t.Contains(followUp.Note, StringComparison.Ordinal));
            if (count != 1)
            {
                problems.Add($"{followUp.Note} (due {followUp.DueAt:HH:mm:ss}) reached WeCom {count} times");
            }
        }
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        await using (var db = database.NewContext())
        {
            var remindable = followUps.Where(f => f.DueAt <= lastCounted.AddSeconds(-10)).Select(f => f.Id).ToList();
            Assert.Equal(remindable.Count, await db.FollowUps.CountAsync(f => remindable.Contains(f.Id) && f.RemindedAt != null));
            Assert.Equal(0, await db.OutboxMessages.CountAsync(m => m.Status != CrmCore.Messaging.OutboxStatus.Sent));
        }

        // Both processes shared one access token through Redis: WeCom was asked for it once per secret.
        var state = JsonNode.Parse(await driver.GetStringAsync("state"))!;
        Assert.Equal(1, state["gettoken_calls"]!["app"]!.GetValue<int>());
        Assert.Equal(1, state["gettoken_calls"]!["contact"]!.GetValue<int>());
        output.WriteLine($"{fires.Count} job runs checked ({fires.Count(f => f.Process == 1)} on process 1, {fires.Count(f => f.Process == 2)} on process 2), {texts.Count} WeCom messages");
    }

    private static List<Fire> Fires(params CrmChatProcess[] processes) => processes.SelectMany(p => p.Fires()).ToList();

    /// <summary>Every time the cron names in [from, to] (the test's crons only step seconds, the same in every zone).</summary>
    private static List<DateTimeOffset> ScheduledTimes(string cron, DateTimeOffset from, DateTimeOffset to)
    {
        var expression = new CronExpression(cron);
        var times = new List<DateTimeOffset>();
        var next = expression.GetNextValidTimeAfter(from.AddMilliseconds(-1));
        while (next is { } t && t <= to)
        {
            times.Add(t);
            next = expression.GetNextValidTimeAfter(t);
        }
        return times;
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    private static readonly JsonSerializerOptions ReadableJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One CrmChat host as an operator runs it: its own process, Production, configured by environment variables.</summary>
    private sealed class CrmChatProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly string _contentRoot;

        private CrmChatProcess(int number, Process process, string contentRoot)
        {
            Number = number;
            _process = process;
            _contentRoot = contentRoot;
        }

        public int Number { get; }

        /// <summary>Where the process's log is left after the test, for reading when it failed.</summary>
        public string LogFile => Path.Combine(Path.GetTempPath(), $"crmchat-cluster-process-{Number}.log");

        public static async Task<CrmChatProcess> StartAsync(int number, TestDatabase database, SandboxServer sandbox, string redisPrefix, ITestOutputHelper output)
        {
            var port = FreePort();
            var contentRoot = Directory.CreateTempSubdirectory("crmchat-cluster-").FullName;
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CrmChat.Bots.dll"), "--contentRoot", contentRoot])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = contentRoot,
            };
            var settings = new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["Urls"] = $"http://127.0.0.1:{port}",
                ["Database:Provider"] = "PostgreSql",
                ["ConnectionStrings:Crm"] = database.ConnectionString,
                ["Redis:Configuration"] = RedisServer,
                ["Redis:KeyPrefix"] = redisPrefix,
                ["Quartz:Clustered"] = "true",
                ["Api:Tokens:0:Token"] = AdminToken,
                ["Api:Tokens:0:Employee"] = "admin",
                ["Api:Tokens:0:Role"] = "Admin",
                ["Cards:LinkSecret"] = "cluster-test-card-link-secret-not-for-any-deployment",
                ["Cards:PublicBaseUrl"] = $"http://127.0.0.1:{port}",
                ["WeCom:CorpId"] = SandboxDefaults.CorpId,
                ["WeCom:AgentId"] = SandboxDefaults.AgentId.ToString(CultureInfo.InvariantCulture),
                ["WeCom:Secret"] = SandboxDefaults.Secret,
                ["WeCom:ContactSecret"] = SandboxDefaults.ContactSecret,
                ["WeCom:Token"] = SandboxDefaults.Token,
                ["WeCom:EncodingAESKey"] = SandboxDefaults.EncodingAESKey,
                ["WeCom:ApiBaseUrl"] = sandbox.WeComApiBaseUrl.ToString(),
                ["Outbox:PollInterval"] = "00:00:00.500",
                // A killed process's claimed messages go to the survivor after this.
                ["Outbox:Lease"] = "00:00:10",
                ["Jobs:TeamDefaults:QuietHours"] = "",
                ["Jobs:Reminders:Cron"] = Crons["crmchat.follow-up-reminders"],
                ["Jobs:Escalations:Cron"] = Crons["crmchat.escalations"],
                ["Jobs:TeamCalendar:Cron"] = Crons["crmchat.team-calendar"],
                ["Jobs:Reconciliation:Cron"] = Crons["crmchat.reconciliation"],
                ["Jobs:TimeZone"] = "UTC",
            };
            foreach (var (key, value) in settings)
            {
                start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
            var process = Process.Start(start)!;
            var host = new CrmChatProcess(number, process, contentRoot);
            process.OutputDataReceived += (_, e) => host.Add(e.Data);
            process.ErrorDataReceived += (_, e) => host.Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var waited = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(process.HasExited, $"CrmChat process {number} exited while starting: {host.Log()}");
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"CrmChat process {number} did not answer /health in 90 s: {host.Log()}");
                try
                {
                    if ((await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                await Task.Delay(250);
            }
            output.WriteLine($"process {number} (pid {process.Id}) up on port {port} after {waited.Elapsed.TotalSeconds:F1} s");
            return host;
        }

        private static string RedisServer => Environment.GetEnvironmentVariable("CRMCHAT_TEST_REDIS") is { Length: > 0 } r ? r : "127.0.0.1:6379";

        private void Add(string? line)
        {
            if (line is not null)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }
            }
        }

        private string Log()
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.TakeLast(40));
            }
        }

        /// <summary>The job starts this process logged (event 4251).</summary>
        public List<Fire> Fires()
        {
            List<string> lines;
            lock (_lines)
            {
                lines = [.. _lines];
            }
            var fires = new List<Fire>();
            foreach (var line in lines)
            {
                if (!line.StartsWith('{') || !line.Contains("\"eventId\":4251", StringComparison.Ordinal))
                {
                    continue;
                }
                var properties = JsonNode.Parse(line)!["properties"]!;
                fires.Add(new Fire(
                    properties["Job"]!.GetValue<string>(),
                    DateTimeOffset.Parse(properties["ScheduledFor"]!.GetValue<string>(), CultureInfo.InvariantCulture),
                    properties["Instance"]!.GetValue<string>(),
                    Number));
            }
            return fires;
        }

        /// <summary>SIGKILL: no shutdown, no check-out from the cluster, claims left as they are.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
            Directory.Delete(_contentRoot, recursive: true);
            lock (_lines)
            {
                File.WriteAllLines(LogFile, _lines);
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}

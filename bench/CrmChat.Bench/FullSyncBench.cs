using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace CrmChat.Bench;

/// <summary>
/// A full WeCom sync through the real host (<c>POST /api/sync/wecom</c>) from the Sandbox:
/// time, customers a second, and the host's peak RSS, on a fresh database.
/// </summary>
public static class FullSyncBench
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        Report.UseFile(args.String("results", ""));
        var provider = args.String("provider", "sqlite");
        var members = args.Int("members", args.Smoke ? 20 : 200);
        var customers = args.Int("customers", args.Smoke ? 2000 : 100_000);
        var bench = $"fullsync/{provider}";

        await using var sandbox = await SandboxWorld.StartAsync();
        sandbox.WeCom.GenerateDirectory(members, customers, seed: 1);
        var counts = sandbox.WeCom.Counts;
        var database = await BenchDatabase.CreateAsync(provider, "fullsync");
        await using var host = await BotsHost.StartAsync(args.String("bots"), database, SandboxWorld.HostSettings(sandbox, processor: false),
            args.String("log", $"/tmp/crmchat-bench-fullsync-{provider}.log"));
        var idle = host.Memory().Rss;
        using var api = SandboxWorld.AdminClient(host);

        var hostCpu = Machine.CpuSeconds(host.Pid);
        var sandboxCpu = Machine.CpuSeconds(Environment.ProcessId);
        var clock = Stopwatch.StartNew();
        using (var start = await api.PostAsync("api/sync/wecom", null))
        {
            if (!start.IsSuccessStatusCode)
            {
                throw new BenchFailedException($"{bench}: POST /api/sync/wecom answered {(int)start.StatusCode}");
            }
        }
        JsonElement status;
        var limit = TimeSpan.FromMinutes(args.Int("timeout-minutes", 8));
        double peak = 0;
        while (true)
        {
            await Task.Delay(250);
            peak = Math.Max(peak, host.Memory().Peak);
            status = await api.GetFromJsonAsync<JsonElement>("api/sync/wecom");
            if (!status.GetProperty("running").GetBoolean())
            {
                break;
            }
            if (clock.Elapsed > limit)
            {
                throw new BenchFailedException($"{bench}: not finished after {limit.TotalMinutes} minutes ({status})");
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        hostCpu = Machine.CpuSeconds(host.Pid) - hostCpu;
        sandboxCpu = Machine.CpuSeconds(Environment.ProcessId) - sandboxCpu;
        if (status.GetProperty("lastError").ValueKind == JsonValueKind.String || status.GetProperty("finishedAt").ValueKind == JsonValueKind.Null)
        {
            throw new BenchFailedException($"{bench}: the sync failed: {status}");
        }
        var stored = await database.ScalarAsync("SELECT COUNT(*) FROM \"Customers\"");
        if (stored != counts.Customers)
        {
            throw new BenchFailedException($"{bench}: the Sandbox has {counts.Customers} customers but the CRM {stored}");
        }
        Report.Figure(bench, $"full sync of {counts.Customers:N0} customers / {members} members", seconds, "s",
            $"{counts.Relations:N0} follow relations, load {Machine.LoadAverage()}");
        Report.Figure(bench, "customers per second", counts.Customers / seconds, "customers/s", "target >= 2,000");
        Report.Figure(bench, "host CPU during the sync", hostCpu, "s", "user+sys of the Bots process");
        Report.Figure(bench, "Sandbox CPU during the sync", sandboxCpu, "s", "user+sys of the bench process hosting the Sandbox");
        Report.Figure(bench, "host RSS before the sync", idle, "MiB");
        Report.Figure(bench, "host peak RSS (VmHWM)", peak, "MiB", "target <= 400 MiB");
        Report.Note(bench, string.Create(CultureInfo.InvariantCulture, $"customers in the CRM afterwards: {stored}"));
        return 0;
    }
}

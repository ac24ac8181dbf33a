using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CrmChat.EndToEnd.Tests;

/// <summary>What a newcomer does: start the built host with its embedded defaults and call it.</summary>
public sealed class HostOverHttpTests
{
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task The_host_starts_with_embedded_defaults_answers_health_refuses_a_wrong_token_and_loads_only_what_it_uses()
    {
        var botsDll = Path.Combine(AppContext.BaseDirectory, "CrmChat.Bots.dll");
        var contentRoot = Directory.CreateTempSubdirectory("crmchat-e2e-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [botsDll, "--urls", $"http://127.0.0.1:{port}", "--contentRoot", contentRoot])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = contentRoot,
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Development" },
        };
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            HttpResponseMessage? health = null;
            for (var i = 0; i < 450 && health is null; i++)
            {
                try
                {
                    health = await http.GetAsync("/health");
                }
                catch (HttpRequestException)
                {
                    Assert.False(process.HasExited, "the host exited: " + output);
                    await Task.Delay(200);
                }
            }
            Assert.NotNull(health);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.True(File.Exists(Path.Combine(contentRoot, "data", "crmchat.db")), "the embedded SQLite file is created under data/");

            var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/customers") { Headers = { Authorization = new("Bearer", "wrong") } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

            // Development prints a working admin token for the newcomer.
            var token = System.Text.RegularExpressions.Regex.Match(output.ToString(), @"token for this run: (\S+)").Groups[1].Value;
            var right = new HttpRequestMessage(HttpMethod.Get, "/api/customers") { Headers = { Authorization = new("Bearer", token) } };
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(right)).StatusCode);

            // What the host does not use stays out of its memory (BENCHMARKS.md, idle RSS): the
            // other databases' providers, the Redis client when no Redis is set, and ICU.
            if (OperatingSystem.IsLinux())
            {
                var mapped = await File.ReadAllTextAsync($"/proc/{process.Id}/maps");
                Assert.Contains("Microsoft.EntityFrameworkCore.Sqlite.dll", mapped, StringComparison.Ordinal);
                foreach (var unused in new[] { "Npgsql.dll", "Npgsql.EntityFrameworkCore.PostgreSQL.dll", "Microsoft.EntityFrameworkCore.SqlServer.dll", "StackExchange.Redis.dll", "libicuuc" })
                {
                    Assert.DoesNotContain(unused, mapped, StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(contentRoot, recursive: true);
        }
    }
}

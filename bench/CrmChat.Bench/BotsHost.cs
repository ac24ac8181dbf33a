using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CrmChat.Bench;

/// <summary>
/// The real Bots host in its own process (<c>dotnet CrmChat.Bots.dll</c>), Production
/// environment, on 127.0.0.1 and a free port, configured through environment variables.
/// </summary>
public sealed class BotsHost : IAsyncDisposable
{
    public const string CorpId = "wwbench000000000001";
    public const string Token = "benchCallbackToken";
    public const string EncodingAesKey = "3iHSwtoWu8bPsudHAerz1h/V9tuhAL5c0dEa6fhARm4";
    public const string AdminToken = "bench-admin-token-0123456789abcdef";

    private readonly Process _process;
    private readonly string _logFile;

    private BotsHost(Process process, Uri baseUrl, string logFile)
    {
        _process = process;
        BaseUrl = baseUrl;
        _logFile = logFile;
    }

    public Uri BaseUrl { get; }
    public int Pid => _process.Id;

    public static async Task<BotsHost> StartAsync(string botsDll, BenchDatabase database, IDictionary<string, string> settings, string logFile)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [botsDll])
        {
            WorkingDirectory = Path.GetDirectoryName(botsDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = start.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["DOTNET_ENVIRONMENT"] = "Production";
        env["Urls"] = $"http://127.0.0.1:{port}";
        env["Database__Provider"] = database.Provider;
        env["Database__MigrateOnStart"] = "true";
        env["ConnectionStrings__Crm"] = database.ConnectionString;
        env["WeCom__CorpId"] = CorpId;
        env["WeCom__Token"] = Token;
        env["WeCom__EncodingAESKey"] = EncodingAesKey;
        env["Api__Tokens__0__Token"] = AdminToken;
        env["Api__Tokens__0__Employee"] = "bench";
        env["Api__Tokens__0__Role"] = "Admin";
        // Production refuses to start without a card link key; this one is for local benchmarks only.
        env["Cards__LinkSecret"] = "bench-only-card-link-secret-not-for-any-deployment";
        env["Cards__PublicBaseUrl"] = $"http://127.0.0.1:{port}";
        foreach (var (key, value) in settings)
        {
            env[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new BenchFailedException("could not start the Bots host");
        var log = new StreamWriter(logFile, append: false) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var host = new BotsHost(process, new Uri($"http://127.0.0.1:{port}/"), logFile);
        using var http = new HttpClient { BaseAddress = host.BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new BenchFailedException($"the Bots host exited with {process.ExitCode} while starting; see {logFile}");
            }
            try
            {
                using var response = await http.GetAsync("health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        await host.DisposeAsync();
        throw new BenchFailedException($"the Bots host did not answer /health within 60 s; see {logFile}");
    }

    public (double Rss, double Peak) Memory() => Machine.Memory(_process.Id);

    public HttpClient CreateClient() => new() { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _ = _logFile;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

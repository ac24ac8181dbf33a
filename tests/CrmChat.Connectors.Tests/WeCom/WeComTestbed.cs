using System.Collections.Concurrent;
using CrmChat.Connectors.Infrastructure;
using CrmChat.Connectors.WeCom;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Tests.WeCom;

/// <summary>
/// One CrmChat instance's WeCom client, built by <see cref="WeComClientSetup.AddWeComClient"/>
/// from configuration as the host does, with every request it makes recorded.
/// </summary>
public sealed class ClientInstance : ClientHost
{
    private ClientInstance(IHost host, LogSink logs, RequestLog requests) : base(host, logs) => Requests = requests;

    public RequestLog Requests { get; }
    public IWeComExternalContactClient Contacts => Services.GetRequiredService<IWeComExternalContactClient>();
    public IWeComMessageClient Messages => Services.GetRequiredService<IWeComMessageClient>();
    public IWeComGroupRobotClient Robots => Services.GetRequiredService<IWeComGroupRobotClient>();

    public static async Task<ClientInstance> StartAsync(SandboxServer sandbox, TimeProvider time, IDictionary<string, string?>? settings = null)
    {
        var requests = new RequestLog();
        var (host, logs) = await StartHostAsync(time, new Dictionary<string, string?>
        {
            ["WeCom:CorpId"] = SandboxDefaults.CorpId,
            ["WeCom:AgentId"] = SandboxDefaults.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["WeCom:Secret"] = SandboxDefaults.Secret,
            ["WeCom:ContactSecret"] = SandboxDefaults.ContactSecret,
            ["WeCom:ApiBaseUrl"] = sandbox.WeComApiBaseUrl.ToString(),
            // Short, exact backoff: retries are asserted by count, not by waiting.
            ["WeCom:Client:FirstRetryDelay"] = "00:00:00.001",
            ["WeCom:Client:MaxRetryDelay"] = "00:00:00.010",
        }, settings, builder =>
        {
            builder.AddWeComClient();
            builder.Services.AddHttpClient<WeComApiTransport>().AddHttpMessageHandler(() => new RecordingHandler(requests));
        });
        return new ClientInstance(host, logs, requests);
    }
}

public sealed class FixedRandom(double value) : IRandomSource
{
    public double NextDouble() => value;
}

/// <summary>What went over the wire: API path and query, in order.</summary>
public sealed class RequestLog
{
    private readonly ConcurrentQueue<Uri> _uris = new();

    public void Add(Uri uri) => _uris.Enqueue(uri);

    public int Count(string apiPath) => _uris.Count(u => u.AbsolutePath.EndsWith("/cgi-bin/" + apiPath, StringComparison.Ordinal));

    public IReadOnlyList<Uri> To(string apiPath) => _uris.Where(u => u.AbsolutePath.EndsWith("/cgi-bin/" + apiPath, StringComparison.Ordinal)).ToList();
}

internal sealed class RecordingHandler(RequestLog log) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        log.Add(request.RequestUri!);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Every log line the client wrote, formatted.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
    }
}

public static class Eventually
{
    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }
            await Task.Delay(10);
        }
    }
}

internal static class Redis
{
    public static string Configuration => Environment.GetEnvironmentVariable("CRMCHAT_TEST_REDIS") is { Length: > 0 } r ? r : "127.0.0.1:6379";

    public static Dictionary<string, string?> Settings(string prefix) => new()
    {
        ["Redis:Configuration"] = Configuration,
        ["Redis:KeyPrefix"] = prefix,
    };

    public static string NewPrefix() => $"crmchat-test:{Guid.NewGuid():N}:";
}

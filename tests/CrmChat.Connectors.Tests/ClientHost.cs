using CrmChat.Connectors.Infrastructure;
using CrmChat.Connectors.Tests.WeCom;
using CrmChat.CrmCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CrmChat.Connectors.Tests;

/// <summary>
/// One CrmChat instance's platform client, built from configuration as the host builds it, on
/// the test's clock, with fixed jitter and every log line kept. The platform testbeds say which
/// client, which settings and how requests are recorded.
/// </summary>
public abstract class ClientHost(IHost host, LogSink logs) : IAsyncDisposable
{
    public LogSink Logs { get; } = logs;
    public IServiceProvider Services => host.Services;

    /// <param name="defaults">The platform's settings pointing at the Sandbox; <paramref name="settings"/> override them.</param>
    /// <param name="addClient">Adds the platform client and the recording handler on its transport.</param>
    protected static async Task<(IHost Host, LogSink Logs)> StartHostAsync(TimeProvider time, Dictionary<string, string?> defaults,
        IDictionary<string, string?>? settings, Action<HostApplicationBuilder> addClient)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(defaults);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        var logs = new LogSink();
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<IRandomSource>(new FixedRandom(0.5));
        addClient(builder);
        var host = builder.Build();
        await host.StartAsync();
        return (host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}

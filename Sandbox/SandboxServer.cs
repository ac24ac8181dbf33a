using CrmChat.Sandbox.DingTalk;
using CrmChat.Sandbox.WeCom;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrmChat.Sandbox;

/// <summary>
/// The Sandbox alone on Kestrel at 127.0.0.1 and a free port, for tests and benchmarks:
/// <code>await using var sandbox = await SandboxServer.StartAsync();
/// // WeCom:ApiBaseUrl = sandbox.WeComApiBaseUrl
/// // DingTalk:ApiBaseUrl = sandbox.DingTalkApiBaseUrl, DingTalk:OapiBaseUrl = sandbox.DingTalkOapiBaseUrl</code>
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SandboxServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        WeCom = app.Services.GetRequiredService<WeComSandbox>();
        DingTalk = app.Services.GetRequiredService<DingTalkSandbox>();
    }

    /// <summary>e.g. http://127.0.0.1:41234/</summary>
    public Uri BaseUrl { get; }
    /// <summary>What WeCom:ApiBaseUrl should be: …/sandbox/wecom/cgi-bin/</summary>
    public Uri WeComApiBaseUrl => new(BaseUrl, SandboxDefaults.WeComApiPath);
    public Uri WeComDriverUrl => new(BaseUrl, SandboxDefaults.WeComDriverPath);
    /// <summary>The in-process state, for assertions that need no HTTP.</summary>
    public WeComSandbox WeCom { get; }

    /// <summary>What DingTalk:ApiBaseUrl should be (stands for https://api.dingtalk.com/): …/sandbox/dingtalk/api/</summary>
    public Uri DingTalkApiBaseUrl => new(BaseUrl, DingTalkSandboxDefaults.ApiPath);
    /// <summary>What DingTalk:OapiBaseUrl should be (stands for https://oapi.dingtalk.com/): …/sandbox/dingtalk/oapi/</summary>
    public Uri DingTalkOapiBaseUrl => new(BaseUrl, DingTalkSandboxDefaults.OapiPath);
    public Uri DingTalkDriverUrl => new(BaseUrl, DingTalkSandboxDefaults.DriverPath);
    /// <summary>The in-process DingTalk state, for assertions that need no HTTP.</summary>
    public DingTalkSandbox DingTalk { get; }

    /// <param name="configure">Changes to the default corp (e.g. a short CallbackTimeout).</param>
    /// <param name="time">The Sandbox clock; pass a FakeTimeProvider to expire tokens and limits at will.</param>
    /// <param name="configureDingTalk">Changes to the default DingTalk app (e.g. callback URLs, tiny retry delays).</param>
    public static async Task<SandboxServer> StartAsync(Action<WeComSandboxOptions>? configure = null, TimeProvider? time = null,
        Action<DingTalkSandboxOptions>? configureDingTalk = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SandboxServer).Assembly.GetName().Name,
            EnvironmentName = "Development",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        builder.AddSandbox();
        if (configure is not null)
        {
            builder.Services.PostConfigure(configure);
        }
        if (configureDingTalk is not null)
        {
            builder.Services.PostConfigure(configureDingTalk);
        }
        var app = builder.Build();
        app.MapSandbox();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SandboxServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseUrl };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Connectors.Tests.WeCom;
using CrmChat.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrmChat.Connectors.Tests.DingTalk;

/// <summary>
/// One CrmChat instance's DingTalk client, built by <see cref="DingTalkClientSetup.AddDingTalkClient"/>
/// from configuration as the host does, pointed at the Sandbox, with every request it makes recorded.
/// </summary>
public sealed class DingTalkClientInstance : ClientHost
{
    private DingTalkClientInstance(IHost host, LogSink logs, DingTalkRequestLog requests) : base(host, logs) => Requests = requests;

    public DingTalkRequestLog Requests { get; }
    public IDingTalkCustomRobotClient CustomRobots => Services.GetRequiredService<IDingTalkCustomRobotClient>();
    public IDingTalkRobotClient Robot => Services.GetRequiredService<IDingTalkRobotClient>();
    public IDingTalkWorkNotificationClient WorkNotifications => Services.GetRequiredService<IDingTalkWorkNotificationClient>();
    public IDingTalkUserClient Users => Services.GetRequiredService<IDingTalkUserClient>();
    public IDingTalkApprovalClient Approvals => Services.GetRequiredService<IDingTalkApprovalClient>();

    public static async Task<DingTalkClientInstance> StartAsync(SandboxServer sandbox, TimeProvider time, IDictionary<string, string?>? settings = null)
    {
        var requests = new DingTalkRequestLog();
        var (host, logs) = await StartHostAsync(time, new Dictionary<string, string?>
        {
            ["DingTalk:AppKey"] = DingTalkSandboxDefaults.AppKey,
            ["DingTalk:AppSecret"] = DingTalkSandboxDefaults.AppSecret,
            ["DingTalk:AgentId"] = DingTalkSandboxDefaults.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DingTalk:RobotCode"] = DingTalkSandboxDefaults.RobotCode,
            ["DingTalk:Token"] = DingTalkSandboxDefaults.Token,
            ["DingTalk:AesKey"] = DingTalkSandboxDefaults.AesKey,
            ["DingTalk:ApiBaseUrl"] = sandbox.DingTalkApiBaseUrl.ToString(),
            ["DingTalk:OapiBaseUrl"] = sandbox.DingTalkOapiBaseUrl.ToString(),
            // Short, exact backoff: retries are asserted by count, not by waiting.
            ["DingTalk:Client:FirstRetryDelay"] = "00:00:00.001",
            ["DingTalk:Client:MaxRetryDelay"] = "00:00:00.010",
        }, settings, builder =>
        {
            builder.AddDingTalkClient();
            builder.Services.AddHttpClient<DingTalkApiTransport>().AddHttpMessageHandler(() => new DingTalkRecordingHandler(requests));
        });
        return new DingTalkClientInstance(host, logs, requests);
    }
}

/// <summary>What went over the wire: each request's URL and the answer's body.</summary>
public sealed class DingTalkRequestLog
{
    private readonly ConcurrentQueue<(Uri Uri, string Answer)> _calls = new();

    public void Add(Uri uri, string answer) => _calls.Enqueue((uri, answer));

    public int Count(string apiPath) => To(apiPath).Count;

    public IReadOnlyList<(Uri Uri, string Answer)> To(string apiPath) =>
        _calls.Where(c => c.Uri.AbsolutePath.EndsWith("/" + apiPath, StringComparison.Ordinal)).ToList();
}

internal sealed class DingTalkRecordingHandler(DingTalkRequestLog log) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        log.Add(request.RequestUri!, await response.Content.ReadAsStringAsync(cancellationToken));
        return response;
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrmChat.Bots.Tests;
using CrmChat.Connectors.Crypto;
using CrmChat.CrmCore.Data;
using CrmChat.Sandbox;
using CrmChat.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.EndToEnd.Tests;

/// <summary>
/// One CrmChat host on real Kestrel, one Sandbox (WeCom and DingTalk) on its own port, one
/// database: the Sandbox delivers callbacks to CrmChat over HTTP and CrmChat calls its APIs.
/// </summary>
public sealed class ChatWorld : IAsyncDisposable
{
    private readonly List<KeyValuePair<string, string?>> _settings;
    private CrmChatApp? _app;

    private ChatWorld(TestDatabase database, SandboxServer sandbox, FakeTimeProvider? clock, IEnumerable<KeyValuePair<string, string?>>? settings)
    {
        Database = database;
        Sandbox = sandbox;
        Clock = clock;
        _settings = settings?.ToList() ?? [];
        Driver = new HttpClient { BaseAddress = sandbox.WeComDriverUrl };
        DingTalkDriver = new HttpClient { BaseAddress = sandbox.DingTalkDriverUrl };
    }

    public TestDatabase Database { get; }
    public SandboxServer Sandbox { get; }
    /// <summary>The WeCom Sandbox's driver.</summary>
    public HttpClient Driver { get; }
    public HttpClient DingTalkDriver { get; }
    public Uri CrmChatUrl { get; private set; } = null!;
    public HttpClient Api { get; private set; } = null!;
    public CrmChatApp App => _app!;
    /// <summary>The clock CrmChat and the Sandbox share, when the test gave one.</summary>
    public FakeTimeProvider? Clock { get; }

    /// <param name="clock">One fake clock for CrmChat and the Sandbox, so a minute passes when the test says so.</param>
    /// <param name="settings">Added to (and overriding) the world's CrmChat settings, on every start.</param>
    /// <param name="services">Test-only services for this first start of CrmChat.</param>
    public static async Task<ChatWorld> StartAsync(DatabaseProvider provider, bool processorEnabled = true, FakeTimeProvider? clock = null,
        IEnumerable<KeyValuePair<string, string?>>? settings = null, Action<IServiceCollection>? services = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var sandbox = await SandboxServer.StartAsync(time: clock);
        var world = new ChatWorld(database, sandbox, clock, settings);
        await world.StartCrmChatAsync(processorEnabled, services);
        return world;
    }

    /// <summary>Starts (or restarts) CrmChat on the same database and points the Sandbox at it.</summary>
    public async Task StartCrmChatAsync(bool processorEnabled = true, Action<IServiceCollection>? services = null)
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        _app = new CrmChatApp(
        [
            .. Database.HostSettings(),
            .. CrmChatApp.DefaultTokens(),
            new("WeCom:CorpId", SandboxDefaults.CorpId),
            new("WeCom:AgentId", SandboxDefaults.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("WeCom:Secret", SandboxDefaults.Secret),
            new("WeCom:ContactSecret", SandboxDefaults.ContactSecret),
            new("WeCom:Token", SandboxDefaults.Token),
            new("WeCom:EncodingAESKey", SandboxDefaults.EncodingAESKey),
            new("WeCom:ApiBaseUrl", Sandbox.WeComApiBaseUrl.ToString()),
            new("DingTalk:AppKey", DingTalkSandboxDefaults.AppKey),
            new("DingTalk:AppSecret", DingTalkSandboxDefaults.AppSecret),
            new("DingTalk:Token", DingTalkSandboxDefaults.Token),
            new("DingTalk:AesKey", DingTalkSandboxDefaults.AesKey),
            new("DingTalk:RobotCode", DingTalkSandboxDefaults.RobotCode),
            new("DingTalk:AgentId", DingTalkSandboxDefaults.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("DingTalk:ApiBaseUrl", Sandbox.DingTalkApiBaseUrl.ToString()),
            new("DingTalk:OapiBaseUrl", Sandbox.DingTalkOapiBaseUrl.ToString()),
            new("Inbox:ProcessorEnabled", processorEnabled ? "true" : "false"),
            new("Inbox:PollInterval", "00:00:00.200"),
            new("Outbox:PollInterval", "00:00:00.200"),
            .. _settings,
        ], services: services, clock: Clock);
        _app.UseKestrel(0);
        _app.StartServer();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        CrmChatUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        Api = new HttpClient { BaseAddress = CrmChatUrl };
        Api.DefaultRequestHeaders.Authorization = new("Bearer", CrmChatApp.AdminToken);
        await DriveAsync("corp", new { callback_url = new Uri(CrmChatUrl, "/webhooks/wecom").ToString() });
        await DriveDingTalkAsync("app", new
        {
            event_callback_url = new Uri(CrmChatUrl, "/webhooks/dingtalk/events").ToString(),
            robot_callback_url = new Uri(CrmChatUrl, "/webhooks/dingtalk/robot").ToString(),
        });
    }

    public Task<JsonNode> DriveDingTalkAsync(string path, object body) => PostAsync(DingTalkDriver, path, body);

    public Task<JsonNode> DriveAsync(string path, object body) => PostAsync(Driver, path, body);

    private static async Task<JsonNode> PostAsync(HttpClient driver, string path, object body)
    {
        var response = await driver.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"driver {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> ReadDriverAsync(string path) => JsonNode.Parse(await Driver.GetStringAsync(path))!;

    public async Task<JsonNode> ReadDingTalkDriverAsync(string path) => JsonNode.Parse(await DingTalkDriver.GetStringAsync(path))!;

    /// <summary>Polls the CRM's API until the condition holds (events are applied asynchronously).</summary>
    public async Task<JsonNode> EventuallyAsync(string path, Func<JsonNode, bool> condition, int timeoutMs = 10_000)
    {
        JsonNode? last = null;
        for (var waited = 0; waited < timeoutMs; waited += 100)
        {
            var response = await Api.GetAsync(path);
            if (response.IsSuccessStatusCode)
            {
                last = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                if (condition(last))
                {
                    return last;
                }
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{path} never satisfied the condition; last answer: {last?.ToJsonString()}");
        return null!;
    }

    /// <summary>Posts a callback the way WeCom does: encrypted, signed, in the XML envelope.</summary>
    public async Task<HttpResponseMessage> PostCallbackAsync(string innerXml, string? signatureOverride = null)
    {
        var crypto = new CallbackCrypto(SandboxDefaults.Token, SandboxDefaults.EncodingAESKey, SandboxDefaults.CorpId);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var nonce = Guid.NewGuid().ToString("N")[..10];
        var (encrypted, signature) = crypto.Seal(innerXml, timestamp, nonce);
        var body = $"<xml><ToUserName><![CDATA[{SandboxDefaults.CorpId}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[{SandboxDefaults.AgentId}]]></AgentID></xml>";
        var url = $"/webhooks/wecom?msg_signature={signatureOverride ?? signature}&timestamp={timestamp}&nonce={nonce}";
        using var plain = new HttpClient { BaseAddress = CrmChatUrl };
        return await plain.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, "text/xml"));
    }

    /// <summary>A node as text with Chinese and '&amp;' left readable, for asserting on what a person would see.</summary>
    public static string Text(JsonNode? node) => node?.ToJsonString(ReadableJson) ?? "";

    private static readonly System.Text.Json.JsonSerializerOptions ReadableJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        Driver.Dispose();
        DingTalkDriver.Dispose();
        await Sandbox.DisposeAsync();
        await Database.DisposeAsync();
    }
}

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

namespace CrmChat.EndToEnd.Tests;

/// <summary>
/// One CrmChat host on real Kestrel, one WeCom Sandbox on its own port, one database: the
/// Sandbox delivers callbacks to CrmChat over HTTP and CrmChat calls the Sandbox's API.
/// </summary>
public sealed class WeComWorld : IAsyncDisposable
{
    private CrmChatApp? _app;

    private WeComWorld(TestDatabase database, SandboxServer sandbox)
    {
        Database = database;
        Sandbox = sandbox;
        Driver = new HttpClient { BaseAddress = sandbox.WeComDriverUrl };
    }

    public TestDatabase Database { get; }
    public SandboxServer Sandbox { get; }
    public HttpClient Driver { get; }
    public Uri CrmChatUrl { get; private set; } = null!;
    public HttpClient Api { get; private set; } = null!;
    public CrmChatApp App => _app!;

    public static async Task<WeComWorld> StartAsync(DatabaseProvider provider, bool processorEnabled = true)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var sandbox = await SandboxServer.StartAsync();
        var world = new WeComWorld(database, sandbox);
        await world.StartCrmChatAsync(processorEnabled);
        return world;
    }

    /// <summary>Starts (or restarts) CrmChat on the same database and points the Sandbox at it.</summary>
    public async Task StartCrmChatAsync(bool processorEnabled = true)
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
            new("Inbox:ProcessorEnabled", processorEnabled ? "true" : "false"),
            new("Inbox:PollInterval", "00:00:00.200"),
        ]);
        _app.UseKestrel(0);
        _app.StartServer();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        CrmChatUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        Api = new HttpClient { BaseAddress = CrmChatUrl };
        Api.DefaultRequestHeaders.Authorization = new("Bearer", CrmChatApp.AdminToken);
        await DriveAsync("corp", new { callback_url = new Uri(CrmChatUrl, "/webhooks/wecom").ToString() });
    }

    public async Task<JsonNode> DriveAsync(string path, object body)
    {
        var response = await Driver.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"driver {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> ReadDriverAsync(string path) => JsonNode.Parse(await Driver.GetStringAsync(path))!;

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

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        Driver.Dispose();
        await Sandbox.DisposeAsync();
        await Database.DisposeAsync();
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrmChat.Sandbox.WeCom;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Sandbox.Tests;

/// <summary>A Sandbox on a real port, a fake clock, and the HTTP calls a WeCom client would make.</summary>
public sealed class SandboxHttp : IAsyncDisposable
{
    private SandboxHttp(SandboxServer server, FakeTimeProvider time)
    {
        Server = server;
        Time = time;
        Client = server.CreateClient();
    }

    public SandboxServer Server { get; }
    public FakeTimeProvider Time { get; }
    public HttpClient Client { get; }

    public static async Task<SandboxHttp> StartAsync(Action<WeComSandboxOptions>? configure = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 9, 0, 0, TimeSpan.FromHours(8)));
        return new SandboxHttp(await SandboxServer.StartAsync(configure, time), time);
    }

    public async Task<JsonObject> Get(string pathAndQuery) =>
        (await Client.GetFromJsonAsync<JsonObject>(pathAndQuery))!;

    public async Task<JsonObject> Post(string pathAndQuery, object body)
    {
        using var response = await Client.PostAsJsonAsync(pathAndQuery, body);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async Task<JsonObject> Driver(string path, object body)
    {
        using var response = await Client.PostAsJsonAsync(SandboxDefaults.WeComDriverPath + path, body);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(response.IsSuccessStatusCode, $"driver {path} failed: {json.ToJsonString()}");
        return json;
    }

    public async Task<string> Token(string secret)
    {
        var reply = await Get($"{SandboxDefaults.WeComApiPath}gettoken?corpid={SandboxDefaults.CorpId}&corpsecret={secret}");
        Assert.Equal(0, (int)reply["errcode"]!);
        return (string)reply["access_token"]!;
    }

    public Task<string> AppToken() => Token(SandboxDefaults.Secret);
    public Task<string> ContactToken() => Token(SandboxDefaults.ContactSecret);

    public static string Api(string path, string token, string query = "") =>
        $"{SandboxDefaults.WeComApiPath}{path}?access_token={token}{query}";

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

public static class JsonAssert
{
    public static void ErrCode(int expected, JsonObject reply) =>
        Assert.True((int)reply["errcode"]! == expected, $"expected errcode {expected}, got {reply.ToJsonString()}");
}

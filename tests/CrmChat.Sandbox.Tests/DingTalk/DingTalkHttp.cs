using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrmChat.Sandbox.DingTalk;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Sandbox.Tests.DingTalk;

/// <summary>A Sandbox on a real port, a fake clock, and the HTTP calls a DingTalk client would make.</summary>
public sealed class DingTalkHttp : IAsyncDisposable
{
    private DingTalkHttp(SandboxServer server, FakeTimeProvider time)
    {
        Server = server;
        Time = time;
        Client = server.CreateClient();
    }

    public SandboxServer Server { get; }
    public FakeTimeProvider Time { get; }
    public HttpClient Client { get; }
    public DingTalkSandbox Sandbox => Server.DingTalk;

    public static async Task<DingTalkHttp> StartAsync(Action<DingTalkSandboxOptions>? configure = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 9, 0, 0, TimeSpan.FromHours(8)));
        return new DingTalkHttp(await SandboxServer.StartAsync(time: time, configureDingTalk: configure), time);
    }

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<JsonObject> Driver(string path, object body)
    {
        using var response = await Client.PostAsJsonAsync(DingTalkSandboxDefaults.DriverPath + path, body);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(response.IsSuccessStatusCode, $"driver {path} failed: {json.ToJsonString()}");
        return json;
    }

    public async Task<JsonNode> DriverGet(string path) =>
        (await Client.GetFromJsonAsync<JsonNode>(DingTalkSandboxDefaults.DriverPath + path))!;

    /// <summary>POST to the oapi look-alike; legacy answers are always HTTP 200.</summary>
    public async Task<JsonObject> Oapi(string pathAndQuery, object body)
    {
        using var response = await Client.PostAsJsonAsync(DingTalkSandboxDefaults.OapiPath + pathAndQuery, body);
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async Task<(int Status, JsonObject Body)> Api(HttpMethod method, string pathAndQuery, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, DingTalkSandboxDefaults.ApiPath + pathAndQuery);
        if (token is not null)
        {
            request.Headers.Add("x-acs-dingtalk-access-token", token);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        using var response = await Client.SendAsync(request);
        return ((int)response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }

    public async Task<string> Token()
    {
        var (status, body) = await Api(HttpMethod.Post, "v1.0/oauth2/accessToken", null,
            new { appKey = DingTalkSandboxDefaults.AppKey, appSecret = DingTalkSandboxDefaults.AppSecret });
        Assert.Equal(200, status);
        return (string)body["accessToken"]!;
    }

    public async Task AddUser(string userId, string? name = null) => await Driver("users", new { userid = userId, name = name ?? userId });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

public static class DingTalkAssert
{
    public static void ErrCode(int expected, JsonObject reply) =>
        Assert.True((int)reply["errcode"]! == expected, $"expected errcode {expected}, got {reply.ToJsonString()}");
}

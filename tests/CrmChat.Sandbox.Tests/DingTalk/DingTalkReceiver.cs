using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CrmChat.Connectors.Crypto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrmChat.Sandbox.Tests.DingTalk;

/// <summary>
/// Stands in for CrmChat's DingTalk webhooks: opens each event with CallbackCrypto keyed by the
/// appKey and answers the encrypted "success" (or what the test asks for); checks each robot
/// message's timestamp + sign headers with its own HMAC.
/// </summary>
public sealed class DingTalkReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _eventRequests;

    private DingTalkReceiver(WebApplication app, string baseUrl)
    {
        _app = app;
        EventsUrl = baseUrl + "/webhooks/dingtalk/events";
        RobotUrl = baseUrl + "/webhooks/dingtalk/robot";
    }

    public string EventsUrl { get; }
    public string RobotUrl { get; }
    /// <summary>Decrypted events, in arrival order (retries included).</summary>
    public ConcurrentQueue<JsonObject> Events { get; } = new();
    public ConcurrentQueue<(JsonObject Body, bool SignValid)> RobotMessages { get; } = new();
    public int EventRequests => _eventRequests;

    /// <param name="answer">Given the 1-based event request number: "success" (the right answer), "wrong" (encrypts another word) or "500".</param>
    /// <param name="robotReply">The body answered to robot messages.</param>
    public static async Task<DingTalkReceiver> StartAsync(Func<int, string>? answer = null, string robotReply = """{"msgtype":"empty"}""")
    {
        answer ??= _ => "success";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        DingTalkReceiver? self = null;
        var crypto = new CallbackCrypto(DingTalkSandboxDefaults.Token, DingTalkSandboxDefaults.AesKey, DingTalkSandboxDefaults.AppKey);

        app.MapPost("/webhooks/dingtalk/events", async (HttpContext http) =>
        {
            var number = Interlocked.Increment(ref self!._eventRequests);
            var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
            var q = http.Request.Query;
            string plain;
            try
            {
                plain = crypto.Open(q["msg_signature"], q["timestamp"]!, q["nonce"]!, (string)body["encrypt"]!);
            }
            catch (CallbackCryptoException)
            {
                return Results.StatusCode(401);
            }
            self.Events.Enqueue(JsonNode.Parse(plain)!.AsObject());
            var mode = answer(number);
            if (mode == "500")
            {
                return Results.StatusCode(500);
            }
            var timeStamp = "1748739600000";
            var nonce = "n0nce123";
            var (encrypted, signature) = crypto.Seal(mode == "success" ? "success" : "failure", timeStamp, nonce);
            return Results.Json(new Dictionary<string, string> { ["msg_signature"] = signature, ["timeStamp"] = timeStamp, ["nonce"] = nonce, ["encrypt"] = encrypted });
        });

        app.MapPost("/webhooks/dingtalk/robot", async (HttpContext http) =>
        {
            var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
            var timestamp = http.Request.Headers["timestamp"].ToString();
            var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(DingTalkSandboxDefaults.AppSecret),
                Encoding.UTF8.GetBytes(timestamp + "\n" + DingTalkSandboxDefaults.AppSecret)));
            self!.RobotMessages.Enqueue((body, expected == http.Request.Headers["sign"].ToString()));
            return Results.Text(robotReply, "application/json");
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new DingTalkReceiver(app, address.TrimEnd('/'));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

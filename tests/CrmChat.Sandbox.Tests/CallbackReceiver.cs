using System.Collections.Concurrent;
using System.Xml.Linq;
using CrmChat.Connectors.Crypto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrmChat.Sandbox.Tests;

/// <summary>
/// Stands in for CrmChat's webhook: opens each POST with CallbackCrypto (signature, decryption,
/// receiver id) and answers what the test asks for on each attempt.
/// </summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private CallbackReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }
    /// <summary>Decrypted event XML of every request, in arrival order.</summary>
    public ConcurrentQueue<XElement> Events { get; } = new();
    public ConcurrentQueue<string> Failures { get; } = new();
    public int Requests => _requests;

    /// <param name="answer">Given the 1-based request number, the delay and status to answer with.</param>
    public static async Task<CallbackReceiver> StartAsync(Func<int, (TimeSpan Delay, int Status)>? answer = null, string token = SandboxDefaults.Token,
        string key = SandboxDefaults.EncodingAESKey, string corpId = SandboxDefaults.CorpId)
    {
        answer ??= _ => (TimeSpan.Zero, 200);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        CallbackReceiver? self = null;
        var crypto = new CallbackCrypto(token, key, corpId);
        app.MapPost("/webhooks/wecom", async (HttpContext http) =>
        {
            var number = Interlocked.Increment(ref self!._requests);
            try
            {
                var envelope = await XElement.LoadAsync(http.Request.Body, LoadOptions.None, http.RequestAborted);
                var q = http.Request.Query;
                var plain = crypto.Open(q["msg_signature"], q["timestamp"]!, q["nonce"]!, envelope.Element("Encrypt")!.Value);
                self.Events.Enqueue(XElement.Parse(plain));
            }
            catch (Exception e) when (e is CallbackCryptoException or System.Xml.XmlException)
            {
                self.Failures.Enqueue(e.Message);
                return Results.StatusCode(401);
            }
            var (delay, status) = answer(number);
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return Results.Empty;
                }
            }
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new CallbackReceiver(app, address.TrimEnd('/') + "/webhooks/wecom");
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

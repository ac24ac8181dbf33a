using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrmChat.Connectors.Crypto;
using Microsoft.Extensions.Logging;

namespace CrmChat.Sandbox.DingTalk;

/// <summary>
/// Plays DingTalk's side of the pushes to CrmChat: encrypted events (HTTP event subscription)
/// that must be answered with the encrypted "success", retried otherwise; and robot messages
/// signed with the app secret, sent once.
/// </summary>
public sealed class DingTalkDispatcher(DingTalkSandbox sandbox, ILogger<DingTalkDispatcher> logger) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Delivers one event, with DingTalk's retries, and returns the record of it.</summary>
    public Task<DingTalkDelivery> DeliverEventAsync(JsonObject evt, CancellationToken cancellationToken = default)
    {
        var app = sandbox.App;
        if (app.IncludeEventId && evt["EventId"] is null)
        {
            evt["EventId"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        }
        return SendEventAsync(evt, 1 + app.EventRetryDelays.Count, cancellationToken);
    }

    /// <summary>The URL check DingTalk makes when the callback URL is saved: one attempt.</summary>
    public Task<DingTalkDelivery> CheckUrlAsync(CancellationToken cancellationToken = default) =>
        SendEventAsync(new JsonObject { ["EventType"] = "check_url" }, 1, cancellationToken);

    /// <summary>Delivers in the background (the API call that caused the events answers at once).</summary>
    public void DeliverEventsInBackground(IEnumerable<JsonObject> events)
    {
        foreach (var evt in events)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await DeliverEventAsync(evt);
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Sandbox DingTalk event delivery failed");
                }
            });
        }
    }

    private async Task<DingTalkDelivery> SendEventAsync(JsonObject evt, int attempts, CancellationToken cancellationToken)
    {
        var app = sandbox.App;
        var payload = evt.ToJsonString(Json);
        var kind = DingTalkSandbox.Str(evt["EventType"]) ?? "unknown";
        var delivery = sandbox.RecordDelivery("event", kind, payload, app.EventCallbackUrl);
        if (app.EventCallbackUrl.Length == 0)
        {
            return delivery;
        }
        var crypto = new CallbackCrypto(app.Token, app.AesKey, app.EffectiveEventKeyId);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1)
            {
                var delay = app.EventRetryDelays[Math.Min(attempt - 2, app.EventRetryDelays.Count - 1)];
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, cancellationToken);
                }
            }
            // Each attempt is encrypted and signed afresh.
            var timestamp = sandbox.Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            var (encrypted, signature) = crypto.Seal(payload, timestamp, nonce);
            var body = new JsonObject { ["encrypt"] = encrypted }.ToJsonString();
            var separator = app.EventCallbackUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var url = $"{app.EventCallbackUrl}{separator}msg_signature={signature}&timestamp={timestamp}&nonce={nonce}";

            var (status, reply, error, at, elapsed) = await PostAsync(url, body, [], app.EventTimeout, cancellationToken);
            if (status is not null && error is null)
            {
                error = status == 200 ? CheckSuccessReply(crypto, reply) : $"HTTP {status}";
            }
            var ok = error is null;
            sandbox.RecordAttempt(delivery, new DeliveryAttempt(attempt, status, error, at, elapsed, reply), ok);
            logger.LogInformation("Sandbox DingTalk event {Kind} attempt {Attempt} to {Url}: {Outcome}", kind, attempt, app.EventCallbackUrl, error ?? "success");
            if (ok)
            {
                break;
            }
        }
        return delivery;
    }

    /// <summary>Null when the reply is {msg_signature, timeStamp, nonce, encrypt} that verifies and decrypts to "success"; else why not.</summary>
    internal static string? CheckSuccessReply(CallbackCrypto crypto, string? reply)
    {
        JsonObject? json;
        try
        {
            json = string.IsNullOrWhiteSpace(reply) ? null : JsonNode.Parse(reply) as JsonObject;
        }
        catch (JsonException)
        {
            json = null;
        }
        if (json is null)
        {
            return "the reply is not a JSON object";
        }
        var signature = DingTalkSandbox.Str(json["msg_signature"]);
        var timestamp = DingTalkSandbox.Str(json["timeStamp"]);
        var nonce = DingTalkSandbox.Str(json["nonce"]);
        var encrypt = DingTalkSandbox.Str(json["encrypt"]);
        if (signature is null || timestamp is null || nonce is null || encrypt is null)
        {
            return "the reply lacks msg_signature, timeStamp, nonce or encrypt";
        }
        try
        {
            var plain = crypto.Open(signature, timestamp, nonce, encrypt);
            return plain == "success" ? null : $"the reply decrypts to '{plain}', not 'success'";
        }
        catch (CallbackCryptoException e)
        {
            return "the reply does not verify: " + e.Message;
        }
    }

    /// <summary>A person's message to the enterprise robot, POSTed once with the timestamp and sign headers.</summary>
    public async Task<DingTalkDelivery> DeliverRobotMessageAsync(JsonObject message, CancellationToken cancellationToken = default)
    {
        var app = sandbox.App;
        var payload = message.ToJsonString(Json);
        var delivery = sandbox.RecordDelivery("robot_message", DingTalkSandbox.Str(message["msgtype"]) ?? "text", payload, app.RobotCallbackUrl);
        if (app.RobotCallbackUrl.Length == 0)
        {
            return delivery;
        }
        var timestamp = sandbox.Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        (string, string)[] headers = [("timestamp", timestamp), ("sign", DingTalkSandbox.RobotSign(app.AppSecret, timestamp))];
        var (status, reply, error, at, elapsed) = await PostAsync(app.RobotCallbackUrl, payload, headers, app.RobotCallbackTimeout, cancellationToken);
        var ok = status == 200;
        if (ok && DingTalkSandbox.Str(message["conversationId"]) is { } conversationId)
        {
            error = sandbox.RecordInlineReply(conversationId, reply);
        }
        sandbox.RecordAttempt(delivery, new DeliveryAttempt(1, status, error, at, elapsed, reply), ok);
        logger.LogInformation("Sandbox DingTalk robot message to {Url}: {Status}", app.RobotCallbackUrl, (object?)status ?? error);
        return delivery;
    }

    private async Task<(int? Status, string? Reply, string? Error, DateTimeOffset At, double ElapsedMs)> PostAsync(string url, string body,
        (string Name, string Value)[] headers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var at = sandbox.Time.GetUtcNow();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await _http.SendAsync(request, cts.Token);
            var reply = await response.Content.ReadAsStringAsync(cts.Token);
            return ((int)response.StatusCode, reply, null, at, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, null, $"no answer within {timeout.TotalMilliseconds:0} ms", at, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (HttpRequestException e)
        {
            return (null, null, e.Message, at, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    public void Dispose() => _http.Dispose();
}

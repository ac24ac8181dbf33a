using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using CrmChat.Connectors.Crypto;
using Microsoft.Extensions.Logging;

namespace CrmChat.Sandbox.WeCom;

/// <summary>
/// Plays WeCom's side of the callback: encrypts the event with the corp's token and key, signs
/// it, POSTs the envelope, and retries when the answer is not a 200 within the timeout.
/// </summary>
public sealed class CallbackDispatcher(WeComSandbox sandbox, ILogger<CallbackDispatcher> logger) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Builds the event XML the platform sends: ToUserName, FromUserName, CreateTime, MsgType, then the fields.</summary>
    public string BuildXml(string fromUserName, string msgType, IEnumerable<(string Name, object? Value)> fields)
    {
        var corp = sandbox.Corp;
        var xml = new XElement("xml",
            new XElement("ToUserName", new XCData(corp.CorpId)),
            new XElement("FromUserName", new XCData(fromUserName)),
            new XElement("CreateTime", sandbox.Time.GetUtcNow().ToUnixTimeSeconds()),
            new XElement("MsgType", new XCData(msgType)));
        foreach (var (name, value) in fields)
        {
            xml.Add(value switch
            {
                null => new XElement(name, new XCData("")),
                string s => new XElement(name, new XCData(s)),
                XElement e => new XElement(name, e.Nodes()),
                IFormattable f => new XElement(name, f.ToString(null, CultureInfo.InvariantCulture)),
                _ => new XElement(name, new XCData(value.ToString() ?? "")),
            });
        }
        return xml.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>Delivers one event (all attempts) and returns the record of it.</summary>
    public async Task<CallbackDelivery> DeliverAsync(string kind, string eventXml, CancellationToken cancellationToken = default)
    {
        var corp = sandbox.Corp;
        var delivery = sandbox.RecordDelivery(kind, eventXml, corp.CallbackUrl);
        if (corp.CallbackUrl.Length == 0)
        {
            return delivery;
        }

        var crypto = new CallbackCrypto(corp.Token, corp.EncodingAESKey, corp.CorpId);
        for (var attempt = 1; attempt <= Math.Max(1, corp.CallbackAttempts); attempt++)
        {
            if (attempt > 1 && corp.CallbackRetryDelay > TimeSpan.Zero)
            {
                await Task.Delay(corp.CallbackRetryDelay, cancellationToken);
            }
            // Each attempt is signed afresh, as the platform does.
            var timestamp = sandbox.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
            var (encrypted, signature) = crypto.Seal(eventXml, timestamp, nonce);
            var envelope = new XElement("xml",
                new XElement("ToUserName", new XCData(corp.CorpId)),
                new XElement("Encrypt", new XCData(encrypted)),
                new XElement("AgentID", new XCData(corp.AgentId.ToString(CultureInfo.InvariantCulture)))).ToString(SaveOptions.DisableFormatting);
            var separator = corp.CallbackUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var url = $"{corp.CallbackUrl}{separator}msg_signature={signature}&timestamp={timestamp}&nonce={nonce}";

            var started = Stopwatch.GetTimestamp();
            var at = sandbox.Time.GetUtcNow();
            int? status = null;
            string? error = null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(corp.CallbackTimeout);
            try
            {
                using var content = new StringContent(envelope, Encoding.UTF8, "text/xml");
                using var response = await _http.PostAsync(url, content, timeout.Token);
                status = (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"no answer within {corp.CallbackTimeout.TotalMilliseconds:0} ms";
            }
            catch (HttpRequestException e)
            {
                error = e.Message;
            }
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var ok = status == 200;
            sandbox.RecordAttempt(delivery, new CallbackAttempt(attempt, status, error, at, elapsed), ok);
            logger.LogInformation("Sandbox callback {Kind} attempt {Attempt} to {Url}: {Status}", kind, attempt, corp.CallbackUrl, (object?)status ?? error);
            if (ok)
            {
                break;
            }
        }
        return delivery;
    }

    /// <summary>Delivers in the background: the API call that caused the event answers first, as the platform does.</summary>
    public void DeliverInBackground(string kind, string eventXml)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await DeliverAsync(kind, eventXml);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Sandbox callback {Kind} delivery failed", kind);
            }
        });
    }

    /// <summary>A <c>sys_approval_change</c> callback around an ApprovalInfo element.</summary>
    public string ApprovalChangeXml(XElement approvalInfo) =>
        BuildXml("sys", "event", [("Event", "sys_approval_change"), ("AgentID", sandbox.Corp.AgentId), ("ApprovalInfo", approvalInfo)]);

    public void Dispose() => _http.Dispose();
}

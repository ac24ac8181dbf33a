using CrmChat.Bots.Inbox;
using System.Text;
using CrmChat.Connectors.Crypto;
using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CrmChat.Bots.Webhooks;

/// <summary>
/// The URL WeCom calls for the self-built app: URL verification (GET) and events and
/// messages (POST). An authentic callback is durable in the inbox before the 200 goes out;
/// anything else is refused, stores nothing and is logged once without its payload.
/// </summary>
public static class WeComWebhookApi
{
    public const string LogCategory = "CrmChat.Bots.Webhooks.WeCom";

    public static IEndpointRouteBuilder MapWeComWebhooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/webhooks/wecom").AllowAnonymous().WithTags("Webhooks");
        hooks.MapGet("", VerifyUrl)
            .WithSummary("WeCom URL verification: checks the signature over echostr and answers its plaintext.");
        hooks.MapPost("", ReceiveAsync)
            .WithSummary("WeCom events and messages: verified, decrypted and stored in the inbox; answers an empty 200.");
        return app;
    }

    private static Results<ContentHttpResult, ProblemHttpResult> VerifyUrl(
        HttpContext http,
        [FromQuery(Name = "msg_signature")] string? signature,
        string? timestamp,
        string? nonce,
        string? echostr,
        IOptions<WeComOptions> options,
        WeComReceiverHolder receiver,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LogCategory);
        if (!options.Value.CallbacksConfigured)
        {
            return NotConfigured(http, logger);
        }
        try
        {
            // ASP.NET has already URL-decoded echostr (WeCom sends + / = as %2B %2F %3D).
            var plaintext = receiver.Receiver.VerifyUrl(signature, timestamp, nonce, echostr);
            return TypedResults.Text(plaintext, "text/plain", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (CallbackCryptoException ex)
        {
            return Reject(http, logger, StatusFor(ex.Error), ex);
        }
    }

    private static async Task<Results<Ok, ProblemHttpResult>> ReceiveAsync(
        HttpContext http,
        [FromQuery(Name = "msg_signature")] string? signature,
        string? timestamp,
        string? nonce,
        IOptions<WeComOptions> options,
        WeComReceiverHolder receiver,
        InboxWriter inbox,
        InboxSignal signal,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LogCategory);
        var settings = options.Value;
        if (!settings.CallbacksConfigured)
        {
            return NotConfigured(http, logger);
        }
        WeComCallbackMessage message;
        using (var body = await PooledBody.ReadAsync(http.Request, settings.MaxBodyBytes, http.RequestAborted))
        {
            if (body is null)
            {
                return Reject(http, logger, StatusCodes.Status413PayloadTooLarge, $"The body is larger than WeCom:MaxBodyBytes ({settings.MaxBodyBytes} bytes).");
            }
            try
            {
                message = receiver.Receiver.Open(signature, timestamp, nonce, body.Span);
            }
            catch (CallbackCryptoException ex)
            {
                return Reject(http, logger, StatusFor(ex.Error), ex);
            }
        }

        var stored = await inbox.AppendAsync(
            Platform.WeCom, message.EventType, message.DedupeKey, message.OrderingKey, message.Xml, http.RequestAborted);
        logger.CallbackAccepted(message.EventType, message.DedupeKey, stored);
        if (stored == InboxAppendResult.Stored)
        {
            signal.Notify();
        }
        // An empty 200 tells WeCom "received, no passive reply".
        return TypedResults.Ok();
    }

    private static int StatusFor(CallbackCryptoError error) => error switch
    {
        CallbackCryptoError.BadSignature or CallbackCryptoError.ReceiverMismatch => StatusCodes.Status401Unauthorized,
        CallbackCryptoError.ParseError or CallbackCryptoError.DecryptFailed => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static ProblemHttpResult Reject(HttpContext http, ILogger logger, int status, CallbackCryptoException ex) =>
        Reject(http, logger, status, $"{ex.Message} ({(int)ex.Error} {ex.Error})");

    private static ProblemHttpResult Reject(HttpContext http, ILogger logger, int status, string reason)
    {
        logger.CallbackRejected(http.Request.Method, status, reason, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return TypedResults.Problem(statusCode: status, title: "WeCom callback refused", detail: reason);
    }

    private static ProblemHttpResult NotConfigured(HttpContext http, ILogger logger)
    {
        const string reason = "WeCom callbacks are not configured on this CrmChat: set WeCom:CorpId, WeCom:Token and " +
            "WeCom:EncodingAESKey (environment variables WeCom__CorpId, WeCom__Token, WeCom__EncodingAESKey).";
        logger.CallbackRejected(http.Request.Method, StatusCodes.Status404NotFound, reason, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "WeCom is not configured", detail: reason);
    }
}

internal static partial class WeComWebhookLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "WeCom callback {Method} refused with {Status}: {Reason} (from {RemoteIp})")]
    public static partial void CallbackRejected(this ILogger logger, string method, int status, string reason, string remoteIp);

    // Debug: the inbox row already records every accepted callback, and a line each is paid at
    // the webhook's full rate; refusals stay at Warning.
    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "WeCom callback {EventType} ({DedupeKey}): {Result}")]
    public static partial void CallbackAccepted(this ILogger logger, string eventType, string dedupeKey, InboxAppendResult result);
}

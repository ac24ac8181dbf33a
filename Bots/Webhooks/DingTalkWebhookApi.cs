using CrmChat.Bots.Inbox;
using CrmChat.Connectors.DingTalk;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CrmChat.Bots.Webhooks;

/// <summary>
/// DingTalk posts here: the enterprise robot's messages (signed with the app secret) and the
/// encrypted event subscription. Both store to the inbox before answering, well inside
/// DingTalk's 2.5 s; what is refused stores nothing and is logged once without its payload.
/// </summary>
public static class DingTalkWebhookApi
{
    public const string LogCategory = "CrmChat.Bots.Webhooks.DingTalk";

    public static IEndpointRouteBuilder MapDingTalkWebhooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/webhooks/dingtalk").AllowAnonymous().WithTags("Webhooks");
        hooks.MapPost("/robot", ReceiveRobotAsync)
            .WithSummary("Messages people send to the CrmChat robot (one-to-one, or @ in a group); verified by timestamp + sign.");
        hooks.MapPost("/events", ReceiveEventAsync)
            .WithSummary("DingTalk's encrypted event subscription; answered with the encrypted success.");
        return app;
    }

    private static async Task<IResult> ReceiveRobotAsync(
        HttpContext http, IOptions<DingTalkOptions> options, IServiceProvider services, InboxWriter inbox, InboxSignal signal, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LogCategory);
        if (options.Value.AppSecret.Length == 0)
        {
            return Reject(http, logger, StatusCodes.Status404NotFound,
                "DingTalk is not configured on this CrmChat: set DingTalk:AppKey and DingTalk:AppSecret (DingTalk__AppSecret).");
        }
        using var body = await PooledBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (body is null)
        {
            return Reject(http, logger, StatusCodes.Status413PayloadTooLarge, $"The body is larger than DingTalk:MaxBodyBytes ({options.Value.MaxBodyBytes} bytes).");
        }
        DingTalkRobotInboundMessage message;
        try
        {
            message = services.GetRequiredService<DingTalkRobotReceiver>()
                .Receive(http.Request.Headers["timestamp"], http.Request.Headers["sign"], body.Span);
        }
        catch (DingTalkInboundException ex)
        {
            return Reject(http, logger, ex.StatusCode, ex.Message);
        }
        var stored = await inbox.AppendAsync(Platform.DingTalk, "robot/" + message.MsgType, message.DedupeKey,
            message.ConversationId, message.RawJson, http.RequestAborted);
        Accepted(logger, signal, "robot/" + message.MsgType, message.DedupeKey, stored);
        // The reply comes later through the session webhook; "empty" tells DingTalk there is none now.
        return Results.Json(new { msgtype = "empty" });
    }

    private static async Task<IResult> ReceiveEventAsync(
        HttpContext http, IOptions<DingTalkOptions> options, IServiceProvider services, InboxWriter inbox, InboxSignal signal, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LogCategory);
        if (!options.Value.EventsConfigured)
        {
            return Reject(http, logger, StatusCodes.Status404NotFound,
                "DingTalk events are not configured on this CrmChat: set DingTalk:Token, DingTalk:AesKey and DingTalk:AppKey (or DingTalk:KeyId).");
        }
        using var body = await PooledBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (body is null)
        {
            return Reject(http, logger, StatusCodes.Status413PayloadTooLarge, $"The body is larger than DingTalk:MaxBodyBytes ({options.Value.MaxBodyBytes} bytes).");
        }
        var receiver = services.GetRequiredService<DingTalkEventReceiver>();
        DingTalkEvent dingTalkEvent;
        try
        {
            dingTalkEvent = receiver.Open(DingTalkEventQuery.From(key => http.Request.Query[key]), body.Span);
        }
        catch (DingTalkInboundException ex)
        {
            return Reject(http, logger, ex.StatusCode, ex.Message);
        }
        if (dingTalkEvent.Kind != DingTalkEventKind.CheckUrl)
        {
            var stored = await inbox.AppendAsync(Platform.DingTalk, dingTalkEvent.EventType, dingTalkEvent.DedupeKey,
                null, dingTalkEvent.RawJson, http.RequestAborted);
            Accepted(logger, signal, dingTalkEvent.EventType, dingTalkEvent.DedupeKey, stored);
        }
        return Results.Text(receiver.SealSuccess().ToJson(), "application/json");
    }

    private static void Accepted(ILogger logger, InboxSignal signal, string eventType, string dedupeKey, InboxAppendResult stored)
    {
        DingTalkWebhookLog.Accepted(logger, eventType, dedupeKey, stored);
        if (stored == InboxAppendResult.Stored)
        {
            signal.Notify();
        }
    }

    private static ProblemHttpResult Reject(HttpContext http, ILogger logger, int status, string reason)
    {
        DingTalkWebhookLog.Rejected(logger, http.Request.Path, status, reason, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return TypedResults.Problem(statusCode: status, title: "DingTalk request refused", detail: reason);
    }
}

internal static partial class DingTalkWebhookLog
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "DingTalk {Path} refused with {Status}: {Reason} (from {RemoteIp})")]
    public static partial void Rejected(ILogger logger, string path, int status, string reason, string remoteIp);

    // Debug, as for WeCom: the inbox row records every accepted event.
    [LoggerMessage(EventId = 3202, Level = LogLevel.Debug, Message = "DingTalk {EventType} ({DedupeKey}): {Result}")]
    public static partial void Accepted(ILogger logger, string eventType, string dedupeKey, InboxAppendResult result);
}

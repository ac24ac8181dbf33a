using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>The app's enterprise robot (DingTalk:RobotCode): proactive sends over v1.0, and replies through a message's session webhook.</summary>
public interface IDingTalkRobotClient
{
    /// <summary>v1.0/robot/groupMessages/send to a group the robot is in; returns the processQueryKey.</summary>
    Task<string> SendToGroupAsync(string openConversationId, DingTalkRobotTemplateMessage message, CancellationToken cancellationToken = default);

    /// <summary>v1.0/robot/oToMessages/batchSend: one-to-one to up to 20 members.</summary>
    Task<DingTalkBatchSendResult> SendToUsersAsync(IReadOnlyList<string> userIds, DingTalkRobotTemplateMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replies in the conversation <paramref name="inbound"/> came from, through its session
    /// webhook. Throws <see cref="DingTalkApiException"/> with
    /// <see cref="DingTalkApiException.IsSessionWebhookExpired"/> when the webhook has expired
    /// (or the message had none): reply through <see cref="SendToGroupAsync"/> / <see cref="SendToUsersAsync"/> instead.
    /// </summary>
    Task ReplyAsync(DingTalkRobotInboundMessage inbound, DingTalkRobotMessage reply, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="ReplyAsync(DingTalkRobotInboundMessage, DingTalkRobotMessage, CancellationToken)"/> with the webhook and its expiry kept elsewhere.</summary>
    Task ReplyAsync(Uri sessionWebhook, DateTimeOffset expiresAt, DingTalkRobotMessage reply, CancellationToken cancellationToken = default);
}

public sealed class DingTalkRobotClient(
    DingTalkApiTransport transport,
    IOptions<DingTalkOptions> options,
    TimeProvider time) : IDingTalkRobotClient
{
    private const string SessionWebhookName = "sessionWebhook";

    public async Task<string> SendToGroupAsync(string openConversationId, DingTalkRobotTemplateMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(openConversationId);
        var response = await transport.ApiAsync<GroupSendResponse>(HttpMethod.Post, "v1.0/robot/groupMessages/send", null, new
        {
            msgParam = message.MsgParam,
            msgKey = message.MsgKey,
            openConversationId,
            robotCode = RobotCode(),
        }, cancellationToken).ConfigureAwait(false);
        return response.ProcessQueryKey ?? "";
    }

    public async Task<DingTalkBatchSendResult> SendToUsersAsync(IReadOnlyList<string> userIds, DingTalkRobotTemplateMessage message, CancellationToken cancellationToken = default)
    {
        if (userIds.Count is 0 or > 20)
        {
            throw new ArgumentException("oToMessages/batchSend takes 1 to 20 userIds per call.", nameof(userIds));
        }
        var response = await transport.ApiAsync<BatchSendResponse>(HttpMethod.Post, "v1.0/robot/oToMessages/batchSend", null, new
        {
            robotCode = RobotCode(),
            userIds,
            msgKey = message.MsgKey,
            msgParam = message.MsgParam,
        }, cancellationToken).ConfigureAwait(false);
        return new DingTalkBatchSendResult(response.ProcessQueryKey ?? "", response.InvalidStaffIdList ?? [], response.FlowControlledStaffIdList ?? []);
    }

    public Task ReplyAsync(DingTalkRobotInboundMessage inbound, DingTalkRobotMessage reply, CancellationToken cancellationToken = default) =>
        inbound.SessionWebhook is { } webhook && inbound.SessionWebhookExpiresAt is { } expires
            ? ReplyAsync(webhook, expires, reply, cancellationToken)
            : throw Expired("the message carries no session webhook");

    public async Task ReplyAsync(Uri sessionWebhook, DateTimeOffset expiresAt, DingTalkRobotMessage reply, CancellationToken cancellationToken = default)
    {
        reply.Validate();
        if (time.GetUtcNow() >= expiresAt)
        {
            throw Expired($"it expired at {expiresAt:O}");
        }
        // The URL comes from an inbound message: only ever POST it back to DingTalk's own host.
        var oapi = new Uri(options.Value.OapiBaseUrl);
        if (!sessionWebhook.IsAbsoluteUri || Uri.Compare(sessionWebhook, oapi, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new ArgumentException("A session webhook must be on DingTalk:OapiBaseUrl's host.", nameof(sessionWebhook));
        }
        try
        {
            await transport.PostToUrlAsync<DingTalkOapiResponse>(sessionWebhook, SessionWebhookName, reply, cancellationToken).ConfigureAwait(false);
        }
        catch (DingTalkApiException e) when (e.ReasonCode == DingTalkApiException.SessionNotFound || e.HttpStatus is 404 or 410)
        {
            throw Expired("DingTalk no longer knows it");
        }
    }

    private static DingTalkApiException Expired(string why) =>
        new(SessionWebhookName, 410, DingTalkApiException.SessionWebhookExpiredCode, $"The session webhook cannot be used: {why}");

    private string RobotCode() => options.Value.RobotCode is { Length: > 0 } code
        ? code
        : options.Value.AppKey is { Length: > 0 } appKey
            ? appKey
            : throw new InvalidOperationException("DingTalk:RobotCode (or DingTalk:AppKey) must be configured to send as the robot.");

    private sealed record GroupSendResponse(string? ProcessQueryKey);

    private sealed record BatchSendResponse(string? ProcessQueryKey, IReadOnlyList<string>? InvalidStaffIdList, IReadOnlyList<string>? FlowControlledStaffIdList);
}

using CrmChat.Connectors.Infrastructure;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>App messages and cards to members (message/*), called with the app secret.</summary>
public interface IWeComMessageClient
{
    /// <summary>
    /// message/send. Waits for a slot when a member has had 30 messages in the last minute;
    /// never drops the message.
    /// </summary>
    Task<WeComSendResult> SendAsync(WeComAppMessage message, CancellationToken cancellationToken = default);

    /// <summary>message/update_template_card: once per response_code, within 72 h of the click.</summary>
    Task<IReadOnlyList<string>> UpdateTemplateCardAsync(WeComTemplateCardUpdate update, CancellationToken cancellationToken = default);
}

public sealed class WeComMessageClient(
    WeComApiTransport transport,
    ITargetRateLimiter limiter,
    IOptions<WeComOptions> options,
    IOptions<WeComClientOptions> clientOptions) : IWeComMessageClient
{
    public async Task<WeComSendResult> SendAsync(WeComAppMessage message, CancellationToken cancellationToken = default)
    {
        message.Validate();
        var o = options.Value;
        var limit = new RateLimit(clientOptions.Value.MemberMessagesPerWindow, clientOptions.Value.RateWindow);
        foreach (var userId in message.ToUsers.Distinct(StringComparer.Ordinal))
        {
            await limiter.WaitAsync($"wecom:{o.CorpId}:{o.AgentId}:member:{userId}", limit, cancellationToken).ConfigureAwait(false);
        }
        var response = await transport.PostAsync<MessageSendResponse>(WeComSecret.App, "message/send", new MessageSendRequest
        {
            ToUser = string.Join('|', message.ToUsers),
            MsgType = message.MsgType,
            AgentId = o.AgentId,
            Text = message.TextContent,
            Markdown = message.MarkdownContent,
            TemplateCard = message.TemplateCard,
            EnableDuplicateCheck = message.EnableDuplicateCheck ? 1 : 0,
            DuplicateCheckInterval = message.EnableDuplicateCheck ? message.DuplicateCheckInterval : null,
        }, cancellationToken).ConfigureAwait(false);
        return new WeComSendResult
        {
            InvalidUsers = SplitUsers(response.InvalidUser),
            UnlicensedUsers = SplitUsers(response.UnlicensedUser),
            MsgId = response.MsgId,
            ResponseCode = response.ResponseCode,
        };
    }

    public async Task<IReadOnlyList<string>> UpdateTemplateCardAsync(WeComTemplateCardUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(update.ResponseCode);
        if (update.UserIds.Count == 0)
        {
            throw new ArgumentException("update_template_card needs the userids whose card changes.", nameof(update));
        }
        if ((update.ReplaceButtonName is null) == (update.TemplateCard is null))
        {
            throw new ArgumentException("update_template_card takes either a replacement button name or a whole card.", nameof(update));
        }
        update.TemplateCard?.Validate(forRobot: false);
        var response = await transport.PostAsync<UpdateTemplateCardResponse>(WeComSecret.App, "message/update_template_card", new UpdateTemplateCardRequest
        {
            UserIds = update.UserIds,
            AgentId = options.Value.AgentId,
            ResponseCode = update.ResponseCode,
            Button = update.ReplaceButtonName is null ? null : new(update.ReplaceButtonName),
            TemplateCard = update.TemplateCard,
        }, cancellationToken).ConfigureAwait(false);
        return response.InvalidUser ?? [];
    }

    private static string[] SplitUsers(string? users) =>
        string.IsNullOrEmpty(users) ? [] : users.Split('|', StringSplitOptions.RemoveEmptyEntries);
}

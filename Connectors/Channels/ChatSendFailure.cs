using System.Text.Json;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore.Messaging;

namespace CrmChat.Connectors.Channels;

/// <summary>
/// What the outbox should do about an exception a platform client threw, after the client's own
/// retries: try again later (rate limits, a busy platform, the network, configuration an
/// operator can fix) or park the message (a recipient or a message the platform will never take).
/// </summary>
internal static class ChatSendFailure
{
    /// <summary>WeCom's limits (30 a minute per member, 20 per robot) run per minute.</summary>
    private static readonly TimeSpan MinuteWindow = TimeSpan.FromMinutes(1);

    public static ChatSendException Permanent(string message, Exception? inner = null) => new(message, transient: false, inner);

    public static ChatSendException Transient(string message, Exception? inner = null, TimeSpan? retryAfter = null) =>
        new(message, transient: true, inner) { RetryAfter = retryAfter };

    public static ChatSendException From(Exception e, TimeSpan? robotThrottleDelay = null) => e switch
    {
        ChatSendException already => already,
        WeComApiException w => FromWeCom(w),
        DingTalkApiException d => FromDingTalk(d, robotThrottleDelay),
        HttpRequestException or TimeoutException or TaskCanceledException => Transient($"The platform could not be reached: {e.Message}", e),
        // A card the platform cannot show, a payload that does not parse: sending again changes nothing.
        ArgumentException or NotSupportedException or JsonException or FormatException => Permanent($"The message cannot be sent as it is: {e.Message}", e),
        // A setting that is missing or points at the wrong place: an operator can fix it, then the message goes.
        InvalidOperationException => Transient(e.Message, e),
        _ => Transient($"{e.GetType().Name}: {e.Message}", e),
    };

    private static ChatSendException FromWeCom(WeComApiException e) => e.ErrCode switch
    {
        WeComApiException.FrequencyLimited => Transient(e.Message, e, MinuteWindow),
        WeComApiException.SystemBusy or WeComApiException.ConcurrencyLimited => Transient(e.Message, e),
        // Refused even after a fresh token: the secret changed or is wrong; it goes once fixed.
        WeComApiException.InvalidCredential or WeComApiException.InvalidAccessToken or WeComApiException.AccessTokenExpired =>
            Transient(e.Message + " Check WeCom:CorpId and WeCom:Secret.", e),
        _ => Permanent(e.Message, e),
    };

    private static ChatSendException FromDingTalk(DingTalkApiException e, TimeSpan? robotThrottleDelay)
    {
        if (e.IsRobotThrottled)
        {
            return Transient(e.Message, e, robotThrottleDelay);
        }
        var busy = e.ReasonCode is DingTalkApiException.AppQpsLimited or DingTalkApiException.GlobalQpsLimited or DingTalkApiException.SystemBusy
            || e.HttpStatus is 429 or >= 500
            || e.Code == DingTalkApiException.QpsLimitCode;
        var tokenRefused = e.ReasonCode is DingTalkApiException.InvalidAccessToken or DingTalkApiException.AccessTokenExpired
            || (e.ErrCode is null && (e.HttpStatus == 401 || e.Code.StartsWith(DingTalkApiException.InvalidAuthenticationCode, StringComparison.Ordinal)));
        return busy ? Transient(e.Message, e)
            : tokenRefused ? Transient(e.Message + " Check DingTalk:AppKey and DingTalk:AppSecret.", e)
            : Permanent(e.Message, e);
    }
}

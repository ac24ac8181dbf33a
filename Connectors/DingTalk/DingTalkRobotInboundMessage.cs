using System.Text;
using System.Text.Json;

namespace CrmChat.Connectors.DingTalk;

/// <summary>Someone @-mentioned in a robot message: their DingTalk id, and staff id when in the corp.</summary>
public sealed record DingTalkAtUser(string? DingTalkId, string? StaffId);

/// <summary>
/// A message a person sent the enterprise robot (one-to-one, or @robot in a group), as
/// DingTalk POSTs it to <c>/webhooks/dingtalk/robot</c>.
/// </summary>
public sealed record DingTalkRobotInboundMessage
{
    public required string MsgId { get; init; }
    /// <summary>text, richText, picture, audio, file …</summary>
    public required string MsgType { get; init; }
    /// <summary>text.content, trimmed of the leading space DingTalk leaves after the @robot.</summary>
    public string? Text { get; init; }
    /// <summary>"1" one-to-one, "2" group.</summary>
    public string? ConversationType { get; init; }
    public bool IsGroup => ConversationType == "2";
    public string? ConversationId { get; init; }
    public string? ConversationTitle { get; init; }
    public string? SenderStaffId { get; init; }
    public string? SenderId { get; init; }
    public string? SenderNick { get; init; }
    public string? SenderCorpId { get; init; }
    public bool IsInAtList { get; init; }
    public IReadOnlyList<DingTalkAtUser> AtUsers { get; init; } = [];
    /// <summary>Where a reply can be POSTed until <see cref="SessionWebhookExpiresAt"/>.</summary>
    public Uri? SessionWebhook { get; init; }
    public DateTimeOffset? SessionWebhookExpiresAt { get; init; }
    public string? RobotCode { get; init; }
    public string? ChatbotUserId { get; init; }
    public DateTimeOffset? CreateAt { get; init; }
    /// <summary>The body as DingTalk sent it.</summary>
    public required string RawJson { get; init; }

    /// <summary>The inbox dedupe key, <c>dingtalk:msg:{msgId}</c>.</summary>
    public string DedupeKey => "dingtalk:msg:" + MsgId;

    /// <summary>Whether a reply can still go through the session webhook at <paramref name="now"/>.</summary>
    public bool CanReplyBySession(DateTimeOffset now) => SessionWebhook is not null && SessionWebhookExpiresAt is { } expires && now < expires;

    /// <summary>Parses the robot's JSON body; throws <see cref="DingTalkInboundException"/> (Malformed, TooLarge).</summary>
    public static DingTalkRobotInboundMessage Parse(ReadOnlySpan<byte> body, int maxBodyBytes = 1024 * 1024)
    {
        if (body.Length > maxBodyBytes)
        {
            throw new DingTalkInboundException(DingTalkInboundError.TooLarge, $"The robot message is larger than {maxBodyBytes} bytes.");
        }
        string json;
        JsonDocument document;
        try
        {
            json = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
            document = JsonDocument.Parse(json, DingTalkJsonReader.DocumentOptions);
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            throw new DingTalkInboundException(DingTalkInboundError.Malformed, "The robot message is not UTF-8 JSON.", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DingTalkInboundException(DingTalkInboundError.Malformed, "The robot message is not a JSON object.");
            }
            var msgId = DingTalkJsonReader.String(root, "msgId");
            if (string.IsNullOrEmpty(msgId))
            {
                throw new DingTalkInboundException(DingTalkInboundError.Malformed, "The robot message has no msgId.");
            }
            var text = DingTalkJsonReader.Property(root, "text") is { } textObject ? DingTalkJsonReader.String(textObject, "content") : null;
            var webhook = DingTalkJsonReader.String(root, "sessionWebhook");
            return new DingTalkRobotInboundMessage
            {
                MsgId = msgId,
                MsgType = DingTalkJsonReader.String(root, "msgtype") ?? "",
                Text = text?.Trim(),
                ConversationType = DingTalkJsonReader.String(root, "conversationType"),
                ConversationId = DingTalkJsonReader.String(root, "conversationId"),
                ConversationTitle = DingTalkJsonReader.String(root, "conversationTitle"),
                SenderStaffId = DingTalkJsonReader.String(root, "senderStaffId"),
                SenderId = DingTalkJsonReader.String(root, "senderId"),
                SenderNick = DingTalkJsonReader.String(root, "senderNick"),
                SenderCorpId = DingTalkJsonReader.String(root, "senderCorpId"),
                IsInAtList = DingTalkJsonReader.Bool(root, "isInAtList") ?? false,
                AtUsers = DingTalkJsonReader.Property(root, "atUsers") is { ValueKind: JsonValueKind.Array } at
                    ? at.EnumerateArray().Select(u => new DingTalkAtUser(
                        DingTalkJsonReader.String(u, "dingtalkId"), DingTalkJsonReader.String(u, "staffId"))).ToList()
                    : [],
                SessionWebhook = Uri.TryCreate(webhook, UriKind.Absolute, out var uri) && DingTalkOptionsValidator.IsHttpUrl(webhook) ? uri : null,
                SessionWebhookExpiresAt = Milliseconds(DingTalkJsonReader.Long(root, "sessionWebhookExpiredTime")),
                RobotCode = DingTalkJsonReader.String(root, "robotCode"),
                ChatbotUserId = DingTalkJsonReader.String(root, "chatbotUserId"),
                CreateAt = Milliseconds(DingTalkJsonReader.Long(root, "createAt")),
                RawJson = json,
            };
        }
    }

    private static DateTimeOffset? Milliseconds(long? ms) =>
        ms is { } value && value is > 0 and < 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}

/// <summary>
/// The enterprise robot's receiving end: checks the <c>timestamp</c> and <c>sign</c> headers
/// against DingTalk:AppSecret (constant time, ±1 hour), then parses the message.
/// </summary>
public sealed class DingTalkRobotReceiver(string appSecret, int maxBodyBytes, TimeProvider time)
{
    private readonly DingTalkRobotSignVerifier _verifier = new(time);

    public DingTalkRobotReceiver(DingTalkOptions options, TimeProvider time)
        : this(options.AppSecret, options.MaxBodyBytes, time)
    {
    }

    public int MaxBodyBytes { get; } = maxBodyBytes;

    public DingTalkRobotInboundMessage Receive(string? timestamp, string? sign, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(appSecret))
        {
            throw new InvalidOperationException("DingTalk:AppSecret is not configured; robot messages cannot be verified.");
        }
        if (body.Length > MaxBodyBytes)
        {
            throw new DingTalkInboundException(DingTalkInboundError.TooLarge, $"The robot message is larger than {MaxBodyBytes} bytes.");
        }
        var check = _verifier.Verify(timestamp, sign, appSecret);
        if (check != DingTalkSignCheck.Valid)
        {
            throw new DingTalkInboundException(DingTalkInboundError.BadSignature, check switch
            {
                DingTalkSignCheck.Missing => "The robot message has no timestamp or sign header.",
                DingTalkSignCheck.MalformedTimestamp => "The robot message's timestamp is not a number of milliseconds.",
                DingTalkSignCheck.OutsideWindow => "The robot message's timestamp is more than an hour from this server's clock.",
                _ => "The robot message's sign does not match DingTalk:AppSecret.",
            });
        }
        return DingTalkRobotInboundMessage.Parse(body, MaxBodyBytes);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrmChat.Sandbox.WeCom;

namespace CrmChat.Sandbox.DingTalk;

/// <summary>Robots: custom group robots, the enterprise robot's sends, conversations and session webhooks.</summary>
public sealed partial class DingTalkSandbox
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);
    private const string MoreInfo = ", more: [https://open.dingtalk.com/document/robots/customize-robot-security-settings] (sandbox)";

    private static readonly HashSet<string> RobotMsgTypes = ["text", "markdown", "link", "actionCard", "feedCard"];
    private static readonly HashSet<string> SampleMsgKeys =
    [
        "sampleText", "sampleMarkdown", "sampleImageMsg", "sampleLink", "sampleActionCard", "sampleActionCard2",
        "sampleActionCard3", "sampleActionCard4", "sampleActionCard5", "sampleActionCard6", "sampleAudio", "sampleFile", "sampleVideo",
    ];

    private readonly Dictionary<string, CustomRobot> _robots = [];
    private readonly Dictionary<string, Queue<DateTimeOffset>> _robotSends = [];
    private readonly Dictionary<string, DateTimeOffset> _robotThrottledUntil = [];
    private readonly HashSet<(string Robot, string MsgUuid)> _msgUuids = [];
    private readonly Dictionary<string, Conversation> _conversations = [];
    private readonly Dictionary<string, SessionWebhook> _sessions = [];
    private readonly List<DingTalkMessage> _messages = [];

    /// <summary>The enterprise robot's own id in conversations.</summary>
    public string ChatbotUserId => "$:LWCP_v1:$" + Convert.ToBase64String(Encoding.UTF8.GetBytes(App.RobotCode));

    // ---- custom group robots ------------------------------------------------------------

    /// <summary>Adds (or replaces) a custom group robot; a null secret turns the sign check off.</summary>
    public CustomRobot AddCustomRobot(string? accessToken, string? secret, string[]? keywords = null, string? title = null)
    {
        lock (_gate)
        {
            var robot = new CustomRobot(accessToken ?? RandomToken(32), string.IsNullOrEmpty(secret) ? null : secret, keywords ?? [], title ?? "销售群");
            _robots[robot.AccessToken] = robot;
            return robot;
        }
    }

    /// <summary>The robot's sign: Base64(HmacSHA256(secret, timestamp + "\n" + secret)), before URL encoding.</summary>
    public static string RobotSign(string secret, string timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "\n" + secret)));

    /// <summary><c>POST robot/send?access_token&amp;timestamp&amp;sign</c> with a robot message body.</summary>
    public JsonObject SendCustomRobot(string? accessToken, string? timestamp, string? sign, JsonObject body)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(accessToken) || !_robots.TryGetValue(accessToken, out var robot))
            {
                return DingTalkReply.Robot(DingTalkErrors.RobotTokenNotFound, "token is not exist");
            }
            if (robot.Secret is { } secret)
            {
                if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || string.IsNullOrEmpty(sign))
                {
                    return DingTalkReply.Robot(DingTalkErrors.SecurityCheckFailed, "sign not match: timestamp and sign are required" + MoreInfo);
                }
                if (Math.Abs(NowMs - ms) > (long)_app.RobotTimestampWindow.TotalMilliseconds)
                {
                    return DingTalkReply.Robot(DingTalkErrors.SecurityCheckFailed, "invalid timestamp" + MoreInfo);
                }
                var expected = Encoding.ASCII.GetBytes(RobotSign(secret, timestamp!));
                if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(sign)))
                {
                    return DingTalkReply.Robot(DingTalkErrors.SecurityCheckFailed, "sign not match" + MoreInfo);
                }
            }
            if (ValidateRobotMessage(body) is { } invalid)
            {
                return invalid;
            }
            var msgType = Str(body["msgtype"])!;
            if (robot.Keywords.Length > 0)
            {
                var text = body[msgType]!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                if (!robot.Keywords.Any(k => text.Contains(k, StringComparison.Ordinal)))
                {
                    return DingTalkReply.Robot(DingTalkErrors.SecurityCheckFailed, "keywords not in content" + MoreInfo);
                }
            }
            var msgUuid = Str(body["msgUuid"]);
            if (!string.IsNullOrEmpty(msgUuid) && _msgUuids.Contains((robot.AccessToken, msgUuid)))
            {
                // Already delivered: accepted again, shown once.
                return DingTalkReply.Robot(DingTalkErrors.Ok, "ok");
            }
            if (!TryTakeRobotRate(robot.AccessToken))
            {
                return DingTalkReply.Robot(DingTalkErrors.RobotSendTooFast,
                    $"send too fast, exceed {_app.CustomRobotMessagesPerMinute} times per minute");
            }
            if (!string.IsNullOrEmpty(msgUuid))
            {
                _msgUuids.Add((robot.AccessToken, msgUuid));
            }
            _messages.Add(new DingTalkMessage(_nextId++, "custom_robot", robot.AccessToken, msgType, (JsonObject)body.DeepClone(), Now, msgUuid));
            return DingTalkReply.Robot(DingTalkErrors.Ok, "ok");
        }
    }

    /// <summary>20 a minute, sliding; past that the robot is throttled for <see cref="DingTalkSandboxOptions.CustomRobotThrottle"/>.</summary>
    private bool TryTakeRobotRate(string robot)
    {
        if (_robotThrottledUntil.TryGetValue(robot, out var until) && until > Now)
        {
            return false;
        }
        if (!_robotSends.TryGetValue(robot, out var sent))
        {
            _robotSends[robot] = sent = new Queue<DateTimeOffset>();
        }
        while (sent.Count > 0 && sent.Peek() <= Now - RateWindow)
        {
            sent.Dequeue();
        }
        if (sent.Count >= _app.CustomRobotMessagesPerMinute)
        {
            _robotThrottledUntil[robot] = Now + _app.CustomRobotThrottle;
            return false;
        }
        sent.Enqueue(Now);
        return true;
    }

    /// <summary>Checks a robot message body (custom robot, session webhook, inline reply); null when it is fine.</summary>
    internal static JsonObject? ValidateRobotMessage(JsonObject body)
    {
        var msgType = Str(body["msgtype"]);
        if (msgType is null || !RobotMsgTypes.Contains(msgType))
        {
            return DingTalkReply.Robot(DingTalkErrors.MissingParameter, $"缺少参数 msgtype: '{msgType}' is not text, markdown, link, actionCard or feedCard");
        }
        if (body[msgType] is not JsonObject content)
        {
            return DingTalkReply.Robot(DingTalkErrors.MissingParameter, $"缺少参数 {msgType}");
        }
        string[] required = msgType switch
        {
            "text" => ["content"],
            "markdown" => ["title", "text"],
            "link" => ["title", "text", "messageUrl"],
            "actionCard" => ["title", "text"],
            _ => [],
        };
        if (required.FirstOrDefault(f => string.IsNullOrEmpty(Str(content[f]))) is { } missing)
        {
            return DingTalkReply.Robot(DingTalkErrors.MissingParameter, $"缺少参数 {msgType}.{missing}");
        }
        if (msgType == "actionCard")
        {
            var single = !string.IsNullOrEmpty(Str(content["singleTitle"])) && !string.IsNullOrEmpty(Str(content["singleURL"]));
            var buttons = (content["btns"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var buttonsOk = buttons.Count > 0 && buttons.All(b => !string.IsNullOrEmpty(Str(b["title"])) && !string.IsNullOrEmpty(Str(b["actionURL"])));
            if (!single && !buttonsOk)
            {
                return DingTalkReply.Robot(DingTalkErrors.MissingParameter, "缺少参数 actionCard: singleTitle + singleURL, or btns [{title, actionURL}]");
            }
        }
        if (msgType == "feedCard")
        {
            var links = (content["links"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            if (links.Count == 0 || links.Any(l => string.IsNullOrEmpty(Str(l["title"])) || string.IsNullOrEmpty(Str(l["messageURL"]))))
            {
                return DingTalkReply.Robot(DingTalkErrors.MissingParameter, "缺少参数 feedCard.links [{title, messageURL, picURL}]");
            }
        }
        return null;
    }

    // ---- conversations and session webhooks ---------------------------------------------

    /// <summary>Adds (or replaces) a group the enterprise robot is in.</summary>
    public Conversation AddGroup(string? conversationId, string? title, string[]? members)
    {
        lock (_gate)
        {
            var group = new Conversation(conversationId ?? "cid" + RandomToken(12), "2", title ?? "销售群", members ?? []);
            _conversations[group.ConversationId] = group;
            return group;
        }
    }

    public IReadOnlyList<Conversation> Conversations()
    {
        lock (_gate)
        {
            return _conversations.Values.ToList();
        }
    }

    /// <summary>
    /// A person writes to the enterprise robot (one-to-one, or @ it in a group): returns the body
    /// DingTalk POSTs to the robot's message URL, with a fresh session webhook under <paramref name="oapiBaseUrl"/>.
    /// </summary>
    public JsonObject PersonMessagesRobot(string senderUserId, string content, string conversationType, string? conversationId,
        string[]? atUserIds, bool? isInAtList, string oapiBaseUrl)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(senderUserId, out var sender))
            {
                throw new SandboxException($"No user '{senderUserId}': add the person with POST users first.");
            }
            Conversation conversation;
            if (conversationType == "1")
            {
                var id = "cidp2p" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(senderUserId)))[..20];
                conversation = _conversations.TryGetValue(id, out var existing) ? existing : new Conversation(id, "1", sender.Name, [senderUserId]);
                _conversations[id] = conversation;
            }
            else if (conversationType == "2")
            {
                if (conversationId is null || !_conversations.TryGetValue(conversationId, out var group) || group.ConversationType != "2")
                {
                    throw new SandboxException($"No group '{conversationId}': create it with POST groups first.");
                }
                conversation = group;
            }
            else
            {
                throw new SandboxException("conversation_type is \"1\" (one-to-one) or \"2\" (group).");
            }

            var session = RandomToken();
            var expiresAt = Now + _app.SessionWebhookLifetime;
            _sessions[session] = new SessionWebhook(session, conversation.ConversationId, senderUserId, expiresAt);
            var atUsers = new JsonArray();
            var inAtList = isInAtList ?? true;
            if (conversationType == "2" && inAtList)
            {
                atUsers.Add(new JsonObject { ["dingtalkId"] = ChatbotUserId });
            }
            foreach (var userId in atUserIds ?? [])
            {
                atUsers.Add(new JsonObject { ["dingtalkId"] = DingTalkId(userId), ["staffId"] = userId });
            }
            var body = new JsonObject
            {
                ["conversationId"] = conversation.ConversationId,
                ["atUsers"] = atUsers,
                ["chatbotCorpId"] = _app.CorpId,
                ["chatbotUserId"] = ChatbotUserId,
                ["msgId"] = "msg" + RandomToken(12),
                ["senderNick"] = sender.Name,
                ["isAdmin"] = sender.Admin,
                ["senderStaffId"] = senderUserId,
                ["sessionWebhookExpiredTime"] = expiresAt.ToUnixTimeMilliseconds(),
                ["createAt"] = NowMs,
                ["senderCorpId"] = _app.CorpId,
                ["conversationType"] = conversationType,
                ["senderId"] = DingTalkId(senderUserId),
                ["sessionWebhook"] = oapiBaseUrl.TrimEnd('/') + "/robot/sendBySession?session=" + session,
                ["text"] = new JsonObject { ["content"] = content },
                ["robotCode"] = _app.RobotCode,
                ["msgtype"] = "text",
            };
            if (conversationType == "2")
            {
                body["conversationTitle"] = conversation.Title;
                body["isInAtList"] = inAtList;
            }
            return body;
        }
    }

    private static string DingTalkId(string userId) =>
        "$:LWCP_v1:$" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(userId)).AsSpan(0, 12));

    /// <summary><c>POST robot/sendBySession?session=</c>: a reply into the conversation while the session lives.</summary>
    public JsonObject SendBySession(string? session, JsonObject body)
    {
        lock (_gate)
        {
            if (session is null || !_sessions.TryGetValue(session, out var webhook) || webhook.ExpiresAt <= Now)
            {
                return DingTalkReply.Robot(DingTalkErrors.SessionNotFound, "session 不存在");
            }
            if (ValidateRobotMessage(body) is { } invalid)
            {
                return invalid;
            }
            _messages.Add(new DingTalkMessage(_nextId++, "session_webhook", webhook.ConversationId, Str(body["msgtype"])!, (JsonObject)body.DeepClone(), Now));
            return DingTalkReply.Robot(DingTalkErrors.Ok, "ok");
        }
    }

    /// <summary>CrmChat answered the robot callback with a message body: it shows in the conversation.</summary>
    internal string? RecordInlineReply(string conversationId, string? replyBody)
    {
        JsonObject? body;
        try
        {
            body = string.IsNullOrWhiteSpace(replyBody) ? null : JsonNode.Parse(replyBody) as JsonObject;
        }
        catch (JsonException)
        {
            return "the reply is not JSON";
        }
        if (body is null || Str(body["msgtype"]) is null or "empty")
        {
            return null;
        }
        if (ValidateRobotMessage(body) is { } invalid)
        {
            return Str(invalid["errmsg"]);
        }
        lock (_gate)
        {
            _messages.Add(new DingTalkMessage(_nextId++, "inline_reply", conversationId, Str(body["msgtype"])!, body, Now));
        }
        return null;
    }

    // ---- enterprise robot (v1.0) ---------------------------------------------------------

    /// <summary><c>POST v1.0/robot/groupMessages/send</c>.</summary>
    public JsonObject SendGroupMessage(JsonObject body)
    {
        lock (_gate)
        {
            var (msgKey, param) = CheckRobotSend(body);
            var conversationId = Str(body["openConversationId"]);
            if (string.IsNullOrEmpty(conversationId))
            {
                throw new DingTalkApiException(400, DingTalkErrors.MissingParameterCode, "openConversationId is mandatory for this action.");
            }
            if (!_conversations.TryGetValue(conversationId, out var group) || group.ConversationType != "2")
            {
                throw new DingTalkApiException(400, DingTalkErrors.RobotNotFound, $"会话不存在或机器人不在群中: {conversationId}");
            }
            var key = RandomToken(24);
            _messages.Add(new DingTalkMessage(_nextId++, "group_message", conversationId, msgKey, Stored(body, param), Now, ProcessQueryKey: key));
            return new JsonObject { ["processQueryKey"] = key };
        }
    }

    /// <summary><c>POST v1.0/robot/oToMessages/batchSend</c>: one message to each of up to 20 people.</summary>
    public JsonObject BatchSendOto(JsonObject body)
    {
        lock (_gate)
        {
            var (msgKey, param) = CheckRobotSend(body);
            var userIds = StrList(body["userIds"]);
            if (userIds.Count is 0 or > 20)
            {
                throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, "userIds must hold 1 to 20 userids.");
            }
            var key = RandomToken(24);
            var invalid = new JsonArray();
            foreach (var userId in userIds.Distinct())
            {
                if (!_users.TryGetValue(userId, out var user) || !user.Active)
                {
                    invalid.Add(userId);
                    continue;
                }
                _messages.Add(new DingTalkMessage(_nextId++, "oto_message", userId, msgKey, Stored(body, param), Now, ProcessQueryKey: key));
            }
            return new JsonObject { ["processQueryKey"] = key, ["invalidStaffIdList"] = invalid, ["flowControlledStaffIdList"] = new JsonArray() };
        }
    }

    private (string MsgKey, JsonObject Param) CheckRobotSend(JsonObject body)
    {
        var robotCode = Str(body["robotCode"]);
        if (string.IsNullOrEmpty(robotCode))
        {
            throw new DingTalkApiException(400, DingTalkErrors.MissingParameterCode, "robotCode is mandatory for this action.");
        }
        if (robotCode != _app.RobotCode)
        {
            throw new DingTalkApiException(400, DingTalkErrors.RobotNotFound, $"机器人不存在: robotCode '{robotCode}'");
        }
        var msgKey = Str(body["msgKey"]);
        if (msgKey is null || !SampleMsgKeys.Contains(msgKey))
        {
            throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, $"msgKey '{msgKey}' is not a known message template (sampleText, sampleMarkdown, sampleActionCard…).");
        }
        JsonObject? param;
        try
        {
            param = Str(body["msgParam"]) is { } text ? JsonNode.Parse(text) as JsonObject : null;
        }
        catch (JsonException)
        {
            param = null;
        }
        if (param is null)
        {
            throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, "msgParam must be a JSON object serialised as a string.");
        }
        string[] required = msgKey switch
        {
            "sampleText" => ["content"],
            "sampleMarkdown" => ["title", "text"],
            "sampleActionCard" => ["title", "text", "singleTitle", "singleURL"],
            "sampleLink" => ["title", "text", "messageUrl"],
            _ => [],
        };
        if (required.FirstOrDefault(f => string.IsNullOrEmpty(Str(param[f]))) is { } missing)
        {
            throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, $"msgParam of {msgKey} needs '{missing}'.");
        }
        return (msgKey, param);
    }

    /// <summary>The request as sent, with msgParam parsed so a reader sees the fields.</summary>
    private static JsonObject Stored(JsonObject body, JsonObject param)
    {
        var copy = (JsonObject)body.DeepClone();
        copy["msgParam"] = param.DeepClone();
        return copy;
    }

    /// <summary>What CrmChat sent, oldest first; filter by channel and target (robot token, conversationId or userid).</summary>
    public IReadOnlyList<DingTalkMessage> Messages(string? channel = null, string? target = null)
    {
        lock (_gate)
        {
            return _messages.Where(m => (channel is null || m.Channel == channel) && (target is null || m.Target == target)).ToList();
        }
    }

    /// <summary>Everything shown in one conversation: group messages, session webhook replies, inline replies.</summary>
    public IReadOnlyList<DingTalkMessage> ConversationMessages(string conversationId)
    {
        lock (_gate)
        {
            return _messages.Where(m => m.Target == conversationId && m.Channel is "group_message" or "session_webhook" or "inline_reply").ToList();
        }
    }

    /// <summary>Everything one person received: robot one-to-one messages and work notifications.</summary>
    public IReadOnlyList<DingTalkMessage> PersonMessages(string userId)
    {
        lock (_gate)
        {
            return _messages.Where(m => m.Target == userId && m.Channel is "oto_message" or "work_notification").ToList();
        }
    }
}

using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace CrmChat.Sandbox.WeCom;

/// <summary>What CrmChat sends: app messages, template cards and their updates, group robot messages.</summary>
public sealed partial class WeComSandbox
{
    private const int AppTextMaxBytes = 2048;
    private const int RobotTextMaxBytes = 2048;
    private const int RobotMarkdownMaxBytes = 4096;

    public JsonObject SendAppMessage(JsonObject body)
    {
        lock (_gate)
        {
            if (body["agentid"] is not JsonValue agent || Str(agent) != _corp.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return WeComReply.Error(WeComErrors.InvalidAgentId, "invalid agentid");
            }
            var msgType = Str(body["msgtype"]);
            if (msgType is not ("text" or "markdown" or "template_card"))
            {
                return WeComReply.Error(WeComErrors.InvalidMsgType, $"invalid message type '{msgType}': the Sandbox takes text, markdown, template_card");
            }
            if (body[msgType] is not JsonObject content)
            {
                return WeComReply.Error(WeComErrors.InvalidParameter, $"missing {msgType}");
            }
            var invalidContent = ValidateAppContent(msgType, content);
            if (invalidContent is not null)
            {
                return invalidContent;
            }

            var requested = (Str(body["touser"]) ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var recipients = requested.Contains("@all") ? _memberOrder.ToList() : requested.Where(_members.ContainsKey).Distinct().ToList();
            var invalid = requested.Where(u => u != "@all" && !_members.ContainsKey(u)).ToList();
            if (recipients.Count == 0)
            {
                return WeComReply.Error(WeComErrors.AllRecipientsInvalid, "user & party & tag all invalid");
            }

            // A duplicate within the interval is accepted and answered like the first, but not delivered again.
            var duplicateKey = $"{string.Join('|', recipients.Order(StringComparer.Ordinal))}\n{msgType}\n{content.ToJsonString()}";
            if (body["enable_duplicate_check"] is JsonValue dup && Str(dup) == "1")
            {
                var interval = body["duplicate_check_interval"] is JsonValue i ? Math.Clamp(i.GetValue<int>(), 1, 4 * 3600) : 1800;
                if (_recentSends.TryGetValue(duplicateKey, out var previous) && previous.At > Now.AddSeconds(-interval))
                {
                    return SendReply(invalid, previous.MsgId, previous.ResponseCode);
                }
            }

            string? taskId = null;
            string? cardType = null;
            var buttonKeys = Array.Empty<string>();
            if (msgType == "template_card")
            {
                cardType = Str(content["card_type"]);
                taskId = Str(content["task_id"]);
                if (taskId is not null && !TaskIdPattern().IsMatch(taskId))
                {
                    return WeComReply.Error(WeComErrors.InvalidParameter, "invalid task_id: use 1 to 128 bytes of [A-Za-z0-9_-@]");
                }
                if (taskId is not null && _cards.ContainsKey(taskId))
                {
                    return WeComReply.Error(WeComErrors.InvalidParameter, $"task_id '{taskId}' already used by this app: task_id must be unique");
                }
                buttonKeys = (content["button_list"] as JsonArray ?? []).OfType<JsonObject>().Select(b => Str(b["key"]) ?? "").ToArray();
            }

            if (recipients.FirstOrDefault(u => !RateAvailable($"app:{u}", _corp.AppMessagesPerMemberPerMinute)) is { } limited)
            {
                return WeComReply.Error(WeComErrors.FrequencyLimit,
                    $"api freq out of limit: at most {_corp.AppMessagesPerMemberPerMinute} messages a minute to member '{limited}'");
            }
            foreach (var userId in recipients)
            {
                TryTakeRate($"app:{userId}", _corp.AppMessagesPerMemberPerMinute);
            }

            var msgId = _nextMsgId++;
            string? responseCode = null;
            if (cardType == "button_interaction")
            {
                responseCode = NewResponseCode(taskId);
            }
            if (taskId is not null)
            {
                _cards[taskId] = new SentCard(taskId, cardType!, recipients.ToArray(), buttonKeys);
            }
            foreach (var userId in recipients)
            {
                _appMessages.Add(new AppMessage(msgId, userId, msgType, (JsonObject)body.DeepClone(), Now, taskId, responseCode));
            }
            _recentSends[duplicateKey] = (Now, msgId, responseCode);
            return SendReply(invalid, msgId, responseCode);
        }
    }

    private static JsonObject SendReply(List<string> invalid, long msgId, string? responseCode)
    {
        var reply = WeComReply.Ok(new JsonObject
        {
            ["invaliduser"] = string.Join('|', invalid),
            ["invalidparty"] = "",
            ["invalidtag"] = "",
            ["unlicenseduser"] = "",
            ["msgid"] = msgId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        if (responseCode is not null)
        {
            reply["response_code"] = responseCode;
        }
        return reply;
    }

    private static JsonObject? ValidateAppContent(string msgType, JsonObject content)
    {
        switch (msgType)
        {
            case "text" or "markdown":
                var text = Str(content["content"]);
                if (string.IsNullOrEmpty(text))
                {
                    return WeComReply.Error(WeComErrors.EmptyTextContent, "empty content");
                }
                return Utf8Length(text) > AppTextMaxBytes
                    ? WeComReply.Error(WeComErrors.ContentTooLong, $"content size out of limit: at most {AppTextMaxBytes} bytes")
                    : null;
            default:
                var cardType = Str(content["card_type"]);
                if (cardType is not ("text_notice" or "button_interaction"))
                {
                    return WeComReply.Error(WeComErrors.InvalidParameter, $"invalid card_type '{cardType}': the Sandbox takes text_notice and button_interaction");
                }
                if (string.IsNullOrEmpty(Str(content["main_title"]?["title"])) && string.IsNullOrEmpty(Str(content["sub_title_text"])))
                {
                    return WeComReply.Error(WeComErrors.InvalidParameter, "main_title.title or sub_title_text is required");
                }
                if (cardType == "text_notice" && content["card_action"] is not JsonObject)
                {
                    return WeComReply.Error(WeComErrors.InvalidParameter, "card_action is required for text_notice");
                }
                if (cardType == "button_interaction")
                {
                    if (string.IsNullOrEmpty(Str(content["task_id"])))
                    {
                        return WeComReply.Error(WeComErrors.InvalidParameter, "task_id is required for button_interaction");
                    }
                    var buttons = (content["button_list"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                    if (buttons.Count is < 1 or > 6 || buttons.Any(b => string.IsNullOrEmpty(Str(b["text"])) || string.IsNullOrEmpty(Str(b["key"]))))
                    {
                        return WeComReply.Error(WeComErrors.InvalidParameter, "button_list needs 1 to 6 buttons, each with text and key");
                    }
                }
                return null;
        }
    }

    private string NewResponseCode(string? taskId)
    {
        var code = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        _responseCodes[code] = new IssuedResponseCode(taskId, Now);
        return code;
    }

    public JsonObject UpdateTemplateCard(JsonObject body)
    {
        lock (_gate)
        {
            if (body["agentid"] is not JsonValue agent || Str(agent) != _corp.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return WeComReply.Error(WeComErrors.InvalidAgentId, "invalid agentid");
            }
            var code = Str(body["response_code"]);
            if (string.IsNullOrEmpty(code) || !_responseCodes.TryGetValue(code, out var issued))
            {
                return WeComReply.Error(WeComErrors.InvalidParameter, "invalid response_code");
            }
            if (issued.Used)
            {
                return WeComReply.Error(WeComErrors.InvalidParameter, "response_code already used: each one updates a card once");
            }
            if (Now - issued.IssuedAt > ResponseCodeLifetime)
            {
                return WeComReply.Error(WeComErrors.InvalidParameter, "response_code expired: it must be used within 72 hours");
            }
            if (body["button"] is not JsonObject && body["template_card"] is not JsonObject)
            {
                return WeComReply.Error(WeComErrors.InvalidParameter, "button or template_card is required");
            }
            // A clicked card may become any template card, but a whole one: the same rules as message/send.
            if (body["template_card"] is JsonObject replacement && ValidateAppContent("template_card", replacement) is { } invalidCard)
            {
                return invalidCard;
            }
            issued.Used = true;
            var userIds = StrList(body["userids"]).ToArray();
            _cardUpdates.Add(new CardUpdate(code, issued.TaskId, userIds, (JsonObject)body.DeepClone(), Now));
            return WeComReply.Ok(new JsonObject { ["invaliduser"] = new JsonArray() });
        }
    }

    public JsonObject SendRobotMessage(string? key, JsonObject body)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(key))
            {
                return WeComReply.Error(WeComErrors.InvalidWebhookKey, "invalid webhook url: key missing");
            }
            var msgType = Str(body["msgtype"]);
            var content = msgType is null ? null : body[msgType] as JsonObject;
            switch (msgType)
            {
                case "text" or "markdown" when content is not null:
                    var text = Str(content["content"]);
                    var max = msgType == "text" ? RobotTextMaxBytes : RobotMarkdownMaxBytes;
                    if (string.IsNullOrEmpty(text))
                    {
                        return WeComReply.Error(WeComErrors.EmptyTextContent, "empty content");
                    }
                    if (Utf8Length(text) > max)
                    {
                        return WeComReply.Error(WeComErrors.ContentTooLong, $"content exceed max length {max} bytes");
                    }
                    break;
                case "template_card" when content is not null:
                    if (Str(content["card_type"]) != "text_notice")
                    {
                        return WeComReply.Error(WeComErrors.InvalidParameter, "group robots take template_card text_notice only (no buttons)");
                    }
                    break;
                default:
                    return WeComReply.Error(WeComErrors.InvalidMsgType, $"invalid message type '{msgType}': the Sandbox robot takes text, markdown, template_card");
            }
            if (!TryTakeRate($"robot:{key}", _corp.RobotMessagesPerKeyPerMinute))
            {
                return WeComReply.Error(WeComErrors.FrequencyLimit, $"api freq out of limit: at most {_corp.RobotMessagesPerKeyPerMinute} messages a minute per robot");
            }
            _robotMessages.Add(new RobotMessage(key, msgType, (JsonObject)body.DeepClone(), Now));
            return WeComReply.Ok();
        }
    }

    /// <summary>A member clicks a button of a button_interaction card; returns the new response_code and the card type.</summary>
    public (string ResponseCode, string CardType) ClickCard(string userId, string taskId, string eventKey)
    {
        lock (_gate)
        {
            if (!_cards.TryGetValue(taskId, out var card))
            {
                throw new SandboxException($"No card with task_id '{taskId}' was sent.");
            }
            if (!card.UserIds.Contains(userId))
            {
                throw new SandboxException($"Member '{userId}' did not receive card '{taskId}'.");
            }
            if (card.CardType != "button_interaction" || !card.ButtonKeys.Contains(eventKey))
            {
                throw new SandboxException($"Card '{taskId}' has no button with key '{eventKey}'.");
            }
            return (NewResponseCode(taskId), card.CardType);
        }
    }

    public IReadOnlyList<AppMessage> AppMessages(string? userId = null)
    {
        lock (_gate)
        {
            return _appMessages.Where(m => userId is null || m.UserId == userId).ToList();
        }
    }

    public IReadOnlyList<RobotMessage> RobotMessages(string? key = null)
    {
        lock (_gate)
        {
            return _robotMessages.Where(m => key is null || m.Key == key).ToList();
        }
    }

    public IReadOnlyList<CardUpdate> CardUpdates
    {
        get
        {
            lock (_gate)
            {
                return _cardUpdates.ToList();
            }
        }
    }

    public long NextMsgId()
    {
        lock (_gate)
        {
            return _nextMsgId++;
        }
    }
}

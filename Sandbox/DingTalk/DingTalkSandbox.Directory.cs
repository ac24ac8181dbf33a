using System.Globalization;
using System.Text.Json.Nodes;

namespace CrmChat.Sandbox.DingTalk;

/// <summary>The org's people and the work notifications CrmChat sends them.</summary>
public sealed partial class DingTalkSandbox
{
    private const int WorkNotificationMaxUsers = 5000;
    private static readonly HashSet<string> WorkNotificationMsgTypes = ["text", "image", "voice", "file", "link", "oa", "markdown", "action_card"];

    private readonly Dictionary<string, DingTalkUser> _users = [];

    /// <summary>Adds or replaces a person; returns whether they are new.</summary>
    public bool UpsertUser(DingTalkUser user)
    {
        lock (_gate)
        {
            var isNew = !_users.ContainsKey(user.UserId);
            if (user.UnionId.Length == 0)
            {
                user.UnionId = "union" + Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(user.UserId)))[..16];
            }
            if (user.HiredDate == 0)
            {
                user.HiredDate = NowMs;
            }
            _users[user.UserId] = user;
            return isNew;
        }
    }

    public DingTalkUser? FindUser(string userId)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(userId);
        }
    }

    public IReadOnlyList<DingTalkUser> Users()
    {
        lock (_gate)
        {
            return _users.Values.ToList();
        }
    }

    /// <summary>The person leaves the org: the directory no longer knows them.</summary>
    public bool RemoveUser(string userId)
    {
        lock (_gate)
        {
            return _users.Remove(userId);
        }
    }

    /// <summary><c>POST topapi/v2/user/get</c> {userid, language}.</summary>
    public JsonObject GetUser(JsonObject body)
    {
        lock (_gate)
        {
            var userId = Str(body["userid"]);
            if (string.IsNullOrEmpty(userId))
            {
                return DingTalkReply.Error(DingTalkErrors.MissingParameter, "缺少参数 userid");
            }
            if (!_users.TryGetValue(userId, out var u))
            {
                return DingTalkReply.Error(DingTalkErrors.UserNotFound, "找不到该用户");
            }
            var result = new JsonObject
            {
                ["userid"] = u.UserId,
                ["unionid"] = u.UnionId,
                ["name"] = u.Name,
                ["avatar"] = "",
                ["state_code"] = "86",
                ["mobile"] = u.Mobile,
                ["hide_mobile"] = false,
                ["telephone"] = "",
                ["job_number"] = "",
                ["title"] = u.Title,
                ["email"] = u.Email,
                ["org_email"] = "",
                ["work_place"] = "",
                ["remark"] = "",
                ["dept_id_list"] = new JsonArray([.. u.DeptIdList.Select(d => JsonValue.Create(d))]),
                ["dept_order_list"] = new JsonArray([.. u.DeptIdList.Select(d => new JsonObject { ["dept_id"] = d, ["order"] = 0 })]),
                ["extension"] = "",
                ["hired_date"] = u.HiredDate,
                ["active"] = u.Active,
                ["real_authed"] = true,
                ["senior"] = false,
                ["admin"] = u.Admin,
                ["boss"] = false,
                ["leader_in_dept"] = new JsonArray([.. u.DeptIdList.Select(d => new JsonObject { ["dept_id"] = d, ["leader"] = false })]),
                ["role_list"] = new JsonArray(),
                ["exclusive_account"] = false,
            };
            if (u.ManagerUserId.Length > 0)
            {
                result["manager_userid"] = u.ManagerUserId;
            }
            return DingTalkReply.Ok(new JsonObject { ["result"] = result });
        }
    }

    /// <summary><c>POST topapi/message/corpconversation/asyncsend_v2</c> {agent_id, userid_list, to_all_user, msg}.</summary>
    public JsonObject SendWorkNotification(JsonObject body)
    {
        lock (_gate)
        {
            var agentId = Str(body["agent_id"]);
            if (string.IsNullOrEmpty(agentId))
            {
                return DingTalkReply.Error(DingTalkErrors.MissingParameter, "缺少参数 agent_id");
            }
            if (agentId != _app.AgentId.ToString(CultureInfo.InvariantCulture))
            {
                return DingTalkReply.Error(DingTalkErrors.InvalidAgentId, "不合法的agentId");
            }
            if (body["msg"] is not JsonObject msg || Str(msg["msgtype"]) is not { } msgType)
            {
                return DingTalkReply.Error(DingTalkErrors.MissingParameter, "缺少参数 msg");
            }
            if (!WorkNotificationMsgTypes.Contains(msgType) || msg[msgType] is not JsonObject)
            {
                return DingTalkReply.Error(DingTalkErrors.MissingParameter, $"缺少参数 msg.{msgType}: msgtype is text, image, voice, file, link, oa, markdown or action_card with its object");
            }
            var toAll = Str(body["to_all_user"]) == "true";
            var requested = (Str(body["userid_list"]) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (!toAll && requested.Length == 0 && string.IsNullOrEmpty(Str(body["dept_id_list"])))
            {
                return DingTalkReply.Error(DingTalkErrors.MissingParameter, "缺少参数 userid_list");
            }
            if (requested.Length > WorkNotificationMaxUsers)
            {
                return DingTalkReply.Error(DingTalkErrors.MissingParameter, $"userid_list takes at most {WorkNotificationMaxUsers} userids");
            }
            var taskId = _nextId++ + 100_000_000_000L;
            // Unknown userids are dropped silently here, as on the platform (getsendresult would list them).
            var recipients = toAll ? _users.Values.Where(u => u.Active).Select(u => u.UserId) : requested.Distinct().Where(_users.ContainsKey);
            foreach (var userId in recipients.ToList())
            {
                _messages.Add(new DingTalkMessage(_nextId++, "work_notification", userId, msgType, (JsonObject)body.DeepClone(), Now, TaskId: taskId));
            }
            return DingTalkReply.Ok(new JsonObject { ["task_id"] = taskId });
        }
    }
}

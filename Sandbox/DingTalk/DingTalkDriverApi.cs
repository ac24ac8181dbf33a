using System.Text.Json;
using System.Text.Json.Nodes;
using CrmChat.Sandbox.WeCom;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static CrmChat.Sandbox.SandboxDriver;

namespace CrmChat.Sandbox.DingTalk;

/// <summary>
/// The DingTalk driver: act as the org's people and admin, configure robots and callbacks, and
/// read what CrmChat sent. Calls that push to CrmChat return after delivery (all attempts)
/// unless <c>?wait=false</c>.
/// </summary>
public static class DingTalkDriverApi
{
    public sealed record AppRequest(string? EventCallbackUrl, string? RobotCallbackUrl, string? Token, string? AesKey, string? EventKeyId,
        int? EventTimeoutMs, int[]? EventRetryDelaysMs, bool? IncludeEventId, int? RobotCallbackTimeoutMs, int? SessionWebhookLifetimeSeconds);
    public sealed record UserRequest(string UserId, string? Name, string? Mobile, string? Title, string? Email, long[]? DeptIdList,
        string? ManagerUserId, bool? Admin, string? UnionId);
    public sealed record LeaveRequest(string UserId);
    public sealed record CustomRobotRequest(string? AccessToken, string? Secret, string[]? Keywords, string? Title);
    public sealed record GroupRequest(string? OpenConversationId, string? Title, string[]? Members);
    public sealed record RobotMessageRequest(string UserId, string Content, string? ConversationType, string? ConversationId,
        string[]? AtUserIds, bool? IsInAtList);
    public sealed record ProcessRequest(string ProcessCode, string Name);
    public sealed record DecideRequest(string ProcessInstanceId, string UserId, string Result, string? Remark);
    public sealed record TerminateRequest(string ProcessInstanceId, string UserId, string? Remark);
    public sealed record FaultRequest(string Api, int? Errcode, string? Code, int Count = 1, int? HttpStatus = null);

    public static RouteGroupBuilder MapDingTalkDriver(this IEndpointRouteBuilder endpoints)
    {
        var driver = endpoints.MapGroup(DingTalkSandboxDefaults.DriverPath.TrimEnd('/')).WithTags("Sandbox: DingTalk driver");

        driver.MapGet("state", (DingTalkSandbox s) =>
            {
                var app = s.App;
                return Ok(new
                {
                    app = new
                    {
                        corp_id = app.CorpId, app_key = app.AppKey, agent_id = app.AgentId, robot_code = app.RobotCode,
                        event_callback_url = app.EventCallbackUrl, robot_callback_url = app.RobotCallbackUrl, event_key_id = app.EffectiveEventKeyId,
                    },
                    users = s.Users().Count, conversations = s.Conversations().Count, approvals = s.Instances().Count,
                    messages = s.Messages().Count, deliveries = s.Deliveries().Count,
                });
            })
            .WithSummary("The app and how much is in the DingTalk Sandbox.");

        driver.MapPost("reset", (DingTalkSandbox s) => { s.Reset(); return Ok(new { reset = true }); })
            .WithSummary("Forgets people, robots, conversations, approvals, tokens, faults and everything sent.");

        driver.MapPost("app", (HttpContext http, DingTalkSandbox s) => Act<AppRequest>(http, r =>
            {
                try
                {
                    s.Configure(o =>
                    {
                        o.EventCallbackUrl = r.EventCallbackUrl ?? o.EventCallbackUrl;
                        o.RobotCallbackUrl = r.RobotCallbackUrl ?? o.RobotCallbackUrl;
                        o.Token = r.Token ?? o.Token;
                        o.AesKey = r.AesKey ?? o.AesKey;
                        o.EventKeyId = r.EventKeyId ?? o.EventKeyId;
                        o.EventTimeout = r.EventTimeoutMs is { } t ? TimeSpan.FromMilliseconds(t) : o.EventTimeout;
                        o.EventRetryDelays = r.EventRetryDelaysMs is { } delays ? [.. delays.Select(ms => TimeSpan.FromMilliseconds(ms))] : o.EventRetryDelays;
                        o.IncludeEventId = r.IncludeEventId ?? o.IncludeEventId;
                        o.RobotCallbackTimeout = r.RobotCallbackTimeoutMs is { } rt ? TimeSpan.FromMilliseconds(rt) : o.RobotCallbackTimeout;
                        o.SessionWebhookLifetime = r.SessionWebhookLifetimeSeconds is { } sl ? TimeSpan.FromSeconds(sl) : o.SessionWebhookLifetime;
                    });
                }
                catch (Connectors.Crypto.CallbackCryptoException e)
                {
                    throw new SandboxException("aes_key: " + e.Message);
                }
                var app = s.App;
                return new { event_callback_url = app.EventCallbackUrl, robot_callback_url = app.RobotCallbackUrl, event_key_id = app.EffectiveEventKeyId };
            }))
            .WithSummary("Changes the app: callback URLs, event token / aes_key / key id, timeouts and retry delays (partial update).");

        driver.MapPost("check_url", async (DingTalkDispatcher d) =>
            {
                var delivery = await d.CheckUrlAsync();
                return Ok(new { verified = delivery.Delivered, delivery = DeliveryView(delivery) });
            })
            .WithSummary("Sends {\"EventType\":\"check_url\"} and reports whether the reply was the verified encrypted success.");

        driver.MapPost("users", (HttpContext http, DingTalkSandbox s) => Act<UserRequest>(http, r =>
            {
                var user = ToUser(r, null);
                s.UpsertUser(user);
                return user;
            }))
            .WithSummary("Adds (or replaces) a person silently, no event.");

        driver.MapGet("users", (DingTalkSandbox s) => Ok(s.Users())).WithSummary("Everyone in the directory.");

        driver.MapPost("users/join", (HttpContext http, DingTalkSandbox s, DingTalkDispatcher d) => ActAndDeliver<UserRequest>(http, d, r =>
            {
                if (s.FindUser(r.UserId) is not null)
                {
                    throw new SandboxException($"'{r.UserId}' is already in the org: use users/modify.");
                }
                var user = ToUser(r, null);
                s.UpsertUser(user);
                return (user, [s.OrgEvent("user_add_org", [r.UserId])]);
            }))
            .WithSummary("An employee joins: added to the directory; fires user_add_org.");

        driver.MapPost("users/modify", (HttpContext http, DingTalkSandbox s, DingTalkDispatcher d) => ActAndDeliver<UserRequest>(http, d, r =>
            {
                var existing = s.FindUser(r.UserId) ?? throw new SandboxException($"No user '{r.UserId}'.");
                var user = ToUser(r, existing);
                s.UpsertUser(user);
                return (user, [s.OrgEvent("user_modify_org", [r.UserId])]);
            }))
            .WithSummary("An employee's details change (partial update); fires user_modify_org.");

        driver.MapPost("users/leave", (HttpContext http, DingTalkSandbox s, DingTalkDispatcher d) => ActAndDeliver<LeaveRequest>(http, d, r =>
            {
                if (!s.RemoveUser(r.UserId))
                {
                    throw new SandboxException($"No user '{r.UserId}'.");
                }
                return (new { userid = r.UserId, left = true }, [s.OrgEvent("user_leave_org", [r.UserId])]);
            }))
            .WithSummary("An employee leaves: removed from the directory (user/get answers 60121); fires user_leave_org.");

        driver.MapPost("custom-robots", (HttpContext http, DingTalkSandbox s) => Act<CustomRobotRequest>(http, r =>
            {
                var robot = s.AddCustomRobot(r.AccessToken, r.Secret, r.Keywords, r.Title);
                var webhook = $"{http.Request.Scheme}://{http.Request.Host}{DingTalkSandboxDefaults.OapiPath}robot/send?access_token={robot.AccessToken}";
                return new { robot.AccessToken, robot.Secret, robot.Keywords, robot.Title, webhook };
            }))
            .WithSummary("Adds a custom group robot (access_token, optional 加签 secret and keywords); answers its webhook URL.");

        driver.MapPost("groups", (HttpContext http, DingTalkSandbox s) => Act<GroupRequest>(http, r => s.AddGroup(r.OpenConversationId, r.Title, r.Members)))
            .WithSummary("Adds a group the enterprise robot is in (its openConversationId = conversationId).");

        driver.MapGet("conversations", (DingTalkSandbox s) => Ok(s.Conversations())).WithSummary("Groups and one-to-one chats the robot is in.");

        driver.MapPost("robot/messages", async (HttpContext http, DingTalkSandbox s, DingTalkDispatcher d) =>
            {
                try
                {
                    var r = await Body<RobotMessageRequest>(http);
                    var oapiBase = $"{http.Request.Scheme}://{http.Request.Host}{DingTalkSandboxDefaults.OapiPath}";
                    var message = s.PersonMessagesRobot(r.UserId, r.Content, r.ConversationType ?? "1", r.ConversationId, r.AtUserIds, r.IsInAtList, oapiBase);
                    var delivery = d.DeliverRobotMessageAsync(message);
                    return Wait(http) == false
                        ? Ok(new { message, delivery = (object?)null })
                        : Ok(new { message, delivery = DeliveryView(await delivery) });
                }
                catch (SandboxException e)
                {
                    return Problem(e);
                }
            })
            .WithSummary("A person messages the enterprise robot (conversation_type \"1\" one-to-one, \"2\" @ in a group); POSTs the signed robot message.");

        driver.MapPost("processes", (HttpContext http, DingTalkSandbox s) => Act<ProcessRequest>(http, r =>
            {
                s.AddProcess(r.ProcessCode, r.Name);
                return new { process_code = r.ProcessCode, name = r.Name };
            }))
            .WithSummary("Adds an approval form (processCode) CrmChat may start.");

        driver.MapPost("approvals/decide", (HttpContext http, DingTalkSandbox s, DingTalkDispatcher d) => ActAndDeliver<DecideRequest>(http, d, r =>
            {
                var agree = r.Result.ToLowerInvariant() switch
                {
                    "agree" => true,
                    "refuse" => false,
                    _ => throw new SandboxException("result is agree or refuse."),
                };
                var events = s.Decide(r.ProcessInstanceId, r.UserId, agree, r.Remark);
                return (InstanceView(s, r.ProcessInstanceId), events);
            }))
            .WithSummary("An approver agrees or refuses; fires bpms_task_change (and bpms_instance_change finish when it ends).");

        driver.MapPost("approvals/terminate", (HttpContext http, DingTalkSandbox s, DingTalkDispatcher d) => ActAndDeliver<TerminateRequest>(http, d, r =>
            {
                var events = s.Terminate(r.ProcessInstanceId, r.UserId, r.Remark);
                return (InstanceView(s, r.ProcessInstanceId), events);
            }))
            .WithSummary("The originator withdraws the instance; fires bpms_task_change cancel and bpms_instance_change terminate.");

        driver.MapGet("approvals", (DingTalkSandbox s) => Ok(s.Instances().Select(i => new
            {
                process_instance_id = i.InstanceId, i.ProcessCode, i.Title, originator_userid = i.OriginatorUserId, i.Status, i.Result,
                form_component_values = i.FormComponentValues, i.CreateTime,
                tasks = i.Tasks.Select(t => new { t.TaskId, t.UserId, t.Status, t.Result }),
            })))
            .WithSummary("Every approval instance CrmChat started.");

        driver.MapPost("tokens/expire", (DingTalkSandbox s) => Ok(new { expired = s.ExpireTokens() }))
            .WithSummary("Every token issued so far is refused from now on.");

        driver.MapPost("faults", (HttpContext http, DingTalkSandbox s) => Act<FaultRequest>(http, r =>
            {
                s.InjectFault(r.Api, r.Errcode, r.Code, r.Count, r.HttpStatus);
                return new { r.Api, r.Errcode, r.Code, r.Count, r.HttpStatus };
            }))
            .WithSummary("The next count calls to api (e.g. robot/send, v1.0/robot/groupMessages/send, or *) fail.");

        driver.MapDelete("faults", (DingTalkSandbox s) => { s.ClearFaults(); return Ok(new { cleared = true }); })
            .WithSummary("Removes pending faults.");

        driver.MapGet("sent", (string? channel, string? target, DingTalkSandbox s) => Ok(s.Messages(channel, target).Select(MessageView)))
            .WithSummary("Everything CrmChat sent (filter ?channel=custom_robot|group_message|session_webhook|inline_reply|oto_message|work_notification&target=).");
        driver.MapGet("sent/custom-robots/{accessToken}", (string accessToken, DingTalkSandbox s) => Ok(s.Messages("custom_robot", accessToken).Select(MessageView)))
            .WithSummary("What one custom group robot showed.");
        driver.MapGet("sent/conversations/{conversationId}", (string conversationId, DingTalkSandbox s) => Ok(s.ConversationMessages(conversationId).Select(MessageView)))
            .WithSummary("What the robot showed in one conversation: group messages, session webhook and inline replies.");
        driver.MapGet("sent/people/{userId}", (string userId, DingTalkSandbox s) => Ok(s.PersonMessages(userId).Select(MessageView)))
            .WithSummary("What one person received: robot one-to-one messages and work notifications.");

        driver.MapGet("events", (DingTalkSandbox s) => Ok(s.Deliveries("event").Select(DeliveryView)))
            .WithSummary("Every event pushed, with its JSON and attempts (status, reply, error).");
        driver.MapGet("robot/messages", (DingTalkSandbox s) => Ok(s.Deliveries("robot_message").Select(DeliveryView)))
            .WithSummary("Every robot message pushed, with CrmChat's status and reply.");

        return driver;
    }

    private static DingTalkUser ToUser(UserRequest r, DingTalkUser? existing) => new()
    {
        UserId = r.UserId,
        UnionId = r.UnionId ?? existing?.UnionId ?? "",
        Name = r.Name ?? existing?.Name ?? r.UserId,
        Mobile = r.Mobile ?? existing?.Mobile ?? "",
        Title = r.Title ?? existing?.Title ?? "",
        Email = r.Email ?? existing?.Email ?? "",
        DeptIdList = r.DeptIdList is { } depts ? [.. depts] : existing?.DeptIdList ?? [1],
        ManagerUserId = r.ManagerUserId ?? existing?.ManagerUserId ?? "",
        Admin = r.Admin ?? existing?.Admin ?? false,
        HiredDate = existing?.HiredDate ?? 0,
    };

    private static JsonNode? InstanceView(DingTalkSandbox s, string instanceId) => s.GetInstance(instanceId)["result"]?.DeepClone();

    private static object MessageView(DingTalkMessage m) => new
    {
        m.Id, m.Channel, m.Target, msg_type = m.MsgType, m.Body, m.At, msg_uuid = m.MsgUuid, process_query_key = m.ProcessQueryKey, task_id = m.TaskId,
    };

    internal static object DeliveryView(DingTalkDelivery d) => new
    {
        d.Id, d.Channel, d.Kind, d.Url, d.Delivered, payload = JsonNode.Parse(d.Payload),
        attempts = d.Attempts.Select(a => new { a.Number, status = a.StatusCode, a.Error, a.At, elapsed_ms = Math.Round(a.ElapsedMs, 1), reply = a.ResponseBody }),
    };

    // DingTalk answers its own errors with codes, not WeCom errcodes, so the driver shows the message only.
    private static IResult Problem(SandboxException e) =>
        Results.Json(new { error = e.Message }, Json, statusCode: StatusCodes.Status400BadRequest);

    private static Task<IResult> Act<T>(HttpContext http, Func<T, object?> action) => SandboxDriver.Act(http, action, Problem);

    /// <summary>Runs the action, then delivers its events one after another (all attempts) unless ?wait=false.</summary>
    private static async Task<IResult> ActAndDeliver<T>(HttpContext http, DingTalkDispatcher dispatcher, Func<T, (object? Result, List<JsonObject> Events)> action)
    {
        (object? Result, List<JsonObject> Events) done;
        try
        {
            done = action(await Body<T>(http));
        }
        catch (SandboxException e)
        {
            return Problem(e);
        }
        if (Wait(http) == false)
        {
            dispatcher.DeliverEventsInBackground(done.Events);
            return Ok(new { result = done.Result, deliveries = Array.Empty<object>() });
        }
        var deliveries = new List<object>();
        foreach (var evt in done.Events)
        {
            deliveries.Add(DeliveryView(await dispatcher.DeliverEventAsync(evt)));
        }
        return Ok(new { result = done.Result, deliveries });
    }
}

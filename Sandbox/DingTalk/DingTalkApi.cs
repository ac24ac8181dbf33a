using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CrmChat.Sandbox.DingTalk;

/// <summary>The emulated <c>https://api.dingtalk.com/</c> (v1.0) and <c>https://oapi.dingtalk.com/</c> (legacy) endpoints.</summary>
public static class DingTalkApi
{
    internal static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private const string TokenHeader = "x-acs-dingtalk-access-token";

    public static IEndpointRouteBuilder MapDingTalkApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(DingTalkSandboxDefaults.ApiPath.TrimEnd('/')).WithTags("Sandbox: DingTalk api.dingtalk.com");

        api.MapPost("v1.0/oauth2/accessToken", (HttpContext http, DingTalkSandbox s) =>
                V1(http, s, "v1.0/oauth2/accessToken", authorize: false, body =>
                    s.IssueToken(DingTalkSandbox.Str(body["appKey"]), DingTalkSandbox.Str(body["appSecret"])) is { } token
                        ? new JsonObject { ["accessToken"] = token.Token, ["expireIn"] = token.ExpiresIn }
                        : throw new DingTalkApiException(400, DingTalkErrors.InvalidClientIdOrSecret, "无效的clientId或者clientSecret")))
            .WithSummary("The app's access token (7200 s of Sandbox time; the same token again, renewed, while it lives).");

        api.MapPost("v1.0/robot/groupMessages/send", (HttpContext http, DingTalkSandbox s) =>
                V1(http, s, "v1.0/robot/groupMessages/send", authorize: true, s.SendGroupMessage))
            .WithSummary("The enterprise robot posts into a group it is in: msgKey, msgParam (a JSON string), openConversationId, robotCode.");

        api.MapPost("v1.0/robot/oToMessages/batchSend", (HttpContext http, DingTalkSandbox s) =>
                V1(http, s, "v1.0/robot/oToMessages/batchSend", authorize: true, s.BatchSendOto))
            .WithSummary("The enterprise robot writes to up to 20 people one-to-one.");

        api.MapPost("v1.0/workflow/processInstances", (HttpContext http, DingTalkSandbox s, DingTalkDispatcher d) =>
                V1(http, s, "v1.0/workflow/processInstances", authorize: true, body =>
                {
                    var (instanceId, events) = s.CreateInstance(body);
                    d.DeliverEventsInBackground(events);
                    return new JsonObject { ["instanceId"] = instanceId };
                }))
            .WithSummary("Starts an approval instance; fires bpms_instance_change start and bpms_task_change start in the background.");

        api.MapGet("v1.0/workflow/processInstances", (HttpContext http, DingTalkSandbox s) =>
                V1(http, s, "v1.0/workflow/processInstances", authorize: true, _ => s.GetInstance(http.Request.Query["processInstanceId"])))
            .WithSummary("One approval instance: status RUNNING | COMPLETED | TERMINATED, result agree | refuse, tasks, records.");

        var oapi = endpoints.MapGroup(DingTalkSandboxDefaults.OapiPath.TrimEnd('/')).WithTags("Sandbox: DingTalk oapi.dingtalk.com");

        oapi.MapGet("gettoken", (HttpContext http, DingTalkSandbox s) => Legacy(http, s, "gettoken", authorize: false, _ =>
            {
                var (key, secret) = (http.Request.Query["appkey"].ToString(), http.Request.Query["appsecret"].ToString());
                if (key.Length == 0 || secret.Length == 0)
                {
                    return DingTalkReply.Robot(DingTalkErrors.MissingParameter, "缺少参数 corpid or appkey");
                }
                return s.IssueToken(key, secret) is { } token
                    ? new JsonObject { ["errcode"] = 0, ["access_token"] = token.Token, ["errmsg"] = "ok", ["expires_in"] = token.ExpiresIn }
                    : DingTalkReply.Robot(DingTalkErrors.InvalidAppKeyOrSecret, "不合法的appKey或appSecret");
            }))
            .WithSummary("Legacy token: the same token as v1.0/oauth2/accessToken.");

        oapi.MapPost("robot/send", (HttpContext http, DingTalkSandbox s) => Legacy(http, s, "robot/send", authorize: false, body =>
                s.SendCustomRobot(http.Request.Query["access_token"], http.Request.Query["timestamp"], http.Request.Query["sign"], body)))
            .WithSummary("Custom group robot: sign + 1 h timestamp window (310000), 20 a minute then 10 min throttled (410100), msgUuid idempotent.");

        oapi.MapPost("robot/sendBySession", (HttpContext http, DingTalkSandbox s) => Legacy(http, s, "robot/sendBySession", authorize: false, body =>
                s.SendBySession(http.Request.Query["session"], body)))
            .WithSummary("A session webhook: replies into the conversation until sessionWebhookExpiredTime (then 300001).");

        oapi.MapPost("topapi/v2/user/get", (HttpContext http, DingTalkSandbox s) =>
                Legacy(http, s, "topapi/v2/user/get", authorize: true, s.GetUser))
            .WithSummary("One person's details; 60121 when unknown.");

        oapi.MapPost("topapi/message/corpconversation/asyncsend_v2", (HttpContext http, DingTalkSandbox s) =>
                Legacy(http, s, "topapi/message/corpconversation/asyncsend_v2", authorize: true, s.SendWorkNotification))
            .WithSummary("Work notification from the app (agent_id) to people (userid_list, comma separated); answers task_id.");

        return endpoints;
    }

    private static async Task<IResult> V1(HttpContext http, DingTalkSandbox sandbox, string api, bool authorize, Func<JsonObject, JsonObject> handle)
    {
        if (sandbox.TakeFault(api, v1: true) is { } fault)
        {
            return Reply(fault.Body, fault.Status, v1: true);
        }
        try
        {
            if (authorize)
            {
                var token = http.Request.Headers[TokenHeader].ToString();
                if (token.Length == 0)
                {
                    throw new DingTalkApiException(400, DingTalkErrors.MissingTokenHeader, "缺少参数：x-acs-dingtalk-access-token");
                }
                if (!sandbox.TokenValid(token))
                {
                    throw new DingTalkApiException(400, DingTalkErrors.InvalidAuthentication, "不合法的access_token");
                }
            }
            var body = new JsonObject();
            if (HttpMethods.IsPost(http.Request.Method))
            {
                body = await ReadBody(http) ?? throw new DingTalkApiException(400, "MissingBody", "body is mandatory for this action.");
            }
            return Reply(handle(body), 200, v1: true);
        }
        catch (DingTalkApiException e)
        {
            return Reply(DingTalkReply.ApiError(e.Code, e.Message), e.Status, v1: true);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return Reply(DingTalkReply.ApiError(DingTalkErrors.InvalidParameter, "invalid parameter: " + e.Message), 400, v1: true);
        }
    }

    private static async Task<IResult> Legacy(HttpContext http, DingTalkSandbox sandbox, string api, bool authorize, Func<JsonObject, JsonObject> handle)
    {
        if (sandbox.TakeFault(api, v1: false) is { } fault)
        {
            return Reply(fault.Body, fault.Status, v1: false);
        }
        if (authorize)
        {
            var token = http.Request.Query["access_token"].ToString();
            if (token.Length == 0)
            {
                return Reply(DingTalkReply.Wrapped(DingTalkErrors.AccessTokenBlank, "access_token is blank"), 200, v1: false);
            }
            // The platform forgets expired tokens: they look like forged ones.
            if (!sandbox.TokenValid(token))
            {
                return Reply(DingTalkReply.Wrapped(DingTalkErrors.InvalidAccessToken, "不合法的access_token"), 200, v1: false);
            }
        }
        try
        {
            var body = HttpMethods.IsPost(http.Request.Method) ? await ReadBody(http) ?? new JsonObject() : new JsonObject();
            return Reply(handle(body), 200, v1: false);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return Reply(DingTalkReply.Error(DingTalkErrors.MissingParameter, "invalid parameter: " + e.Message), 200, v1: false);
        }
    }

    /// <summary>The body as a JSON object; null when empty; a 400-style error when it is not JSON.</summary>
    private static async Task<JsonObject?> ReadBody(HttpContext http)
    {
        try
        {
            using var reader = new StreamReader(http.Request.Body);
            var text = await reader.ReadToEndAsync(http.RequestAborted);
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            return JsonNode.Parse(text) as JsonObject ?? throw new FormatException("the body is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException("the body is not JSON: " + e.Message);
        }
    }

    private static IResult Reply(JsonObject reply, int status, bool v1) =>
        Results.Text(reply.ToJsonString(Json), v1 ? "application/json;charset=utf-8" : "application/json;charset=UTF-8", statusCode: status);
}

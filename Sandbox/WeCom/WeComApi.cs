using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CrmChat.Sandbox.WeCom;

/// <summary>The emulated <c>https://qyapi.weixin.qq.com/cgi-bin/</c> endpoints.</summary>
public static class WeComApi
{
    internal static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static RouteGroupBuilder MapWeComApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(SandboxDefaults.WeComApiPath.TrimEnd('/')).WithTags("Sandbox: WeCom API");

        api.MapGet("gettoken", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "gettoken", null, _ => sandbox.GetToken(http.Request.Query["corpid"], http.Request.Query["corpsecret"])))
            .WithSummary("Access token for the app secret or the customer-contact secret (7200 s of Sandbox time).");

        api.MapGet("user/get", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "user/get", TokenKind.App, _ => sandbox.GetUser(http.Request.Query["userid"])))
            .WithSummary("One member: name, departments, direct leaders (no mobile or email, as for a new self-built app); 60111 once they left.");

        api.MapGet("externalcontact/get", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/get", TokenKind.Contact,
                    _ => sandbox.GetExternalContact(http.Request.Query["external_userid"], http.Request.Query["cursor"])))
            .WithSummary("One customer with its follow users, paged by cursor.");

        api.MapPost("externalcontact/batch/get_by_user", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/batch/get_by_user", TokenKind.Contact, body =>
                    sandbox.BatchGetByUser(WeComSandbox.StrList(body["userid_list"]), WeComSandbox.Str(body["cursor"]),
                        body["limit"] is JsonValue limit ? limit.GetValue<int>() : null)))
            .WithSummary("Customers of up to 100 members with their follow info, paged by cursor.");

        api.MapGet("externalcontact/get_follow_user_list", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/get_follow_user_list", TokenKind.Contact, _ => sandbox.FollowUserList()))
            .WithSummary("The members who can have customers.");

        api.MapGet("externalcontact/list", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/list", TokenKind.Contact, _ => sandbox.ListExternalContacts(http.Request.Query["userid"])))
            .WithSummary("The external_userids one member follows.");

        api.MapPost("externalcontact/get_corp_tag_list", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/get_corp_tag_list", TokenKind.Contact, body =>
                    sandbox.TagCatalogue(WeComSandbox.StrList(body["tag_id"]), WeComSandbox.StrList(body["group_id"]))))
            .WithSummary("The corp tag catalogue, optionally filtered by tag_id / group_id.");

        api.MapPost("externalcontact/add_corp_tag", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/add_corp_tag", TokenKind.Contact, body =>
                {
                    var tags = (body["tag"] as JsonArray ?? []).OfType<JsonObject>()
                        .Select(t => (WeComSandbox.Str(t["name"]) ?? "", t["order"] is JsonValue o ? o.GetValue<long>() : 0L));
                    var (group, created, _) = sandbox.CreateTags(WeComSandbox.Str(body["group_id"]), WeComSandbox.Str(body["group_name"]), tags,
                        body["order"] is JsonValue order ? order.GetValue<long>() : 0);
                    return sandbox.TagGroupReply(group, created);
                }))
            .WithSummary("Adds tags to a group (creating the group when group_name is new). No callback.");

        api.MapPost("externalcontact/edit_corp_tag", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/edit_corp_tag", TokenKind.Contact, body =>
                {
                    sandbox.EditTag(WeComSandbox.Str(body["id"]) ?? "", WeComSandbox.Str(body["name"]),
                        body["order"] is JsonValue order ? order.GetValue<long>() : null);
                    return WeComReply.Ok();
                }))
            .WithSummary("Renames or reorders a tag or a tag group. No callback.");

        api.MapPost("externalcontact/del_corp_tag", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/del_corp_tag", TokenKind.Contact, body =>
                {
                    sandbox.DeleteTags(WeComSandbox.StrList(body["tag_id"]), WeComSandbox.StrList(body["group_id"]));
                    return WeComReply.Ok();
                }))
            .WithSummary("Deletes tags and groups and strips them from customers. No callback.");

        api.MapPost("externalcontact/mark_tag", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/mark_tag", TokenKind.Contact, body =>
                {
                    sandbox.MarkTags(WeComSandbox.Str(body["userid"]) ?? "", WeComSandbox.Str(body["external_userid"]) ?? "",
                        WeComSandbox.StrList(body["add_tag"]), WeComSandbox.StrList(body["remove_tag"]));
                    return WeComReply.Ok();
                }))
            .WithSummary("Adds / removes corp tags on one follow relation. No callback.");

        api.MapPost("externalcontact/remark", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "externalcontact/remark", TokenKind.Contact, body =>
                    sandbox.Remark(WeComSandbox.Str(body["userid"]), WeComSandbox.Str(body["external_userid"]), body)))
            .WithSummary("Edits remark, description, remark_company, remark_mobiles. No callback.");

        api.MapPost("message/send", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "message/send", TokenKind.App, sandbox.SendAppMessage))
            .WithSummary("App message: text, markdown, template_card (text_notice, button_interaction).");

        api.MapPost("message/update_template_card", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "message/update_template_card", TokenKind.App, sandbox.UpdateTemplateCard))
            .WithSummary("Updates a sent card with a response_code (once, within 72 h).");

        api.MapPost("oa/applyevent", (HttpContext http, WeComSandbox sandbox, CallbackDispatcher dispatcher) =>
                Call(http, sandbox, "oa/applyevent", TokenKind.App, body =>
                {
                    var (reply, info) = sandbox.ApplyEvent(body);
                    if (info is not null)
                    {
                        dispatcher.DeliverInBackground("sys_approval_change", dispatcher.ApprovalChangeXml(info));
                    }
                    return reply;
                }))
            .WithSummary("Files an approval under a template with the given flow; answers sp_no and fires sys_approval_change (提单) in the background.");

        api.MapPost("oa/getapprovaldetail", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "oa/getapprovaldetail", TokenKind.App, sandbox.ApprovalDetail))
            .WithSummary("One approval with its nodes, approvers' decisions (speech, sptime) and the values filed.");

        api.MapPost("webhook/send", (HttpContext http, WeComSandbox sandbox) =>
                Call(http, sandbox, "webhook/send", null, body => sandbox.SendRobotMessage(http.Request.Query["key"], body)))
            .WithSummary("Group robot message: text, markdown, template_card text_notice; 20 a minute per key.");

        return api;
    }

    private static async Task<IResult> Call(HttpContext http, WeComSandbox sandbox, string api, TokenKind? token, Func<JsonObject, JsonObject> handle)
    {
        if (sandbox.TakeFault(api) is { } fault)
        {
            return Reply(fault.Reply, fault.HttpStatus ?? 200);
        }
        if (token is { } kind && sandbox.Authorize(http.Request.Query["access_token"], kind) is { } denied)
        {
            return Reply(denied);
        }
        var body = new JsonObject();
        if (HttpMethods.IsPost(http.Request.Method))
        {
            try
            {
                var node = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
                body = node as JsonObject ?? throw new JsonException("not an object");
            }
            catch (JsonException)
            {
                return Reply(WeComReply.Error(WeComErrors.DataFormatError, "data format error: the body is not a JSON object"));
            }
        }
        try
        {
            return Reply(handle(body));
        }
        catch (SandboxException e)
        {
            return Reply(WeComReply.Error(e.ErrCode, e.Message));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // A field of the wrong JSON type, e.g. "limit": "ten".
            return Reply(WeComReply.Error(WeComErrors.InvalidParameter, "invalid parameter: " + e.Message));
        }
    }

    private static IResult Reply(JsonObject reply, int status = 200) =>
        Results.Text(reply.ToJsonString(Json), "application/json; charset=utf-8", statusCode: status);
}

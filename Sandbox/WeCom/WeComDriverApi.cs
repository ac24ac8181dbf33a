using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static CrmChat.Sandbox.SandboxDriver;

namespace CrmChat.Sandbox.WeCom;

/// <summary>
/// The driver: lets a test or a person act as the corp's members, customers and admin, and read
/// what CrmChat sent. Calls that fire a callback return after its delivery (all attempts)
/// unless <c>?wait=false</c>.
/// </summary>
public static class WeComDriverApi
{
    public sealed record CorpRequest(string? CorpId, int? AgentId, string? Secret, string? ContactSecret, string? Token,
        string? EncodingAesKey, string? CallbackUrl, int? CallbackTimeoutMs, int? FollowUserPageSize);
    public sealed record MemberRequest(string UserId, string? Name, string? Mobile, int[]? Department, string[]? DirectLeader);
    public sealed record LeaveRequest(string UserId);
    public sealed record AddCustomerRequest(string UserId, string? ExternalUserId, string? Name, int? Type, string? UnionId, string? Avatar,
        int? Gender, string? CorpName, string? CorpFullName, string? Position, string? Remark, string? Description,
        string[]? RemarkMobiles, int? AddWay, string? State, string[]? Tags, bool Half = false);
    public sealed record EditCustomerRequest(string UserId, string ExternalUserId, string? Remark, string? Description, string[]? RemarkMobiles, string? RemarkCorpName);
    public sealed record TagCustomerRequest(string UserId, string ExternalUserId, string[]? AddTag, string[]? RemoveTag);
    public sealed record RelationRequest(string UserId, string ExternalUserId, bool ByTransfer = false);
    public sealed record CreateTagsRequest(string? GroupId, string? GroupName, string[] Tags);
    public sealed record EditTagRequest(string Id, string? Name, long? Order);
    public sealed record DeleteTagsRequest(string[]? TagId, string[]? GroupId);
    public sealed record TextRequest(string UserId, string Content);
    public sealed record ClickRequest(string UserId, string TaskId, string EventKey);
    public sealed record GenerateRequest(int Members, int Customers, int Seed = 1);
    public sealed record FaultRequest(string Api, int Errcode, int Count = 1, int? HttpStatus = null);
    public sealed record TemplateControlRequest(string Id, string Control, string? Title, bool Require = false);
    public sealed record TemplateRequest(string TemplateId, string? Name, TemplateControlRequest[] Controls);
    public sealed record DecideApprovalRequest(string SpNo, string UserId, string Action, string? Speech);
    public sealed record WithdrawApprovalRequest(string SpNo, string UserId);

    public static RouteGroupBuilder MapWeComDriver(this IEndpointRouteBuilder endpoints)
    {
        var driver = endpoints.MapGroup(SandboxDefaults.WeComDriverPath.TrimEnd('/')).WithTags("Sandbox: WeCom driver");

        driver.MapGet("state", (WeComSandbox s) =>
            {
                var corp = s.Corp;
                var counts = s.Counts;
                return Ok(new
                {
                    corp = new { corp_id = corp.CorpId, agent_id = corp.AgentId, callback_url = corp.CallbackUrl },
                    counts.Members, counts.Customers, counts.Relations, counts.TagGroups, counts.Tags,
                    app_messages = s.AppMessages().Count, robot_messages = s.RobotMessages().Count,
                    card_updates = s.CardUpdates.Count, callbacks = s.Deliveries.Count,
                    gettoken_calls = new { app = s.TokenGrants.App, contact = s.TokenGrants.Contact },
                });
            })
            .WithSummary("The corp and how much is in the Sandbox.");

        driver.MapPost("reset", (WeComSandbox s) => { s.Reset(); return Ok(new { reset = true }); })
            .WithSummary("Forgets members, customers, tags, tokens, faults and everything sent.");

        driver.MapPost("corp", (HttpContext http, WeComSandbox s) => Act<CorpRequest>(http, r =>
            {
                s.Configure(c =>
                {
                    c.CorpId = r.CorpId ?? c.CorpId;
                    c.AgentId = r.AgentId ?? c.AgentId;
                    c.Secret = r.Secret ?? c.Secret;
                    c.ContactSecret = r.ContactSecret ?? c.ContactSecret;
                    c.Token = r.Token ?? c.Token;
                    c.EncodingAESKey = r.EncodingAesKey ?? c.EncodingAESKey;
                    c.CallbackUrl = r.CallbackUrl ?? c.CallbackUrl;
                    c.CallbackTimeout = r.CallbackTimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : c.CallbackTimeout;
                    c.FollowUserPageSize = r.FollowUserPageSize ?? c.FollowUserPageSize;
                });
                var corp = s.Corp;
                return new
                {
                    corp_id = corp.CorpId, agent_id = corp.AgentId, corp.CallbackUrl,
                    callback_timeout_ms = corp.CallbackTimeout.TotalMilliseconds, corp.FollowUserPageSize,
                };
            }))
            .WithSummary("Changes the corp: ids, secrets, callback token/key, callback URL (partial update).");

        driver.MapPost("members", (HttpContext http, WeComSandbox s) => Act<MemberRequest>(http, r => s.AddMember(r.UserId, r.Name, r.Mobile, r.Department, r.DirectLeader)))
            .WithSummary("Adds (or replaces) a member.");

        driver.MapGet("members", (WeComSandbox s) => Ok(s.Members)).WithSummary("All members.");

        driver.MapPost("members/leave", (HttpContext http, WeComSandbox s) => Act<LeaveRequest>(http, r =>
                s.RemoveMember(r.UserId) ? new { left = r.UserId } : throw new SandboxException($"No member '{r.UserId}'.")))
            .WithSummary("A member leaves the corp (no callback is sent): user/get answers 60111 for them from now on.");

        driver.MapPost("customers/add", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<AddCustomerRequest>(http, d, r =>
            {
                var externalUserId = r.ExternalUserId ?? s.NewExternalUserId();
                var customer = new SandboxCustomer
                {
                    ExternalUserId = externalUserId,
                    Name = r.Name ?? "客户",
                    Type = r.Type ?? 1,
                    UnionId = r.UnionId ?? "",
                    Avatar = r.Avatar ?? "",
                    Gender = r.Gender ?? 0,
                    CorpName = r.CorpName ?? "",
                    CorpFullName = r.CorpFullName ?? "",
                    Position = r.Position ?? "",
                };
                var relation = s.AddFollow(r.UserId, customer, f =>
                {
                    f.Remark = r.Remark ?? "";
                    f.Description = r.Description ?? "";
                    f.RemarkMobiles = [.. r.RemarkMobiles ?? []];
                    f.AddWay = r.AddWay ?? 1;
                    f.State = r.State ?? "";
                    f.TagIds.AddRange(r.Tags ?? []);
                }) ?? throw new SandboxException($"Member '{r.UserId}' already follows '{externalUserId}'.");
                var welcomeCode = s.NewWelcomeCode();
                var changeType = r.Half ? "add_half_external_contact" : "add_external_contact";
                var xml = d.BuildXml("sys", "event",
                [
                    ("Event", "change_external_contact"), ("ChangeType", changeType), ("UserID", r.UserId),
                    ("ExternalUserID", externalUserId), ("State", relation.State), ("WelcomeCode", welcomeCode),
                ]);
                return ($"change_external_contact/{changeType}", xml, (object)new { external_userid = externalUserId, welcome_code = welcomeCode });
            }))
            .WithSummary("A rep adds a customer (created when new); fires change_external_contact/add_external_contact.");

        driver.MapPost("customers/edit", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<EditCustomerRequest>(http, d, r =>
            {
                var relation = s.EditFollow(r.UserId, r.ExternalUserId, f =>
                {
                    f.Remark = r.Remark ?? f.Remark;
                    f.Description = r.Description ?? f.Description;
                    f.RemarkMobiles = r.RemarkMobiles is null ? f.RemarkMobiles : [.. r.RemarkMobiles];
                    f.RemarkCorpName = r.RemarkCorpName ?? f.RemarkCorpName;
                });
                return EditEvent(d, r.UserId, r.ExternalUserId, relation.State);
            }))
            .WithSummary("A rep edits remark / description / remark mobiles; fires edit_external_contact.");

        driver.MapPost("customers/tag", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<TagCustomerRequest>(http, d, r =>
            {
                s.MarkTags(r.UserId, r.ExternalUserId, r.AddTag ?? [], r.RemoveTag ?? []);
                return EditEvent(d, r.UserId, r.ExternalUserId, s.FindFollow(r.UserId, r.ExternalUserId)?.State ?? "");
            }))
            .WithSummary("A rep tags / untags a customer in the client; fires edit_external_contact.");

        driver.MapPost("customers/delete-by-member", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<RelationRequest>(http, d, r =>
            {
                s.RemoveFollow(r.UserId, r.ExternalUserId);
                List<(string, object?)> fields =
                [
                    ("Event", "change_external_contact"), ("ChangeType", "del_external_contact"),
                    ("UserID", r.UserId), ("ExternalUserID", r.ExternalUserId),
                ];
                if (r.ByTransfer)
                {
                    fields.Add(("Source", "DELETE_BY_TRANSFER"));
                }
                return ("change_external_contact/del_external_contact", d.BuildXml("sys", "event", fields), (object)new { deleted = true });
            }))
            .WithSummary("A rep deletes a customer; fires del_external_contact (Source=DELETE_BY_TRANSFER with by_transfer).");

        driver.MapPost("customers/delete-member", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<RelationRequest>(http, d, r =>
            {
                s.RemoveFollow(r.UserId, r.ExternalUserId);
                var xml = d.BuildXml("sys", "event",
                [
                    ("Event", "change_external_contact"), ("ChangeType", "del_follow_user"),
                    ("UserID", r.UserId), ("ExternalUserID", r.ExternalUserId),
                ]);
                return ("change_external_contact/del_follow_user", xml, (object)new { deleted = true });
            }))
            .WithSummary("A customer deletes the rep; fires del_follow_user.");

        driver.MapPost("tags/create", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<CreateTagsRequest>(http, d, r =>
            {
                var (group, created, groupCreated) = s.CreateTags(r.GroupId, r.GroupName, r.Tags.Select((name, i) => (name, (long)i)));
                // The platform announces a new group as the group; tags added to an existing group one by one.
                var (id, type) = groupCreated ? (group.GroupId, "tag_group") : (created[0].Id, "tag");
                return ("change_external_tag/create", TagEvent(d, id, type, "create"),
                    (object)new { group_id = group.GroupId, tag_ids = created.Select(t => t.Id).ToArray() });
            }))
            .WithSummary("An admin creates tags (and the group when new); fires change_external_tag create.");

        driver.MapPost("tags/edit", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<EditTagRequest>(http, d, r =>
            {
                var type = s.EditTag(r.Id, r.Name, r.Order);
                return ("change_external_tag/update", TagEvent(d, r.Id, type, "update"), (object)new { id = r.Id, tag_type = type });
            }))
            .WithSummary("An admin renames / reorders a tag or group; fires change_external_tag update.");

        driver.MapPost("tags/delete", async (HttpContext http, WeComSandbox s, CallbackDispatcher d) =>
            {
                try
                {
                    var r = await Body<DeleteTagsRequest>(http);
                    var wait = Wait(http);
                    var deleted = s.DeleteTags(r.TagId ?? [], r.GroupId ?? []);
                    var deliveries = new List<object>();
                    foreach (var (id, type) in deleted)
                    {
                        var task = d.DeliverAsync("change_external_tag/delete", TagEvent(d, id, type, "delete"));
                        if (wait != false)
                        {
                            deliveries.Add(DeliveryView(await task));
                        }
                    }
                    return Ok(new { deleted = deleted.Select(x => new { x.Id, tag_type = x.TagType }), deliveries });
                }
                catch (SandboxException e)
                {
                    return Problem(e);
                }
            })
            .WithSummary("An admin deletes tags / groups; fires change_external_tag delete per deleted item.");

        driver.MapPost("messages/text", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<TextRequest>(http, d, r =>
            {
                if (!s.HasMember(r.UserId))
                {
                    throw new SandboxException($"No member '{r.UserId}'.");
                }
                var msgId = s.NextMsgId();
                var corp = s.Corp;
                var xml = d.BuildXml(r.UserId, "text", [("Content", r.Content), ("MsgId", msgId), ("AgentID", corp.AgentId)]);
                return ("text", xml, (object)new { msg_id = msgId });
            }))
            .WithSummary("A member sends text to the app; fires a text message (MsgId).");

        driver.MapPost("cards/click", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<ClickRequest>(http, d, r =>
            {
                var (responseCode, cardType) = s.ClickCard(r.UserId, r.TaskId, r.EventKey);
                var xml = d.BuildXml(r.UserId, "event",
                [
                    ("Event", "template_card_event"), ("EventKey", r.EventKey), ("TaskId", r.TaskId),
                    ("CardType", cardType), ("ResponseCode", responseCode), ("AgentID", s.Corp.AgentId),
                ]);
                return ("template_card_event", xml, (object)new { response_code = responseCode });
            }))
            .WithSummary("A member clicks a card button; fires template_card_event with a fresh ResponseCode.");

        driver.MapPost("approvals/templates", (HttpContext http, WeComSandbox s) => Act<TemplateRequest>(http, r =>
            {
                var template = new ApprovalTemplate(r.TemplateId, r.Name ?? r.TemplateId,
                    r.Controls.Select(c => new ApprovalTemplateControl(c.Id, c.Control, c.Title ?? c.Id, c.Require)).ToList());
                s.AddTemplate(template);
                return TemplateView(template);
            }))
            .WithSummary("Adds (or replaces) an approval template (审批模板) with its controls.");

        driver.MapGet("approvals/templates", (WeComSandbox s) => Ok(s.Templates.Select(TemplateView)))
            .WithSummary("The approval templates, the contract template first.");

        driver.MapGet("approvals", (WeComSandbox s) => Ok(s.Applications().Select(a => new
            {
                sp_no = a.SpNo, sp_name = a.SpName, template_id = a.TemplateId, creator_userid = a.Creator, sp_status = a.SpStatus,
                statu_change_event = a.StatuChangeEvent, apply_time = a.ApplyTime, a.Summary, a.Notifyer,
                nodes = a.Nodes.Select(n => new
                {
                    n.Attr, sp_status = n.SpStatus,
                    details = n.Details.Select(d => new { d.UserId, sp_status = d.SpStatus, d.Speech, sptime = d.SpTime }),
                }),
                apply_data = new { contents = a.Contents },
            })))
            .WithSummary("Every application filed (oa/applyevent), with its flow and where it stands.");

        driver.MapPost("approvals/decide", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<DecideApprovalRequest>(http, d, r =>
            {
                var approve = r.Action.ToLowerInvariant() switch
                {
                    "approve" or "agree" => true,
                    "reject" or "refuse" => false,
                    _ => throw new SandboxException("action is approve or reject."),
                };
                var info = s.DecideApproval(r.SpNo, r.UserId, approve, r.Speech);
                return ("sys_approval_change", d.ApprovalChangeXml(info), (object)new { sp_no = r.SpNo, sp_status = int.Parse(info.Element("SpStatus")!.Value, System.Globalization.CultureInfo.InvariantCulture) });
            }))
            .WithSummary("An approver of the current node approves or rejects with a speech; fires sys_approval_change (2 同意 / 3 驳回).");

        driver.MapPost("approvals/withdraw", (HttpContext http, WeComSandbox s, CallbackDispatcher d) => ActAndDeliver<WithdrawApprovalRequest>(http, d, r =>
            {
                var info = s.WithdrawApproval(r.SpNo, r.UserId);
                return ("sys_approval_change", d.ApprovalChangeXml(info), (object)new { sp_no = r.SpNo, sp_status = int.Parse(info.Element("SpStatus")!.Value, System.Globalization.CultureInfo.InvariantCulture) });
            }))
            .WithSummary("The applicant withdraws (撤销): status 4, or 6 after approval; fires sys_approval_change (6 / 8).");

        driver.MapPost("directory/generate", (HttpContext http, WeComSandbox s) => Act<GenerateRequest>(http, r =>
            {
                s.GenerateDirectory(r.Members, r.Customers, r.Seed);
                var counts = s.Counts;
                return new { counts.Members, counts.Customers, counts.Relations, counts.TagGroups, counts.Tags };
            }))
            .WithSummary("Adds N members and M customers (same seed, same directory); fires no callbacks.");

        driver.MapPost("tokens/expire", (WeComSandbox s) => Ok(new { expired = s.ExpireTokens() }))
            .WithSummary("Every token issued so far answers 42001 from now on.");

        driver.MapPost("faults", (HttpContext http, WeComSandbox s) => Act<FaultRequest>(http, r =>
            {
                s.InjectFault(r.Api, r.Errcode, r.Count, r.HttpStatus);
                return new { r.Api, r.Errcode, r.Count };
            }))
            .WithSummary("The next count calls to api (e.g. message/send, or * for all) answer errcode.");

        driver.MapDelete("faults", (WeComSandbox s) => { s.ClearFaults(); return Ok(new { cleared = true }); })
            .WithSummary("Removes pending faults.");

        driver.MapGet("customers/{externalUserId}", (string externalUserId, WeComSandbox s) =>
                s.FindCustomer(externalUserId) is { } c ? Ok(c) : Results.NotFound())
            .WithSummary("One customer as the Sandbox holds it.");

        driver.MapGet("sent/app", (string? userid, WeComSandbox s) => Ok(s.AppMessages(userid)))
            .WithSummary("App messages CrmChat sent, one row per receiving member (filter ?userid=).");
        driver.MapGet("sent/robot", (string? key, WeComSandbox s) => Ok(s.RobotMessages(key)))
            .WithSummary("Group robot messages CrmChat sent (filter ?key=).");
        driver.MapGet("sent/card-updates", (WeComSandbox s) => Ok(s.CardUpdates))
            .WithSummary("message/update_template_card calls that succeeded.");
        driver.MapGet("callbacks", (WeComSandbox s) => Ok(s.Deliveries.Select(DeliveryView)))
            .WithSummary("Every callback with its event XML and delivery attempts (status, time, error).");

        return driver;
    }

    private static (string, string, object) EditEvent(CallbackDispatcher d, string userId, string externalUserId, string state) =>
        ("change_external_contact/edit_external_contact",
            d.BuildXml("sys", "event",
            [
                ("Event", "change_external_contact"), ("ChangeType", "edit_external_contact"),
                ("UserID", userId), ("ExternalUserID", externalUserId), ("State", state),
            ]),
            new { edited = true });

    private static string TagEvent(CallbackDispatcher d, string id, string tagType, string changeType) =>
        d.BuildXml("sys", "event", [("Event", "change_external_tag"), ("Id", id), ("TagType", tagType), ("ChangeType", changeType)]);

    private static object TemplateView(ApprovalTemplate t) => new
    {
        template_id = t.TemplateId, t.Name,
        controls = t.Controls.Select(c => new { c.Id, c.Control, c.Title, require = c.Required }),
    };

    internal static object DeliveryView(CallbackDelivery d) => new
    {
        d.Id, d.Kind, d.Url, d.Delivered, d.Xml,
        attempts = d.Attempts.Select(a => new { a.Number, status = a.StatusCode, a.Error, a.At, elapsed_ms = Math.Round(a.ElapsedMs, 1) }),
    };

    private static IResult Problem(SandboxException e) =>
        Results.Json(new { error = e.Message, errcode = e.ErrCode }, Json, statusCode: StatusCodes.Status400BadRequest);

    private static Task<IResult> Act<T>(HttpContext http, Func<T, object> action) => SandboxDriver.Act(http, action, Problem);

    private static async Task<IResult> ActAndDeliver<T>(HttpContext http, CallbackDispatcher dispatcher, Func<T, (string Kind, string Xml, object Result)> action)
    {
        (string Kind, string Xml, object Result) done;
        var wait = Wait(http);
        try
        {
            done = action(await Body<T>(http));
        }
        catch (SandboxException e)
        {
            return Problem(e);
        }
        var delivery = dispatcher.DeliverAsync(done.Kind, done.Xml);
        if (wait == false)
        {
            return Ok(new { result = done.Result, delivery = (object?)null });
        }
        return Ok(new { result = done.Result, delivery = DeliveryView(await delivery) });
    }
}

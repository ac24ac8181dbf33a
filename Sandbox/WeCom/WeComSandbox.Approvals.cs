using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace CrmChat.Sandbox.WeCom;

/// <summary>A control of an approval template: its id (e.g. <c>Text-1700000000001</c>), kind (Text, Money, …) and title.</summary>
public sealed record ApprovalTemplateControl(string Id, string Control, string Title, bool Required);

/// <summary>An approval template (审批模板) in the Sandbox corp's approval app. It has no flow of its own.</summary>
public sealed record ApprovalTemplate(string TemplateId, string Name, IReadOnlyList<ApprovalTemplateControl> Controls);

/// <summary>One approver of a node: 1 waiting, 2 agreed, 3 rejected; SpTime 0 until they act.</summary>
public sealed class ApprovalDetail
{
    public required string UserId { get; init; }
    public int SpStatus { get; set; } = 1;
    public string Speech { get; set; } = "";
    public long SpTime { get; set; }
}

/// <summary>A node of the flow: 1 = 或签 (anyone), 2 = 会签 (everyone); 1 reviewing, 2 approved, 3 rejected.</summary>
public sealed class ApprovalNode
{
    public required int Attr { get; init; }
    public required List<ApprovalDetail> Details { get; init; }
    public int SpStatus { get; set; } = 1;
}

/// <summary>An application (审批单) in the Sandbox: 1 reviewing, 2 approved, 3 rejected, 4 withdrawn, 6 withdrawn after approval.</summary>
public sealed class ApprovalApplication
{
    public required string SpNo { get; init; }
    public required string SpName { get; init; }
    public required string TemplateId { get; init; }
    public required string Creator { get; init; }
    public required string Party { get; init; }
    public required long ApplyTime { get; init; }
    public required List<ApprovalNode> Nodes { get; init; }
    public required List<string> Notifyer { get; init; }
    public required JsonArray Contents { get; init; }
    public required List<string> Summary { get; init; }
    public int SpStatus { get; set; } = 1;
    /// <summary>What last happened: 1 提单, 2 同意, 3 驳回, 6 撤销, 8 通过后撤销.</summary>
    public int StatuChangeEvent { get; set; } = 1;
}

/// <summary>
/// The corp's approval app (OA 审批): templates, <c>oa/applyevent</c>, <c>oa/getapprovaldetail</c>,
/// and what approvers and applicants do in the app, each of which fires <c>sys_approval_change</c>.
/// </summary>
public sealed partial class WeComSandbox
{
    private readonly Dictionary<string, ApprovalTemplate> _templates = [];
    private readonly Dictionary<string, ApprovalApplication> _applications = [];
    private readonly List<string> _applicationOrder = [];
    private int _nextSpNo = 1;

    /// <summary>The contract template every Sandbox corp has (<see cref="SandboxDefaults.ApprovalTemplateId"/>).</summary>
    public static ApprovalTemplate ContractTemplate { get; } = new(SandboxDefaults.ApprovalTemplateId, SandboxDefaults.ApprovalTemplateName,
    [
        new(SandboxDefaults.ApprovalCustomerControl, "Text", "客户", true),
        new(SandboxDefaults.ApprovalTitleControl, "Text", "合同名称", true),
        new(SandboxDefaults.ApprovalAmountControl, "Money", "合同金额", true),
    ]);

    private void ResetApprovals()
    {
        _templates.Clear();
        _applications.Clear();
        _applicationOrder.Clear();
        _nextSpNo = 1;
        _templates[ContractTemplate.TemplateId] = ContractTemplate;
    }

    public void AddTemplate(ApprovalTemplate template)
    {
        if (string.IsNullOrWhiteSpace(template.TemplateId) || template.Controls.Any(c => string.IsNullOrWhiteSpace(c.Id) || string.IsNullOrWhiteSpace(c.Control)))
        {
            throw new SandboxException("A template needs a template_id, and each control an id and a control type.");
        }
        lock (_gate)
        {
            _templates[template.TemplateId] = template;
        }
    }

    public IReadOnlyList<ApprovalTemplate> Templates
    {
        get
        {
            lock (_gate)
            {
                return _templates.Values.ToList();
            }
        }
    }

    public IReadOnlyList<ApprovalApplication> Applications()
    {
        lock (_gate)
        {
            return _applicationOrder.Select(n => _applications[n]).ToList();
        }
    }

    /// <summary><c>POST oa/applyevent</c>: files an application; answers its sp_no, and the ApprovalInfo of the 提单 callback.</summary>
    public (JsonObject Reply, XElement? Info) ApplyEvent(JsonObject body)
    {
        lock (_gate)
        {
            var creator = Str(body["creator_userid"]);
            var templateId = Str(body["template_id"]);
            if (string.IsNullOrEmpty(creator) || string.IsNullOrEmpty(templateId))
            {
                return (WeComReply.Error(WeComErrors.InvalidParameter, "invalid parameter: creator_userid and template_id are required"), null);
            }
            if (!_templates.TryGetValue(templateId, out var template))
            {
                return (ApprovalError($"template_id '{templateId}' not found"), null);
            }
            if (!_members.TryGetValue(creator, out var creatorMember))
            {
                return (ApprovalError("creator_userid not in app visiable range"), null);
            }
            if (body["use_template_approver"] is JsonValue useTemplate && Str(useTemplate) != "0")
            {
                return (ApprovalError("the Sandbox's templates have no flow of their own: pass approver with use_template_approver 0"), null);
            }

            var nodes = new List<ApprovalNode>();
            foreach (var node in (body["approver"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var userIds = StrList(node["userid"]);
                var attr = node["attr"] is JsonValue a && int.TryParse(Str(a), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
                if (userIds.Count == 0)
                {
                    return (ApprovalError("approver node without userid"), null);
                }
                if (attr is not (1 or 2) && userIds.Count > 1)
                {
                    return (ApprovalError("approver node with several userids needs attr 1 (或签) or 2 (会签)"), null);
                }
                if (userIds.FirstOrDefault(u => !_members.ContainsKey(u)) is { } unknown)
                {
                    return (ApprovalError($"approver userid '{unknown}' invalid"), null);
                }
                nodes.Add(new ApprovalNode { Attr = attr is 2 ? 2 : 1, Details = userIds.Distinct().Select(u => new ApprovalDetail { UserId = u }).ToList() });
            }
            if (nodes.Count == 0)
            {
                return (ApprovalError("approver is required when use_template_approver is 0"), null);
            }

            var contents = new JsonArray();
            foreach (var item in (body["apply_data"]?["contents"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var id = Str(item["id"]);
                var control = template.Controls.FirstOrDefault(c => c.Id == id);
                if (control is null)
                {
                    return (ApprovalError($"control id '{id}' is not in template {templateId}"), null);
                }
                if (Str(item["control"]) != control.Control)
                {
                    return (ApprovalError($"control '{id}' is a {control.Control}, not a {Str(item["control"])}"), null);
                }
                var value = item["value"] as JsonObject ?? [];
                if (ControlValueProblem(control, value) is { } problem)
                {
                    return (ApprovalError(problem), null);
                }
                contents.Add(new JsonObject
                {
                    ["control"] = control.Control,
                    ["id"] = control.Id,
                    ["title"] = new JsonArray(new JsonObject { ["text"] = control.Title, ["lang"] = "zh_CN" }),
                    ["value"] = value.DeepClone(),
                });
            }
            if (template.Controls.FirstOrDefault(c => c.Required && contents.OfType<JsonObject>().All(x => Str(x["id"]) != c.Id)) is { } missing)
            {
                return (ApprovalError($"required control '{missing.Id}' ({missing.Title}) has no value"), null);
            }

            var summary = new List<string>();
            var summaries = body["summary_list"] as JsonArray ?? [];
            if (summaries.Count > 3)
            {
                return (ApprovalError("summary_list has at most 3 lines"), null);
            }
            foreach (var line in summaries.OfType<JsonObject>())
            {
                var text = (line["summary_info"] as JsonArray ?? []).OfType<JsonObject>().Select(t => Str(t["text"])).FirstOrDefault(t => !string.IsNullOrEmpty(t));
                if (text is null)
                {
                    return (ApprovalError("summary_list line without summary_info text"), null);
                }
                summary.Add(text);
            }

            var application = new ApprovalApplication
            {
                SpNo = Now.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + (_nextSpNo++).ToString("D4", CultureInfo.InvariantCulture),
                SpName = template.Name,
                TemplateId = template.TemplateId,
                Creator = creator,
                Party = creatorMember.Department.FirstOrDefault(1).ToString(CultureInfo.InvariantCulture),
                ApplyTime = UnixNow,
                Nodes = nodes,
                Notifyer = StrList(body["notifyer"]).Where(_members.ContainsKey).ToList(),
                Contents = contents,
                Summary = summary,
            };
            _applications[application.SpNo] = application;
            _applicationOrder.Add(application.SpNo);
            return (WeComReply.Ok(new JsonObject { ["sp_no"] = application.SpNo }), ApprovalInfo(application));
        }
    }

    /// <summary><c>POST oa/getapprovaldetail {sp_no}</c>.</summary>
    public JsonObject ApprovalDetail(JsonObject body)
    {
        lock (_gate)
        {
            var spNo = Str(body["sp_no"]);
            if (string.IsNullOrEmpty(spNo))
            {
                return WeComReply.Error(WeComErrors.InvalidParameter, "invalid parameter: sp_no is required");
            }
            if (!_applications.TryGetValue(spNo, out var a))
            {
                return ApprovalError($"sp_no '{spNo}' not found");
            }
            var info = new JsonObject
            {
                ["sp_no"] = a.SpNo,
                ["sp_name"] = a.SpName,
                ["sp_status"] = a.SpStatus,
                ["template_id"] = a.TemplateId,
                ["apply_time"] = a.ApplyTime,
                ["applyer"] = new JsonObject { ["userid"] = a.Creator, ["partyid"] = a.Party },
                ["sp_record"] = new JsonArray([.. a.Nodes.Select(n => new JsonObject
                {
                    ["sp_status"] = n.SpStatus,
                    ["approverattr"] = n.Attr,
                    ["details"] = new JsonArray([.. n.Details.Select(d => new JsonObject
                    {
                        ["approver"] = new JsonObject { ["userid"] = d.UserId },
                        ["speech"] = d.Speech,
                        ["sp_status"] = d.SpStatus,
                        ["sptime"] = d.SpTime,
                        ["media_id"] = new JsonArray(),
                    })]),
                })]),
                ["notifyer"] = new JsonArray([.. a.Notifyer.Select(u => new JsonObject { ["userid"] = u })]),
                ["apply_data"] = new JsonObject { ["contents"] = a.Contents.DeepClone() },
                ["comments"] = new JsonArray(),
            };
            return WeComReply.Ok(new JsonObject { ["info"] = info });
        }
    }

    /// <summary>An approver of the current node agrees or rejects in the app; returns the ApprovalInfo of the callback.</summary>
    public XElement DecideApproval(string spNo, string userId, bool approve, string? speech)
    {
        lock (_gate)
        {
            var a = ReviewingApplication(spNo);
            var node = a.Nodes.First(n => n.SpStatus == 1);
            var detail = node.Details.FirstOrDefault(d => d.UserId == userId && d.SpStatus == 1)
                ?? throw new SandboxException($"'{userId}' has nothing to decide in {spNo} now: the current node waits for {string.Join(", ", node.Details.Where(d => d.SpStatus == 1).Select(d => d.UserId))}.");
            detail.SpStatus = approve ? 2 : 3;
            detail.Speech = speech ?? "";
            detail.SpTime = UnixNow;
            a.StatuChangeEvent = approve ? 2 : 3;
            if (!approve)
            {
                node.SpStatus = 3;
                a.SpStatus = 3;
            }
            else if (node.Attr == 1 || node.Details.All(d => d.SpStatus == 2))
            {
                node.SpStatus = 2;
                if (a.Nodes.All(n => n.SpStatus == 2))
                {
                    a.SpStatus = 2;
                }
            }
            return ApprovalInfo(a);
        }
    }

    /// <summary>The applicant withdraws (撤销): 4 while reviewing, 6 once approved; returns the ApprovalInfo of the callback.</summary>
    public XElement WithdrawApproval(string spNo, string userId)
    {
        lock (_gate)
        {
            if (!_applications.TryGetValue(spNo, out var a))
            {
                throw new SandboxException($"No application '{spNo}'.");
            }
            if (a.Creator != userId)
            {
                throw new SandboxException($"Only the applicant '{a.Creator}' can withdraw {spNo}.");
            }
            (a.SpStatus, a.StatuChangeEvent) = a.SpStatus switch
            {
                1 => (4, 6),
                2 => (6, 8),
                _ => throw new SandboxException($"{spNo} has status {a.SpStatus}: only a reviewing (1) or approved (2) application can be withdrawn."),
            };
            return ApprovalInfo(a);
        }
    }

    private ApprovalApplication ReviewingApplication(string spNo)
    {
        if (!_applications.TryGetValue(spNo, out var a))
        {
            throw new SandboxException($"No application '{spNo}'.");
        }
        return a.SpStatus == 1 ? a : throw new SandboxException($"{spNo} has status {a.SpStatus}, not 1 (reviewing).");
    }

    /// <summary>The <c>ApprovalInfo</c> element of a <c>sys_approval_change</c> callback, as WeCom writes it.</summary>
    private static XElement ApprovalInfo(ApprovalApplication a)
    {
        var info = new XElement("ApprovalInfo",
            new XElement("SpNo", a.SpNo),
            new XElement("SpName", new XCData(a.SpName)),
            new XElement("SpStatus", a.SpStatus),
            new XElement("TemplateId", new XCData(a.TemplateId)),
            new XElement("ApplyTime", a.ApplyTime),
            new XElement("Applyer", new XElement("UserId", new XCData(a.Creator)), new XElement("Party", new XCData(a.Party))));
        foreach (var node in a.Nodes)
        {
            info.Add(new XElement("SpRecord",
                new XElement("SpStatus", node.SpStatus),
                new XElement("ApproverAttr", node.Attr),
                node.Details.Select(d => new XElement("Details",
                    new XElement("Approver", new XElement("UserId", new XCData(d.UserId))),
                    new XElement("Speech", new XCData(d.Speech)),
                    new XElement("SpStatus", d.SpStatus),
                    new XElement("SpTime", d.SpTime)))));
        }
        foreach (var userId in a.Notifyer)
        {
            info.Add(new XElement("Notifyer", new XElement("UserId", new XCData(userId))));
        }
        info.Add(new XElement("StatuChangeEvent", a.StatuChangeEvent));
        return info;
    }

    private static string? ControlValueProblem(ApprovalTemplateControl control, JsonObject value)
    {
        switch (control.Control)
        {
            case "Text" or "Textarea":
                var text = Str(value["text"]);
                return control.Required && string.IsNullOrWhiteSpace(text) ? $"control '{control.Id}' ({control.Title}) needs value.text" : null;
            case "Money" or "Number":
                var field = control.Control == "Money" ? "new_money" : "new_number";
                var number = Str(value[field]);
                if (string.IsNullOrWhiteSpace(number))
                {
                    return control.Required ? $"control '{control.Id}' ({control.Title}) needs value.{field}" : null;
                }
                return decimal.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                    ? null
                    : $"control '{control.Id}' ({control.Title}): value.{field} '{number}' is not a number";
            default:
                return null;
        }
    }

    private static JsonObject ApprovalError(string what) =>
        WeComReply.Error(WeComErrors.ApprovalParameterError, "get approval param error:" + what);
}

using System.Globalization;
using System.Text.Json.Nodes;
using CrmChat.Sandbox.WeCom;

namespace CrmChat.Sandbox.DingTalk;

/// <summary>Approval (OA 审批) process instances and the bpms events their changes fire.</summary>
public sealed partial class DingTalkSandbox
{
    private readonly Dictionary<string, string> _processes = [];
    private readonly Dictionary<string, ApprovalInstance> _instances = [];

    /// <summary>Adds an approval form CrmChat may start instances of.</summary>
    public void AddProcess(string processCode, string name)
    {
        lock (_gate)
        {
            _processes[processCode] = name;
        }
    }

    /// <summary><c>POST v1.0/workflow/processInstances</c>: starts an instance; returns its id and the events it fires.</summary>
    public (string InstanceId, List<JsonObject> Events) CreateInstance(JsonObject body)
    {
        lock (_gate)
        {
            var processCode = Str(body["processCode"]);
            var originator = Str(body["originatorUserId"]);
            if (string.IsNullOrEmpty(processCode) || string.IsNullOrEmpty(originator))
            {
                throw new DingTalkApiException(400, DingTalkErrors.MissingParameterCode, "processCode and originatorUserId are mandatory for this action.");
            }
            if (!_processes.TryGetValue(processCode, out var processName))
            {
                throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, $"审批模板不存在: processCode '{processCode}'");
            }
            if (!_users.TryGetValue(originator, out var originatorUser))
            {
                throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, $"发起人不存在: originatorUserId '{originator}'");
            }
            var steps = new List<ApprovalStep>();
            foreach (var approver in (body["approvers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var userIds = StrList(approver["userIds"]).ToArray();
                var actionType = (Str(approver["actionType"]) ?? "NONE").ToUpperInvariant();
                if (userIds.Length == 0 || actionType is not ("AND" or "OR" or "NONE") || (actionType == "NONE" && userIds.Length > 1))
                {
                    throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter,
                        "each approvers entry needs userIds and actionType AND (all agree), OR (any one) or NONE (a single approver)");
                }
                if (userIds.FirstOrDefault(u => !_users.ContainsKey(u)) is { } unknown)
                {
                    throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, $"审批人不存在: '{unknown}'");
                }
                steps.Add(new ApprovalStep(actionType, userIds));
            }
            if (steps.Count == 0)
            {
                throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, "approvers is mandatory in the Sandbox: its forms define no approvers of their own.");
            }
            var form = new JsonArray();
            foreach (var value in (body["formComponentValues"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (string.IsNullOrEmpty(Str(value["name"])))
                {
                    throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, "formComponentValues entries need a name.");
                }
                form.Add(new JsonObject
                {
                    ["id"] = Str(value["id"]) ?? "TextField-" + form.Count,
                    ["name"] = Str(value["name"]),
                    ["value"] = Str(value["value"]) ?? "",
                    ["extValue"] = Str(value["extValue"]) ?? "",
                    ["componentType"] = Str(value["componentType"]) ?? "TextField",
                    ["bizAlias"] = "",
                });
            }
            if (form.Count == 0)
            {
                throw new DingTalkApiException(400, DingTalkErrors.MissingParameterCode, "formComponentValues is mandatory for this action.");
            }
            long deptId = body["deptId"] is JsonValue dept && long.TryParse(Str(dept), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var d)
                ? d : originatorUser.DeptIdList.FirstOrDefault(1);

            var instance = new ApprovalInstance
            {
                InstanceId = Guid.NewGuid().ToString("D"),
                ProcessCode = processCode,
                Title = $"{(originatorUser.Name.Length > 0 ? originatorUser.Name : originator)}提交的{processName}",
                OriginatorUserId = originator,
                DeptId = deptId,
                Steps = steps,
                FormComponentValues = form,
                CcList = [.. StrList(body["ccList"])],
                BusinessId = Now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + (_nextId++ % 1_000_000).ToString("D6", CultureInfo.InvariantCulture),
                CreateTime = Now,
            };
            instance.Records.Add(new OperationRecord(originator, Now, "START_PROCESS_INSTANCE", "NONE", null));
            _instances[instance.InstanceId] = instance;

            var events = new List<JsonObject> { InstanceEvent(instance, "start", originator) };
            events.AddRange(StartStep(instance));
            return (instance.InstanceId, events);
        }
    }

    /// <summary><c>GET v1.0/workflow/processInstances?processInstanceId=</c>.</summary>
    public JsonObject GetInstance(string? instanceId)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(instanceId))
            {
                throw new DingTalkApiException(400, DingTalkErrors.MissingParameterCode, "processInstanceId is mandatory for this action.");
            }
            if (!_instances.TryGetValue(instanceId, out var i))
            {
                throw new DingTalkApiException(400, DingTalkErrors.InvalidParameter, $"审批实例不存在: processInstanceId '{instanceId}'");
            }
            var result = new JsonObject
            {
                ["title"] = i.Title,
                ["createTime"] = Iso(i.CreateTime),
                ["finishTime"] = i.FinishTime is { } f ? Iso(f) : null,
                ["originatorUserId"] = i.OriginatorUserId,
                ["originatorDeptId"] = i.DeptId.ToString(CultureInfo.InvariantCulture),
                ["originatorDeptName"] = "销售部",
                ["status"] = i.Status,
                ["result"] = i.Result,
                ["businessId"] = i.BusinessId,
                ["processCode"] = i.ProcessCode,
                ["approverUserIds"] = new JsonArray([.. i.Steps.SelectMany(s => s.UserIds).Distinct().Select(u => JsonValue.Create(u))]),
                ["ccUserIds"] = new JsonArray([.. i.CcList.Select(u => JsonValue.Create(u))]),
                ["bizAction"] = "NONE",
                ["formComponentValues"] = i.FormComponentValues.DeepClone(),
                ["operationRecords"] = new JsonArray([.. i.Records.Select(r => new JsonObject
                {
                    ["userId"] = r.UserId, ["date"] = Iso(r.Date), ["type"] = r.Type, ["result"] = r.Result, ["remark"] = r.Remark,
                })]),
                ["tasks"] = new JsonArray([.. i.Tasks.Select(t => new JsonObject
                {
                    ["taskId"] = t.TaskId, ["userId"] = t.UserId, ["status"] = t.Status, ["result"] = t.Result,
                    ["createTime"] = Iso(t.CreateTime), ["finishTime"] = t.FinishTime is { } tf ? Iso(tf) : null,
                    ["mobileUrl"] = TaskUrl(i, t), ["pcUrl"] = TaskUrl(i, t), ["processInstanceId"] = i.InstanceId, ["activityId"] = t.ActivityId,
                })]),
                ["attachedProcessInstanceIds"] = new JsonArray(),
            };
            return new JsonObject { ["result"] = result, ["success"] = true };
        }
    }

    /// <summary>An approver agrees or refuses their running task; returns the events it fires.</summary>
    public List<JsonObject> Decide(string instanceId, string userId, bool agree, string? remark)
    {
        lock (_gate)
        {
            var instance = RunningInstance(instanceId);
            var task = instance.Tasks.FirstOrDefault(t => t.UserId == userId && t.Status == "RUNNING")
                ?? throw new SandboxException($"'{userId}' has no running task in instance '{instanceId}'.");
            task.Status = "COMPLETED";
            task.Result = agree ? "AGREE" : "REFUSE";
            task.FinishTime = Now;
            instance.Records.Add(new OperationRecord(userId, Now, "EXECUTE_TASK_NORMAL", task.Result, remark));
            var events = new List<JsonObject> { TaskEvent(instance, task, "finish", remark) };

            var step = instance.Steps[instance.CurrentStep];
            var stepDone = !agree || step.ActionType != "AND" || instance.Tasks.Where(t => t.ActivityId == StepActivity(instance.CurrentStep)).All(t => t.Status == "COMPLETED");
            if (!stepDone)
            {
                return events;
            }
            events.AddRange(CancelRunningTasks(instance));
            if (agree && instance.CurrentStep + 1 < instance.Steps.Count)
            {
                instance.CurrentStep++;
                events.AddRange(StartStep(instance));
                return events;
            }
            instance.Status = "COMPLETED";
            instance.Result = agree ? "agree" : "refuse";
            instance.FinishTime = Now;
            events.Add(InstanceEvent(instance, "finish", userId));
            return events;
        }
    }

    /// <summary>The originator withdraws (撤销) the instance; returns the events it fires.</summary>
    public List<JsonObject> Terminate(string instanceId, string userId, string? remark)
    {
        lock (_gate)
        {
            var instance = RunningInstance(instanceId);
            if (userId != instance.OriginatorUserId)
            {
                throw new SandboxException($"Only the originator '{instance.OriginatorUserId}' can terminate instance '{instanceId}'.");
            }
            var events = CancelRunningTasks(instance);
            instance.Status = "TERMINATED";
            instance.FinishTime = Now;
            instance.Records.Add(new OperationRecord(userId, Now, "TERMINATE_PROCESS_INSTANCE", "NONE", remark));
            events.Add(InstanceEvent(instance, "terminate", userId));
            return events;
        }
    }

    public IReadOnlyList<ApprovalInstance> Instances()
    {
        lock (_gate)
        {
            return _instances.Values.OrderBy(i => i.CreateTime).ToList();
        }
    }

    private ApprovalInstance RunningInstance(string instanceId)
    {
        if (!_instances.TryGetValue(instanceId, out var instance))
        {
            throw new SandboxException($"No approval instance '{instanceId}'.");
        }
        if (instance.Status != "RUNNING")
        {
            throw new SandboxException($"Instance '{instanceId}' is {instance.Status}, not RUNNING.");
        }
        return instance;
    }

    private static string StepActivity(int step) => $"sid-step{step + 1}";

    private List<JsonObject> StartStep(ApprovalInstance instance)
    {
        var events = new List<JsonObject>();
        foreach (var userId in instance.Steps[instance.CurrentStep].UserIds)
        {
            var task = new ApprovalTask { TaskId = 60_000_000_000L + _nextId++, UserId = userId, ActivityId = StepActivity(instance.CurrentStep), CreateTime = Now };
            instance.Tasks.Add(task);
            events.Add(TaskEvent(instance, task, "start", null));
        }
        return events;
    }

    private List<JsonObject> CancelRunningTasks(ApprovalInstance instance)
    {
        var events = new List<JsonObject>();
        foreach (var task in instance.Tasks.Where(t => t.Status == "RUNNING"))
        {
            task.Status = "CANCELED";
            task.FinishTime = Now;
            events.Add(TaskEvent(instance, task, "cancel", null));
        }
        return events;
    }

    private JsonObject InstanceEvent(ApprovalInstance i, string type, string staffId)
    {
        var e = BpmsEvent("bpms_instance_change", i, type, staffId);
        e["url"] = $"https://aflow.dingtalk.com/dingtalk/mobile/homepage.htm?corpid={_app.CorpId}&procInstId={i.InstanceId}#approval";
        if (type != "start")
        {
            e["finishTime"] = NowMs;
        }
        if (type == "finish")
        {
            e["result"] = i.Result;
        }
        return e;
    }

    private JsonObject TaskEvent(ApprovalInstance i, ApprovalTask task, string type, string? remark)
    {
        var e = BpmsEvent("bpms_task_change", i, type, task.UserId);
        e["taskId"] = task.TaskId;
        if (type == "finish")
        {
            e["result"] = task.Result == "AGREE" ? "agree" : "refuse";
            e["remark"] = remark ?? "";
        }
        if (type != "start")
        {
            e["finishTime"] = NowMs;
        }
        return e;
    }

    private JsonObject BpmsEvent(string eventType, ApprovalInstance i, string type, string staffId) => new()
    {
        ["EventType"] = eventType,
        ["processInstanceId"] = i.InstanceId,
        ["corpId"] = _app.CorpId,
        ["createTime"] = i.CreateTime.ToUnixTimeMilliseconds(),
        ["title"] = i.Title,
        ["type"] = type,
        ["staffId"] = staffId,
        ["processCode"] = i.ProcessCode,
        ["bizCategoryId"] = "",
        ["businessId"] = i.BusinessId,
    };

    private string TaskUrl(ApprovalInstance i, ApprovalTask t) =>
        $"https://aflow.dingtalk.com/dingtalk/mobile/homepage.htm?corpid={_app.CorpId}&procInstId={i.InstanceId}&taskId={t.TaskId}#approval";

    /// <summary>DingTalk v1.0 times: ISO 8601 in UTC to the minute, e.g. 2025-06-01T01:00Z.</summary>
    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);

    /// <summary>An org event (user_add_org …) as DingTalk pushes it.</summary>
    public JsonObject OrgEvent(string eventType, IEnumerable<string> userIds) => new()
    {
        ["EventType"] = eventType,
        ["TimeStamp"] = NowMs.ToString(CultureInfo.InvariantCulture),
        ["UserId"] = new JsonArray([.. userIds.Select(u => JsonValue.Create(u))]),
        ["CorpId"] = App.CorpId,
    };
}

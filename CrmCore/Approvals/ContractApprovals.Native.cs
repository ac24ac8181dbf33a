using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.CrmCore.Approvals;

/// <summary>What <see cref="ContractApprovals.ApplyNativeAsync"/> did with a platform's view of an approval.</summary>
public enum NativeApplyResult
{
    /// <summary>No request of CrmChat's has this instance: an approval someone filed in the app themselves.</summary>
    NotOurs,
    /// <summary>CrmChat already knew everything the platform said.</summary>
    Unchanged,
    Changed,
}

/// <summary>Native mode: the platform's approval app decides, CrmChat files the application and follows it.</summary>
public sealed partial class ContractApprovals
{
    /// <summary>The platform's approval app by the names its users know it by.</summary>
    public static string NativeAppName(Platform platform) => platform switch
    {
        Platform.WeCom => "企业微信审批 WeCom Approvals",
        Platform.DingTalk => "钉钉审批 DingTalk Approvals",
        _ => platform.ToString(),
    };

    /// <summary>
    /// Files the request in the platform's app and records it with the instance id. Called with the
    /// steps resolved and checked; nothing is tracked until the platform accepted it, so a refusal
    /// leaves the contract a draft.
    /// </summary>
    private async Task<ApprovalAnswer> SubmitNativeAsync(Contract contract, Employee requester, ApprovalRuleOptions rule, ApprovalRequest request, CancellationToken ct)
    {
        var platform = request.Platform;
        var app = NativeAppName(platform);
        var native = nativeApps.FirstOrDefault(n => n.Platform == platform);
        if (native is null)
        {
            return Refused("审批应用不可用 Approval app unavailable",
                $"Approvals:{platform}:Mode 为 Native，但这个 CrmChat 没有连接{app}。合同保持草稿，请联系管理员。" +
                $"Approvals:{platform}:Mode is Native but this CrmChat has no connection to {platform}'s approval app; the contract stays a draft. Ask your admin.");
        }
        if (requester.UserIdOn(platform) is not { } requesterUserId)
        {
            return Refused("无法提交 Cannot file",
                $"你没有{platform}账号，无法在{app}中提交，合同保持草稿。You have no {platform} account to file it under; the contract stays a draft.");
        }
        var ids = request.Steps.SelectMany(s => s.Approvers).Select(a => a.EmployeeId).Distinct().ToList();
        var people = await db.Employees.Where(e => ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var facts = await FactsAsync(request, contract, ct);
        var steps = request.Steps.OrderBy(s => s.Order)
            .Select(s => new NativeApprovalStep(s.Name, s.Rule, s.Approvers.Select(a => people[a.EmployeeId].UserIdOn(platform)!).ToList()))
            .ToList();

        string instanceId;
        try
        {
            instanceId = await native.StartAsync(new NativeApprovalApplication(request.Id, facts, requesterUserId, steps), ct);
        }
        catch (NativeApprovalException e)
        {
            return e.Refused
                ? Refused("审批应用拒绝了申请 Refused by the approval app",
                    $"{app}没有接受这份合同审批（{e.Message}）。合同保持草稿，请联系管理员。{platform} refused the application; the contract stays a draft. Ask your admin.")
                : Refused("审批应用暂时无法访问 Approval app unreachable",
                    $"暂时无法提交到{app}（{e.Message}）。合同保持草稿，请稍后再发一次。Could not reach {platform}'s approval app; the contract stays a draft. Please send it again later.");
        }

        var now = clock.GetUtcNow();
        request.Mode = ApprovalMode.NativeOa;
        request.ExternalInstanceId = instanceId;
        contract.Status = ContractStatus.PendingApproval;
        contract.UpdatedAt = now;
        db.ApprovalRequests.Add(request);
        Record(requester, contract, request, ActivityKind.ContractSubmitted,
            $"{requester.Name} 提交合同审批“{contract.Title}” {facts.AmountText}（规则 {rule.Name}，{app} {instanceId}）", "submitted", null,
            new { rule = rule.Name, steps = request.Steps.Select(s => s.Name), mode = "native", platform = platform.ToString(), instance = instanceId });
        await db.SaveChangesAsync(ct);
        var waiting = string.Join(" → ", request.Steps.OrderBy(s => s.Order).Select(s => string.Join("、", s.Approvers.Select(a => people[a.EmployeeId].Name))));
        return new(ApprovalCards.FiledInApp(facts, app, instanceId, waiting), true);
    }

    /// <summary>
    /// Brings a native request in line with the platform's current view of it: decisions CrmChat
    /// has not seen are recorded once each, steps settle, and the request and the contract follow
    /// the platform's outcome, each change with an Activity, an AuditEntry and the requester told.
    /// The view may be older than what CrmChat already applied (events arrive late and out of
    /// order); it never undoes anything: decisions are only added, and a settled request moves only
    /// from Approved to Withdrawn (WeCom's 通过后撤销). Saves; runs in the caller's transaction.
    /// </summary>
    public async Task<NativeApplyResult> ApplyNativeAsync(Platform platform, NativeApprovalSnapshot snapshot, CancellationToken ct)
    {
        var request = await db.ApprovalRequests.Include(r => r.Steps).ThenInclude(s => s.Approvers)
            .Include(r => r.Steps).ThenInclude(s => s.Decisions)
            .AsSplitQuery()
            .FirstOrDefaultAsync(r => r.Platform == platform && r.ExternalInstanceId == snapshot.InstanceId && r.Mode == ApprovalMode.NativeOa, ct);
        if (request is null)
        {
            return NativeApplyResult.NotOurs;
        }
        var contract = await db.Contracts.SingleAsync(c => c.Id == request.ContractId, ct);
        var facts = await FactsAsync(request, contract, ct);
        var app = NativeAppName(platform);
        var channel = ContactTexts.Clip($"{platform.ToString().ToLowerInvariant()}-oa:{snapshot.InstanceId}", 256)!;
        var people = await PeopleOnAsync(platform, snapshot.Decisions.Select(d => d.ApproverUserId).Distinct().ToList(), ct);
        var steps = request.Steps.OrderBy(s => s.Order).ToList();
        var changed = false;

        foreach (var decided in Chronological(snapshot.Decisions))
        {
            // Someone CrmChat has no employee for cannot hold a decision; the outcome below still follows the app.
            if (!people.TryGetValue(decided.ApproverUserId, out var approver) || StepOf(steps, decided, approver.Id) is not { } step
                || step.Decisions.Any(d => d.ApproverId == approver.Id))
            {
                continue;
            }
            if (step.Approvers.All(a => a.EmployeeId != approver.Id))
            {
                // The app let someone else decide (a transfer, 转审): they become an approver of the step.
                var added = new ApprovalStepApprover { StepId = step.Id, EmployeeId = approver.Id };
                db.Set<ApprovalStepApprover>().Add(added);
                step.Approvers.Add(added);
            }
            var reason = string.IsNullOrWhiteSpace(decided.Comment) ? null : ContactTexts.Clip(decided.Comment.Trim(), 1000);
            var decision = new ApprovalDecision
            {
                StepId = step.Id, ApproverId = approver.Id, Outcome = decided.Outcome, Reason = reason, Channel = channel, DecidedAt = decided.At,
            };
            db.ApprovalDecisions.Add(decision);
            step.Decisions.Add(decision);
            var word = decided.Outcome == DecisionOutcome.Approved ? "同意 approved" : "驳回 rejected";
            Record(approver.Id, $"employee:{approver.Id}", contract, request, ActivityKind.ApprovalDecided,
                $"{approver.Name} 在{app}中{word}：{step.Name}{(reason is null ? "" : "，意见：" + reason)}",
                decided.Outcome == DecisionOutcome.Approved ? "approved" : "rejected", null,
                new { step = step.Name, approver = approver.Name, userId = decided.ApproverUserId, reason, decidedAt = decided.At, platform = platform.ToString(), instance = snapshot.InstanceId },
                decided.At);
            changed = true;
        }

        foreach (var step in steps.Where(s => s.Status == ApprovalStatus.Pending))
        {
            if (step.Decisions.Any(d => d.Outcome == DecisionOutcome.Rejected))
            {
                step.Status = ApprovalStatus.Rejected;
            }
            else if (step.Decisions.Count > 0 && (step.Rule == StepRule.AnyOf || step.Approvers.All(a => step.Decisions.Any(d => d.ApproverId == a.EmployeeId))))
            {
                step.Status = ApprovalStatus.Approved;
            }
        }

        var outcome = snapshot.State switch
        {
            NativeApprovalState.Approved => ApprovalStatus.Approved,
            NativeApprovalState.Rejected => ApprovalStatus.Rejected,
            NativeApprovalState.Withdrawn => ApprovalStatus.Withdrawn,
            _ => (ApprovalStatus?)null,
        };
        if (outcome is { } status && status != request.Status
            && (request.Status == ApprovalStatus.Pending || (request.Status == ApprovalStatus.Approved && status == ApprovalStatus.Withdrawn)))
        {
            await FinishNativeAsync(request, contract, facts, status, snapshot, people, ct);
            changed = true;
        }
        else if (request.Status == ApprovalStatus.Pending
            && steps.FirstOrDefault(s => s.Status == ApprovalStatus.Pending) is { } next && next.Order > request.CurrentStep)
        {
            var done = steps.Single(s => s.Order == request.CurrentStep);
            request.CurrentStep = next.Order;
            var names = await db.Employees.Where(e => next.Approvers.Select(a => a.EmployeeId).Contains(e.Id)).Select(e => e.Name).ToListAsync(ct);
            await TellRequesterAsync(request, ApprovalCards.Progress(facts, ContractStatus.PendingApproval,
                $"{done.Name} 已同意，等待 {string.Join("、", names)} 在{app}中审批。{done.Name} approved; now waiting for {string.Join(", ", names)}."),
                $"native:step{next.Order}", ct);
            changed = true;
        }

        if (!changed)
        {
            return NativeApplyResult.Unchanged;
        }
        request.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        return NativeApplyResult.Changed;
    }

    /// <summary>
    /// The step a decision belongs to: the one the platform names; else the first step that lists
    /// the approver and has no decision of theirs yet; else, for someone no step lists, the first
    /// step still open. Null when there is nowhere left for it (already recorded).
    /// </summary>
    private static ApprovalStep? StepOf(List<ApprovalStep> steps, NativeApprovalDecision decided, Guid approverId)
    {
        if (decided.Step is { } index)
        {
            return index >= 0 && index < steps.Count ? steps[index] : null;
        }
        if (steps.Any(s => s.Approvers.Any(a => a.EmployeeId == approverId)))
        {
            return steps.FirstOrDefault(s => s.Approvers.Any(a => a.EmployeeId == approverId) && s.Decisions.All(d => d.ApproverId != approverId));
        }
        return steps.FirstOrDefault(s => s.Status == ApprovalStatus.Pending);
    }

    private async Task FinishNativeAsync(ApprovalRequest request, Contract contract, ContractFacts facts, ApprovalStatus status,
        NativeApprovalSnapshot snapshot, Dictionary<string, Employee> people, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var before = contract.Status;
        var app = NativeAppName(request.Platform);
        // Who settled it: the last decision of that outcome; a withdrawal is the requester's own.
        var last = Chronological(snapshot.Decisions).LastOrDefault(d => status switch
        {
            ApprovalStatus.Approved => d.Outcome == DecisionOutcome.Approved,
            ApprovalStatus.Rejected => d.Outcome == DecisionOutcome.Rejected,
            _ => false,
        });
        var by = status == ApprovalStatus.Withdrawn
            ? await db.Employees.SingleAsync(e => e.Id == request.RequesterId, ct)
            : last is not null ? people.GetValueOrDefault(last.ApproverUserId) : null;
        var byName = by?.Name ?? last?.ApproverUserId ?? app;

        request.Status = status;
        request.DecidedAt = last?.At ?? now;
        contract.Status = status switch
        {
            ApprovalStatus.Approved => ContractStatus.Approved,
            ApprovalStatus.Rejected => ContractStatus.Rejected,
            _ => ContractStatus.Withdrawn,
        };
        contract.UpdatedAt = now;
        foreach (var step in request.Steps.Where(s => s.Status == ApprovalStatus.Pending && s.Order <= request.CurrentStep))
        {
            step.Status = status;
        }
        Record(by?.Id, by is null ? $"{request.Platform.ToString().ToLowerInvariant()}:{last?.ApproverUserId ?? "app"}" : $"employee:{by.Id}",
            contract, request, ActivityKind.ApprovalDecided,
            $"合同“{contract.Title}”在{app}中{StatusName(status)}（{byName}，审批单 {snapshot.InstanceId}）", "contract-" + status.ToString().ToLowerInvariant(),
            new { status = before.ToString() },
            new { status = contract.Status.ToString(), by = byName, decidedAt = request.DecidedAt, platform = request.Platform.ToString(), instance = snapshot.InstanceId },
            null);
        var reason = status == ApprovalStatus.Rejected ? last?.Comment : null;
        var what = status switch
        {
            ApprovalStatus.Approved => $"{app}：全部审批通过，最后由 {byName} 同意。Approved in {request.Platform}'s app; last by {byName}.",
            ApprovalStatus.Rejected => $"{app}：{byName} 驳回{(string.IsNullOrWhiteSpace(reason) ? "" : "：" + reason)}。Rejected by {byName}.",
            _ => $"{app}：审批已撤销。The approval was withdrawn in {request.Platform}'s app.",
        };
        await TellRequesterAsync(request, ApprovalCards.Progress(facts, contract.Status, what), "native:" + status.ToString().ToLowerInvariant(), ct);
    }

    /// <summary>
    /// Decisions in the order they were taken. Platforms keep whole seconds (WeCom) or minutes
    /// (DingTalk), so ties go by step, then by the platform's own order.
    /// </summary>
    private static IEnumerable<NativeApprovalDecision> Chronological(IReadOnlyList<NativeApprovalDecision> decisions) =>
        decisions.Select((d, i) => (Decision: d, Index: i))
            .OrderBy(x => x.Decision.At).ThenBy(x => x.Decision.Step ?? -1).ThenBy(x => x.Index)
            .Select(x => x.Decision);

    private async Task<Dictionary<string, Employee>> PeopleOnAsync(Platform platform, List<string> userIds, CancellationToken ct)
    {
        var query = platform == Platform.WeCom
            ? db.Employees.Where(e => e.WeComUserId != null && userIds.Contains(e.WeComUserId))
            : db.Employees.Where(e => e.DingTalkUserId != null && userIds.Contains(e.DingTalkUserId));
        var found = await query.ToListAsync(ct);
        return found.ToDictionary(e => e.UserIdOn(platform)!, StringComparer.Ordinal);
    }

    /// <summary>A card click or a withdrawal from CrmChat on a request the platform's app decides.</summary>
    private static ApprovalAnswer DecidedInApp(ApprovalRequest request)
    {
        var app = NativeAppName(request.Platform);
        return Refused("请在审批应用中处理 Use the approval app",
            $"这份合同在{app}中审批（审批单 {request.ExternalInstanceId}），请在那里同意、驳回或撤销。这里未作任何更改。" +
            $"This contract is decided in {request.Platform}'s approval app (instance {request.ExternalInstanceId}): approve, reject or withdraw it there. Nothing was changed here.");
    }
}

using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrmChat.CrmCore.Approvals;

/// <summary>What the person who acted is told; <see cref="Changed"/> says whether anything was recorded.</summary>
public sealed record ApprovalAnswer(AdaptiveCard Card, bool Changed);

/// <summary>
/// The contract approval flow. In card mode submit picks the rule and sends each approver of
/// the first step a card; a decision is taken once, only from an approver of the current
/// step; the step and the request settle by AllOf / AnyOf; every approver's card is then
/// replaced with the outcome and the requester told. In native mode (per platform, see
/// <see cref="ApprovalOptions.ModeFor"/>) the same rule and approvers are filed in the
/// platform's own approval app and its outcome is followed (ContractApprovals.Native.cs).
/// Each change is an Activity and an AuditEntry; outbound cards go to the outbox in the
/// caller's transaction.
/// </summary>
public sealed partial class ContractApprovals(
    CrmDbContext db, TimeProvider clock, IOptions<ApprovalOptions> options, IEnumerable<INativeApprovals> nativeApps)
{
    /// <summary>How long after a reject without a reason the approver's next text is taken as the reason.</summary>
    public static readonly TimeSpan ReasonWindow = TimeSpan.FromMinutes(30);

    public async Task<ApprovalAnswer> SubmitAsync(Contract contract, Employee requester, Platform platform, CancellationToken ct)
    {
        var team = requester.TeamId is { } teamId ? await db.Teams.Where(t => t.Id == teamId).Select(t => t.Name).FirstOrDefaultAsync(ct) : null;
        var rule = options.Value.Match(contract.Amount, team);
        if (rule is null)
        {
            return Refused("没有匹配的审批规则 No approval rule",
                $"金额 {contract.Amount:N2} 没有对应的审批规则，合同保持草稿。请联系管理员。No approval rule covers {contract.Amount:N2} for your team; the contract stays a draft. Ask your admin.");
        }
        var native = options.Value.ModeFor(platform) == PlatformApprovalMode.Native;
        var now = clock.GetUtcNow();
        var request = new ApprovalRequest { ContractId = contract.Id, RequesterId = requester.Id, Platform = platform, CreatedAt = now };
        for (var i = 0; i < rule.Steps.Count; i++)
        {
            var stepOptions = rule.Steps[i];
            var step = new ApprovalStep { RequestId = request.Id, Order = i, Name = stepOptions.Name.Length > 0 ? stepOptions.Name : $"第{i + 1}步", Rule = stepOptions.Rule };
            foreach (var spec in stepOptions.Approvers)
            {
                var (approvers, problem) = await ResolveAsync(spec, requester, ct);
                if (problem is not null)
                {
                    return Refused("找不到审批人 No approver", $"{problem} 合同保持草稿。The contract stays a draft.");
                }
                foreach (var approver in approvers.Where(a => step.Approvers.All(x => x.EmployeeId != a.Id)))
                {
                    if (native && approver.UserIdOn(platform) is null)
                    {
                        return Refused("审批人不在审批应用中 Approver not on the platform",
                            $"审批人 {approver.Name} 没有{NativeAppName(platform)}账号，无法在那里审批，合同保持草稿。{approver.Name} has no account on {platform}, so cannot decide in its approval app; the contract stays a draft.");
                    }
                    if (ChatUser(approver, platform) is null)
                    {
                        return Refused("审批人无法接收卡片 Approver unreachable",
                            $"审批人 {approver.Name} 没有企业微信或钉钉账号，合同保持草稿。{approver.Name} has no WeCom or DingTalk account; the contract stays a draft.");
                    }
                    step.Approvers.Add(new ApprovalStepApprover { StepId = step.Id, EmployeeId = approver.Id });
                }
            }
            request.Steps.Add(step);
        }
        if (native)
        {
            return await SubmitNativeAsync(contract, requester, rule, request, ct);
        }
        contract.Status = ContractStatus.PendingApproval;
        contract.UpdatedAt = now;
        db.ApprovalRequests.Add(request);
        var facts = await FactsAsync(request, contract, ct);
        Record(requester, contract, request, ActivityKind.ContractSubmitted,
            $"{requester.Name} 提交合同审批“{contract.Title}” {facts.AmountText}（规则 {rule.Name}）", "submitted", null,
            new { rule = rule.Name, steps = request.Steps.Select(s => s.Name) });
        var waiting = await OpenStepAsync(request, request.Steps[0], facts, ct);
        await db.SaveChangesAsync(ct);
        return new(ApprovalCards.Submitted(facts, waiting), true);
    }

    public async Task<ApprovalAnswer> DecideAsync(Guid requestId, Employee approver, DecisionOutcome outcome, string? reason, string channel, CancellationToken ct)
    {
        var request = await LoadAsync(requestId, ct);
        if (request is null)
        {
            return Refused("审批不存在 Not found", "这个审批已不存在。This approval no longer exists.");
        }
        if (request.Mode == ApprovalMode.NativeOa)
        {
            return DecidedInApp(request);
        }
        var contract = await db.Contracts.SingleAsync(c => c.Id == request.ContractId, ct);
        var facts = await FactsAsync(request, contract, ct);
        if (request.Status != ApprovalStatus.Pending)
        {
            return new(ApprovalCards.Settled(facts, StatusName(request.Status), await SettledByAsync(request, ct), null), false);
        }
        var step = request.Steps.Single(s => s.Order == request.CurrentStep);
        if (step.Approvers.All(a => a.EmployeeId != approver.Id))
        {
            var earlier = request.Steps.Where(s => s.Order < request.CurrentStep).SelectMany(s => s.Decisions).Any(d => d.ApproverId == approver.Id)
                || request.Steps.Where(s => s.Order < request.CurrentStep).SelectMany(s => s.Approvers).Any(a => a.EmployeeId == approver.Id);
            return earlier
                ? new(ApprovalCards.Settled(facts, "这一步已处理 Step already decided", await StepDecidedByAsync(request, approver.Id, ct), null), false)
                : Refused("你不是审批人 Not an approver",
                    $"{approver.Name}，你不是这一步的审批人，未作任何更改。You are not an approver of this step; nothing was changed.");
        }
        if (step.Decisions.Any(d => d.ApproverId == approver.Id))
        {
            return new(ApprovalCards.Settled(facts, "你已处理 You already decided", approver.Name, null), false);
        }

        var now = clock.GetUtcNow();
        var trimmed = string.IsNullOrWhiteSpace(reason) ? null : ContactTexts.Clip(reason.Trim(), 1000);
        // Added through the set: a new entity with its key already set would otherwise be taken for an existing row.
        var decision = new ApprovalDecision { StepId = step.Id, ApproverId = approver.Id, Outcome = outcome, Reason = trimmed, Channel = channel, DecidedAt = now };
        db.ApprovalDecisions.Add(decision);
        step.Decisions.Add(decision);
        request.ConcurrencyStamp = Guid.NewGuid();
        var word = outcome == DecisionOutcome.Approved ? "同意 approved" : "驳回 rejected";
        Record(approver, contract, request, ActivityKind.ApprovalDecided, $"{approver.Name} {word}：{step.Name}{(trimmed is null ? "" : "，理由：" + trimmed)}",
            outcome == DecisionOutcome.Approved ? "approved" : "rejected", null, new { step = step.Name, reason = trimmed, channel });

        AdaptiveCard answer;
        if (outcome == DecisionOutcome.Rejected)
        {
            step.Status = ApprovalStatus.Rejected;
            await FinishAsync(request, contract, facts, ApprovalStatus.Rejected, approver, trimmed, ct);
            answer = trimmed is null ? ApprovalCards.AskReason(facts) : ApprovalCards.Settled(facts, "已驳回 Rejected", approver.Name, trimmed);
        }
        else if (step.Rule == StepRule.AllOf && step.Approvers.Any(a => step.Decisions.All(d => d.ApproverId != a.EmployeeId)))
        {
            answer = ApprovalCards.Settled(facts, "你已同意，等待其他审批人 Approved, waiting for others", approver.Name, null);
        }
        else
        {
            step.Status = ApprovalStatus.Approved;
            var next = request.Steps.Where(s => s.Order > step.Order).OrderBy(s => s.Order).FirstOrDefault();
            if (next is null)
            {
                await FinishAsync(request, contract, facts, ApprovalStatus.Approved, approver, null, ct);
            }
            else
            {
                await UpdateCardsAsync(request, step, ApprovalCards.Settled(facts, $"{step.Name} 已同意 Approved", approver.Name, null), approver.Id, ct);
                request.CurrentStep = next.Order;
                var waiting = await OpenStepAsync(request, next, facts, ct);
                await TellRequesterAsync(request, ApprovalCards.Progress(facts, ContractStatus.PendingApproval,
                    $"{step.Name}：{approver.Name} 已同意，等待 {waiting}。{approver.Name} approved; now waiting for {waiting}."), $"step{step.Order}", ct);
            }
            answer = ApprovalCards.Settled(facts, "已同意 Approved", approver.Name, null);
        }
        await db.SaveChangesAsync(ct);
        return new(answer, true);
    }

    public async Task<ApprovalAnswer> WithdrawAsync(Guid requestId, Employee requester, CancellationToken ct)
    {
        var request = await LoadAsync(requestId, ct);
        if (request is null || request.RequesterId != requester.Id)
        {
            return Refused("不能撤回 Cannot withdraw", "只有申请人可以撤回自己的审批。Only the requester can withdraw it; nothing was changed.");
        }
        if (request.Mode == ApprovalMode.NativeOa)
        {
            return DecidedInApp(request);
        }
        var contract = await db.Contracts.SingleAsync(c => c.Id == request.ContractId, ct);
        var facts = await FactsAsync(request, contract, ct);
        if (request.Status != ApprovalStatus.Pending)
        {
            return new(ApprovalCards.Settled(facts, StatusName(request.Status), await SettledByAsync(request, ct), null), false);
        }
        request.ConcurrencyStamp = Guid.NewGuid();
        Record(requester, contract, request, ActivityKind.ApprovalDecided, $"{requester.Name} 撤回了合同审批", "withdrawn", null, null);
        await FinishAsync(request, contract, facts, ApprovalStatus.Withdrawn, requester, null, ct, tellRequester: false);
        await db.SaveChangesAsync(ct);
        return new(ApprovalCards.Progress(facts, ContractStatus.Withdrawn, "你撤回了审批。You withdrew it."), true);
    }

    /// <summary>
    /// The approver's text right after a reject without a reason is that reason: recorded on the
    /// decision and sent to the requester. Null when no reject is waiting for one.
    /// </summary>
    public async Task<ApprovalAnswer?> AttachReasonAsync(Employee approver, string text, CancellationToken ct)
    {
        var since = clock.GetUtcNow() - ReasonWindow;
        // Only card rejects: a reject in the platform's app carries its own comment, or none.
        var decision = await db.ApprovalDecisions
            .Where(d => d.ApproverId == approver.Id && d.Outcome == DecisionOutcome.Rejected && d.Reason == null && d.DecidedAt >= since)
            .Where(d => db.ApprovalSteps.Any(s => s.Id == d.StepId && db.ApprovalRequests.Any(r => r.Id == s.RequestId && r.Mode == ApprovalMode.Cards)))
            .OrderByDescending(d => d.DecidedAt).FirstOrDefaultAsync(ct);
        if (decision is null)
        {
            return null;
        }
        var step = await db.ApprovalSteps.SingleAsync(s => s.Id == decision.StepId, ct);
        var request = (await LoadAsync(step.RequestId, ct))!;
        var contract = await db.Contracts.SingleAsync(c => c.Id == request.ContractId, ct);
        var facts = await FactsAsync(request, contract, ct);
        decision.Reason = ContactTexts.Clip(text.Trim(), 1000);
        Record(approver, contract, request, ActivityKind.ApprovalDecided, $"{approver.Name} 的驳回理由：{decision.Reason}", "reject-reason", null, new { reason = decision.Reason });
        await TellRequesterAsync(request, ApprovalCards.Progress(facts, ContractStatus.Rejected, $"{approver.Name} 的驳回理由 Reason：{decision.Reason}"), "reason", ct);
        await db.SaveChangesAsync(ct);
        return new(ApprovalCards.Settled(facts, "已驳回 Rejected", approver.Name, decision.Reason), true);
    }

    // ---- steps and outcomes -----------------------------------------------------------------------

    /// <summary>Sends each approver of <paramref name="step"/> the request card; returns their names.</summary>
    private async Task<string> OpenStepAsync(ApprovalRequest request, ApprovalStep step, ContractFacts facts, CancellationToken ct)
    {
        var ids = step.Approvers.Select(a => a.EmployeeId).ToList();
        var people = await db.Employees.Where(e => ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var card = ApprovalCards.Request(facts, step.Name, step.Order + 1, request.Steps.Count);
        foreach (var approver in step.Approvers)
        {
            var (platform, userId) = ChatUser(people[approver.EmployeeId], request.Platform)!.Value;
            approver.CardId = ChatCardId.New(platform, "a");
            Outbox.Enqueue(db, new ChatDelivery(ChatAddress.Member(platform, userId), card, approver.CardId) { LinkUserId = userId },
                $"approval:{request.Id:N}:step{step.Order}:{approver.EmployeeId:N}", clock.GetUtcNow());
        }
        return string.Join("、", step.Approvers.Select(a => people[a.EmployeeId].Name));
    }

    private async Task FinishAsync(ApprovalRequest request, Contract contract, ContractFacts facts, ApprovalStatus status, Employee by, string? reason,
        CancellationToken ct, bool tellRequester = true)
    {
        var now = clock.GetUtcNow();
        request.Status = status;
        request.DecidedAt = now;
        contract.Status = status switch
        {
            ApprovalStatus.Approved => ContractStatus.Approved,
            ApprovalStatus.Rejected => ContractStatus.Rejected,
            _ => ContractStatus.Withdrawn,
        };
        contract.UpdatedAt = now;
        Record(by, contract, request, ActivityKind.ApprovalDecided, $"合同“{contract.Title}”{StatusName(status)}", "contract-" + status.ToString().ToLowerInvariant(),
            new { status = ContractStatus.PendingApproval.ToString() }, new { status = contract.Status.ToString() });
        var current = request.Steps.Single(s => s.Order == request.CurrentStep);
        if (current.Status == ApprovalStatus.Pending)
        {
            current.Status = status;
        }
        // Everyone who still holds a live card for this request sees the outcome instead.
        await UpdateCardsAsync(request, current, ApprovalCards.Settled(facts, StatusName(status), by.Name, reason), by.Id, ct);
        if (tellRequester)
        {
            var what = status == ApprovalStatus.Approved
                ? $"全部审批通过，最后由 {by.Name} 同意。Approved by everyone; last by {by.Name}."
                : $"{by.Name} 驳回{(reason is null ? "" : "：" + reason)}。Rejected by {by.Name}.";
            await TellRequesterAsync(request, ApprovalCards.Progress(facts, contract.Status, what), "final", ct);
        }
    }

    /// <summary>Replaces the cards of a step's approvers (all but <paramref name="except"/>, whose click is answered directly).</summary>
    private async Task UpdateCardsAsync(ApprovalRequest request, ApprovalStep step, AdaptiveCard card, Guid except, CancellationToken ct)
    {
        var others = step.Approvers.Where(a => a.EmployeeId != except && a.CardId is not null).ToList();
        if (others.Count == 0)
        {
            return;
        }
        var ids = others.Select(a => a.EmployeeId).ToList();
        var people = await db.Employees.Where(e => ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        foreach (var approver in others)
        {
            var platform = ChatCardId.PlatformOf(approver.CardId!) ?? request.Platform;
            var userId = people[approver.EmployeeId].UserIdOn(platform);
            if (userId is null)
            {
                continue;
            }
            var token = await db.OutboxMessages.Where(m => m.CardId == approver.CardId && m.UpdateToken != null)
                .Select(m => m.UpdateToken).FirstOrDefaultAsync(ct);
            var delivery = token is not null
                ? new ChatDelivery(ChatAddress.CardUpdate(platform, userId), card, ChatCardId.New(platform, "s")) { UpdateToken = token, LinkUserId = userId }
                : new ChatDelivery(ChatAddress.Member(platform, userId), card, ChatCardId.New(platform, "s")) { LinkUserId = userId };
            Outbox.Enqueue(db, delivery, $"approval:{request.Id:N}:settled{step.Order}:{request.Status}:{approver.EmployeeId:N}", clock.GetUtcNow());
        }
    }

    private async Task TellRequesterAsync(ApprovalRequest request, AdaptiveCard card, string what, CancellationToken ct)
    {
        var requester = await db.Employees.SingleAsync(e => e.Id == request.RequesterId, ct);
        if (ChatUser(requester, request.Platform) is not { } target)
        {
            return;
        }
        var (platform, userId) = target;
        Outbox.Enqueue(db, new ChatDelivery(ChatAddress.Member(platform, userId), card, ChatCardId.New(platform, "p")) { LinkUserId = userId },
            $"approval:{request.Id:N}:requester:{what}", clock.GetUtcNow());
    }

    // ---- lookups -----------------------------------------------------------------------------------

    private Task<ApprovalRequest?> LoadAsync(Guid id, CancellationToken ct) =>
        db.ApprovalRequests.Include(r => r.Steps).ThenInclude(s => s.Approvers)
            .Include(r => r.Steps).ThenInclude(s => s.Decisions)
            .AsSplitQuery().FirstOrDefaultAsync(r => r.Id == id, ct);

    private async Task<ContractFacts> FactsAsync(ApprovalRequest request, Contract contract, CancellationToken ct)
    {
        var customer = await db.Customers.Where(c => c.Id == contract.CustomerId).Select(c => c.Name).FirstOrDefaultAsync(ct) ?? "—";
        var requester = await db.Employees.Where(e => e.Id == request.RequesterId).Select(e => e.Name).FirstOrDefaultAsync(ct) ?? "—";
        return new ContractFacts(request.Id, customer, contract.Title, contract.Amount, contract.Currency, requester, null);
    }

    private async Task<string> SettledByAsync(ApprovalRequest request, CancellationToken ct)
    {
        var last = request.Steps.OrderByDescending(s => s.Order).SelectMany(s => s.Decisions.OrderByDescending(d => d.DecidedAt)).FirstOrDefault();
        var id = request.Status == ApprovalStatus.Withdrawn || last is null ? request.RequesterId : last.ApproverId;
        var name = await db.Employees.Where(e => e.Id == id).Select(e => e.Name).FirstOrDefaultAsync(ct) ?? "—";
        return $"已由 {name} 处理 Already decided by {name}";
    }

    private async Task<string> StepDecidedByAsync(ApprovalRequest request, Guid approverId, CancellationToken ct)
    {
        var decision = request.Steps.Where(s => s.Approvers.Any(a => a.EmployeeId == approverId)).SelectMany(s => s.Decisions).OrderByDescending(d => d.DecidedAt).FirstOrDefault();
        var name = decision is null ? "—" : await db.Employees.Where(e => e.Id == decision.ApproverId).Select(e => e.Name).FirstOrDefaultAsync(ct) ?? "—";
        return $"已由 {name} 处理 Already decided by {name}";
    }

    private async Task<(List<Employee> People, string? Problem)> ResolveAsync(string spec, Employee requester, CancellationToken ct)
    {
        if (ApproverSpec.ManagerLevel(spec) is { } levels)
        {
            var current = requester;
            for (var level = 0; level < levels; level++)
            {
                var managerId = current.ManagerId;
                var manager = managerId is null ? null : await db.Employees.FirstOrDefaultAsync(e => e.Id == managerId && e.Status == EmployeeStatus.Active, ct);
                if (manager is null)
                {
                    return ([], level == 0
                        ? $"{requester.Name} 没有直属主管，无法确定审批人。{requester.Name} has no manager in the directory to approve this."
                        : $"{current.Name} 没有在职的上级，无法确定第 {levels} 级审批人。No manager {levels} levels up.");
                }
                current = manager;
            }
            return ([current], null);
        }
        var userIds = spec.StartsWith(ApproverSpec.RolePrefix, StringComparison.OrdinalIgnoreCase)
            ? options.Value.Roles.GetValueOrDefault(spec[ApproverSpec.RolePrefix.Length..]) ?? []
            : [spec[ApproverSpec.UserPrefix.Length..]];
        var found = await db.Employees
            .Where(e => e.Status == EmployeeStatus.Active && ((e.WeComUserId != null && userIds.Contains(e.WeComUserId)) || (e.DingTalkUserId != null && userIds.Contains(e.DingTalkUserId))))
            .ToListAsync(ct);
        // In the order the role lists them: that is the order approvers see in an approval app.
        var people = found.OrderBy(e => Math.Min(Position(e.WeComUserId), Position(e.DingTalkUserId))).ToList();
        return people.Count == 0
            ? ([], $"审批人“{spec}”在通讯录中找不到在职员工。No active employee matches approver '{spec}'.")
            : (people, null);

        int Position(string? userId) => userId is not null && userIds.IndexOf(userId) is >= 0 and var i ? i : int.MaxValue;
    }

    /// <summary>Where a person gets cards: the request's platform, else the other one they use.</summary>
    private static (Platform, string)? ChatUser(Employee employee, Platform preferred)
    {
        if (employee.UserIdOn(preferred) is { } id)
        {
            return (preferred, id);
        }
        var other = preferred == Platform.WeCom ? Platform.DingTalk : Platform.WeCom;
        return employee.UserIdOn(other) is { } otherId ? (other, otherId) : null;
    }

    private void Record(Employee actor, Contract contract, ApprovalRequest request, ActivityKind kind, string text, string action, object? before, object? after) =>
        Record(actor.Id, $"employee:{actor.Id}", contract, request, kind, text, action, before, after, null);

    /// <param name="actorId">The employee, or null when the platform did it for someone CrmChat does not know.</param>
    /// <param name="occurredAt">When it happened, if earlier than now (a decision CrmChat learns of from the platform).</param>
    private void Record(Guid? actorId, string auditActor, Contract contract, ApprovalRequest request, ActivityKind kind, string text, string action,
        object? before, object? after, DateTimeOffset? occurredAt)
    {
        var now = clock.GetUtcNow();
        db.Activities.Add(new Activity
        {
            CustomerId = contract.CustomerId,
            Kind = kind,
            ActorId = actorId,
            Text = ContactTexts.Clip(text, 4000)!,
            Data = ContactTexts.ToJson(request.ExternalInstanceId is { } instance
                ? new { contract = contract.Id, approval = request.Id, platform = request.Platform.ToString(), instance }
                : (object)new { contract = contract.Id, approval = request.Id }),
            OccurredAt = occurredAt ?? now,
        });
        db.AuditEntries.Add(new AuditEntry
        {
            Actor = auditActor,
            EntityType = nameof(ApprovalRequest),
            EntityId = request.Id.ToString(),
            Action = action,
            Before = before is null ? null : ContactTexts.ToJson(before),
            After = after is null ? null : ContactTexts.ToJson(after),
            At = now,
        });
    }

    private static ApprovalAnswer Refused(string heading, string text) => new(ApprovalCards.Notice(heading, text), false);

    private static string StatusName(ApprovalStatus status) => status switch
    {
        ApprovalStatus.Approved => "已批准 Approved",
        ApprovalStatus.Rejected => "已驳回 Rejected",
        ApprovalStatus.Withdrawn => "已撤回 Withdrawn",
        _ => "审批中 Pending",
    };
}

using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Inbox;

/// <summary>
/// Approvals decided in the platform's own app: WeCom <c>sys_approval_change</c>, DingTalk
/// <c>bpms_instance_change</c> / <c>bpms_task_change</c>. An event only says which instance
/// moved, and may be late, repeated or out of order, so <see cref="PrepareAsync"/> asks the
/// platform where the instance stands now (outside the transaction) and the change applies that
/// view. Approvals CrmChat did not file (a leave request, say) are left alone without asking.
/// </summary>
internal sealed partial class NativeApprovalHandler(
    CrmDbContext db, IEnumerable<INativeApprovals> apps, ContractApprovals approvals, ILogger<NativeApprovalHandler> logger) : IInboxHandler
{
    public bool Handles(InboxEvent inboxEvent) => inboxEvent.Platform switch
    {
        Platform.WeCom => inboxEvent.EventType == "sys_approval_change",
        Platform.DingTalk => inboxEvent.EventType.Equals("bpms_instance_change", StringComparison.OrdinalIgnoreCase)
            || inboxEvent.EventType.Equals("bpms_task_change", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    public async Task<InboxChange> PrepareAsync(InboxEvent inboxEvent, CancellationToken ct)
    {
        var platform = inboxEvent.Platform;
        var instanceId = InstanceOf(inboxEvent);
        if (instanceId is null)
        {
            // Authentic but about nothing CrmChat can look up: recorded, and nothing to do.
            LogNoInstance(platform, inboxEvent.EventType);
            return _ => Task.CompletedTask;
        }
        var ours = await db.ApprovalRequests.AsNoTracking()
            .AnyAsync(r => r.Platform == platform && r.ExternalInstanceId == instanceId && r.Mode == ApprovalMode.NativeOa, ct);
        if (!ours)
        {
            LogNotOurs(platform, instanceId);
            return _ => Task.CompletedTask;
        }
        var app = apps.FirstOrDefault(a => a.Platform == platform)
            ?? throw new InvalidOperationException($"No {platform} approval connector is registered to look up instance {instanceId}.");
        // A failure here leaves the event pending: the inbox retries it with backoff, then parks it for an operator.
        var snapshot = await app.GetAsync(instanceId, ct);
        return async token =>
        {
            var result = await approvals.ApplyNativeAsync(platform, snapshot, token);
            LogApplied(platform, instanceId, snapshot.State, snapshot.Decisions.Count, result);
        };
    }

    private static string? InstanceOf(InboxEvent inboxEvent)
    {
        if (inboxEvent.Platform == Platform.WeCom)
        {
            return WeComCallbackXml.Parse(inboxEvent.Payload) is WeComApprovalChanged changed ? changed.ApprovalInfo.SpNo : null;
        }
        var e = DingTalkEvent.Parse(inboxEvent.Payload);
        return e.Instance?.ProcessInstanceId ?? e.Task?.ProcessInstanceId;
    }

    [LoggerMessage(LogLevel.Warning, "{Platform} {EventType} event names no approval instance; nothing to do")]
    private partial void LogNoInstance(Platform platform, string eventType);

    [LoggerMessage(LogLevel.Information, "{Platform} approval {InstanceId} was not filed by CrmChat; left alone")]
    private partial void LogNotOurs(Platform platform, string instanceId);

    [LoggerMessage(LogLevel.Information, "{Platform} approval {InstanceId} is {State} with {Decisions} decisions: {Result}")]
    private partial void LogApplied(Platform platform, string instanceId, NativeApprovalState state, int decisions, NativeApplyResult result);
}

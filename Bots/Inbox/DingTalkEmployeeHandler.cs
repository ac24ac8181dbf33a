using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;

namespace CrmChat.Bots.Inbox;

/// <summary>
/// DingTalk's address-book events into Employee records: joiners and changes are read from
/// the directory (topapi/v2/user/get); a leaver is marked left, keeping their customers, and
/// what they leave behind is logged for the handover.
/// </summary>
internal sealed partial class DingTalkEmployeeHandler(
    IDingTalkUserClient users, EmployeeDirectory directory, TimeProvider clock, ILogger<DingTalkEmployeeHandler> logger) : IInboxHandler
{
    public bool Handles(InboxEvent inboxEvent) =>
        inboxEvent.Platform == Platform.DingTalk && inboxEvent.EventType is "user_add_org" or "user_modify_org" or "user_leave_org";

    public async Task<InboxChange> PrepareAsync(InboxEvent inboxEvent, CancellationToken ct)
    {
        var e = DingTalkEvent.Parse(inboxEvent.Payload);
        var at = e.TimeStamp is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : clock.GetUtcNow();
        if (e.Kind == DingTalkEventKind.UserLeaveOrg)
        {
            return async token =>
            {
                foreach (var userId in e.UserIds)
                {
                    if (await directory.MarkLeftAsync(Platform.DingTalk, userId, at, token) is { } handover)
                    {
                        LogHandover(handover.Name, handover.OwnedCustomers.Count, handover.FollowedCustomers.Count,
                            handover.OpenFollowUps.Count, handover.PendingApprovals.Count);
                    }
                }
            };
        }

        var snapshots = new List<EmployeeSnapshot>();
        foreach (var userId in e.UserIds)
        {
            var user = await users.GetAsync(userId, ct);
            snapshots.Add(new EmployeeSnapshot(Platform.DingTalk, user.UserId, user.Name, user.Mobile, user.Email, user.ManagerUserId));
        }
        return async token =>
        {
            foreach (var snapshot in snapshots)
            {
                await directory.UpsertAsync(snapshot, token);
            }
        };
    }

    [LoggerMessage(LogLevel.Information, "Employee {Name} left: {Owned} owned customers, {Followed} followed, {FollowUps} open follow-ups, {Approvals} pending approvals to hand over")]
    private partial void LogHandover(string name, int owned, int followed, int followUps, int approvals);
}

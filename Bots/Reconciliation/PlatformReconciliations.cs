using CrmChat.Bots.Api;
using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Connectors.WeCom;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrmChat.Bots.Reconciliation;

/// <summary>
/// WeCom customers, follow relations and corp tags, pulled in full through the resumable sync
/// that <c>POST /api/sync/wecom</c> starts: it repairs what lost callbacks and API-made changes
/// left out. A sync already running (started by hand) is waited for, not run twice.
/// </summary>
internal sealed class WeComContactReconciliation(WeComSyncRunner runner, IOptions<WeComOptions> options) : IReconciliation
{
    public string Name => "wecom/contacts";

    public async Task<ReconciliationResult> RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (o.CorpId.Length == 0 || o.ContactSecret.Length == 0)
        {
            return new(false, "WeCom is not configured (WeCom:CorpId, WeCom:ContactSecret)");
        }
        var result = await runner.RunOrJoinAsync(ct);
        return result is null
            ? new(true, "a full sync started by hand was running; it was waited for")
            : new(true, $"{result.Done} of {result.Total} customer relations ({result.Created} created, {result.Updated} updated, {result.Unchanged} unchanged){(result.Resumed ? ", resumed from the last saved page" : "")}");
    }
}

/// <summary>
/// WeCom employees CrmChat knows, read again from the directory (user/get, app secret): names and
/// direct leaders (直属上级, the manager approvals and escalations go to) that changed without a
/// callback are updated, and a member WeCom no longer knows (60111) is marked left, their
/// customers kept for the handover. Employees first met in chat, known only by their userid,
/// get their real name here. A self-built app sees only the members in its visible range.
/// </summary>
internal sealed partial class WeComEmployeeReconciliation(
    IWeComUserClient users,
    EmployeeDirectory directory,
    IOptions<WeComOptions> options,
    ILogger<WeComEmployeeReconciliation> logger) : IReconciliation
{
    public string Name => "wecom/employees";

    public async Task<ReconciliationResult> RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (o.CorpId.Length == 0 || o.Secret.Length == 0)
        {
            return new(false, "WeCom is not configured (WeCom:CorpId, WeCom:Secret)");
        }
        var (read, left) = await directory.RereadAsync(Platform.WeCom, async (userId, token) =>
        {
            try
            {
                var member = await users.GetAsync(userId, token);
                return new EmployeeSnapshot(Platform.WeCom, member.UserId, member.Name,
                    NullIfEmpty(member.Mobile), NullIfEmpty(member.Email), member.DirectLeader.FirstOrDefault());
            }
            catch (WeComApiException e) when (e.IsUserNotFound)
            {
                return null;
            }
        }, ct);
        foreach (var handover in left)
        {
            LogLeft(handover.Name, handover.OwnedCustomers.Count, handover.OpenFollowUps.Count, handover.PendingApprovals.Count);
        }
        return new(true, $"{read} employees checked, {left.Count} had left");
    }

    // A new self-built app is not given mobile or email: that says nothing about them, so keep what CrmChat knows.
    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    [LoggerMessage(LogLevel.Information, "WeCom no longer knows employee {Name}: marked left; {Owned} owned customers, {FollowUps} open follow-ups, {Approvals} pending approvals to hand over")]
    private partial void LogLeft(string name, int owned, int followUps, int approvals);
}

/// <summary>
/// DingTalk employees CrmChat knows, read again from the directory (topapi/v2/user/get): names,
/// managers and contact details that changed without an event are updated, and someone DingTalk
/// no longer knows (60121) is marked left, their customers kept for the handover. DingTalk's
/// directory listing is not wrapped yet, so a joiner whose event was lost arrives with their
/// first message or event.
/// </summary>
internal sealed partial class DingTalkEmployeeReconciliation(
    IDingTalkUserClient users,
    EmployeeDirectory directory,
    IOptions<DingTalkOptions> options,
    ILogger<DingTalkEmployeeReconciliation> logger) : IReconciliation
{
    public string Name => "dingtalk/employees";

    public async Task<ReconciliationResult> RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (o.AppKey.Length == 0 || o.AppSecret.Length == 0)
        {
            return new(false, "DingTalk is not configured (DingTalk:AppKey, DingTalk:AppSecret)");
        }
        var (read, left) = await directory.RereadAsync(Platform.DingTalk, async (userId, token) =>
        {
            try
            {
                var user = await users.GetAsync(userId, token);
                return new EmployeeSnapshot(Platform.DingTalk, user.UserId, user.Name, user.Mobile, user.Email, user.ManagerUserId);
            }
            catch (DingTalkApiException e) when (e.IsUserNotFound)
            {
                return null;
            }
        }, ct);
        foreach (var handover in left)
        {
            LogLeft(handover.Name, handover.OwnedCustomers.Count, handover.OpenFollowUps.Count, handover.PendingApprovals.Count);
        }
        return new(true, $"{read} employees checked, {left.Count} had left");
    }

    [LoggerMessage(LogLevel.Information, "DingTalk no longer knows employee {Name}: marked left; {Owned} owned customers, {FollowUps} open follow-ups, {Approvals} pending approvals to hand over")]
    private partial void LogLeft(string name, int owned, int followUps, int approvals);
}

using System.Globalization;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Messaging;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.DingTalk;

/// <summary>
/// Contracts in DingTalk's approval app: started with v1.0/workflow/processInstances under the
/// configured form, CrmChat's steps as its approvers (one person NONE, AllOf AND, AnyOf OR), and
/// read back with the get API, decisions from its operation records.
/// </summary>
public sealed class DingTalkNativeApprovals(IDingTalkApprovalClient client, IOptions<DingTalkWorkflowOptions> options) : INativeApprovals
{
    public Platform Platform => Platform.DingTalk;

    public async Task<string> StartAsync(NativeApprovalApplication application, CancellationToken ct)
    {
        var o = options.Value;
        var facts = application.Contract;
        var request = new DingTalkApprovalRequest
        {
            ProcessCode = o.ProcessCode,
            OriginatorUserId = application.RequesterUserId,
            Approvers = application.Steps.Select(s => new DingTalkApprovers(
                s.ApproverUserIds.Count == 1 ? "NONE" : s.Rule == StepRule.AllOf ? "AND" : "OR", s.ApproverUserIds)).ToList(),
            FormComponentValues =
            [
                new(o.Fields.Customer, facts.Customer),
                new(o.Fields.Title, facts.Title),
                new(o.Fields.Amount, facts.Amount.ToString("0.00", CultureInfo.InvariantCulture)),
            ],
        };
        return await CallAsync(() => client.CreateAsync(request, ct), ct);
    }

    public async Task<NativeApprovalSnapshot> GetAsync(string instanceId, CancellationToken ct)
    {
        var instance = await CallAsync(() => client.GetAsync(instanceId, ct), ct);
        var decisions = instance.OperationRecords
            .Where(r => r.Type is "EXECUTE_TASK_NORMAL" or "EXECUTE_TASK_AGENT" && r.UserId is { Length: > 0 })
            .Select(r => (Record: r, Outcome: OutcomeOf(r.Result)))
            .Where(x => x.Outcome is not null)
            .Select(x => new NativeApprovalDecision(x.Record.UserId!, x.Outcome!.Value, x.Record.Remark, TimeOf(x.Record.Date), null))
            .ToList();
        if (decisions.Count == 0)
        {
            // Some answers carry no operation records: the finished tasks say who decided, without a comment.
            decisions = instance.Tasks.Where(t => t.Status == "COMPLETED" && t.UserId is { Length: > 0 } && OutcomeOf(t.Result) is not null)
                .Select(t => new NativeApprovalDecision(t.UserId!, OutcomeOf(t.Result)!.Value, null, TimeOf(t.FinishTime), null))
                .ToList();
        }
        return new NativeApprovalSnapshot(instanceId, StateOf(instance.Status, instance.Result), decisions);
    }

    /// <summary>RUNNING (or NEW) is pending; COMPLETED agree / refuse; TERMINATED and CANCELED are withdrawn.</summary>
    public static NativeApprovalState StateOf(string status, string? result) => (status.ToUpperInvariant(), result?.ToLowerInvariant()) switch
    {
        ("NEW" or "RUNNING", _) => NativeApprovalState.Pending,
        ("COMPLETED", "agree") => NativeApprovalState.Approved,
        ("COMPLETED", "refuse") => NativeApprovalState.Rejected,
        ("TERMINATED" or "CANCELED", _) => NativeApprovalState.Withdrawn,
        _ => NativeApprovalState.Other,
    };

    private static DecisionOutcome? OutcomeOf(string? result) => result?.ToUpperInvariant() switch
    {
        "AGREE" => DecisionOutcome.Approved,
        "REFUSE" => DecisionOutcome.Rejected,
        _ => null,
    };

    private static DateTimeOffset TimeOf(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.UnixEpoch;

    private static async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (DingTalkApiException e)
        {
            // Limits and busy answers were already retried by the transport; what is left of them may pass later.
            var transient = e.HttpStatus >= 500 || e.Code == DingTalkApiException.QpsLimitCode
                || e.ReasonCode is DingTalkApiException.SystemBusy or DingTalkApiException.AppQpsLimited or DingTalkApiException.GlobalQpsLimited;
            throw new NativeApprovalException($"DingTalk {e.Path} {e.Code}: {e.DingTalkMessage}", refused: !transient, e);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new NativeApprovalException("DingTalk did not answer properly: " + e.GetType().Name, refused: false, e);
        }
    }
}

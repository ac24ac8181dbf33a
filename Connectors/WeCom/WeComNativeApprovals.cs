using System.Globalization;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Messaging;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.WeCom;

/// <summary>
/// Contracts in WeCom's approval app: filed with oa/applyevent under the configured template,
/// with CrmChat's steps as the flow (use_template_approver = 0; AllOf = 会签, AnyOf = 或签), and
/// read back with oa/getapprovaldetail.
/// </summary>
public sealed class WeComNativeApprovals(IWeComApprovalClient client, IOptions<WeComOaOptions> options) : INativeApprovals
{
    /// <summary>How long a summary line may be; longer ones are cut (WeCom shows them on one line of a card).</summary>
    public const int SummaryLineLength = 20;

    public Platform Platform => Platform.WeCom;

    public async Task<string> StartAsync(NativeApprovalApplication application, CancellationToken ct)
    {
        var o = options.Value;
        var facts = application.Contract;
        var amount = facts.Amount.ToString("0.00", CultureInfo.InvariantCulture);
        var apply = new WeComApplyEvent
        {
            CreatorUserId = application.RequesterUserId,
            TemplateId = o.TemplateId,
            UseTemplateApprover = 0,
            Approver = application.Steps
                .Select(s => new WeComApprovalNode(s.Rule == StepRule.AllOf ? WeComApprovalNode.All : WeComApprovalNode.AnyOne, s.ApproverUserIds))
                .ToList(),
            ApplyData = new WeComApplyData(
            [
                WeComApplyControl.Text(o.Controls.Customer, facts.Customer),
                WeComApplyControl.Text(o.Controls.Title, facts.Title),
                WeComApplyControl.Money(o.Controls.Amount, amount),
            ]),
            SummaryList =
            [
                WeComApprovalSummary.Line(Line($"客户：{facts.Customer}")),
                WeComApprovalSummary.Line(Line($"金额：{facts.AmountText}")),
                WeComApprovalSummary.Line(Line($"合同：{facts.Title}")),
            ],
        };
        return await CallAsync(() => client.ApplyAsync(apply, ct), ct);
    }

    public async Task<NativeApprovalSnapshot> GetAsync(string instanceId, CancellationToken ct)
    {
        var detail = await CallAsync(() => client.GetDetailAsync(instanceId, ct), ct);
        var decisions = new List<NativeApprovalDecision>();
        for (var node = 0; node < detail.SpRecord.Count; node++)
        {
            foreach (var d in detail.SpRecord[node].Details)
            {
                // Per approver 2 = agreed, 3 = rejected; 1 is waiting and 4 handed on (转审).
                var outcome = d.SpStatus switch
                {
                    WeComApprovalStatus.Approved => DecisionOutcome.Approved,
                    WeComApprovalStatus.Rejected => DecisionOutcome.Rejected,
                    _ => (DecisionOutcome?)null,
                };
                if (outcome is { } decided && d.SpTime > 0 && d.Approver.UserId.Length > 0)
                {
                    decisions.Add(new NativeApprovalDecision(d.Approver.UserId, decided, d.Speech, DateTimeOffset.FromUnixTimeSeconds(d.SpTime), node));
                }
            }
        }
        return new NativeApprovalSnapshot(instanceId, StateOf(detail.SpStatus), decisions);
    }

    /// <summary>
    /// 1 reviewing; 2 approved, and 10 paid (only after approval); 3 rejected; 4 withdrawn, 6
    /// withdrawn after approval and 7 deleted all end the approval without it standing.
    /// </summary>
    public static NativeApprovalState StateOf(WeComApprovalStatus status) => status switch
    {
        WeComApprovalStatus.Reviewing => NativeApprovalState.Pending,
        WeComApprovalStatus.Approved or WeComApprovalStatus.Paid => NativeApprovalState.Approved,
        WeComApprovalStatus.Rejected => NativeApprovalState.Rejected,
        WeComApprovalStatus.Withdrawn or WeComApprovalStatus.WithdrawnAfterApproval or WeComApprovalStatus.Deleted => NativeApprovalState.Withdrawn,
        _ => NativeApprovalState.Other,
    };

    private static string Line(string text) => ContactTexts.Clip(text, SummaryLineLength)!;

    private static async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (WeComApiException e)
        {
            // Busy and limited answers were already retried by the transport; what is left of them may pass later.
            var transient = e.ErrCode is WeComApiException.SystemBusy or WeComApiException.FrequencyLimited or WeComApiException.ConcurrencyLimited;
            throw new NativeApprovalException($"WeCom {e.Path} errcode {e.ErrCode}: {e.ErrMsg}", refused: !transient, e);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new NativeApprovalException("WeCom did not answer properly: " + e.GetType().Name, refused: false, e);
        }
    }
}

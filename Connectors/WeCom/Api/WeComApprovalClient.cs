namespace CrmChat.Connectors.WeCom.Api;

/// <summary>
/// WeCom's approval app (OA 审批), called with the app secret: the app must be allowed to call
/// the approval API (审批 → API → 可调用接口的应用).
/// </summary>
public interface IWeComApprovalClient
{
    /// <summary>oa/applyevent: files an application in a member's name; returns its sp_no.</summary>
    Task<string> ApplyAsync(WeComApplyEvent application, CancellationToken cancellationToken = default);

    /// <summary>oa/getapprovaldetail: the application now, with every node and decision.</summary>
    Task<WeComApprovalDetail> GetDetailAsync(string spNo, CancellationToken cancellationToken = default);
}

public sealed class WeComApprovalClient(WeComApiTransport transport) : IWeComApprovalClient
{
    public const int MaxSummaryLines = 3;

    public async Task<string> ApplyAsync(WeComApplyEvent application, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(application.CreatorUserId);
        ArgumentException.ThrowIfNullOrWhiteSpace(application.TemplateId);
        if (application.UseTemplateApprover == 0 && (application.Approver is not { Count: > 0 } nodes || nodes.Any(n => n.UserIds.Count == 0)))
        {
            throw new ArgumentException("Without the template's own flow, oa/applyevent needs at least one approval node, each with at least one userid.", nameof(application));
        }
        if (application.SummaryList?.Count > MaxSummaryLines)
        {
            throw new ArgumentException($"oa/applyevent shows at most {MaxSummaryLines} summary lines.", nameof(application));
        }
        var response = await transport.PostAsync<ApplyEventResponse>(WeComSecret.App, "oa/applyevent", application, cancellationToken).ConfigureAwait(false);
        return response.SpNo.Length > 0 ? response.SpNo : throw new InvalidOperationException("WeCom answered oa/applyevent with errcode 0 but no sp_no.");
    }

    public async Task<WeComApprovalDetail> GetDetailAsync(string spNo, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spNo);
        var response = await transport.PostAsync<ApprovalDetailResponse>(WeComSecret.App, "oa/getapprovaldetail", new ApprovalDetailRequest(spNo), cancellationToken)
            .ConfigureAwait(false);
        return response.Info ?? throw new InvalidOperationException("WeCom answered oa/getapprovaldetail with errcode 0 but no info.");
    }
}

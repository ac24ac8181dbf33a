using CrmChat.CrmCore.Messaging;

namespace CrmChat.CrmCore.Approvals;

/// <summary>One step of an approval filed in the platform's app: who decides, and whether all of them must.</summary>
public sealed record NativeApprovalStep(string Name, StepRule Rule, IReadOnlyList<string> ApproverUserIds);

/// <summary>What CrmChat files in the platform's approval app for one contract.</summary>
/// <param name="RequestId">CrmChat's approval request, for the platform's records.</param>
/// <param name="RequesterUserId">The rep's user id on that platform: the application is filed in their name.</param>
public sealed record NativeApprovalApplication(Guid RequestId, ContractFacts Contract, string RequesterUserId, IReadOnlyList<NativeApprovalStep> Steps);

/// <summary>One approver's decision as the platform records it.</summary>
/// <param name="Step">The step (0-based, in the order filed) when the platform says which; else null.</param>
public sealed record NativeApprovalDecision(string ApproverUserId, DecisionOutcome Outcome, string? Comment, DateTimeOffset At, int? Step);

/// <summary>Where an approval stands in the platform's app right now, with every decision taken so far.</summary>
public sealed record NativeApprovalSnapshot(string InstanceId, NativeApprovalState State, IReadOnlyList<NativeApprovalDecision> Decisions);

/// <summary>
/// The platform's own approval app (WeCom OA 审批, DingTalk workflow), one implementation per
/// platform in Connectors. Used when <c>Approvals:{Platform}:Mode</c> is Native.
/// </summary>
public interface INativeApprovals
{
    Platform Platform { get; }

    /// <summary>Files the application; returns the platform's instance id (WeCom sp_no, DingTalk processInstanceId).</summary>
    /// <exception cref="NativeApprovalException">The platform refused it or could not be reached.</exception>
    Task<string> StartAsync(NativeApprovalApplication application, CancellationToken ct);

    /// <summary>The instance as the platform holds it now.</summary>
    /// <exception cref="NativeApprovalException">The platform refused the question or could not be reached.</exception>
    Task<NativeApprovalSnapshot> GetAsync(string instanceId, CancellationToken ct);
}

/// <summary>
/// A native approval call failed. <see cref="Refused"/>: the platform answered no (an unknown
/// template or person, a bad field), and asking again will not help; otherwise it could not be
/// reached or kept failing, and a later attempt may work. The message is fit for an admin: it
/// names the platform's code and never a secret.
/// </summary>
public sealed class NativeApprovalException(string message, bool refused, Exception? inner = null) : Exception(message, inner)
{
    public bool Refused { get; } = refused;
}

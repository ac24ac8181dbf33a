using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>Work notifications from the app (DingTalk:AgentId) to members.</summary>
public interface IDingTalkWorkNotificationClient
{
    /// <summary>topapi/message/corpconversation/asyncsend_v2 to up to 100 members; returns DingTalk's task_id.</summary>
    Task<long> SendAsync(IReadOnlyList<string> userIds, DingTalkWorkMessage message, CancellationToken cancellationToken = default);
}

/// <summary>The corp directory.</summary>
public interface IDingTalkUserClient
{
    /// <summary>
    /// topapi/v2/user/get. An unknown userid throws <see cref="DingTalkApiException"/> with
    /// <see cref="DingTalkApiException.IsUserNotFound"/> (errcode 60121).
    /// </summary>
    Task<DingTalkUser> GetAsync(string userId, CancellationToken cancellationToken = default);
}

/// <summary>Approvals (OA 审批) over v1.0/workflow.</summary>
public interface IDingTalkApprovalClient
{
    /// <summary>Starts an approval instance; returns its processInstanceId.</summary>
    Task<string> CreateAsync(DingTalkApprovalRequest request, CancellationToken cancellationToken = default);

    /// <summary>The instance with its status (RUNNING, COMPLETED, TERMINATED …) and result (agree / refuse).</summary>
    Task<DingTalkApprovalInstance> GetAsync(string processInstanceId, CancellationToken cancellationToken = default);
}

public sealed class DingTalkWorkNotificationClient(DingTalkApiTransport transport, IOptions<DingTalkOptions> options) : IDingTalkWorkNotificationClient
{
    public async Task<long> SendAsync(IReadOnlyList<string> userIds, DingTalkWorkMessage message, CancellationToken cancellationToken = default)
    {
        if (userIds.Count is 0 or > 100)
        {
            throw new ArgumentException("A work notification goes to 1 to 100 userids per call.", nameof(userIds));
        }
        if (options.Value.AgentId <= 0)
        {
            throw new InvalidOperationException("DingTalk:AgentId must be configured to send work notifications.");
        }
        var response = await transport.OapiAsync<AsyncSendResponse>(HttpMethod.Post, "topapi/message/corpconversation/asyncsend_v2", null,
            new Dictionary<string, object>
            {
                ["agent_id"] = options.Value.AgentId,
                ["userid_list"] = string.Join(',', userIds),
                ["msg"] = message.Msg,
            }, cancellationToken).ConfigureAwait(false);
        return response.TaskId;
    }
}

public sealed class DingTalkUserClient(DingTalkApiTransport transport) : IDingTalkUserClient
{
    public async Task<DingTalkUser> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var response = await transport.OapiAsync<UserGetResponse>(HttpMethod.Post, "topapi/v2/user/get", null,
            new Dictionary<string, string> { ["userid"] = userId, ["language"] = "zh_CN" }, cancellationToken).ConfigureAwait(false);
        return response.Result ?? throw new DingTalkApiException("topapi/v2/user/get", 200, "NoResult", "the answer has no result");
    }
}

public sealed class DingTalkApprovalClient(DingTalkApiTransport transport) : IDingTalkApprovalClient
{
    private const string Path = "v1.0/workflow/processInstances";

    public async Task<string> CreateAsync(DingTalkApprovalRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ProcessCode);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.OriginatorUserId);
        var response = await transport.ApiAsync<CreateProcessInstanceResponse>(HttpMethod.Post, Path, null, request, cancellationToken).ConfigureAwait(false);
        return response.InstanceId is { Length: > 0 } id
            ? id
            : throw new DingTalkApiException(Path, 200, "NoInstanceId", "the answer has no instanceId");
    }

    public async Task<DingTalkApprovalInstance> GetAsync(string processInstanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(processInstanceId);
        var response = await transport.ApiAsync<GetProcessInstanceResponse>(HttpMethod.Get, Path,
            [new("processInstanceId", processInstanceId)], null, cancellationToken).ConfigureAwait(false);
        var instance = response.Result ?? throw new DingTalkApiException(Path, 200, "NoResult", "the answer has no result");
        return instance.ProcessInstanceId.Length > 0 ? instance : instance with { ProcessInstanceId = processInstanceId };
    }
}


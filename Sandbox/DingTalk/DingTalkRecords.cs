using System.Text.Json.Nodes;

namespace CrmChat.Sandbox.DingTalk;

public sealed class DingTalkUser
{
    public required string UserId { get; init; }
    public string UnionId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Mobile { get; set; } = "";
    public string Title { get; set; } = "";
    public string Email { get; set; } = "";
    public List<long> DeptIdList { get; set; } = [1];
    public string ManagerUserId { get; set; } = "";
    public bool Active { get; set; } = true;
    public bool Admin { get; set; }
    public long HiredDate { get; set; }
}

/// <summary>A custom group robot: its webhook access_token, its "加签" secret and optional keywords.</summary>
public sealed record CustomRobot(string AccessToken, string? Secret, string[] Keywords, string Title);

/// <summary>A chat the enterprise robot is in: one-to-one ("1") with a person, or a group ("2").</summary>
public sealed record Conversation(string ConversationId, string ConversationType, string Title, string[] Members);

/// <summary>
/// One message CrmChat sent. Channel: <c>custom_robot</c> (Target = robot access_token),
/// <c>group_message</c> and <c>session_webhook</c> and <c>inline_reply</c> (Target = conversationId),
/// <c>oto_message</c> and <c>work_notification</c> (Target = userid).
/// </summary>
public sealed record DingTalkMessage(long Id, string Channel, string Target, string MsgType, JsonObject Body, DateTimeOffset At,
    string? MsgUuid = null, string? ProcessQueryKey = null, long? TaskId = null);

public sealed record SessionWebhook(string Session, string ConversationId, string SenderStaffId, DateTimeOffset ExpiresAt);

public sealed class ApprovalTask
{
    public required long TaskId { get; init; }
    public required string UserId { get; init; }
    public required string ActivityId { get; init; }
    /// <summary>NEW, RUNNING, PAUSED, CANCELED, COMPLETED, TERMINATED.</summary>
    public string Status { get; set; } = "RUNNING";
    /// <summary>AGREE, REFUSE, REDIRECTED, NONE.</summary>
    public string Result { get; set; } = "NONE";
    public DateTimeOffset CreateTime { get; init; }
    public DateTimeOffset? FinishTime { get; set; }
}

public sealed record ApprovalStep(string ActionType, string[] UserIds);

public sealed record OperationRecord(string UserId, DateTimeOffset Date, string Type, string Result, string? Remark);

public sealed class ApprovalInstance
{
    public required string InstanceId { get; init; }
    public required string ProcessCode { get; init; }
    public required string Title { get; init; }
    public required string OriginatorUserId { get; init; }
    public required long DeptId { get; init; }
    public required List<ApprovalStep> Steps { get; init; }
    public required JsonArray FormComponentValues { get; init; }
    public string[] CcList { get; init; } = [];
    public string BusinessId { get; init; } = "";
    public DateTimeOffset CreateTime { get; init; }
    public DateTimeOffset? FinishTime { get; set; }
    /// <summary>RUNNING, COMPLETED, TERMINATED.</summary>
    public string Status { get; set; } = "RUNNING";
    /// <summary>"" while running, then agree or refuse.</summary>
    public string Result { get; set; } = "";
    public int CurrentStep { get; set; }
    public List<ApprovalTask> Tasks { get; } = [];
    public List<OperationRecord> Records { get; } = [];
}

public sealed record DeliveryAttempt(int Number, int? StatusCode, string? Error, DateTimeOffset At, double ElapsedMs, string? ResponseBody);

/// <summary>One event (or robot message) the Sandbox sent, or tried to send, to CrmChat.</summary>
public sealed class DingTalkDelivery
{
    public required long Id { get; init; }
    /// <summary><c>event</c> or <c>robot_message</c>.</summary>
    public required string Channel { get; init; }
    /// <summary>The EventType (e.g. bpms_task_change) or the robot msgtype.</summary>
    public required string Kind { get; init; }
    /// <summary>The plaintext: the event JSON before encryption, or the robot message body.</summary>
    public required string Payload { get; init; }
    public string? Url { get; init; }
    public List<DeliveryAttempt> Attempts { get; } = [];
    /// <summary>Events: the reply decrypted to "success". Robot messages: HTTP 200.</summary>
    public bool Delivered { get; set; }

    public DingTalkDelivery Copy()
    {
        var copy = new DingTalkDelivery { Id = Id, Channel = Channel, Kind = Kind, Payload = Payload, Url = Url, Delivered = Delivered };
        copy.Attempts.AddRange(Attempts);
        return copy;
    }
}

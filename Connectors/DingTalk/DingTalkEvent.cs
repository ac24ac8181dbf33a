using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CrmChat.Connectors.DingTalk;

public enum DingTalkEventKind
{
    /// <summary>An authentic event CrmChat does not act on: acknowledge it so DingTalk stops retrying.</summary>
    Other,
    CheckUrl,
    UserAddOrg,
    UserModifyOrg,
    UserLeaveOrg,
    BpmsInstanceChange,
    BpmsTaskChange,
}

/// <summary>An approval instance started, finished or was terminated (<c>bpms_instance_change</c>).</summary>
/// <param name="Type">start | finish | terminate</param>
/// <param name="Result">agree | refuse, on finish</param>
public sealed record DingTalkApprovalInstanceChange(
    string ProcessInstanceId, string? ProcessCode, string? Type, string? Result, string? StaffId, string? Title, string? Url);

/// <summary>An approval task was started, finished or cancelled (<c>bpms_task_change</c>).</summary>
/// <param name="Type">start | finish | cancel</param>
/// <param name="Result">agree | refuse | redirect, on finish</param>
public sealed record DingTalkApprovalTaskChange(
    string ProcessInstanceId, string? TaskId, string? Type, string? Result, string? StaffId, string? ProcessCode, string? Title);

/// <summary>One decrypted event from DingTalk's HTTP event subscription.</summary>
public sealed record DingTalkEvent
{
    public required string EventType { get; init; }
    public required DingTalkEventKind Kind { get; init; }
    /// <summary>
    /// The event's own id when the payload carries one (EventId / eventId), else
    /// <c>sha256:</c> and the hash of the decrypted JSON: DingTalk's retries resend the same
    /// ciphertext content, so they hash alike.
    /// </summary>
    public required string EventId { get; init; }
    /// <summary>The inbox dedupe key, <c>dingtalk:event:{EventId}</c>.</summary>
    public string DedupeKey => "dingtalk:event:" + EventId;
    public string? CorpId { get; init; }
    /// <summary>The payload's TimeStamp / createTime (Unix ms) when present.</summary>
    public long? TimeStamp { get; init; }
    /// <summary>user_add_org / user_modify_org / user_leave_org: the members concerned.</summary>
    public IReadOnlyList<string> UserIds { get; init; } = [];
    public DingTalkApprovalInstanceChange? Instance { get; init; }
    public DingTalkApprovalTaskChange? Task { get; init; }
    /// <summary>The decrypted JSON as DingTalk sent it.</summary>
    public required string RawJson { get; init; }

    /// <summary>Parses decrypted event JSON; throws <see cref="DingTalkInboundException"/> (Malformed) when it is not a JSON object.</summary>
    public static DingTalkEvent Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DingTalkJsonReader.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new DingTalkInboundException(DingTalkInboundError.Malformed, "The decrypted event is not JSON.", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DingTalkInboundException(DingTalkInboundError.Malformed, "The decrypted event is not a JSON object.");
            }
            var eventType = DingTalkJsonReader.String(root, "EventType", "eventType", "event_type") ?? "";
            var kind = KindOf(eventType);
            var eventId = DingTalkJsonReader.String(root, "EventId", "eventId", "event_id");
            return new DingTalkEvent
            {
                EventType = eventType,
                Kind = kind,
                EventId = string.IsNullOrEmpty(eventId)
                    ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))
                    : eventId,
                CorpId = DingTalkJsonReader.String(root, "CorpId", "corpId"),
                TimeStamp = DingTalkJsonReader.Long(root, "TimeStamp", "timeStamp", "createTime"),
                UserIds = kind is DingTalkEventKind.UserAddOrg or DingTalkEventKind.UserModifyOrg or DingTalkEventKind.UserLeaveOrg
                    ? DingTalkJsonReader.StringList(root, "UserId", "userId", "UserIds", "userIds")
                    : [],
                Instance = kind == DingTalkEventKind.BpmsInstanceChange ? new DingTalkApprovalInstanceChange(
                    Required(root, "processInstanceId"),
                    DingTalkJsonReader.String(root, "processCode"),
                    DingTalkJsonReader.String(root, "type"),
                    DingTalkJsonReader.String(root, "result"),
                    DingTalkJsonReader.String(root, "staffId"),
                    DingTalkJsonReader.String(root, "title"),
                    DingTalkJsonReader.String(root, "url")) : null,
                Task = kind == DingTalkEventKind.BpmsTaskChange ? new DingTalkApprovalTaskChange(
                    Required(root, "processInstanceId"),
                    DingTalkJsonReader.String(root, "taskId"),
                    DingTalkJsonReader.String(root, "type"),
                    DingTalkJsonReader.String(root, "result"),
                    DingTalkJsonReader.String(root, "staffId"),
                    DingTalkJsonReader.String(root, "processCode"),
                    DingTalkJsonReader.String(root, "title")) : null,
                RawJson = json,
            };
        }
    }

    private static DingTalkEventKind KindOf(string eventType) => eventType.ToLowerInvariant() switch
    {
        "check_url" => DingTalkEventKind.CheckUrl,
        "user_add_org" => DingTalkEventKind.UserAddOrg,
        "user_modify_org" => DingTalkEventKind.UserModifyOrg,
        "user_leave_org" => DingTalkEventKind.UserLeaveOrg,
        "bpms_instance_change" => DingTalkEventKind.BpmsInstanceChange,
        "bpms_task_change" => DingTalkEventKind.BpmsTaskChange,
        _ => DingTalkEventKind.Other,
    };

    private static string Required(JsonElement root, string name) =>
        DingTalkJsonReader.String(root, name) is { Length: > 0 } value
            ? value
            : throw new DingTalkInboundException(DingTalkInboundError.Malformed, $"The event has no {name}.");
}

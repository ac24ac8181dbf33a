using System.Security.Cryptography;
using System.Text;

namespace CrmChat.Connectors.WeCom;

/// <summary>The fields every decrypted WeCom callback carries.</summary>
/// <param name="FromUserName"><c>sys</c> for system events, otherwise the member's userid.</param>
/// <param name="CreateTime">Unix seconds, as WeCom wrote it.</param>
/// <param name="MsgType"><c>event</c>, <c>text</c>, …</param>
/// <param name="MsgId">Set on messages (not on events).</param>
public sealed record WeComEnvelope(
    string ToUserName,
    string FromUserName,
    long CreateTime,
    string MsgType,
    string? Event,
    string? ChangeType,
    string? MsgId,
    string? AgentId);

/// <summary>
/// A decrypted, parsed WeCom callback. Subclasses carry the fields of the events CrmChat
/// handles; <see cref="WeComOtherCallback"/> stands for anything authentic it does not know.
/// </summary>
public abstract class WeComCallbackMessage
{
    public const int MaxEventTypeLength = 128;
    public const int MaxDedupeKeyLength = 256;
    public const int MaxOrderingKeyLength = 128;

    public required WeComEnvelope Envelope { get; init; }

    /// <summary>The decrypted inner XML exactly as WeCom sent it.</summary>
    public required string Xml { get; init; }

    /// <summary><c>Event/ChangeType</c> for events (e.g. <c>change_external_contact/add_external_contact</c>), else the MsgType.</summary>
    public string EventType
    {
        get
        {
            var type = Envelope.MsgType != "event"
                ? Envelope.MsgType
                : Envelope.ChangeType is { Length: > 0 } change ? $"{Envelope.Event}/{change}" : Envelope.Event ?? "event";
            return type.Length <= MaxEventTypeLength ? type : type[..MaxEventTypeLength];
        }
    }

    /// <summary>
    /// Equal for WeCom's retries of one callback, different for different callbacks:
    /// the MsgId for messages; for events FromUserName, CreateTime, Event, ChangeType and
    /// the event's own ids (<see cref="OwnIds"/>).
    /// </summary>
    public string DedupeKey
    {
        get
        {
            if (Envelope.MsgId is { Length: > 0 } msgId)
            {
                return Bounded("wecom:msg:" + msgId, MaxDedupeKeyLength);
            }
            string?[] parts = [Envelope.FromUserName, Envelope.CreateTime.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Envelope.Event ?? Envelope.MsgType, Envelope.ChangeType, .. OwnIds];
            return Bounded("wecom:evt:" + string.Join('|', parts.Select(p => p ?? "")), MaxDedupeKeyLength);
        }
    }

    /// <summary>
    /// Events with the same key are applied in order: the customer's ExternalUserID where there
    /// is one; a member's own messages and clicks in the order the member sent them.
    /// </summary>
    public string? OrderingKey => OrderingSubject is { Length: > 0 } id ? Bounded(id, MaxOrderingKeyLength) : null;

    protected virtual string? OrderingSubject => CustomerId;

    /// <summary>The ordering key of what a member does in the app: "member:{userid}".</summary>
    protected string MemberOrdering => "member:" + Envelope.FromUserName;

    /// <summary>The external contact the event is about, if any.</summary>
    protected virtual string? CustomerId => null;

    /// <summary>The ids that tell two events of the same type, sender and second apart.</summary>
    protected virtual IEnumerable<string?> OwnIds => [];

    // Keys stay readable; only a value too long for its column is replaced by its hash.
    private static string Bounded(string key, int max) =>
        key.Length <= max ? key : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary><c>change_external_contact</c>: a follow relation between a member and a customer changed.</summary>
public sealed class WeComExternalContactChanged : WeComCallbackMessage
{
    /// <summary>The member (employee) side of the relation.</summary>
    public string? UserId { get; init; }
    public string? ExternalUserId { get; init; }
    /// <summary>The <c>state</c> of the contact-me QR code or link the customer came through.</summary>
    public string? State { get; init; }
    /// <summary>One-use code for the welcome message (add events only).</summary>
    public string? WelcomeCode { get; init; }
    /// <summary><c>DELETE_BY_TRANSFER</c> when a handover removed the relation.</summary>
    public string? Source { get; init; }
    /// <summary><c>customer_refused</c> or <c>customer_limit_exceed</c> (transfer_fail).</summary>
    public string? FailReason { get; init; }

    protected override string? CustomerId => ExternalUserId;
    protected override IEnumerable<string?> OwnIds => [UserId, ExternalUserId];
}

/// <summary><c>change_external_tag</c>: the corp's customer tag catalogue changed.</summary>
public sealed class WeComExternalTagChanged : WeComCallbackMessage
{
    /// <summary>The tag or tag group id.</summary>
    public string? Id { get; init; }
    /// <summary><c>tag</c> or <c>tag_group</c>; absent on shuffle.</summary>
    public string? TagType { get; init; }

    protected override IEnumerable<string?> OwnIds => [Id, TagType];
}

/// <summary><c>change_external_chat</c>: a customer group chat was created, changed or dismissed.</summary>
public sealed class WeComExternalChatChanged : WeComCallbackMessage
{
    public string? ChatId { get; init; }
    /// <summary>What changed on update (add_member, del_member, change_owner, change_name, …).</summary>
    public string? UpdateDetail { get; init; }

    protected override IEnumerable<string?> OwnIds => [ChatId, UpdateDetail];
}

/// <summary><c>template_card_event</c>: a member clicked a button on a template card.</summary>
public sealed class WeComTemplateCardClicked : WeComCallbackMessage
{
    /// <summary>The key of the button that was clicked.</summary>
    public string? EventKey { get; init; }
    public string? TaskId { get; init; }
    public string? CardType { get; init; }
    /// <summary>Lets CrmChat update this card once, within 72 hours.</summary>
    public string? ResponseCode { get; init; }

    /// <summary>The member who clicked.</summary>
    public string MemberUserId => Envelope.FromUserName;

    // Each click gets its own ResponseCode, and WeCom's retries of a click repeat it: two clicks in one second stay two.
    protected override IEnumerable<string?> OwnIds => [TaskId, EventKey, ResponseCode];

    protected override string? OrderingSubject => MemberOrdering;
}

/// <summary><c>sys_approval_change</c>: an approval (OA) request changed state.</summary>
public sealed class WeComApprovalChanged : WeComCallbackMessage
{
    public required WeComApprovalInfo ApprovalInfo { get; init; }
    /// <summary>The <c>ApprovalInfo</c> element as received, for fields the typed view leaves out.</summary>
    public required string ApprovalInfoXml { get; init; }

    // Two approvers of one 会签 node agreeing in the same second differ only in who decided last.
    protected override IEnumerable<string?> OwnIds =>
    [
        ApprovalInfo.SpNo,
        ((int)ApprovalInfo.SpStatus).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ApprovalInfo.StatuChangeEvent?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        LatestDecider,
    ];

    /// <summary>Events about one approval are applied in the order they arrived.</summary>
    protected override string? OrderingSubject => "approval:" + ApprovalInfo.SpNo;

    private string? LatestDecider =>
        ApprovalInfo.Steps.SelectMany(s => s.Details).Where(d => d.SpTime > 0).MaxBy(d => d.SpTime) is { } last
            ? $"{last.ApproverUserId}@{last.SpTime.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : null;
}

/// <summary>A text message from a member to the app.</summary>
public sealed class WeComTextMessage : WeComCallbackMessage
{
    public required string Content { get; init; }

    protected override string? OrderingSubject => MemberOrdering;
}

/// <summary>An authentic callback CrmChat does not handle: stored and acknowledged so WeCom stops retrying.</summary>
public sealed class WeComOtherCallback : WeComCallbackMessage;

public enum WeComApprovalStatus
{
    Reviewing = 1,
    Approved = 2,
    Rejected = 3,
    Withdrawn = 4,
    WithdrawnAfterApproval = 6,
    Deleted = 7,
    Paid = 10,
}

public sealed record WeComApprovalInfo(
    string SpNo,
    string? SpName,
    WeComApprovalStatus SpStatus,
    string? TemplateId,
    long ApplyTime,
    string? ApplyerUserId,
    string? ApplyerParty,
    IReadOnlyList<WeComApprovalStep> Steps,
    IReadOnlyList<string> NotifyerUserIds,
    IReadOnlyList<WeComApprovalComment> Comments,
    int? StatuChangeEvent);

/// <summary>One <c>SpRecord</c>: a step of the approval flow.</summary>
/// <param name="ApproverAttr">1 = any one approver decides, 2 = all must approve.</param>
public sealed record WeComApprovalStep(WeComApprovalStatus SpStatus, int ApproverAttr, IReadOnlyList<WeComApprovalDecision> Details);

/// <param name="SpTime">Unix seconds of the decision; 0 while undecided.</param>
public sealed record WeComApprovalDecision(string ApproverUserId, string? Speech, WeComApprovalStatus SpStatus, long SpTime);

public sealed record WeComApprovalComment(string UserId, long CommentTime, string? Content, string? CommentId);

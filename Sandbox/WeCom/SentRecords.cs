using System.Text.Json.Nodes;

namespace CrmChat.Sandbox.WeCom;

/// <summary>An app message as one member received it.</summary>
public sealed record AppMessage(long MsgId, string UserId, string MsgType, JsonObject Body, DateTimeOffset At, string? TaskId, string? ResponseCode);

public sealed record RobotMessage(string Key, string MsgType, JsonObject Body, DateTimeOffset At);

public sealed record CardUpdate(string ResponseCode, string? TaskId, string[] UserIds, JsonObject Body, DateTimeOffset At);

public sealed record CallbackAttempt(int Number, int? StatusCode, string? Error, DateTimeOffset At, double ElapsedMs);

/// <summary>One event the Sandbox sent (or tried to send) to the callback URL.</summary>
public sealed class CallbackDelivery
{
    public required long Id { get; init; }
    /// <summary>e.g. <c>change_external_contact/add_external_contact</c>, <c>text</c>.</summary>
    public required string Kind { get; init; }
    public required string Xml { get; init; }
    public string? Url { get; init; }
    public List<CallbackAttempt> Attempts { get; } = [];
    public bool Delivered { get; set; }
}

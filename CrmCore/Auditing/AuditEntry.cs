using CrmChat.CrmCore.Data;

namespace CrmChat.CrmCore.Auditing;

/// <summary>Who changed what, with the values before and after, for an auditor.</summary>
public class AuditEntry
{
    /// <summary>Ordered within a process, so entries written in the same instant keep the order they happened in.</summary>
    public Guid Id { get; set; } = OrderedIds.Next();
    /// <summary>"employee:{id}", "api:{token name}", "wecom", "system".</summary>
    public required string Actor { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }
    public required string Action { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public DateTimeOffset At { get; set; }
}

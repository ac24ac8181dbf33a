namespace CrmChat.CrmCore.Auditing;

/// <summary>Who changed what, with the values before and after, for an auditor.</summary>
public class AuditEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>"employee:{id}", "api:{token name}", "wecom", "system".</summary>
    public required string Actor { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }
    public required string Action { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public DateTimeOffset At { get; set; }
}

namespace CrmChat.CrmCore.Team;

public enum EmployeeStatus
{
    Active = 1,
    Left = 2,
}

/// <summary>A member of the company: a rep, a manager, an approver.</summary>
public class Employee
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public string? WeComUserId { get; set; }
    public string? DingTalkUserId { get; set; }
    /// <summary>E.164, normalised.</summary>
    public string? Mobile { get; set; }
    public string? Email { get; set; }
    public Guid? ManagerId { get; set; }
    public Employee? Manager { get; set; }
    public Guid? TeamId { get; set; }
    public SalesTeam? Team { get; set; }
    public EmployeeStatus Status { get; set; } = EmployeeStatus.Active;
    public DateTimeOffset? LeftAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public string? UserIdOn(Platform platform) => platform switch
    {
        Platform.WeCom => WeComUserId,
        Platform.DingTalk => DingTalkUserId,
        _ => null,
    };
}

namespace CrmChat.CrmCore.Team;

/// <summary>A sales team: its members share a time zone, a digest and group chats.</summary>
public class SalesTeam
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    /// <summary>IANA time zone id; reminders and digests are read in it.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";
    public List<TeamChatTarget> ChatTargets { get; set; } = [];
    public List<Employee> Members { get; set; } = [];
}

public enum ChatTargetKind
{
    /// <summary>A WeCom group robot, addressed by its webhook key.</summary>
    WeComGroupRobot = 1,
    /// <summary>A WeCom app group chat (appchat) id.</summary>
    WeComAppChat = 2,
    /// <summary>A DingTalk custom robot webhook (access token, with its signing secret).</summary>
    DingTalkRobotWebhook = 3,
    /// <summary>A DingTalk group reached by the enterprise robot through its openConversationId.</summary>
    DingTalkConversation = 4,
}

public class TeamChatTarget
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TeamId { get; set; }
    public ChatTargetKind Kind { get; set; }
    /// <summary>Robot key, chat id, webhook access token or openConversationId.</summary>
    public required string Address { get; set; }
    /// <summary>The DingTalk robot's signing secret; never logged.</summary>
    public string? Secret { get; set; }
    public string? Name { get; set; }

    public Platform Platform => PlatformOf(Kind);

    public static Platform PlatformOf(ChatTargetKind kind) =>
        kind is ChatTargetKind.WeComGroupRobot or ChatTargetKind.WeComAppChat ? Platform.WeCom : Platform.DingTalk;
}

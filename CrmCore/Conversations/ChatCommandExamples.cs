namespace CrmChat.CrmCore.Conversations;

/// <summary>One command as the help card and the ask-back replies show it.</summary>
public sealed record ChatCommandExample(ChatIntent Intent, string ChineseCommand, string EnglishCommand, string ChineseExample, string EnglishExample);

/// <summary>The commands a rep can type, with one example each in Chinese and English.</summary>
public static class ChatCommandExamples
{
    public static IReadOnlyList<ChatCommandExample> All { get; } =
    [
        new(ChatIntent.AddCustomer, "新客户", "add customer", "新客户 张三 13800138000 上海某某科技 #重要", "add customer Zhang San +86 138 0013 8000 Acme #vip"),
        new(ChatIntent.LogActivity, "记录", "note", "记录 张三 电话沟通，对报价有兴趣", "note Zhang San called, interested in quote"),
        new(ChatIntent.ScheduleFollowUp, "跟进", "followup", "跟进 张三 明天上午10点 回访报价", "followup Zhang San tomorrow 10am send quote"),
        new(ChatIntent.CompleteFollowUp, "完成", "done", "完成 张三", "done Zhang San"),
        new(ChatIntent.SnoozeFollowUp, "推迟", "snooze", "推迟 张三 2天", "snooze Zhang San 1 hour"),
        new(ChatIntent.SetStage, "阶段", "stage", "阶段 张三 谈判", "stage Zhang San negotiation"),
        new(ChatIntent.ChangeTags, "标签", "tags", "标签 张三 +重要 -冷淡", "tags Zhang San +vip -cold"),
        new(ChatIntent.CreateContract, "合同", "contract", "合同 张三 50000 年度服务", "contract Zhang San 50000 CNY annual service"),
        new(ChatIntent.FindCustomer, "查", "find", "查 张三", "find Zhang"),
        new(ChatIntent.ListMyCustomers, "我的客户", "my customers", "我的客户", "my customers"),
        new(ChatIntent.ListTodayFollowUps, "今天跟进", "today", "今天跟进", "today"),
        new(ChatIntent.ListOverdueFollowUps, "逾期", "overdue", "逾期", "overdue"),
        new(ChatIntent.Help, "帮助", "help", "帮助", "help"),
    ];

    public static ChatCommandExample For(ChatIntent intent) => All.First(e => e.Intent == intent);
}

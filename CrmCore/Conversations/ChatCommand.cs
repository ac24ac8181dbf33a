using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;

namespace CrmChat.CrmCore.Conversations;

/// <summary>What a rep can ask the bot to do; one name per command family, used for examples and suggestions.</summary>
public enum ChatIntent
{
    AddCustomer,
    LogActivity,
    ScheduleFollowUp,
    CompleteFollowUp,
    SnoozeFollowUp,
    SetStage,
    ChangeTags,
    CreateContract,
    FindCustomer,
    ListMyCustomers,
    ListTodayFollowUps,
    ListOverdueFollowUps,
    Help,
}

/// <summary>
/// A customer as the rep wrote it: a name, a company, a phone or a prefix. Finding the customer
/// is the bot's job; a phone is already in E.164 so it matches however it was written.
/// </summary>
public sealed record CustomerRef(string Text, string? Phone = null);

/// <summary>
/// A chat message read as one command. The set is closed (the constructor is private), so a
/// switch over it can name every case.
/// </summary>
public abstract record ChatCommand
{
    private ChatCommand()
    {
    }

    public abstract ChatIntent Intent { get; }

    /// <summary>新客户 张三 13800138000 上海某某科技 #重要. Phones in E.164.</summary>
    public sealed record AddCustomer(string Name, IReadOnlyList<string> Phones, string? Company, IReadOnlyList<string> Tags) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.AddCustomer;
    }

    /// <summary>记录 张三 电话沟通，对报价有兴趣. Kind is Call, Visit or Note, from the words used.</summary>
    public sealed record LogActivity(CustomerRef Customer, ActivityKind Kind, string Text) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.LogActivity;
    }

    /// <summary>跟进 张三 明天上午10点 回访报价; Customer is null for "remind me …" / 提醒我 ….</summary>
    public sealed record ScheduleFollowUp(CustomerRef? Customer, DateTimeOffset DueAt, string TimePhrase, string Note) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.ScheduleFollowUp;
    }

    /// <summary>完成 张三 / done Zhang San.</summary>
    public sealed record CompleteFollowUp(CustomerRef Customer) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.CompleteFollowUp;
    }

    /// <summary>推迟 张三 2天 / snooze Zhang San 1 hour: remind again at Until.</summary>
    public sealed record SnoozeFollowUp(CustomerRef Customer, DateTimeOffset Until, string TimePhrase) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.SnoozeFollowUp;
    }

    /// <summary>阶段 张三 谈判 / stage Zhang San negotiation.</summary>
    public sealed record SetStage(CustomerRef Customer, CustomerStage Stage) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.SetStage;
    }

    /// <summary>标签 张三 +重要 -冷淡.</summary>
    public sealed record ChangeTags(CustomerRef Customer, IReadOnlyList<string> Add, IReadOnlyList<string> Remove) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.ChangeTags;
    }

    /// <summary>合同 张三 50000 年度服务. Currency is an ISO code, CNY unless written.</summary>
    public sealed record CreateContract(CustomerRef Customer, decimal Amount, string Currency, string Title) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.CreateContract;
    }

    /// <summary>查 张三 / find Zhang.</summary>
    public sealed record FindCustomer(CustomerRef Query) : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.FindCustomer;
    }

    /// <summary>我的客户 / my customers.</summary>
    public sealed record ListMyCustomers : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.ListMyCustomers;
    }

    /// <summary>今天跟进 / today.</summary>
    public sealed record ListTodayFollowUps : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.ListTodayFollowUps;
    }

    /// <summary>逾期 / overdue.</summary>
    public sealed record ListOverdueFollowUps : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.ListOverdueFollowUps;
    }

    /// <summary>帮助 / help / ?.</summary>
    public sealed record ShowHelp : ChatCommand
    {
        public override ChatIntent Intent => ChatIntent.Help;
    }

    /// <summary>Not a command: the reply names the closest command and shows an example.</summary>
    public sealed record Unknown(string Text, ChatIntent Closest, string Reply) : ChatCommand
    {
        public override ChatIntent Intent => Closest;
    }

    /// <summary>The command was recognised but something is missing or could mean two things.</summary>
    public sealed record NeedsClarification(ChatIntent For, string Question) : ChatCommand
    {
        public override ChatIntent Intent => For;
    }
}

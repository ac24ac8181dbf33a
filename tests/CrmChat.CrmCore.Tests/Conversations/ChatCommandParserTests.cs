using System.Globalization;
using CrmChat.CrmCore.Conversations;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;
using static CrmChat.CrmCore.Conversations.ChatCommand;

namespace CrmChat.CrmCore.Tests.Conversations;

public sealed class ChatCommandParserTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>Monday 23 November 2026, 11:00 in Shanghai.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 11, 0, 0, TimeSpan.FromHours(8));

    private static ChatCommand Parse(string text) => ChatCommandParser.Parse(text, Now, Shanghai);

    private static T ParseAs<T>(string text) where T : ChatCommand
    {
        var command = Parse(text);
        return Assert.IsType<T>(command, exactMatch: true);
    }

    private static string Show(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, Shanghai).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string[] List(string csv) => csv.Length == 0 ? [] : csv.Split(',');

    [Theory]
    [InlineData("新客户 张三 13800138000 上海某某科技 #重要", "张三", "+8613800138000", "上海某某科技", "重要")]
    [InlineData("客户 李四 138-0013-8001", "李四", "+8613800138001", null, "")]
    [InlineData("add customer Zhang San +86 138 0013 8000 Acme #vip", "Zhang San", "+8613800138000", "Acme", "vip")]
    [InlineData("新客户　张三　１３８００１３８０００　上海某某科技　＃重要", "张三", "+8613800138000", "上海某某科技", "重要")]
    [InlineData("@CrmChat 新客户 王五 13900139000 #A #B", "王五", "+8613900139000", null, "A,B")]
    [InlineData("＠CrmChat　新客户 王五 13900139000", "王五", "+8613900139000", null, "")]
    [InlineData("新客户张三13800138000上海某某科技", "张三", "+8613800138000", "上海某某科技", "")]
    [InlineData("新客户 张三 13800138000 13900139000", "张三", "+8613800138000,+8613900139000", null, "")]
    [InlineData("新客户 13800138000 张三 上海某某科技", "张三", "+8613800138000", "上海某某科技", "")]
    [InlineData("新客户 王五 某某公司", "王五", "", "某某公司", "")]
    [InlineData("new customer John Smith, Acme Ltd", "John Smith", "", "Acme Ltd", "")]
    [InlineData("add customer Li Si 13800138000", "Li Si", "+8613800138000", null, "")]
    [InlineData("张三 13800138000 上海某某科技", "张三", "+8613800138000", "上海某某科技", "")]
    public void Add_customer_reads_name_phones_company_and_tags(string text, string name, string phones, string? company, string tags)
    {
        var add = ParseAs<AddCustomer>(text);

        Assert.Equal(name, add.Name);
        Assert.Equal(List(phones), add.Phones);
        Assert.Equal(company, add.Company);
        Assert.Equal(List(tags), add.Tags);
    }

    [Theory]
    [InlineData("新客户")]
    [InlineData("add customer #vip")]
    [InlineData("新客户张三上海某某科技")]
    public void Add_customer_without_a_clear_name_asks_back(string text)
    {
        var ask = ParseAs<NeedsClarification>(text);

        Assert.Equal(ChatIntent.AddCustomer, ask.For);
        Assert.Contains("新客户 张三", ask.Question);
        Assert.Contains("add customer", ask.Question);
    }

    [Theory]
    [InlineData("记录 张三 电话沟通，对报价有兴趣", "张三", ActivityKind.Call, "电话沟通，对报价有兴趣")]
    [InlineData("note Zhang San called, interested in quote", "Zhang San", ActivityKind.Call, "called, interested in quote")]
    [InlineData("记录 李四 拜访客户，签了意向书", "李四", ActivityKind.Visit, "拜访客户，签了意向书")]
    [InlineData("记录 王五 发了资料", "王五", ActivityKind.Note, "发了资料")]
    [InlineData("记录张三电话沟通，对报价有兴趣", "张三", ActivityKind.Call, "电话沟通，对报价有兴趣")]
    [InlineData("记录：张三：周五前要报价", "张三", ActivityKind.Note, "周五前要报价")]
    [InlineData("note zhang san: visited the office", "zhang san", ActivityKind.Visit, "visited the office")]
    [InlineData("log Li Si, sent brochure", "Li Si", ActivityKind.Note, "sent brochure")]
    [InlineData("记录 138-0013-8000 打电话没人接", "138-0013-8000", ActivityKind.Call, "打电话没人接")]
    [InlineData("备注　上海某某科技　上门拜访，见了采购", "上海某某科技", ActivityKind.Visit, "上门拜访，见了采购")]
    public void Log_reads_customer_kind_and_text_keeping_the_reps_punctuation(string text, string customer, ActivityKind kind, string note)
    {
        var log = ParseAs<LogActivity>(text);

        Assert.Equal(customer, log.Customer.Text);
        Assert.Equal(kind, log.Kind);
        Assert.Equal(note, log.Text);
    }

    [Fact]
    public void A_phone_as_customer_reference_is_normalised()
    {
        var log = ParseAs<LogActivity>("记录 138-0013-8000 打电话没人接");

        Assert.Equal("+8613800138000", log.Customer.Phone);
    }

    [Theory]
    [InlineData("note zhang san called")]
    [InlineData("记录 张三")]
    [InlineData("记录上海某某科技有限公司发资料")]
    [InlineData("note")]
    public void Log_without_a_clear_customer_or_text_asks_back(string text)
    {
        var ask = ParseAs<NeedsClarification>(text);

        Assert.Equal(ChatIntent.LogActivity, ask.For);
        Assert.Contains("记录 张三", ask.Question);
    }

    [Theory]
    [InlineData("跟进 张三 明天上午10点 回访报价", "张三", "2026-11-24 10:00", "回访报价")]
    [InlineData("提醒 李四 下周一 14:30 签约", "李四", "2026-11-30 14:30", "签约")]
    [InlineData("followup Zhang San tomorrow 10am send quote", "Zhang San", "2026-11-24 10:00", "send quote")]
    [InlineData("follow up Li Si next Monday 2:30pm demo", "Li Si", "2026-11-30 14:30", "demo")]
    [InlineData("remind me in 2 hours call Li Si", null, "2026-11-23 13:00", "call Li Si")]
    [InlineData("remind me in 2 hours to call Li Si", null, "2026-11-23 13:00", "call Li Si")]
    [InlineData("跟进张三明天上午10点回访报价", "张三", "2026-11-24 10:00", "回访报价")]
    [InlineData("跟进 周一鸣 明天10点 送样品", "周一鸣", "2026-11-24 10:00", "送样品")]
    [InlineData("跟进周一鸣明天10点", "周一鸣", "2026-11-24 10:00", "")]
    [InlineData("提醒 明天10点开会", null, "2026-11-24 10:00", "开会")]
    [InlineData("提醒我 明天下午3点 开会", null, "2026-11-24 15:00", "开会")]
    [InlineData("提醒我明天下午3点开会", null, "2026-11-24 15:00", "开会")]
    [InlineData("跟进　张三　明天上午１０点　回访报价", "张三", "2026-11-24 10:00", "回访报价")]
    [InlineData("跟进：张三，明天上午10：30，回访报价！", "张三", "2026-11-24 10:30", "回访报价")]
    [InlineData("跟进 13800138000 后天 发合同", "13800138000", "2026-11-25 09:00", "发合同")]
    [InlineData("张三 明天10点 回访", "张三", "2026-11-24 10:00", "回访")]
    [InlineData("@CrmChat 跟进 张三 3天后 再联系", "张三", "2026-11-26 09:00", "再联系")]
    [InlineData("跟进 张三 半小时后 回电话", "张三", "2026-11-23 11:30", "回电话")]
    [InlineData("跟进 上海某某科技 周五下午 送合同", "上海某某科技", "2026-11-27 14:00", "送合同")]
    [InlineData("Followup Zhang San Dec 3 2pm", "Zhang San", "2026-12-03 14:00", "")]
    public void Follow_up_reads_customer_due_time_and_note(string text, string? customer, string due, string note)
    {
        var followUp = ParseAs<ScheduleFollowUp>(text);

        Assert.Equal(customer, followUp.Customer?.Text);
        Assert.Equal(due, Show(followUp.DueAt));
        Assert.Equal(note, followUp.Note);
    }

    [Fact]
    public void Follow_up_reports_the_time_phrase_as_typed()
    {
        var followUp = ParseAs<ScheduleFollowUp>("跟进　张三　明天上午１０点　回访报价");

        Assert.Equal("明天上午１０点", followUp.TimePhrase);
        Assert.Equal("+8613800138000", ParseAs<ScheduleFollowUp>("跟进 13800138000 后天 发合同").Customer!.Phone);
    }

    [Theory]
    [InlineData("跟进 张三 回访报价", "什么时候")]
    [InlineData("跟进 张三 今天上午9点 回访", "已经过去")]
    [InlineData("跟进 张三 2月30日 回访", "没有")]
    [InlineData("跟进 张三 明天上午12点 回访", "中午12点还是")]
    [InlineData("跟进 明天10点 回访", "哪位客户")]
    [InlineData("followup Zhang San send quote", "When")]
    [InlineData("跟进", "什么时候")]
    public void Follow_up_with_a_missing_or_unusable_time_asks_back(string text, string expected)
    {
        var ask = ParseAs<NeedsClarification>(text);

        Assert.Equal(ChatIntent.ScheduleFollowUp, ask.For);
        Assert.Contains(expected, ask.Question);
        Assert.Contains(" / ", ask.Question);
    }

    [Theory]
    [InlineData("完成 张三", "张三")]
    [InlineData("已完成 张三", "张三")]
    [InlineData("done Zhang San", "Zhang San")]
    [InlineData("Done Zhang San.", "Zhang San")]
    [InlineData("完成　上海某某科技！", "上海某某科技")]
    public void Done_names_the_customer(string text, string customer)
    {
        Assert.Equal(customer, ParseAs<CompleteFollowUp>(text).Customer.Text);
    }

    [Theory]
    [InlineData("推迟 张三 2天", "张三", "2026-11-25 11:00")]
    [InlineData("推迟张三三天", "张三", "2026-11-26 11:00")]
    [InlineData("snooze Zhang San 1 hour", "Zhang San", "2026-11-23 12:00")]
    [InlineData("snooze Zhang San 2 days", "Zhang San", "2026-11-25 11:00")]
    [InlineData("snooze Zhang San 30min", "Zhang San", "2026-11-23 11:30")]
    [InlineData("推迟 张三 半小时", "张三", "2026-11-23 11:30")]
    [InlineData("推迟 张三 一个半小时", "张三", "2026-11-23 12:30")]
    [InlineData("推迟 张三 1周", "张三", "2026-11-30 11:00")]
    [InlineData("推迟 张三 到明天下午3点", "张三", "2026-11-24 15:00")]
    [InlineData("snooze Zhang San until tomorrow 9am", "Zhang San", "2026-11-24 09:00")]
    [InlineData("延后 李四 下周一", "李四", "2026-11-30 09:00")]
    public void Snooze_reads_customer_and_new_time(string text, string customer, string until)
    {
        var snooze = ParseAs<SnoozeFollowUp>(text);

        Assert.Equal(customer, snooze.Customer.Text);
        Assert.Equal(until, Show(snooze.Until));
    }

    [Theory]
    [InlineData("推迟 张三")]
    [InlineData("snooze Zhang San")]
    [InlineData("推迟 2天")]
    public void Snooze_without_customer_or_duration_asks_back(string text)
    {
        var ask = ParseAs<NeedsClarification>(text);

        Assert.Equal(ChatIntent.SnoozeFollowUp, ask.For);
        Assert.Contains("推迟 张三 2天", ask.Question);
    }

    [Theory]
    [InlineData("阶段 张三 谈判", "张三", CustomerStage.Negotiation)]
    [InlineData("stage Zhang San negotiation", "Zhang San", CustomerStage.Negotiation)]
    [InlineData("阶段 张三 线索", "张三", CustomerStage.Lead)]
    [InlineData("stage Li Si lead", "Li Si", CustomerStage.Lead)]
    [InlineData("阶段 王五 已联系", "王五", CustomerStage.Contacted)]
    [InlineData("stage Wang Wu contacted", "Wang Wu", CustomerStage.Contacted)]
    [InlineData("阶段 张三 合格", "张三", CustomerStage.Qualified)]
    [InlineData("stage Zhang San qualified", "Zhang San", CustomerStage.Qualified)]
    [InlineData("阶段 张三 方案", "张三", CustomerStage.Proposal)]
    [InlineData("阶段 张三 报价", "张三", CustomerStage.Proposal)]
    [InlineData("stage Acme proposal", "Acme", CustomerStage.Proposal)]
    [InlineData("阶段 张三 成交", "张三", CustomerStage.Won)]
    [InlineData("阶段 张三 赢单", "张三", CustomerStage.Won)]
    [InlineData("stage Zhang San Won!", "Zhang San", CustomerStage.Won)]
    [InlineData("阶段 李四 丢单", "李四", CustomerStage.Lost)]
    [InlineData("阶段 李四 输单。", "李四", CustomerStage.Lost)]
    [InlineData("stage Li Si lost", "Li Si", CustomerStage.Lost)]
    [InlineData("阶段张三谈判", "张三", CustomerStage.Negotiation)]
    public void Stage_maps_Chinese_and_English_words(string text, string customer, CustomerStage stage)
    {
        var set = ParseAs<SetStage>(text);

        Assert.Equal(customer, set.Customer.Text);
        Assert.Equal(stage, set.Stage);
    }

    [Fact]
    public void An_unknown_stage_asks_back_listing_the_stages()
    {
        var ask = ParseAs<NeedsClarification>("阶段 张三 很好");

        Assert.Contains("谈判", ask.Question);
        Assert.Contains("negotiation", ask.Question);
    }

    [Theory]
    [InlineData("标签 张三 +重要 -冷淡", "张三", "重要", "冷淡")]
    [InlineData("标签张三＋重要－冷淡", "张三", "重要", "冷淡")]
    [InlineData("tags Zhang San +vip -cold", "Zhang San", "vip", "cold")]
    [InlineData("tag Zhang San #vip #2026展会", "Zhang San", "vip,2026展会", "")]
    [InlineData("标签 张三 重要", "张三", "重要", "")]
    [InlineData("标签 138-0013-8000 -冷淡", "138-0013-8000", "", "冷淡")]
    public void Tags_read_additions_and_removals(string text, string customer, string add, string remove)
    {
        var tags = ParseAs<ChangeTags>(text);

        Assert.Equal(customer, tags.Customer.Text);
        Assert.Equal(List(add), tags.Add);
        Assert.Equal(List(remove), tags.Remove);
    }

    [Theory]
    [InlineData("合同 张三 50000 年度服务", "张三", "50000", "CNY", "年度服务")]
    [InlineData("contract Zhang San 50000 CNY annual service", "Zhang San", "50000", "CNY", "annual service")]
    [InlineData("合同 张三 5万 年度服务", "张三", "50000", "CNY", "年度服务")]
    [InlineData("合同 张三 5.5万元 年度服务", "张三", "55000", "CNY", "年度服务")]
    [InlineData("合同 张三 五万 年度服务", "张三", "50000", "CNY", "年度服务")]
    [InlineData("contract Acme 50k USD support", "Acme", "50000", "USD", "support")]
    [InlineData("合同 张三 ¥50,000 年度服务", "张三", "50000", "CNY", "年度服务")]
    [InlineData("合同 张三 50，000元 年度服务", "张三", "50000", "CNY", "年度服务")]
    [InlineData("contract Zhang San $12,500.50 setup", "Zhang San", "12500.50", "USD", "setup")]
    [InlineData("合同张三50000年度服务", "张三", "50000", "CNY", "年度服务")]
    [InlineData("合同 13800138000 80000 维保", "13800138000", "80000", "CNY", "维保")]
    [InlineData("合同 上海某某科技 3万美元", "上海某某科技", "30000", "USD", "")]
    [InlineData("合同 张三2号店 50000 年度服务", "张三2号店", "50000", "CNY", "年度服务")]
    [InlineData("合同 张三 5万元年度服务", "张三", "50000", "CNY", "年度服务")]
    public void Contract_reads_customer_amount_currency_and_title(string text, string customer, string amount, string currency, string title)
    {
        var contract = ParseAs<CreateContract>(text);

        Assert.Equal(customer, contract.Customer.Text);
        Assert.Equal(decimal.Parse(amount, CultureInfo.InvariantCulture), contract.Amount);
        Assert.Equal(currency, contract.Currency);
        Assert.Equal(title, contract.Title);
    }

    [Theory]
    [InlineData("合同 张三 年度服务")]
    [InlineData("合同 张三 0 年度服务")]
    [InlineData("contract")]
    public void Contract_without_an_amount_asks_back(string text)
    {
        var ask = ParseAs<NeedsClarification>(text);

        Assert.Equal(ChatIntent.CreateContract, ask.For);
        Assert.Contains("合同 张三 50000 年度服务", ask.Question);
    }

    [Theory]
    [InlineData("查 张三", "张三", null)]
    [InlineData("查张三", "张三", null)]
    [InlineData("查询 上海某某", "上海某某", null)]
    [InlineData("find Zhang", "Zhang", null)]
    [InlineData("search Acme", "Acme", null)]
    [InlineData("查 138-0013-8000", "138-0013-8000", "+8613800138000")]
    [InlineData("查　１３８ ００１３ ８０００", "１３８ ００１３ ８０００", "+8613800138000")]
    [InlineData("13800138000", "13800138000", "+8613800138000")]
    public void Find_keeps_the_reference_and_normalises_a_phone(string text, string reference, string? phone)
    {
        var find = ParseAs<FindCustomer>(text);

        Assert.Equal(reference, find.Query.Text);
        Assert.Equal(phone, find.Query.Phone);
    }

    [Theory]
    [InlineData("我的客户", typeof(ListMyCustomers))]
    [InlineData("my customers", typeof(ListMyCustomers))]
    [InlineData("My Customers", typeof(ListMyCustomers))]
    [InlineData("今天跟进", typeof(ListTodayFollowUps))]
    [InlineData("today", typeof(ListTodayFollowUps))]
    [InlineData("逾期", typeof(ListOverdueFollowUps))]
    [InlineData("overdue", typeof(ListOverdueFollowUps))]
    [InlineData("@CrmChat overdue", typeof(ListOverdueFollowUps))]
    [InlineData("帮助", typeof(ShowHelp))]
    [InlineData("help", typeof(ShowHelp))]
    [InlineData("HELP", typeof(ShowHelp))]
    [InlineData("?", typeof(ShowHelp))]
    [InlineData("？", typeof(ShowHelp))]
    [InlineData("　帮助　", typeof(ShowHelp))]
    [InlineData("你好", typeof(ShowHelp))]
    public void Lookups_and_help_are_whole_messages(string text, Type expected)
    {
        Assert.IsType(expected, Parse(text), exactMatch: true);
    }

    [Theory]
    [InlineData("folowup Zhang San tomorrow", ChatIntent.ScheduleFollowUp, "followup")]
    [InlineData("跟近 张三 明天", ChatIntent.ScheduleFollowUp, "跟进")]
    [InlineData("dome Zhang San", ChatIntent.CompleteFollowUp, "done")]
    [InlineData("contrat Acme 5000", ChatIntent.CreateContract, "contract")]
    [InlineData("张三", ChatIntent.FindCustomer, "查 张三")]
    [InlineData("asdf qwer", ChatIntent.Help, "帮助")]
    [InlineData("", ChatIntent.Help, "help")]
    public void Anything_not_understood_suggests_the_closest_command_with_an_example(string text, ChatIntent closest, string shown)
    {
        var unknown = ParseAs<Unknown>(text);

        Assert.Equal(closest, unknown.Closest);
        Assert.Contains(shown, unknown.Reply);
        Assert.Contains("没听懂", unknown.Reply);
        Assert.Contains("I didn't understand", unknown.Reply);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("@")]
    [InlineData("@CrmChat")]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("-")]
    [InlineData("，。：；！？（）＃＋－　")]
    [InlineData("跟进 ")]
    [InlineData("合同 ¥")]
    [InlineData("合同 张三 999999999999999999999999999999999 服务")]
    [InlineData("标签 +")]
    [InlineData("标签 张三 + -")]
    [InlineData("推迟 张三 0天")]
    [InlineData("推迟 张三 999999999天")]
    [InlineData("阶段")]
    [InlineData("跟进 张三 999999999天后")]
    [InlineData("remind me in 999999999 hours")]
    [InlineData("跟进 张三 9999年12月31日")]
    [InlineData("跟进 张三 0001年1月1日")]
    [InlineData("跟进 张三 明天9999点")]
    [InlineData("跟进 张三 2026-12-03 99:99")]
    [InlineData("跟进 张三 九千九百九十九万九千九百九十九万点")]
    [InlineData("新客户 👍 13800138000")]
    [InlineData("note 👍")]
    [InlineData("记录 张")]
    [InlineData("find")]
    public void Odd_messages_never_throw_and_always_get_an_answer(string text)
    {
        var command = Parse(text);

        Assert.NotNull(command);
        if (command is NeedsClarification ask)
        {
            Assert.Contains(" / ", ask.Question);
        }
        if (command is Unknown unknown)
        {
            Assert.Contains(" / ", unknown.Reply);
        }
    }

    [Theory]
    [InlineData("跟进 张三 999999999天后")]
    [InlineData("remind me in 999999999 hours")]
    [InlineData("推迟 张三 到9999年1月1日")]
    public void A_time_too_far_ahead_asks_back(string text)
    {
        Assert.IsType<NeedsClarification>(Parse(text));
    }

    [Fact]
    public void The_clock_comes_from_a_time_provider()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);

        var followUp = Assert.IsType<ScheduleFollowUp>(ChatCommandParser.Parse("跟进 张三 下个月5号 续约", clock, Shanghai));

        Assert.Equal("2026-12-05 09:00", Show(followUp.DueAt));
        Assert.Equal("续约", followUp.Note);
    }

    [Fact]
    public void Every_intent_has_an_example_in_both_languages()
    {
        foreach (var intent in Enum.GetValues<ChatIntent>())
        {
            var example = ChatCommandExamples.For(intent);
            Assert.False(string.IsNullOrWhiteSpace(example.ChineseExample));
            Assert.False(string.IsNullOrWhiteSpace(example.EnglishExample));
        }
    }

    [Fact]
    public void Every_example_parses_as_its_own_intent()
    {
        foreach (var example in ChatCommandExamples.All)
        {
            Assert.Equal(example.Intent, Parse(example.ChineseExample).Intent);
            Assert.Equal(example.Intent, Parse(example.EnglishExample).Intent);
            Assert.IsNotType<NeedsClarification>(Parse(example.ChineseExample));
            Assert.IsNotType<NeedsClarification>(Parse(example.EnglishExample));
        }
    }
}

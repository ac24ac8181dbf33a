using CrmChat.Connectors.Cards;
using CrmChat.CrmCore.Cards;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Connectors.Tests.Cards;

internal static class CardTestKit
{
    public const string Secret = "test-link-secret-0123456789abcdef-0123456789";
    public static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

    public static IOptions<CardOptions> Options(string secret = Secret) => Microsoft.Extensions.Options.Options.Create(new CardOptions
    {
        LinkSecret = secret,
        PublicBaseUrl = new Uri("https://crm.example.com/"),
    });

    public static CardLinkSigner Signer(TimeProvider time, string secret = Secret) => new(Options(secret), time);

    public static FakeTimeProvider Clock() => new(Now);

    public static AdaptiveCard Customer() =>
        CardExamples.Customer(7, "张三", "上海星辰科技", "138 0013 8000", "谈判", "明天 10:00", 42, "https://crm.example.com/customers/7");

    public static AdaptiveCard Approval() =>
        CardExamples.Approval(9, "年度服务合同", "上海星辰科技", "¥120,000", "李四", "https://crm.example.com/approvals/9");

    public static AdaptiveCard Help() => CardExamples.Help(
    [
        ("新客户", "新客户 张三 13800138000 上海某某科技"), ("记录", "记录 张三 电话沟通"), ("跟进", "跟进 张三 明天上午10点 回访报价"),
        ("完成", "完成 张三"), ("阶段", "阶段 张三 谈判"), ("合同", "合同 张三 50000 年度服务"), ("查", "查 张三"), ("帮助", "help"),
    ]);

    public static AdaptiveCard PickList() =>
        CardExamples.PickList("张", [(1, "张三", "上海星辰科技"), (2, "张伟", "北京某某贸易"), (3, "张敏", "深圳某某电子")], "customer.show");
}

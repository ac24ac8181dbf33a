using System.Globalization;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Conversations;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;

namespace CrmChat.Bots.Conversations;

/// <summary>The verbs of the buttons CrmChat's conversation cards carry, and their data keys.</summary>
internal static class CardVerbs
{
    public const string FollowUpDone = "followup.done";
    public const string FollowUpSnooze = "followup.snooze";
    /// <summary>A pick-list choice: re-runs the rep's message (the inbox event <see cref="Event"/>) for <see cref="Customer"/>.</summary>
    public const string Pick = "pick";

    public const string Id = "id";
    public const string Minutes = "m";
    public const string Customer = "c";
    public const string Event = "e";
}

/// <summary>
/// Every card the bot answers with, built once from CRM facts and rendered per platform by the
/// channel. Text is Chinese first, with English after it for mixed teams.
/// </summary>
internal static class ReplyCards
{
    public static AdaptiveCard Message(string heading, string text) =>
        Card.New().Heading(heading).Text(text).Build();

    public static AdaptiveCard Help() =>
        CardExamples.Help(ChatCommandExamples.All
            .Select(e => ($"{e.ChineseCommand} {e.EnglishCommand}", $"{e.ChineseExample} / {e.EnglishExample}"))
            .ToList());

    public static AdaptiveCard Customer(CustomerView view, string heading) =>
        Card.New()
            .Heading(heading)
            .Subtle(view.Company is { Length: > 0 } company ? $"{view.Name} · {company}" : view.Name)
            .Facts(CustomerFacts(view))
            .Build();

    public static AdaptiveCard Duplicate(CustomerView view, string matchedBy) =>
        Card.New()
            .Heading("客户已存在 Already a customer")
            .Subtle($"{view.Name}：{matchedBy}")
            .Facts(CustomerFacts(view))
            .Text("没有重复创建。如需跟进，请联系负责人。No second customer was created; ask the owner to share it.")
            .Build();

    public static AdaptiveCard FollowUpScheduled(FollowUp followUp, string? customerName, TimeZoneInfo zone) =>
        Card.New()
            .Heading("已安排跟进 Follow-up scheduled")
            .Subtle(customerName ?? "个人提醒 Personal reminder")
            .Facts(("时间", When(followUp.DueAt, zone)), ("内容", Note(followUp.Note)))
            .Submit("完成 Done", ActionStyle.Positive, CardVerbs.FollowUpDone, (CardVerbs.Id, IdOf(followUp.Id)))
            .Submit("推迟1小时", CardVerbs.FollowUpSnooze, (CardVerbs.Id, IdOf(followUp.Id)), (CardVerbs.Minutes, "60"))
            .Submit("推迟1天", CardVerbs.FollowUpSnooze, (CardVerbs.Id, IdOf(followUp.Id)), (CardVerbs.Minutes, "1440"))
            .Build();

    /// <summary>What a done follow-up's card becomes: facts, no buttons, so it cannot be done twice.</summary>
    public static AdaptiveCard FollowUpDone(FollowUp followUp, string? customerName, string doneBy, TimeZoneInfo zone, bool again = false) =>
        Card.New()
            .Heading(again ? "这条跟进已完成 Already done" : "✅ 跟进已完成 Done")
            .Subtle(customerName ?? "个人提醒 Personal reminder")
            .Facts(("内容", Note(followUp.Note)), ("完成人", doneBy), ("完成于", When(followUp.CompletedAt ?? followUp.DueAt, zone)))
            .Text(again ? "没有重复操作，未作任何更改。Nothing was changed." : "已记入客户时间线。Recorded on the customer's timeline.")
            .Build();

    public static AdaptiveCard FollowUpSnoozed(FollowUp followUp, string? customerName, TimeZoneInfo zone) =>
        Card.New()
            .Heading("⏰ 已推迟 Snoozed")
            .Subtle(customerName ?? "个人提醒 Personal reminder")
            .Facts(("新时间", When(followUp.DueAt, zone)), ("内容", Note(followUp.Note)))
            .Text("到时会再提醒你。You will be reminded then.")
            .Build();

    public static AdaptiveCard PickList(string query, IReadOnlyList<CustomerView> candidates, Guid messageEventId)
    {
        var builder = Card.New()
            .Heading($"“{query}” 匹配到 {candidates.Count} 位客户")
            .Subtle("请选择一位 Pick one")
            .Facts(candidates.Select(c => (c.Name, c.Summary)).ToArray());
        foreach (var c in candidates)
        {
            builder.Submit(c.Name, CardVerbs.Pick, (CardVerbs.Customer, IdOf(c.Id)), (CardVerbs.Event, IdOf(messageEventId)));
        }
        return builder.Build();
    }

    public static AdaptiveCard List(string heading, string emptyText, IReadOnlyList<(string Title, string Value)> rows) =>
        rows.Count == 0
            ? Card.New().Heading(heading).Text(emptyText).Build()
            : Card.New().Heading(heading).Facts(rows.ToArray()).Build();

    public static string When(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        return string.Create(CultureInfo.InvariantCulture, $"{local:M月d日} {WeekDays[(int)local.DayOfWeek]} {local:HH:mm}");
    }

    public static string IdOf(Guid id) => id.ToString("N");

    public static string StageName(CustomerStage stage) => stage switch
    {
        CustomerStage.Lead => "线索 Lead",
        CustomerStage.Contacted => "已联系 Contacted",
        CustomerStage.Qualified => "已确认需求 Qualified",
        CustomerStage.Proposal => "方案报价 Proposal",
        CustomerStage.Negotiation => "谈判 Negotiation",
        CustomerStage.Won => "赢单 Won",
        CustomerStage.Lost => "输单 Lost",
        _ => stage.ToString(),
    };

    private static string Note(string note) => note.Length == 0 ? "—" : note;

    private static (string, string)[] CustomerFacts(CustomerView view) =>
    [
        ("电话", view.Phones.Count == 0 ? "—" : string.Join(", ", view.Phones)),
        ("阶段", StageName(view.Stage)),
        ("负责人", view.OwnerName ?? "—"),
        ("标签", view.Tags.Count == 0 ? "—" : string.Join(" ", view.Tags.Select(t => "#" + t))),
        ("下次跟进", view.NextFollowUp ?? "—"),
    ];

    private static readonly string[] WeekDays = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
}

/// <summary>A customer as the bot shows it in a card.</summary>
internal sealed record CustomerView(
    Guid Id,
    string Name,
    string? Company,
    CustomerStage Stage,
    string? OwnerName,
    IReadOnlyList<string> Phones,
    IReadOnlyList<string> Tags,
    string? NextFollowUp)
{
    public string Summary => string.Join(" · ", new[] { Company, Phones.FirstOrDefault(), OwnerName is null ? null : "负责人 " + OwnerName }
        .Where(s => !string.IsNullOrEmpty(s)));
}

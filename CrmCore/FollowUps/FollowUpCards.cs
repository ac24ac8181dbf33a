using System.Globalization;
using CrmChat.CrmCore.Cards;

namespace CrmChat.CrmCore.FollowUps;

/// <summary>The verbs of the buttons CrmChat's conversation cards carry, and their data keys.</summary>
public static class CardVerbs
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

/// <summary>Follow-up cards: the one a rep gets when scheduling and when reminded, and what it becomes after a click.</summary>
public static class FollowUpCards
{
    public static AdaptiveCard FollowUpScheduled(FollowUp followUp, string? customerName, TimeZoneInfo zone) =>
        WithButtons(Card.New()
            .Heading("已安排跟进 Follow-up scheduled")
            .Subtle(customerName ?? "个人提醒 Personal reminder")
            .Facts(("时间", When(followUp.DueAt, zone)), ("内容", Note(followUp.Note))), followUp)
            .Build();

    /// <summary>
    /// The reminder when a follow-up falls due: the same buttons as the card the rep got when
    /// scheduling it, and Open when the customer has a page to open.
    /// </summary>
    public static AdaptiveCard FollowUpDue(FollowUp followUp, string? customerName, TimeZoneInfo zone, string? openUrl = null)
    {
        var card = WithButtons(Card.New()
            .Heading("⏰ 跟进提醒 Follow-up due")
            .Subtle(customerName ?? "个人提醒 Personal reminder")
            .Facts(("时间", When(followUp.DueAt, zone)), ("内容", Note(followUp.Note))), followUp);
        if (openUrl is { Length: > 0 })
        {
            card.OpenUrl("打开 Open", openUrl);
        }
        return card.Build();
    }

    /// <summary>
    /// One card for several follow-ups falling due together, so a rep is not flooded: each one a
    /// line (the first <paramref name="shown"/>), and how to list them with their buttons.
    /// </summary>
    public static AdaptiveCard FollowUpsDue(IReadOnlyList<(FollowUp FollowUp, string? CustomerName)> due, TimeZoneInfo zone, int shown = 10)
    {
        var lines = due.Take(shown)
            .Select(d => (When(d.FollowUp.DueAt, zone), $"{d.CustomerName ?? "个人提醒"}：{Note(d.FollowUp.Note)}"))
            .ToList();
        if (due.Count > shown)
        {
            lines.Add(("…", $"还有 {due.Count - shown} 条 and {due.Count - shown} more"));
        }
        return Card.New()
            .Heading($"⏰ {due.Count} 条跟进到期 {due.Count} follow-ups due")
            .Facts([.. lines])
            .Text("发“今天”或“逾期”逐条处理。Send “today” or “overdue” to handle them one by one.")
            .Build();
    }

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

    private static CardBuilder WithButtons(CardBuilder card, FollowUp followUp) =>
        card.Submit("完成 Done", ActionStyle.Positive, CardVerbs.FollowUpDone, (CardVerbs.Id, IdOf(followUp.Id)))
            .Submit("推迟1小时", CardVerbs.FollowUpSnooze, (CardVerbs.Id, IdOf(followUp.Id)), (CardVerbs.Minutes, "60"))
            .Submit("推迟1天", CardVerbs.FollowUpSnooze, (CardVerbs.Id, IdOf(followUp.Id)), (CardVerbs.Minutes, "1440"));

    public static string When(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        return string.Create(CultureInfo.InvariantCulture, $"{local:M月d日} {WeekDays[(int)local.DayOfWeek]} {local:HH:mm}");
    }

    public static string IdOf(Guid id) => id.ToString("N");

    private static string Note(string note) => note.Length == 0 ? "—" : note;

    private static readonly string[] WeekDays = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
}

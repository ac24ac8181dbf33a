using System.Globalization;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Conversations;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;

namespace CrmChat.Bots.Conversations;

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

    public static string IdOf(Guid id) => FollowUpCards.IdOf(id);

    public static string When(DateTimeOffset at, TimeZoneInfo zone) => FollowUpCards.When(at, zone);

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


    private static (string, string)[] CustomerFacts(CustomerView view) =>
    [
        ("电话", view.Phones.Count == 0 ? "—" : string.Join(", ", view.Phones)),
        ("阶段", StageName(view.Stage)),
        ("负责人", view.OwnerName ?? "—"),
        ("标签", view.Tags.Count == 0 ? "—" : string.Join(" ", view.Tags.Select(t => "#" + t))),
        ("下次跟进", view.NextFollowUp ?? "—"),
    ];

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

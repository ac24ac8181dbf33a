using System.Globalization;
using CrmChat.CrmCore.Cards;

namespace CrmChat.Testing;

/// <summary>Cards of random shape from a seed: every element and property the model has, in any combination.</summary>
public static class RandomCards
{
    private static readonly string[] Words =
    [
        "张三", "上海星辰科技", "13800138000", "回访报价", "Zhang San", "Acme Ltd.", "年度服务 ¥50,000",
        "明天上午10点", "\"quoted\"", "a & b < c", "emoji 🚀", "line\nbreak", "**not bold**", "谈判",
    ];

    public static AdaptiveCard Create(int seed)
    {
        var random = new Random(seed);
        var inputs = 0;
        var body = Enumerable.Range(0, random.Next(1, 7)).Select(_ => Element(random, depth: 0, ref inputs)).ToList();
        var actions = Enumerable.Range(0, random.Next(0, 5)).Select(_ => Action(random)).ToList();
        return new AdaptiveCard { Body = body, Actions = actions.Count == 0 ? null : actions };
    }

    private static CardElement Element(Random random, int depth, ref int inputs)
    {
        switch (random.Next(depth == 0 ? 5 : 2))
        {
            case 0:
                return new TextBlock(Text(random))
                {
                    Size = Maybe(random, Enum.GetValues<TextSize>()),
                    Weight = Maybe(random, Enum.GetValues<TextWeight>()),
                    Color = Maybe(random, Enum.GetValues<TextColor>()),
                    IsSubtle = Maybe(random, [true, false]),
                    Wrap = Maybe(random, [true, false]),
                };
            case 1:
                return new FactSet(Enumerable.Range(0, random.Next(1, 9)).Select(_ => new Fact(Text(random), Text(random))).ToList());
            case 2:
                var columns = new List<Column>();
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    var items = new List<CardElement>();
                    for (var j = random.Next(1, 3); j > 0; j--)
                    {
                        items.Add(Element(random, depth + 1, ref inputs));
                    }
                    columns.Add(new Column(items)
                    {
                        Width = random.Next(5) switch { 0 => ColumnWidth.Auto, 1 => ColumnWidth.Stretch, 2 => ColumnWidth.Weight(2), 3 => ColumnWidth.Pixels(80), _ => null },
                    });
                }
                return new ColumnSet(columns);
            case 3:
                inputs++;
                return new TextInput("input" + inputs.ToString(CultureInfo.InvariantCulture))
                {
                    Label = Maybe(random, ["理由", "Reason", null]),
                    Placeholder = Maybe(random, ["请输入", "Type here", null]),
                    IsMultiline = Maybe(random, [true, false]),
                };
            default:
                return new ActionSet(Enumerable.Range(0, random.Next(1, 4)).Select(_ => Action(random)).ToList());
        }
    }

    private static CardAction Action(Random random) => random.Next(3) switch
    {
        0 => CardAction.OpenUrl(Text(random), "https://crm.example.com/c/" + random.Next(1000).ToString(CultureInfo.InvariantCulture)),
        _ => CardAction.Submit(Text(random), "verb." + random.Next(10).ToString(CultureInfo.InvariantCulture),
            ("id", random.Next(100_000).ToString(CultureInfo.InvariantCulture))) with { Style = Maybe(random, Enum.GetValues<ActionStyle>()) },
    };

    private static string Text(Random random) => string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Words[random.Next(Words.Length)]));

    private static T? Maybe<T>(Random random, T[] values) where T : struct => random.Next(3) == 0 ? null : values[random.Next(values.Length)];

    private static string? Maybe(Random random, string?[] values) => random.Next(3) == 0 ? null : values[random.Next(values.Length)];
}

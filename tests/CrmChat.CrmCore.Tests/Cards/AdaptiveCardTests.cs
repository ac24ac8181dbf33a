using CrmChat.CrmCore.Cards;
using CrmChat.Testing;

namespace CrmChat.CrmCore.Tests.Cards;

public sealed class AdaptiveCardTests(AdaptiveCardsPeer peer) : IClassFixture<AdaptiveCardsPeer>
{
    public static TheoryData<string> Examples => new(ExampleCards.Keys);

    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 150));

    private static readonly Dictionary<string, AdaptiveCard> ExampleCards = new()
    {
        ["customer"] = CardExamples.Customer(7, "张三", "上海星辰科技", "138 0013 8000", "谈判", "明天 10:00", 42, "https://crm.example.com/customers/7"),
        ["approval"] = CardExamples.Approval(9, "年度服务合同", "上海星辰科技", "¥120,000", "李四", "https://crm.example.com/approvals/9"),
        ["help"] = CardExamples.Help([("新客户", "新客户 张三 13800138000"), ("跟进", "跟进 张三 明天上午10点 回访报价"), ("help", "help")]),
        ["pick-list"] = CardExamples.PickList("张", [(1, "张三", "上海星辰科技"), (2, "张伟", "北京某某贸易")], "customer.show"),
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Example_cards_parse_with_Microsofts_library_without_warnings(string name)
    {
        var json = ExampleCards[name].ToJson();

        CardAssert.Clean(await peer.ProblemsAsync(json), json);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Random_cards_parse_with_Microsofts_library_without_warnings(int seed)
    {
        var json = RandomCards.Create(seed).ToJson();

        CardAssert.Clean(await peer.ProblemsAsync(json), json);
    }

    [Theory]
    [InlineData("""{"type":"TextBlok","text":"x"}""", "UnknownElementType")]
    [InlineData("""{"type":"TextBlock","text":"x","weight":"Heavy"}""", "InvalidPropertyValue")]
    [InlineData("""{"type":"Input.Text","id":"r","isMultiLine":true}""", "not read back: $.body[0].isMultiLine")]
    public async Task The_check_reports_what_Microsofts_library_rejects_or_ignores(string element, string expected)
    {
        var json = $$"""{"type":"AdaptiveCard","$schema":"{{AdaptiveCard.SchemaUrl}}","version":"1.5","body":[{{element}}]}""";

        var problems = await peer.ProblemsAsync(json);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Duplicate_input_ids_are_reported()
    {
        var card = Card.New().TextInput("reason", "理由").TextInput("reason", "again").Build();

        var problems = await peer.ProblemsAsync(card.ToJson());

        Assert.Contains(problems, p => p.Contains("DuplicateId", StringComparison.Ordinal));
    }

    [Fact]
    public void A_card_is_standard_Adaptive_Card_JSON_with_spec_type_names()
    {
        var json = CardAssert.Parse(ExampleCards["approval"].ToJson());

        Assert.Equal(["type", "$schema", "version", "body", "actions"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("AdaptiveCard", json.GetProperty("type").GetString());
        Assert.Equal("1.5", json.GetProperty("version").GetString());
        Assert.Equal(["TextBlock", "TextBlock", "FactSet", "Input.Text"],
            json.GetProperty("body").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        var heading = json.GetProperty("body")[0];
        Assert.Equal("Bolder", heading.GetProperty("weight").GetString());
        Assert.Equal("Medium", heading.GetProperty("size").GetString());
        var input = json.GetProperty("body")[3];
        Assert.True(input.GetProperty("isMultiline").GetBoolean());
        Assert.Equal("驳回理由", input.GetProperty("label").GetString());
        var approve = json.GetProperty("actions")[0];
        Assert.Equal("Action.Submit", approve.GetProperty("type").GetString());
        Assert.Equal("positive", approve.GetProperty("style").GetString());
        Assert.Equal("approval.approve", approve.GetProperty("data").GetProperty("verb").GetString());
        Assert.Equal("9", approve.GetProperty("data").GetProperty("approvalId").GetString());
        Assert.Equal("destructive", json.GetProperty("actions")[1].GetProperty("style").GetString());
        Assert.Equal("Action.OpenUrl", json.GetProperty("actions")[2].GetProperty("type").GetString());
    }

    [Fact]
    public void Unset_properties_are_left_out()
    {
        var json = Card.New().Text("hi").Build().ToJson();

        Assert.Equal("""{"type":"AdaptiveCard","$schema":"http://adaptivecards.io/schemas/adaptive-card.json","version":"1.5","body":[{"type":"TextBlock","text":"hi","wrap":true}]}""", json);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_card_reads_back_from_its_JSON_unchanged(int seed)
    {
        var json = RandomCards.Create(seed).ToJson();

        Assert.Equal(json, AdaptiveCard.FromJson(json).ToJson());
    }

    [Fact]
    public void Submit_data_is_ordered_and_keeps_the_verb()
    {
        var submit = CardAction.Submit("完成", "followup.done", ("z", "1"), ("customerId", "7"));

        Assert.Equal("followup.done", submit.Verb);
        Assert.Equal(["customerId", "verb", "z"], submit.Data.Keys);
        Assert.Throws<ArgumentException>(() => CardAction.Submit("x", "v", ("id", "1"), ("id", "2")));
    }
}

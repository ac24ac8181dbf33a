namespace CrmChat.CrmCore.Cards;

/// <summary>
/// Builds a card top to bottom so bot code reads like the card it sends:
/// <c>Card.New().Heading("张三").Facts(("电话", "138…")).Submit("完成", "followup.done", ("id", "42")).Build()</c>.
/// </summary>
public sealed class CardBuilder
{
    private readonly List<CardElement> _body = [];
    private readonly List<CardAction> _actions = [];

    public CardBuilder Heading(string text) => Add(TextBlock.Heading(text));

    public CardBuilder Text(string text) => Add(TextBlock.Paragraph(text));

    public CardBuilder Subtle(string text) => Add(TextBlock.Subtle(text));

    public CardBuilder Facts(params (string Title, string Value)[] facts) =>
        facts.Length == 0 ? this : Add(new FactSet(facts.Select(f => new Fact(f.Title, f.Value)).ToList()));

    public CardBuilder Columns(params Column[] columns) => Add(new ColumnSet(columns));

    public CardBuilder TextInput(string id, string label, string? placeholder = null, bool multiline = false) =>
        Add(new TextInput(id) { Label = label, Placeholder = placeholder, IsMultiline = multiline ? true : null });

    public CardBuilder Add(CardElement element)
    {
        _body.Add(element);
        return this;
    }

    public CardBuilder Submit(string title, string verb, params (string Key, string Value)[] ids) =>
        Action(CardAction.Submit(title, verb, ids));

    public CardBuilder Submit(string title, ActionStyle style, string verb, params (string Key, string Value)[] ids) =>
        Action(CardAction.Submit(title, verb, ids) with { Style = style });

    public CardBuilder OpenUrl(string title, string url) => Action(CardAction.OpenUrl(title, url));

    public CardBuilder Action(CardAction action)
    {
        _actions.Add(action);
        return this;
    }

    public AdaptiveCard Build() => new()
    {
        Body = _body.ToList(),
        Actions = _actions.Count == 0 ? null : _actions.ToList(),
    };
}

public static class Card
{
    public static CardBuilder New() => new();
}

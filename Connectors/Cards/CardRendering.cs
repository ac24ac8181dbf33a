using System.Globalization;
using System.Text;
using CrmChat.CrmCore.Cards;

namespace CrmChat.Connectors.Cards;

public enum RenderNoteKind
{
    /// <summary>Shown, but cut to the platform's length and marked with "…".</summary>
    Truncated,
    /// <summary>Not shown at all.</summary>
    Dropped,
    /// <summary>Shown in another form (an input became a "reply with text" line, a button a link, columns stacked).</summary>
    Degraded,
}

/// <summary>Something of the card the platform could not show as authored. Renderers never lose content without one.</summary>
public sealed record RenderNote(RenderNoteKind Kind, string Element, string Detail)
{
    public override string ToString() => $"{Kind} {Element}: {Detail}";
}

/// <summary>A card rendered for one platform, with what had to change on the way.</summary>
public sealed record CardRendering<T>(T Message, IReadOnlyList<RenderNote> Notes);

/// <summary>
/// Length limits in characters (text elements, so an emoji or a CJK character counts as one)
/// and the "…" that marks a cut, with the note that says so.
/// </summary>
internal sealed class NoteList
{
    public const string Ellipsis = "…";

    private readonly List<RenderNote> _notes = [];

    public IReadOnlyList<RenderNote> Notes => _notes;

    public void Add(RenderNoteKind kind, string element, string detail) => _notes.Add(new(kind, element, detail));

    public string Fit(string text, int maxChars, string element)
    {
        var info = new StringInfo(text);
        if (info.LengthInTextElements <= maxChars)
        {
            return text;
        }
        Add(RenderNoteKind.Truncated, element, $"{info.LengthInTextElements} characters cut to {maxChars}: \"{text}\"");
        return info.SubstringByTextElements(0, maxChars - 1) + Ellipsis;
    }

    public string FitBytes(string text, int maxBytes, string element)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes <= maxBytes)
        {
            return text;
        }
        var budget = maxBytes - Encoding.UTF8.GetByteCount(Ellipsis);
        var info = new StringInfo(text);
        var kept = new StringBuilder();
        for (var i = 0; i < info.LengthInTextElements; i++)
        {
            var next = info.SubstringByTextElements(i, 1);
            if (Encoding.UTF8.GetByteCount(kept.ToString()) + Encoding.UTF8.GetByteCount(next) > budget)
            {
                break;
            }
            kept.Append(next);
        }
        Add(RenderNoteKind.Truncated, element, $"{bytes} bytes of UTF-8 cut to {maxBytes}");
        return kept.Append(Ellipsis).ToString();
    }
}

/// <summary>
/// A card flattened into what every chat platform can show: texts, facts and input prompts in
/// body order (columns stacked), and the actions.
/// </summary>
internal sealed record FlatCard(
    IReadOnlyList<FlatCard.Block> Blocks,
    IReadOnlyList<SubmitAction> Submits,
    IReadOnlyList<OpenUrlAction> Links)
{
    public abstract record Block;

    public sealed record Text(TextBlock Source) : Block;

    public sealed record Facts(IReadOnlyList<Fact> Items) : Block;

    public sealed record Input(TextInput Source) : Block;

    public static FlatCard From(AdaptiveCard card, NoteList notes)
    {
        var blocks = new List<Block>();
        Flatten(card.Body, blocks, notes);
        var actions = card.AllActions().ToList();
        return new FlatCard(blocks, actions.OfType<SubmitAction>().ToList(), actions.OfType<OpenUrlAction>().ToList());
    }

    public IEnumerable<TextBlock> Texts => Blocks.OfType<Text>().Select(t => t.Source);

    public IEnumerable<Fact> AllFacts => Blocks.OfType<Facts>().SelectMany(f => f.Items);

    public IEnumerable<TextInput> Inputs => Blocks.OfType<Input>().Select(i => i.Source);

    /// <summary>The line that replaces a text input where the platform has none.</summary>
    public static string InputPrompt(TextInput input) =>
        $"✏️ {input.Label ?? input.Placeholder ?? input.Id}：请直接回复文字 Reply with text";

    private static void Flatten(IEnumerable<CardElement> elements, List<Block> blocks, NoteList notes)
    {
        foreach (var element in elements)
        {
            switch (element)
            {
                case TextBlock text:
                    blocks.Add(new Text(text));
                    break;
                case FactSet facts:
                    blocks.Add(new Facts(facts.Facts));
                    break;
                case TextInput input:
                    blocks.Add(new Input(input));
                    notes.Add(RenderNoteKind.Degraded, $"Input.Text '{input.Id}'", "no input fields on this platform: shown as a prompt to reply with text");
                    break;
                case ColumnSet columns:
                    if (columns.Columns.Count > 1)
                    {
                        notes.Add(RenderNoteKind.Degraded, "ColumnSet", $"{columns.Columns.Count} columns stacked top to bottom");
                    }
                    Flatten(columns.Columns.SelectMany(c => c.Items), blocks, notes);
                    break;
                case ActionSet:
                    // Its actions are collected with the card's own, in body order.
                    break;
                default:
                    throw new NotSupportedException($"Card element {element.GetType().Name} has no rendering.");
            }
        }
    }
}

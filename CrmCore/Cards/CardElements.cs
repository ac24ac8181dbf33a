using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmChat.CrmCore.Cards;

/// <summary>An element of a card body; "type" is written from the derived type.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(TextBlock), "TextBlock")]
[JsonDerivedType(typeof(FactSet), "FactSet")]
[JsonDerivedType(typeof(ColumnSet), "ColumnSet")]
[JsonDerivedType(typeof(TextInput), "Input.Text")]
[JsonDerivedType(typeof(ActionSet), "ActionSet")]
public abstract record CardElement;

public enum TextWeight
{
    Default,
    Lighter,
    Bolder,
}

public enum TextSize
{
    Default,
    Small,
    Medium,
    Large,
    ExtraLarge,
}

public enum TextColor
{
    Default,
    Dark,
    Light,
    Accent,
    Good,
    Warning,
    Attention,
}

public sealed record TextBlock(string Text) : CardElement
{
    [JsonConverter(typeof(JsonStringEnumConverter<TextSize>))]
    public TextSize? Size { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<TextWeight>))]
    public TextWeight? Weight { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<TextColor>))]
    public TextColor? Color { get; init; }

    public bool? IsSubtle { get; init; }

    public bool? Wrap { get; init; }

    /// <summary>Large bold text, wrapped: the card's title.</summary>
    public static TextBlock Heading(string text) =>
        new(text) { Size = TextSize.Medium, Weight = TextWeight.Bolder, Wrap = true };

    /// <summary>Plain wrapped text.</summary>
    public static TextBlock Paragraph(string text) => new(text) { Wrap = true };

    /// <summary>Secondary text: smaller emphasis, wrapped.</summary>
    public static TextBlock Subtle(string text) => new(text) { IsSubtle = true, Wrap = true };

    /// <summary>Bold or larger than normal: shown as a heading where a platform has only plain text and bold.</summary>
    [JsonIgnore]
    public bool IsHeading => Weight == TextWeight.Bolder || Size is TextSize.Medium or TextSize.Large or TextSize.ExtraLarge;
}

public sealed record Fact(string Title, string Value);

public sealed record FactSet(IReadOnlyList<Fact> Facts) : CardElement;

public sealed record ColumnSet(IReadOnlyList<Column> Columns) : CardElement;

public sealed record Column(IReadOnlyList<CardElement> Items)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Column";

    public ColumnWidth? Width { get; init; }
}

/// <summary>"auto", "stretch", pixels ("80px") or a relative weight, which the spec writes as a number.</summary>
[JsonConverter(typeof(ColumnWidthConverter))]
public readonly record struct ColumnWidth
{
    private ColumnWidth(string keyword, int? weight)
    {
        Keyword = keyword;
        RelativeWeight = weight;
    }

    public string Keyword { get; }
    public int? RelativeWeight { get; }

    public static ColumnWidth Auto => new("auto", null);
    public static ColumnWidth Stretch => new("stretch", null);

    public static ColumnWidth Pixels(int pixels) =>
        new(pixels > 0 ? $"{pixels}px" : throw new ArgumentOutOfRangeException(nameof(pixels)), null);

    public static ColumnWidth Weight(int weight) =>
        new("", weight > 0 ? weight : throw new ArgumentOutOfRangeException(nameof(weight)));

    public override string ToString() => RelativeWeight?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Keyword;

    private sealed class ColumnWidthConverter : JsonConverter<ColumnWidth>
    {
        public override ColumnWidth Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number
                ? new("", reader.GetInt32())
                : reader.GetString() is { } text && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var weight)
                    ? new("", weight)
                    : new(reader.GetString() ?? "auto", null);

        public override void Write(Utf8JsonWriter writer, ColumnWidth value, JsonSerializerOptions options)
        {
            if (value.RelativeWeight is { } weight)
            {
                writer.WriteNumberValue(weight);
            }
            else
            {
                writer.WriteStringValue(value.Keyword);
            }
        }
    }
}

/// <summary>Input.Text: a free-text field whose value comes back with a Submit under <see cref="Id"/>.</summary>
public sealed record TextInput(string Id) : CardElement
{
    public string? Label { get; init; }
    public string? Placeholder { get; init; }
    public bool? IsMultiline { get; init; }
}

/// <summary>Buttons placed inside the body rather than under the card.</summary>
public sealed record ActionSet(IReadOnlyList<CardAction> Actions) : CardElement;

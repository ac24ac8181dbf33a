using System.Text.Json.Serialization;

namespace CrmChat.CrmCore.Cards;

/// <summary>A button: Action.Submit (CrmChat handles it) or Action.OpenUrl (opens a page).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(SubmitAction), "Action.Submit")]
[JsonDerivedType(typeof(OpenUrlAction), "Action.OpenUrl")]
public abstract record CardAction([property: JsonPropertyOrder(-1)] string Title)
{
    public static SubmitAction Submit(string title, string verb, params (string Key, string Value)[] ids) =>
        new(title, SubmitAction.DataFor(verb, ids));

    public static OpenUrlAction OpenUrl(string title, string url) => new(title, url);
}

[JsonConverter(typeof(JsonStringEnumConverter<ActionStyle>))]
public enum ActionStyle
{
    [JsonStringEnumMemberName("default")]
    Default,
    [JsonStringEnumMemberName("positive")]
    Positive,
    [JsonStringEnumMemberName("destructive")]
    Destructive,
}

/// <summary>
/// Action.Submit. <see cref="Data"/> says what to do: a <see cref="VerbKey"/> (e.g.
/// <c>followup.done</c>) and the ids it acts on, all strings, so every platform can carry it
/// in a button key or a signed link and hand the same dictionary back to the bot.
/// </summary>
public sealed record SubmitAction(string Title, IReadOnlyDictionary<string, string> Data) : CardAction(Title)
{
    public const string VerbKey = "verb";

    public ActionStyle? Style { get; init; }

    [JsonIgnore]
    public string Verb => Data.TryGetValue(VerbKey, out var verb) ? verb : "";

    public SubmitAction Positive() => this with { Style = ActionStyle.Positive };

    public SubmitAction Destructive() => this with { Style = ActionStyle.Destructive };

    /// <summary>The data dictionary in key order, so the same action always serialises the same way.</summary>
    public static IReadOnlyDictionary<string, string> DataFor(string verb, params (string Key, string Value)[] ids)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(verb);
        var data = new SortedDictionary<string, string>(StringComparer.Ordinal) { [VerbKey] = verb };
        foreach (var (key, value) in ids)
        {
            if (!data.TryAdd(key, value))
            {
                throw new ArgumentException($"Submit data key '{key}' appears twice.", nameof(ids));
            }
        }
        return data;
    }
}

public sealed record OpenUrlAction(string Title, string Url) : CardAction(Title);

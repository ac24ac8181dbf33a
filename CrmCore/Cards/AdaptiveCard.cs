using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmChat.CrmCore.Cards;

/// <summary>
/// A card authored once and rendered per chat platform: the small typed subset of Adaptive
/// Cards 1.5 CrmChat uses (TextBlock, FactSet, ColumnSet, Input.Text, ActionSet, Action.Submit,
/// Action.OpenUrl), serialised as standard Adaptive Card JSON.
/// </summary>
public sealed record AdaptiveCard
{
    public const string SchemaUrl = "http://adaptivecards.io/schemas/adaptive-card.json";
    public const string CardVersion = "1.5";

    [JsonPropertyName("type")]
    [JsonPropertyOrder(-3)]
    public string Type => "AdaptiveCard";

    [JsonPropertyName("$schema")]
    [JsonPropertyOrder(-2)]
    public string Schema => SchemaUrl;

    [JsonPropertyOrder(-1)]
    public string Version => CardVersion;

    public IReadOnlyList<CardElement> Body { get; init; } = [];

    /// <summary>Buttons under the card. Left out of the JSON when empty.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public IReadOnlyList<CardAction>? Actions { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, CardJson.Options);

    public static AdaptiveCard FromJson(string json) =>
        JsonSerializer.Deserialize<AdaptiveCard>(json, CardJson.Options)
        ?? throw new JsonException("An Adaptive Card JSON document was null.");

    /// <summary>Every element, depth first, including those inside columns.</summary>
    public IEnumerable<CardElement> AllElements() => Walk(Body);

    /// <summary>Every action: those in ActionSets (in body order) then the card's own.</summary>
    public IEnumerable<CardAction> AllActions() =>
        AllElements().OfType<ActionSet>().SelectMany(s => s.Actions).Concat(Actions ?? []);

    private static IEnumerable<CardElement> Walk(IEnumerable<CardElement> elements)
    {
        foreach (var element in elements)
        {
            yield return element;
            if (element is ColumnSet set)
            {
                foreach (var inner in Walk(set.Columns.SelectMany(c => c.Items)))
                {
                    yield return inner;
                }
            }
        }
    }
}

/// <summary>The JSON settings for Adaptive Cards: camelCase, nulls left out, "type" first.</summary>
public static class CardJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Chinese text stays readable in stored cards and logs.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        AllowOutOfOrderMetadataProperties = true,
    };
}

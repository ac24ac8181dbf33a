using System.Globalization;
using System.Text.Json;

namespace CrmChat.Connectors.DingTalk;

/// <summary>
/// Reads DingTalk payload fields by name, ignoring case (old and new payloads spell them
/// differently), and numbers and strings alike (ids arrive as either).
/// </summary>
internal static class DingTalkJsonReader
{
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    public static JsonElement? Property(JsonElement obj, params string[] names)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var name in names)
        {
            // An exact match first: a payload may carry both spellings.
            if (obj.TryGetProperty(name, out var exact))
            {
                return exact;
            }
        }
        foreach (var property in obj.EnumerateObject())
        {
            foreach (var name in names)
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return property.Value;
                }
            }
        }
        return null;
    }

    public static string? String(JsonElement obj, params string[] names) => Property(obj, names) is { } value ? AsString(value) : null;

    public static string? AsString(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    public static long? Long(JsonElement obj, params string[] names) =>
        String(obj, names) is { } text && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static bool? Bool(JsonElement obj, params string[] names) => String(obj, names) switch
    {
        { } t when t.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
        { } t when t.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
        _ => null,
    };

    /// <summary>A list of ids, given as an array, or as one value (some payloads send a comma-separated string).</summary>
    public static IReadOnlyList<string> StringList(JsonElement obj, params string[] names)
    {
        switch (Property(obj, names))
        {
            case { ValueKind: JsonValueKind.Array } array:
                return array.EnumerateArray().Select(AsString).OfType<string>().Where(s => s.Length > 0).ToList();
            case { } single when AsString(single) is { Length: > 0 } text:
                return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            default:
                return [];
        }
    }
}

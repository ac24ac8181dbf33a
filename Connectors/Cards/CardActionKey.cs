using System.Text;
using CrmChat.CrmCore.Cards;

namespace CrmChat.Connectors.Cards;

/// <summary>
/// An Action.Submit's data as one short string, <c>verb?key=value&amp;key=value</c> (keys in
/// order, percent-encoded): a WeCom button key, the action of a signed link. The bot reads it
/// back with <see cref="Parse"/> and handles the click like the typed command, with no state
/// stored per card.
/// </summary>
public static class CardActionKey
{
    public static string Encode(SubmitAction action)
    {
        var verb = action.Verb;
        if (verb.Length == 0)
        {
            throw new ArgumentException($"Action.Submit '{action.Title}' has no '{SubmitAction.VerbKey}' in its data.", nameof(action));
        }
        var key = new StringBuilder(Uri.EscapeDataString(verb));
        var separator = '?';
        foreach (var (name, value) in action.Data.Where(d => d.Key != SubmitAction.VerbKey).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            key.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        return key.ToString();
    }

    /// <summary>The data dictionary, verb included; null when <paramref name="key"/> is not one <see cref="Encode"/> makes.</summary>
    public static IReadOnlyDictionary<string, string>? Parse(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }
        var question = key.IndexOf('?', StringComparison.Ordinal);
        var verb = Uri.UnescapeDataString(question < 0 ? key : key[..question]);
        if (verb.Length == 0)
        {
            return null;
        }
        var data = new SortedDictionary<string, string>(StringComparer.Ordinal) { [SubmitAction.VerbKey] = verb };
        if (question >= 0)
        {
            foreach (var pair in key[(question + 1)..].Split('&'))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0 || !data.TryAdd(Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..])))
                {
                    return null;
                }
            }
        }
        return data;
    }
}

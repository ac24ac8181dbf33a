using System.Text;

namespace CrmChat.CrmCore.Conversations;

/// <summary>
/// Character rules shared by the command and time parsers. Folding maps each character to
/// exactly one character, so an index in the folded text is the same index in what the rep
/// typed: parsers read the folded text and cut notes out of the original, keeping the rep's
/// own punctuation.
/// </summary>
internal static class ChatText
{
    /// <summary>Full-width ASCII (，：＃＋ｏ１ …) to ASCII, ideographic and no-break spaces to a space, lower case.</summary>
    public static string Fold(string text)
    {
        var chars = new char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= '\uFF01' and <= '\uFF5E')
            {
                c = (char)(c - 0xFEE0);
            }
            else if (c is '\u3000' or '\u00A0' or '\t' or '\r' or '\n')
            {
                c = ' ';
            }
            chars[i] = char.ToLowerInvariant(c);
        }
        return new string(chars);
    }

    /// <summary>
    /// Blanks out leading and trailing @mentions ("@CrmChat 跟进 …" in a group chat), keeping
    /// the length so indices still line up with the original.
    /// </summary>
    public static string BlankMentions(string text)
    {
        var chars = text.ToCharArray();
        var i = 0;
        while (true)
        {
            while (i < chars.Length && chars[i] == ' ')
            {
                i++;
            }
            if (i >= chars.Length || chars[i] != '@')
            {
                break;
            }
            while (i < chars.Length && chars[i] != ' ')
            {
                chars[i++] = ' ';
            }
        }
        var end = chars.Length - 1;
        while (true)
        {
            while (end >= 0 && chars[end] == ' ')
            {
                end--;
            }
            var start = end;
            while (start >= 0 && chars[start] != ' ')
            {
                start--;
            }
            if (end < 0 || start + 1 > end || chars[start + 1] != '@')
            {
                break;
            }
            for (var k = start + 1; k <= end; k++)
            {
                chars[k] = ' ';
            }
            end = start;
        }
        return new string(chars);
    }

    public static bool IsCjk(char c) => c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF';

    public static bool IsLatinLetter(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';

    public static bool IsWordChar(char c) => IsLatinLetter(c) || char.IsAsciiDigit(c);

    public static bool HasCjk(string text) => text.Any(IsCjk);

    /// <summary>Separators a rep puts between parts of a command: spaces and list punctuation.</summary>
    public static bool IsSeparator(char c) => c is ' ' or ',' or ':' or ';' or '、' or '。' or '.' or '!' or '|';

    /// <summary>The original text between two indices, without surrounding separators.</summary>
    public static string Cut(string original, int start, int end)
    {
        start = Math.Clamp(start, 0, original.Length);
        end = Math.Clamp(end, start, original.Length);
        var folded = Fold(original);
        while (start < end && IsSeparator(folded[start]))
        {
            start++;
        }
        while (end > start && IsSeparator(folded[end - 1]))
        {
            end--;
        }
        return original[start..end];
    }

    /// <summary>Whitespace runs collapsed to one space.</summary>
    public static string Squash(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c == ' ' && (sb.Length == 0 || sb[^1] == ' '))
            {
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString().TrimEnd();
    }
}

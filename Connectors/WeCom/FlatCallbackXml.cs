using System.Buffers;

namespace CrmChat.Connectors.WeCom;

/// <summary>
/// Reads the flat shape almost every WeCom callback has, <c>&lt;xml&gt;&lt;Name&gt;value&lt;/Name&gt;…&lt;/xml&gt;</c>,
/// without <see cref="System.Xml.XmlReader"/>, which cost more per callback than the crypto did.
/// It accepts only a strict subset of XML (no declaration, DTD, comment, attribute, entity,
/// nested element, or anything XML would normalise such as a carriage return) and says false
/// for everything else, so the caller falls back to the XmlReader path, which accepts or
/// refuses exactly as before: a document this reader accepts, XmlReader accepts with the same values.
/// </summary>
internal ref struct FlatCallbackXml : ICallbackFields
{
    public const int MaxFields = 32;

    // Characters XML refuses in text (C0 controls but tab and newline, the two non-characters)
    // or normalises (carriage return): a value holding one goes to the full parser.
    private static readonly SearchValues<char> NotPlain = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\r\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF");

    private readonly ReadOnlySpan<char> _xml;
    private readonly Span<Range> _names;
    private readonly Span<Range> _values;
    private int _count;

    /// <param name="names">Space for <see cref="MaxFields"/> names.</param>
    /// <param name="values">Space for <see cref="MaxFields"/> values.</param>
    private FlatCallbackXml(ReadOnlySpan<char> xml, Span<Range> names, Span<Range> values)
    {
        _xml = xml;
        _names = names;
        _values = values;
        _count = 0;
    }

    /// <summary>
    /// Reads <paramref name="xml"/> when it is a flat <c>&lt;xml&gt;</c> document of simple elements;
    /// false when it is anything else (the caller then uses the full parser).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<char> xml, Span<Range> names, Span<Range> values, out FlatCallbackXml fields)
    {
        fields = new FlatCallbackXml(xml, names, values);
        return fields.Read();
    }

    /// <summary>Where the text of the first child element called <paramref name="name"/> is in the document; false when there is none.</summary>
    public readonly bool TryFind(string name, out Range value)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_xml[_names[i]].SequenceEqual(name))
            {
                value = _values[i];
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The text of the first child element called <paramref name="name"/>; empty when there is none.</summary>
    public readonly ReadOnlySpan<char> Find(string name) => TryFind(name, out var value) ? _xml[value] : default;

    public readonly string? Text(string name) => TryFind(name, out var value) ? _xml[value].ToString() : null;

    private bool Read()
    {
        const string Root = "<xml>";
        const string RootEnd = "</xml>";
        const string CData = "<![CDATA[";
        if (!_xml.StartsWith(Root, StringComparison.Ordinal))
        {
            return false;
        }
        var at = Root.Length;
        while (true)
        {
            at = SkipWhitespace(at);
            if (_xml[at..].StartsWith(RootEnd, StringComparison.Ordinal))
            {
                return SkipWhitespace(at + RootEnd.Length) == _xml.Length;
            }
            // <Name> or <Name/>
            if (at >= _xml.Length || _xml[at] != '<')
            {
                return false;
            }
            var nameStart = at + 1;
            var nameEnd = NameEnd(nameStart);
            if (nameEnd == nameStart || nameEnd >= _xml.Length || _count == MaxFields)
            {
                return false;
            }
            if (_xml[nameEnd] == '/')
            {
                if (nameEnd + 1 >= _xml.Length || _xml[nameEnd + 1] != '>')
                {
                    return false;
                }
                Add(nameStart..nameEnd, nameEnd..nameEnd);
                at = nameEnd + 2;
                continue;
            }
            if (_xml[nameEnd] != '>')
            {
                return false;
            }
            at = nameEnd + 1;
            Range value;
            if (_xml[at..].StartsWith(CData, StringComparison.Ordinal))
            {
                var start = at + CData.Length;
                var length = _xml[start..].IndexOf("]]>", StringComparison.Ordinal);
                if (length < 0)
                {
                    return false;
                }
                value = start..(start + length);
                at = start + length + 3;
            }
            else
            {
                var length = _xml[at..].IndexOf('<');
                if (length < 0)
                {
                    return false;
                }
                value = at..(at + length);
                at += length;
                var text = _xml[value];
                // An entity or character reference needs decoding, and "]]>" is not allowed in text.
                if (text.Contains('&') || text.Contains("]]>", StringComparison.Ordinal))
                {
                    return false;
                }
            }
            if (!IsPlainText(_xml[value]))
            {
                return false;
            }
            // </Name>, nothing else: text after a CDATA section or a nested element is not flat.
            var name = _xml[nameStart..nameEnd];
            if (!_xml[at..].StartsWith("</", StringComparison.Ordinal)
                || !_xml[(at + 2)..].StartsWith(name, StringComparison.Ordinal)
                || at + 2 + name.Length >= _xml.Length
                || _xml[at + 2 + name.Length] != '>')
            {
                return false;
            }
            Add(nameStart..nameEnd, value);
            at += 2 + name.Length + 1;
        }
    }

    private void Add(Range name, Range value)
    {
        _names[_count] = name;
        _values[_count] = value;
        _count++;
    }

    private readonly int SkipWhitespace(int at)
    {
        while (at < _xml.Length && _xml[at] is ' ' or '\t' or '\r' or '\n')
        {
            at++;
        }
        return at;
    }

    /// <summary>Where an ASCII element name starting at <paramref name="at"/> ends; prefixes, dots and dashes go to the full parser.</summary>
    private readonly int NameEnd(int at)
    {
        var end = at;
        while (end < _xml.Length && (char.IsAsciiLetter(_xml[end]) || _xml[end] == '_' || (end > at && char.IsAsciiDigit(_xml[end]))))
        {
            end++;
        }
        return end;
    }

    /// <summary>True when XML would keep every character of the text as it is.</summary>
    private static bool IsPlainText(ReadOnlySpan<char> text)
    {
        if (text.ContainsAny(NotPlain))
        {
            return false;
        }
        // Surrogates must come in pairs (an emoji in a chat message is one pair).
        var surrogate = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (surrogate >= 0)
        {
            if (!char.IsHighSurrogate(text[surrogate]) || surrogate + 1 >= text.Length || !char.IsLowSurrogate(text[surrogate + 1]))
            {
                return false;
            }
            text = text[(surrogate + 2)..];
            surrogate = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        }
        return true;
    }
}

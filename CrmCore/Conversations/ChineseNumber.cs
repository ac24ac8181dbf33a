namespace CrmChat.CrmCore.Conversations;

/// <summary>Whole numbers written in Chinese, as reps write them: 三, 十, 十五, 二十三, 两千, 五万, 一百零五.</summary>
internal static class ChineseNumber
{
    private const string Digits = "零〇一二两三四五六七八九";

    public static bool IsNumeralChar(char c) => DigitValue(c) >= 0 || c is '十' or '百' or '千' or '万';

    /// <summary>Reads the longest numeral at <paramref name="start"/>; returns its length, 0 when there is none.</summary>
    public static int Read(string text, int start, out long value)
    {
        value = 0;
        var end = start;
        while (end < text.Length && IsNumeralChar(text[end]))
        {
            end++;
        }
        // A leading 万/千/百 is not a number on its own ("万一" is "in case").
        while (end > start && !TryConvert(text.AsSpan(start, end - start), out value))
        {
            end--;
        }
        return end - start;
    }

    private static int DigitValue(char c) => c switch
    {
        '零' or '〇' => 0,
        '一' => 1,
        '二' or '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => -1,
    };

    private static bool TryConvert(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }
        long section = 0;
        long digit = -1;
        var lastUnit = long.MaxValue;
        foreach (var c in text)
        {
            var d = DigitValue(c);
            if (d >= 0)
            {
                if (digit > 0)
                {
                    return false; // "三五" is not a number
                }
                digit = d;
                continue;
            }
            if (c == '万')
            {
                if (digit < 0 && section == 0)
                {
                    return false;
                }
                section += Math.Max(digit, 0);
                value += section * 10_000;
                section = 0;
                digit = -1;
                lastUnit = long.MaxValue;
                continue;
            }
            var unit = c switch { '十' => 10, '百' => 100, '千' => 1000, _ => 0 };
            if (unit == 0 || unit >= lastUnit)
            {
                return false;
            }
            if (digit < 0 && !(unit == 10 && section == 0))
            {
                return false;
            }
            section += (digit < 0 ? 1 : digit) * unit;
            lastUnit = unit;
            digit = -1;
        }
        section += Math.Max(digit, 0);
        value += section;
        return true;
    }
}

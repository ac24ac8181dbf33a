using System.Globalization;

namespace CrmChat.CrmCore.Conversations;

internal enum DayPeriod
{
    None,
    EarlyMorning,
    Morning,
    Noon,
    Afternoon,
    Dusk,
    Evening,
}

internal enum WeekChoice
{
    /// <summary>周一, Monday: the next one, today included while its time is still ahead.</summary>
    Upcoming,
    /// <summary>这周一, this Monday: the one in the current week (weeks start on Monday).</summary>
    This,
    /// <summary>下周一, next Monday: the one in the following week, always.</summary>
    Next,
}

/// <summary>The parts of a time phrase before they are read against a clock and a zone.</summary>
internal sealed class TimeSpec
{
    public int? DayOffset;
    public bool PastDay;
    public WeekChoice Week;
    public DayOfWeek? Weekday;
    public int? Year;
    public int? Month;
    public int? DayOfMonth;
    /// <summary>下个月5号: the day of month is in the next month (1) or this one (0).</summary>
    public int? MonthOffset;
    public TimeSpan? Delay;
    /// <summary>Further ahead than <see cref="ChatTimeParser.FurthestAhead"/>: a typo, not a plan.</summary>
    public bool TooFar;
    public DayPeriod Period;
    public int? Hour;
    public int? Minute;
    public bool? Pm;
    /// <summary>Written with a leading zero or as 24-hour time ("09:30", "14:30"): no office-hours reading.</summary>
    public bool TwentyFourHour;

    public bool HasDay => DayOffset is not null || Weekday is not null || DayOfMonth is not null || PastDay;
}

/// <summary>
/// Recognises one time phrase at a position of folded text (see <see cref="ChatText.Fold"/>).
/// It only reads; <see cref="ChatTimeParser"/> decides what the parts mean.
/// </summary>
internal sealed class TimePhraseScanner(string text)
{
    private int _pos;

    private static readonly (string Word, DayOfWeek Day)[] EnglishWeekdays =
    [
        ("monday", DayOfWeek.Monday), ("tuesday", DayOfWeek.Tuesday), ("wednesday", DayOfWeek.Wednesday),
        ("thursday", DayOfWeek.Thursday), ("friday", DayOfWeek.Friday), ("saturday", DayOfWeek.Saturday),
        ("sunday", DayOfWeek.Sunday),
    ];

    private static readonly string[] EnglishMonths =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    private static readonly (string Word, int Value)[] EnglishNumbers =
    [
        ("an", 1), ("a", 1), ("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6),
        ("seven", 7), ("eight", 8), ("nine", 9), ("ten", 10), ("eleven", 11), ("twelve", 12),
    ];

    private static readonly (string Word, WeekChoice Week)[] ChineseWeekPrefixes =
    [
        ("下个星期", WeekChoice.Next), ("下个礼拜", WeekChoice.Next), ("下星期", WeekChoice.Next), ("下礼拜", WeekChoice.Next),
        ("下个周", WeekChoice.Next), ("下周", WeekChoice.Next),
        ("这个星期", WeekChoice.This), ("这个礼拜", WeekChoice.This), ("这星期", WeekChoice.This), ("这礼拜", WeekChoice.This),
        ("本星期", WeekChoice.This), ("这周", WeekChoice.This), ("本周", WeekChoice.This),
        ("星期", WeekChoice.Upcoming), ("礼拜", WeekChoice.Upcoming), ("周", WeekChoice.Upcoming), ("週", WeekChoice.Upcoming),
    ];

    private static readonly (string Word, DayPeriod Period)[] Periods =
    [
        ("凌晨", DayPeriod.EarlyMorning), ("早上", DayPeriod.Morning), ("早晨", DayPeriod.Morning), ("清晨", DayPeriod.Morning),
        ("上午", DayPeriod.Morning), ("中午", DayPeriod.Noon), ("下午", DayPeriod.Afternoon), ("午后", DayPeriod.Afternoon),
        ("傍晚", DayPeriod.Dusk), ("晚上", DayPeriod.Evening), ("晚间", DayPeriod.Evening), ("夜里", DayPeriod.Evening),
        ("夜间", DayPeriod.Evening),
        ("in the morning", DayPeriod.Morning), ("in the afternoon", DayPeriod.Afternoon), ("in the evening", DayPeriod.Evening),
        ("morning", DayPeriod.Morning), ("afternoon", DayPeriod.Afternoon), ("evening", DayPeriod.Evening),
        ("night", DayPeriod.Evening), ("noon", DayPeriod.Noon), ("midday", DayPeriod.Noon),
    ];

    /// <summary>The time phrase starting exactly at <paramref name="start"/>, and where it ends.</summary>
    public bool TryMatch(int start, out TimeSpec spec, out int end)
    {
        spec = new TimeSpec();
        _pos = start;
        end = start;
        if (TryDelay(spec))
        {
            end = _pos;
            return true;
        }
        _pos = start;
        spec = new TimeSpec();
        var any = false;
        for (var round = 0; round < 5; round++)
        {
            var save = _pos;
            if (any)
            {
                SkipSpaces();
                if (Eat(","))
                {
                    SkipSpaces();
                }
            }
            if (EatWord("on") || EatWord("at"))
            {
                SkipSpaces();
            }
            if ((!spec.HasDay && TryDay(spec)) || (spec.Period == DayPeriod.None && TryPeriod(spec)) || (spec.Hour is null && TryClock(spec)))
            {
                any = true;
                end = _pos;
                continue;
            }
            _pos = save;
            break;
        }
        return any;
    }

    // N小时后, 半小时后, 一个半小时后, 90分钟后, in 2 hours, in half an hour, in 1.5 hours
    private bool TryDelay(TimeSpec spec)
    {
        if (EatWord("in"))
        {
            SkipSpaces();
            double amount;
            if (EatWord("half an") || EatWord("half a"))
            {
                amount = 0.5;
            }
            else if (!TryDecimal(out amount) && !TryEnglishNumber(out amount))
            {
                return false;
            }
            SkipSpaces();
            if (EatAnyWord("hours", "hour", "hrs", "hr", "h"))
            {
                SetDelay(spec, amount * 60);
                return true;
            }
            if (EatAnyWord("minutes", "minute", "mins", "min", "m"))
            {
                SetDelay(spec, amount);
                return true;
            }
            return false;
        }

        double n;
        if (Eat("半"))
        {
            n = 0.5;
            Eat("个");
        }
        else if (TryDecimal(out n) || TryChinese(out n))
        {
            Eat("个");
            if (Eat("半"))
            {
                n += 0.5;
            }
        }
        else
        {
            return false;
        }
        double minutes;
        if (Eat("小时") || Eat("钟头"))
        {
            minutes = n * 60;
        }
        else if (Eat("刻钟"))
        {
            minutes = 15 * n;
        }
        else if (Eat("分钟") || Eat("分"))
        {
            minutes = n;
        }
        else
        {
            return false;
        }
        if (!(Eat("以后") || Eat("之后") || Eat("后")))
        {
            return false;
        }
        SetDelay(spec, minutes);
        return true;
    }

    private static void SetDelay(TimeSpec spec, double minutes)
    {
        spec.TooFar = minutes > ChatTimeParser.FurthestAhead.TotalMinutes;
        spec.Delay = spec.TooFar ? TimeSpan.Zero : TimeSpan.FromMinutes(minutes);
    }

    private static void SetDayOffset(TimeSpec spec, long days)
    {
        spec.TooFar = days > ChatTimeParser.FurthestAhead.TotalDays;
        spec.DayOffset = spec.TooFar ? 0 : (int)days;
    }

    private bool TryDay(TimeSpec spec)
    {
        var save = _pos;
        if (TryChineseDay(spec) || TryEnglishDay(spec) || TryNumericDate(spec))
        {
            return true;
        }
        _pos = save;
        return false;
    }

    private bool TryChineseDay(TimeSpec spec)
    {
        foreach (var (word, offset) in new[] { ("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("今天", 0), ("今日", 0) })
        {
            if (Eat(word))
            {
                spec.DayOffset = offset;
                return true;
            }
        }
        foreach (var (word, offset, period) in new[] { ("今晚", 0, DayPeriod.Evening), ("明晚", 1, DayPeriod.Evening), ("今早", 0, DayPeriod.Morning), ("明早", 1, DayPeriod.Morning) })
        {
            if (Eat(word))
            {
                spec.DayOffset = offset;
                spec.Period = period;
                return true;
            }
        }
        if (Eat("昨天") || Eat("前天") || Eat("昨日"))
        {
            spec.PastDay = true;
            return true;
        }
        foreach (var (word, week) in ChineseWeekPrefixes)
        {
            var save = _pos;
            if (Eat(word) && TryChineseWeekday(out var day))
            {
                spec.Week = week;
                spec.Weekday = day;
                return true;
            }
            _pos = save;
        }

        var start = _pos;
        // 下个月5号, 本月20日
        foreach (var (word, months) in new[] { ("下个月", 1), ("下月", 1), ("这个月", 0), ("本月", 0) })
        {
            if (Eat(word))
            {
                if ((TryInteger(out var d) || TryChineseInt(out d)) && (Eat("号") || Eat("日")))
                {
                    spec.MonthOffset = months;
                    spec.DayOfMonth = (int)Math.Min(d, 99);
                    return true;
                }
                _pos = start;
                return false;
            }
        }
        // N天后, N周后, N个星期后
        if (TryInteger(out var n) || TryChineseInt(out n))
        {
            var afterNumber = _pos;
            Eat("个");
            var days = Eat("天") || Eat("日") ? 1 : Eat("星期") || Eat("礼拜") || Eat("周") ? 7 : 0;
            if (days > 0 && (Eat("以后") || Eat("之后") || Eat("后")))
            {
                SetDayOffset(spec, n * days);
                return true;
            }
            _pos = afterNumber;
            // (YYYY年)M月D日, D号
            if (Eat("年"))
            {
                spec.Year = (int)n;
                if (!(TryInteger(out n) || TryChineseInt(out n)))
                {
                    _pos = start;
                    return false;
                }
            }
            if (Eat("月"))
            {
                if (TryInteger(out var d) || TryChineseInt(out d))
                {
                    Eat("日");
                    Eat("号");
                    spec.Month = (int)n;
                    spec.DayOfMonth = (int)d;
                    return true;
                }
            }
            else if (spec.Year is null && (Eat("号") || Eat("日")))
            {
                spec.DayOfMonth = (int)n;
                return true;
            }
        }
        _pos = start;
        spec.Year = null;
        return false;
    }

    private bool TryChineseWeekday(out DayOfWeek day)
    {
        day = DayOfWeek.Monday;
        if (_pos >= text.Length)
        {
            return false;
        }
        var c = text[_pos];
        int index = c switch
        {
            '一' or '1' => 1,
            '二' or '2' => 2,
            '三' or '3' => 3,
            '四' or '4' => 4,
            '五' or '5' => 5,
            '六' or '6' => 6,
            '日' or '天' or '七' or '7' => 7,
            _ => 0,
        };
        if (index == 0)
        {
            return false;
        }
        // "周一点" would be "Monday one o'clock"? No: 周一 stands; but "周10点" must not read 周1.
        if (char.IsAsciiDigit(c) && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1]))
        {
            return false;
        }
        _pos++;
        day = (DayOfWeek)(index % 7);
        return true;
    }

    private bool TryEnglishDay(TimeSpec spec)
    {
        if (EatWord("the day after tomorrow") || EatWord("day after tomorrow"))
        {
            spec.DayOffset = 2;
            return true;
        }
        if (EatAnyWord("tomorrow", "tmrw", "tmr"))
        {
            spec.DayOffset = 1;
            return true;
        }
        if (EatWord("today"))
        {
            spec.DayOffset = 0;
            return true;
        }
        if (EatWord("tonight"))
        {
            spec.DayOffset = 0;
            spec.Period = DayPeriod.Evening;
            return true;
        }
        if (EatWord("yesterday"))
        {
            spec.PastDay = true;
            return true;
        }
        foreach (var (prefix, period) in new[] { ("this morning", DayPeriod.Morning), ("this afternoon", DayPeriod.Afternoon), ("this evening", DayPeriod.Evening) })
        {
            if (EatWord(prefix))
            {
                spec.DayOffset = 0;
                spec.Period = period;
                return true;
            }
        }

        var save = _pos;
        var week = WeekChoice.Upcoming;
        if (EatWord("next"))
        {
            week = WeekChoice.Next;
            SkipSpaces();
        }
        else if (EatWord("this"))
        {
            week = WeekChoice.This;
            SkipSpaces();
        }
        foreach (var (word, day) in EnglishWeekdays)
        {
            if (EatWord(word))
            {
                spec.Week = week;
                spec.Weekday = day;
                return true;
            }
        }
        _pos = save;

        if (EatWord("in"))
        {
            SkipSpaces();
            if (TryInteger(out var n) || TryEnglishInt(out n))
            {
                SkipSpaces();
                if (EatAnyWord("days", "day"))
                {
                    SetDayOffset(spec, n);
                    return true;
                }
                if (EatAnyWord("weeks", "week"))
                {
                    SetDayOffset(spec, n * 7);
                    return true;
                }
            }
            _pos = save;
            return false;
        }

        // Dec 3, December 3rd, Dec 3 2026, 3 Dec, 3rd December 2026
        if (TryMonthName(out var month))
        {
            SkipSpaces();
            if (TryInteger(out var d) && d <= 99)
            {
                EatAnyWord("st", "nd", "rd", "th");
                spec.Month = month;
                spec.DayOfMonth = (int)d;
                TryEnglishYear(spec);
                return true;
            }
            _pos = save;
            return false;
        }
        if (TryInteger(out var dayFirst) && dayFirst <= 99)
        {
            EatAnyWord("st", "nd", "rd", "th");
            SkipSpaces();
            EatWord("of");
            SkipSpaces();
            if (TryMonthName(out month))
            {
                spec.Month = month;
                spec.DayOfMonth = (int)dayFirst;
                TryEnglishYear(spec);
                return true;
            }
        }
        _pos = save;
        return false;
    }

    private void TryEnglishYear(TimeSpec spec)
    {
        var save = _pos;
        Eat(",");
        SkipSpaces();
        var digitsStart = _pos;
        if (TryInteger(out var year) && _pos - digitsStart == 4 && !Peek(':'))
        {
            spec.Year = (int)year;
            return;
        }
        _pos = save;
    }

    private bool TryMonthName(out int month)
    {
        for (var i = 0; i < EnglishMonths.Length; i++)
        {
            var name = EnglishMonths[i];
            if (EatWord(name) || (name.Length > 3 && EatWord(name[..3])) || (name == "september" && EatWord("sept")))
            {
                month = i + 1;
                return true;
            }
        }
        month = 0;
        return false;
    }

    // 2026-12-03, 2026/12/3, 2026.12.03, 12-03, 12/3
    private bool TryNumericDate(TimeSpec spec)
    {
        var start = _pos;
        if (!TryDigits(out var first, out var firstLength))
        {
            return false;
        }
        if (firstLength == 4 && (Peek('-') || Peek('/') || Peek('.')))
        {
            var sep = text[_pos++];
            if (TryDigits(out var m, out var ml) && ml <= 2 && Eat(sep.ToString()) && TryDigits(out var d, out var dl) && dl <= 2)
            {
                spec.Year = first;
                spec.Month = m;
                spec.DayOfMonth = d;
                return true;
            }
        }
        else if (firstLength <= 2 && (Peek('-') || Peek('/')))
        {
            var sep = text[_pos++];
            if (TryDigits(out var d, out var dl) && dl <= 2 && !Peek(sep) && !Peek(':'))
            {
                spec.Month = first;
                spec.DayOfMonth = d;
                return true;
            }
        }
        _pos = start;
        return false;
    }

    private bool TryPeriod(TimeSpec spec)
    {
        foreach (var (word, period) in Periods)
        {
            if (ChatText.IsLatinLetter(word[0]) ? EatWord(word) : Eat(word))
            {
                spec.Period = period;
                return true;
            }
        }
        return false;
    }

    // 10点, 十点半, 10点一刻, 10点15分, 10:30, 10：30, 10am, 2:30pm, at 3
    private bool TryClock(TimeSpec spec)
    {
        var start = _pos;
        if (TryDigits(out var h, out var hl) && hl <= 2)
        {
            if (Eat(":"))
            {
                if (TryDigits(out var m, out var ml) && ml == 2)
                {
                    spec.Hour = h;
                    spec.Minute = m;
                    spec.TwentyFourHour = hl == 2 && (text[start] == '0' || h >= 13);
                    TryAmPm(spec);
                    return true;
                }
                _pos = start;
                return false;
            }
            if (TryChineseHourMark())
            {
                spec.Hour = h;
                spec.TwentyFourHour = hl == 2 && (text[start] == '0' || h >= 13);
                TryChineseMinutes(spec);
                return true;
            }
            spec.Hour = h;
            if (TryAmPm(spec))
            {
                return true;
            }
            // "at 3": a bare hour only after "at" (the caller has eaten it).
            if (start >= 3 && text.AsSpan(start - 3, 3).SequenceEqual("at ") && !Peek('.') && !PeekLetter())
            {
                return true;
            }
            spec.Hour = null;
            _pos = start;
            return false;
        }
        _pos = start;
        if (TryChineseInt(out var ch) && TryChineseHourMark())
        {
            spec.Hour = (int)ch;
            spec.TwentyFourHour = ch >= 13;
            TryChineseMinutes(spec);
            return true;
        }
        _pos = start;
        return false;
    }

    private bool TryChineseHourMark()
    {
        if (Eat("点钟") || Eat("点") || Eat("點") || Eat("时") || Eat("時"))
        {
            return true;
        }
        return false;
    }

    private void TryChineseMinutes(TimeSpec spec)
    {
        if (Eat("半"))
        {
            spec.Minute = 30;
        }
        else if (Eat("一刻"))
        {
            spec.Minute = 15;
        }
        else if (Eat("三刻"))
        {
            spec.Minute = 45;
        }
        else if (Eat("整"))
        {
            spec.Minute = 0;
        }
        else
        {
            var save = _pos;
            if (TryDigits(out var m, out var ml) && ml <= 2)
            {
                spec.Minute = m;
                Eat("分");
            }
            else if (TryChineseInt(out var cm))
            {
                spec.Minute = (int)cm;
                Eat("分");
            }
            else
            {
                _pos = save;
            }
        }
    }

    private bool TryAmPm(TimeSpec spec)
    {
        var save = _pos;
        SkipSpaces();
        if (EatAnyWord("am", "a.m.", "a.m"))
        {
            spec.Pm = false;
            return true;
        }
        if (EatAnyWord("pm", "p.m.", "p.m"))
        {
            spec.Pm = true;
            return true;
        }
        _pos = save;
        return false;
    }

    private bool TryDigits(out int value, out int length)
    {
        var start = _pos;
        while (_pos < text.Length && char.IsAsciiDigit(text[_pos]) && _pos - start < 9)
        {
            _pos++;
        }
        length = _pos - start;
        value = length == 0 ? 0 : int.Parse(text.AsSpan(start, length), CultureInfo.InvariantCulture);
        if (length == 0 || (_pos < text.Length && char.IsAsciiDigit(text[_pos])))
        {
            _pos = start;
            return false;
        }
        return true;
    }

    private bool TryInteger(out long value)
    {
        var ok = TryDigits(out var v, out _);
        value = v;
        return ok;
    }

    private bool TryDecimal(out double value)
    {
        var start = _pos;
        if (!TryDigits(out var whole, out _))
        {
            value = 0;
            return false;
        }
        value = whole;
        if (Peek('.') && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1]))
        {
            _pos++;
            var fracStart = _pos;
            TryDigits(out _, out var fl);
            value = double.Parse(text.AsSpan(start, fracStart + fl - start), CultureInfo.InvariantCulture);
        }
        return true;
    }

    private bool TryChinese(out double value)
    {
        var ok = TryChineseInt(out var v);
        value = v;
        return ok;
    }

    private bool TryChineseInt(out long value)
    {
        var length = ChineseNumber.Read(text, _pos, out value);
        _pos += length;
        return length > 0;
    }

    private bool TryEnglishNumber(out double value)
    {
        var ok = TryEnglishInt(out var v);
        value = v;
        return ok;
    }

    private bool TryEnglishInt(out long value)
    {
        foreach (var (word, n) in EnglishNumbers)
        {
            if (EatWord(word))
            {
                value = n;
                return true;
            }
        }
        value = 0;
        return false;
    }

    private void SkipSpaces()
    {
        while (_pos < text.Length && text[_pos] == ' ')
        {
            _pos++;
        }
    }

    private bool Peek(char c) => _pos < text.Length && text[_pos] == c;

    private bool PeekLetter() => _pos < text.Length && ChatText.IsLatinLetter(text[_pos]);

    private bool Eat(string literal)
    {
        if (string.CompareOrdinal(text, _pos, literal, 0, literal.Length) == 0 && _pos + literal.Length <= text.Length)
        {
            _pos += literal.Length;
            return true;
        }
        return false;
    }

    /// <summary>A Latin word or phrase that is not the start of a longer word ("mon" is not in "money").</summary>
    private bool EatWord(string word)
    {
        var end = _pos + word.Length;
        if (end > text.Length || string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0)
        {
            return false;
        }
        if (end < text.Length && ChatText.IsWordChar(word[^1]) && ChatText.IsWordChar(text[end]))
        {
            return false;
        }
        _pos = end;
        return true;
    }

    private bool EatAnyWord(params ReadOnlySpan<string> words)
    {
        foreach (var word in words)
        {
            if (EatWord(word))
            {
                return true;
            }
        }
        return false;
    }
}

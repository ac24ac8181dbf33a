using System.Globalization;

namespace CrmChat.CrmCore.Conversations;

/// <summary>
/// Reads a time phrase a rep typed (Chinese or English) as an instant in the team's time zone.
/// It never guesses when the phrase could mean two things: it returns a question instead.
/// </summary>
/// <remarks>
/// Decisions, so replies are predictable:
/// <list type="bullet">
/// <item>A day without a time of day means 09:00; a day with only a period means 上午/morning 09:00,
/// 中午/noon 12:00, 下午/afternoon 14:00, 傍晚 18:00, 晚上/evening/tonight 20:00.</item>
/// <item>An hour without 上午/下午/am/pm is read as office hours: 7–12 as written, 1–6 as the
/// afternoon (两点 = 14:00), 0 and 13–23 as written; "09:30" with a leading zero is always morning.</item>
/// <item>上午12点, 12am, 下午12点 and 晚上12点 could mean noon or midnight: asked back.</item>
/// <item>周一 / Monday is the next Monday: today if it is Monday and the time is still ahead,
/// otherwise the coming one. 这周一 / this Monday is the Monday of the current week (weeks start
/// on Monday) and asks back once it has passed. 下周一 / next Monday is always the Monday of the
/// following week.</item>
/// <item>N天后 / in N days is that calendar day at 09:00 (or at the time given); N小时后 and
/// N分钟后 are exact durations from now.</item>
/// <item>A date without a year (12月3日, 12/3, Dec 3) is this year's, or next year's once it is
/// more than a month past (1月5日 in November); one passed within the last month asks back.
/// 12/3 and 12-03 are month first. 5号 is the 5th of this month, or of next month once passed;
/// 下个月5号 and 本月5号 name the month.</item>
/// <item>Anything at or before now asks back ("今天上午9点" at 11:00), suggesting the next day when
/// only a time was given; impossible dates and times (2月30日, 13月1日, 25点) ask back.</item>
/// <item>Local times go through <see cref="TimeZoneInfo"/>: a time skipped by a daylight-saving
/// jump moves forward by the jump, a time that happens twice takes the first.</item>
/// </list>
/// </remarks>
public static class ChatTimeParser
{
    public const string DefaultZoneId = "Asia/Shanghai";
    public static readonly TimeSpan DefaultTimeOfDay = new(9, 0, 0);

    /// <summary>How far ahead a phrase may reach (10 years); beyond it the parser asks back.</summary>
    public static readonly TimeSpan FurthestAhead = TimeSpan.FromDays(3653);

    public static TimeZoneInfo DefaultZone { get; } = TimeZoneInfo.FindSystemTimeZoneById(DefaultZoneId);

    public static ChatTimeResult Parse(string phrase, DateTimeOffset now) => Parse(phrase, now, DefaultZone);

    /// <summary>The first time phrase in <paramref name="phrase"/>, read at <paramref name="now"/> in <paramref name="zone"/>.</summary>
    public static ChatTimeResult Parse(string phrase, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        ArgumentNullException.ThrowIfNull(zone);
        var folded = ChatText.Fold(phrase);
        for (var start = 0; start < folded.Length; start++)
        {
            if (TryMatchAt(folded, start, out var spec, out var end))
            {
                return Resolve(spec, phrase[start..end], start, end - start, now, zone);
            }
        }
        return ChatTimeResult.Ask(NotUnderstood(phrase), 0, 0);
    }

    /// <summary>Where a time phrase could begin: any CJK character, a Latin word's first letter, a number's first digit.</summary>
    internal static bool CanStartAt(string folded, int start)
    {
        var c = folded[start];
        if (c == ' ')
        {
            return false;
        }
        if (start == 0 || !ChatText.IsWordChar(c))
        {
            return true;
        }
        var before = folded[start - 1];
        return !ChatText.IsWordChar(before) && before is not ('+' or '-' or '/' or ':' or '.' or '#');
    }

    internal static bool TryMatchAt(string folded, int start, out TimeSpec spec, out int end)
    {
        spec = new TimeSpec();
        end = start;
        if (!CanStartAt(folded, start) || !new TimePhraseScanner(folded).TryMatch(start, out spec, out end))
        {
            return false;
        }
        // A phrase ending in a letter or digit must end where the word ends ("10am" but not "10amx").
        return end >= folded.Length || !ChatText.IsWordChar(folded[end - 1]) || !ChatText.IsWordChar(folded[end]);
    }

    internal static ChatTimeResult Resolve(TimeSpec spec, string written, int start, int length, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (spec.TooFar)
        {
            return ChatTimeResult.Ask(TooFar(written), start, length);
        }
        if (spec.Delay is { } delay)
        {
            return delay > TimeSpan.Zero
                ? ChatTimeResult.Resolved(TimeZoneInfo.ConvertTime(now + delay, zone), start, length)
                : ChatTimeResult.Ask(NotUnderstood(written), start, length);
        }
        var localNow = TimeZoneInfo.ConvertTime(now, zone);
        var today = DateOnly.FromDateTime(localNow.DateTime);

        if (spec.PastDay)
        {
            return ChatTimeResult.Ask(InThePast(written, localNow, suggestion: null), start, length);
        }
        if (!TryTimeOfDay(spec, written, out var timeOfDay, out var question))
        {
            return ChatTimeResult.Ask(question, start, length);
        }

        DateOnly day;
        var suggestTomorrow = false;
        if (spec.DayOffset is { } offset)
        {
            day = today.AddDays(offset);
        }
        else if (spec.Weekday is { } weekday)
        {
            var weekStart = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
            var index = ((int)weekday + 6) % 7;
            switch (spec.Week)
            {
                case WeekChoice.Next:
                    day = weekStart.AddDays(7 + index);
                    break;
                case WeekChoice.This:
                    day = weekStart.AddDays(index);
                    if (day < today)
                    {
                        return ChatTimeResult.Ask(ThisWeekdayPassed(written), start, length);
                    }
                    break;
                default:
                    day = today.AddDays(((int)weekday - (int)today.DayOfWeek + 7) % 7);
                    if (day == today && ToInstant(day, timeOfDay, zone) <= now)
                    {
                        day = day.AddDays(7);
                    }
                    break;
            }
        }
        else if (spec.DayOfMonth is { } dayOfMonth)
        {
            if (!TryDate(spec, dayOfMonth, today, out day))
            {
                return ChatTimeResult.Ask(ImpossibleDate(written), start, length);
            }
        }
        else
        {
            day = today;
            suggestTomorrow = true;
        }

        var instant = ToInstant(day, timeOfDay, zone);
        if (instant <= now)
        {
            var suggestion = suggestTomorrow ? ToInstant(today.AddDays(1), timeOfDay, zone) : (DateTimeOffset?)null;
            return ChatTimeResult.Ask(InThePast(written, localNow, suggestion), start, length);
        }
        return ChatTimeResult.Resolved(instant, start, length);
    }

    private static bool TryDate(TimeSpec spec, int dayOfMonth, DateOnly today, out DateOnly day)
    {
        day = default;
        if (spec.Month is not { } month)
        {
            // 5号: this month if still ahead, else next month; 下个月5号 / 本月5号 as written.
            var candidate = new DateOnly(today.Year, today.Month, 1);
            if (spec.MonthOffset is { } months)
            {
                candidate = candidate.AddMonths(months);
            }
            else if (dayOfMonth < today.Day)
            {
                candidate = candidate.AddMonths(1);
            }
            return IsValid(candidate.Year, candidate.Month, dayOfMonth, out day);
        }
        if (spec.Year is { } year)
        {
            // Years far from now are typos; they would also overflow DateTimeOffset at the edges.
            return Math.Abs(year - today.Year) <= 10 && IsValid(year, month, dayOfMonth, out day);
        }
        if (!IsValid(today.Year, month, dayOfMonth, out day) && !IsValid(today.Year + 1, month, dayOfMonth, out day))
        {
            return false;
        }
        // A date passed within the last month is more likely a slip than next year: keep it, so it asks back.
        if (day < today && today.DayNumber - day.DayNumber > 31)
        {
            return IsValid(today.Year + 1, month, dayOfMonth, out day);
        }
        return true;
    }

    private static bool IsValid(int year, int month, int dayOfMonth, out DateOnly day)
    {
        day = default;
        if (year is < 1 or > 9999 || month is < 1 or > 12 || dayOfMonth < 1 || dayOfMonth > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        day = new DateOnly(year, month, dayOfMonth);
        return true;
    }

    private static bool TryTimeOfDay(TimeSpec spec, string written, out TimeSpan timeOfDay, out string question)
    {
        timeOfDay = default;
        question = "";
        if (spec.Hour is not { } hour)
        {
            timeOfDay = spec.Period switch
            {
                DayPeriod.Morning => new TimeSpan(9, 0, 0),
                DayPeriod.Noon => new TimeSpan(12, 0, 0),
                DayPeriod.Afternoon => new TimeSpan(14, 0, 0),
                DayPeriod.Dusk => new TimeSpan(18, 0, 0),
                DayPeriod.Evening => new TimeSpan(20, 0, 0),
                DayPeriod.EarlyMorning => TimeSpan.MinValue,
                _ => DefaultTimeOfDay,
            };
            if (timeOfDay == TimeSpan.MinValue)
            {
                question = NeedsHour(written);
                return false;
            }
            return true;
        }
        var minute = spec.Minute ?? 0;
        if (hour > 24 || minute > 59 || (hour == 24 && minute > 0))
        {
            question = ImpossibleTime(written);
            return false;
        }
        if (hour == 24)
        {
            question = NoonOrMidnight(written);
            return false;
        }

        int? h;
        if (spec.Pm is { } pm)
        {
            // 12pm is noon by convention; 12am is read both ways, so it is asked back like 上午12点.
            h = hour switch
            {
                12 => pm ? 12 : null,
                0 => pm ? -1 : 0,
                > 12 => pm ? hour : -1,
                _ => pm ? hour + 12 : hour,
            };
            if (h == -1 || (spec.Period is DayPeriod.Morning or DayPeriod.EarlyMorning && pm) || (spec.Period is DayPeriod.Afternoon or DayPeriod.Evening or DayPeriod.Dusk && !pm))
            {
                question = Contradiction(written);
                return false;
            }
        }
        else
        {
            h = spec.Period switch
            {
                DayPeriod.EarlyMorning => hour <= 6 ? hour : hour == 12 ? 0 : -1,
                DayPeriod.Morning => hour == 12 ? null : hour <= 11 ? hour : -1,
                DayPeriod.Noon => hour is 11 or 12 or 13 ? hour : hour is 1 or 2 ? hour + 12 : -1,
                DayPeriod.Afternoon => hour == 12 ? null : hour is >= 1 and <= 11 ? hour + 12 : hour is >= 13 and <= 18 ? hour : -1,
                DayPeriod.Dusk => hour is >= 4 and <= 8 ? hour + 12 : hour is >= 16 and <= 20 ? hour : -1,
                DayPeriod.Evening => hour == 12 ? null : hour is >= 5 and <= 11 ? hour + 12 : hour is >= 17 and <= 23 ? hour : -1,
                _ => spec.TwentyFourHour || hour is 0 or >= 7 ? hour : hour + 12,
            };
            if (h == -1)
            {
                question = Contradiction(written);
                return false;
            }
        }
        if (h is null)
        {
            question = NoonOrMidnight(written);
            return false;
        }
        timeOfDay = new TimeSpan(h.Value, minute, 0);
        return true;
    }

    internal static DateTimeOffset ToInstant(DateOnly day, TimeSpan timeOfDay, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.FromTimeSpan(timeOfDay), DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // Skipped by a spring-forward jump: move on by the size of the jump (02:30 → 03:30).
            local += zone.GetUtcOffset(local.AddDays(1)) - zone.GetUtcOffset(local.AddDays(-1));
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    private static string Show(DateTimeOffset local) => local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    internal static string NotUnderstood(string written) =>
        $"没听懂时间「{written.Trim()}」，请写成 明天上午10点、下周一 14:30 或 3天后 / I didn't understand '{written.Trim()}', try 'tomorrow 10am', 'next Monday 14:30' or 'in 3 days'.";

    private static string InThePast(string written, DateTimeOffset localNow, DateTimeOffset? suggestion) =>
        suggestion is { } s
            ? $"「{written}」已经过去了（现在是 {Show(localNow)}），是指明天 {Show(s)} 吗？请写上日期 / '{written}' has already passed (it is {Show(localNow)} now). Did you mean tomorrow, {Show(s)}? Please add the day."
            : $"「{written}」已经过去了（现在是 {Show(localNow)}），请写一个将来的时间 / '{written}' is in the past (it is {Show(localNow)} now); please give a time ahead.";

    private static string TooFar(string written) =>
        $"「{written}」太远了，请写十年以内的时间 / '{written}' is too far ahead; please give a time within ten years.";

    private static string ThisWeekdayPassed(string written) =>
        $"「{written}」本周已经过去了，是指下周吗？请写 下周X / '{written}' has passed this week. Did you mean next week? Write e.g. '下周一' or 'next Monday'.";

    private static string ImpossibleDate(string written) =>
        $"没有「{written}」这一天，请检查月份和日期 / There is no such date as '{written}'; please check the month and day.";

    private static string ImpossibleTime(string written) =>
        $"没有「{written}」这个时间，请写 0–23 点、0–59 分，例如 下午3点 或 15:00 / '{written}' is not a time of day; try '3pm' or '15:00'.";

    private static string NoonOrMidnight(string written) =>
        $"「{written}」是中午12点还是半夜0点？请写 中午12点 或 凌晨0点 / Is '{written}' noon or midnight? Write 'noon' or '00:00'.";

    private static string Contradiction(string written) =>
        $"「{written}」的上午/下午和钟点对不上，请写 下午3点 或 15:00 / In '{written}' the part of day and the hour don't match; try '3pm' or '15:00'.";

    private static string NeedsHour(string written) =>
        $"「{written}」是几点？请写 凌晨5点 这样的时间 / What time is '{written}'? Write e.g. '5am'.";
}

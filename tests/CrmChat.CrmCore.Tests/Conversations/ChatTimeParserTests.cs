using System.Globalization;
using CrmChat.CrmCore.Conversations;

namespace CrmChat.CrmCore.Tests.Conversations;

public sealed class ChatTimeParserTests
{
    /// <summary>The expected value of a phrase that must be asked back.</summary>
    private const string Ask = "ask";

    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary>Monday 23 November 2026, 11:00 in Shanghai.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 11, 0, 0, TimeSpan.FromHours(8));

    [Theory]
    // days
    [InlineData("今天下午3点", "2026-11-23 15:00")]
    [InlineData("今天下午", "2026-11-23 14:00")]
    [InlineData("今晚", "2026-11-23 20:00")]
    [InlineData("今晚8点", "2026-11-23 20:00")]
    [InlineData("今天晚上9点半", "2026-11-23 21:30")]
    [InlineData("明天", "2026-11-24 09:00")]
    [InlineData("明日", "2026-11-24 09:00")]
    [InlineData("明天上午10点", "2026-11-24 10:00")]
    [InlineData("明天10点", "2026-11-24 10:00")]
    [InlineData("明天 上午 10点", "2026-11-24 10:00")]
    [InlineData("明天下午3点", "2026-11-24 15:00")]
    [InlineData("明天下午3点半", "2026-11-24 15:30")]
    [InlineData("明天晚上8点", "2026-11-24 20:00")]
    [InlineData("明天中午12点", "2026-11-24 12:00")]
    [InlineData("明天中午1点", "2026-11-24 13:00")]
    [InlineData("明天中午", "2026-11-24 12:00")]
    [InlineData("明天早上8点", "2026-11-24 08:00")]
    [InlineData("明天早上", "2026-11-24 09:00")]
    [InlineData("明天傍晚6点", "2026-11-24 18:00")]
    [InlineData("明天傍晚", "2026-11-24 18:00")]
    [InlineData("明天凌晨5点", "2026-11-24 05:00")]
    [InlineData("明早", "2026-11-24 09:00")]
    [InlineData("明早8点", "2026-11-24 08:00")]
    [InlineData("明晚", "2026-11-24 20:00")]
    [InlineData("明天10点半", "2026-11-24 10:30")]
    [InlineData("明天10点一刻", "2026-11-24 10:15")]
    [InlineData("明天10点三刻", "2026-11-24 10:45")]
    [InlineData("明天10点整", "2026-11-24 10:00")]
    [InlineData("明天10点钟", "2026-11-24 10:00")]
    [InlineData("明天10:30", "2026-11-24 10:30")]
    [InlineData("明天10：30", "2026-11-24 10:30")]
    [InlineData("明天 10:30", "2026-11-24 10:30")]
    [InlineData("明天０９：３０", "2026-11-24 09:30")]
    [InlineData("明天十点半", "2026-11-24 10:30")]
    [InlineData("明天两点", "2026-11-24 14:00")]
    [InlineData("明天二十三点", "2026-11-24 23:00")]
    [InlineData("明天十点十五分", "2026-11-24 10:15")]
    [InlineData("明天9点05分", "2026-11-24 09:05")]
    [InlineData("明天10点15", "2026-11-24 10:15")]
    [InlineData("明天三点零五", "2026-11-24 15:05")]
    [InlineData("明天下午两点半", "2026-11-24 14:30")]
    [InlineData("明天14点", "2026-11-24 14:00")]
    [InlineData("明天0点", "2026-11-24 00:00")]
    [InlineData("后天", "2026-11-25 09:00")]
    [InlineData("后天下午2点", "2026-11-25 14:00")]
    [InlineData("大后天", "2026-11-26 09:00")]
    [InlineData("大后天上午9点半", "2026-11-26 09:30")]
    // weekdays: today is Monday 11:00
    [InlineData("周一", "2026-11-30 09:00")]
    [InlineData("周一下午3点", "2026-11-23 15:00")]
    [InlineData("周二", "2026-11-24 09:00")]
    [InlineData("周五", "2026-11-27 09:00")]
    [InlineData("周日", "2026-11-29 09:00")]
    [InlineData("周天", "2026-11-29 09:00")]
    [InlineData("周1", "2026-11-30 09:00")]
    [InlineData("星期三", "2026-11-25 09:00")]
    [InlineData("星期五下午4点", "2026-11-27 16:00")]
    [InlineData("星期天上午10点", "2026-11-29 10:00")]
    [InlineData("礼拜六", "2026-11-28 09:00")]
    [InlineData("下周一", "2026-11-30 09:00")]
    [InlineData("下周一 14:30", "2026-11-30 14:30")]
    [InlineData("下周一14:30", "2026-11-30 14:30")]
    [InlineData("下周五", "2026-12-04 09:00")]
    [InlineData("下周日", "2026-12-06 09:00")]
    [InlineData("下星期二", "2026-12-01 09:00")]
    [InlineData("下礼拜三", "2026-12-02 09:00")]
    [InlineData("下个星期四下午", "2026-12-03 14:00")]
    [InlineData("这周三", "2026-11-25 09:00")]
    [InlineData("本周五", "2026-11-27 09:00")]
    [InlineData("这周一下午3点", "2026-11-23 15:00")]
    [InlineData("这周一", Ask)]
    // durations
    [InlineData("3天后", "2026-11-26 09:00")]
    [InlineData("三天后", "2026-11-26 09:00")]
    [InlineData("3天之后", "2026-11-26 09:00")]
    [InlineData("2天后下午3点", "2026-11-25 15:00")]
    [InlineData("10天后", "2026-12-03 09:00")]
    [InlineData("十天以后", "2026-12-03 09:00")]
    [InlineData("两周后", "2026-12-07 09:00")]
    [InlineData("1个星期后", "2026-11-30 09:00")]
    [InlineData("2小时后", "2026-11-23 13:00")]
    [InlineData("两个小时后", "2026-11-23 13:00")]
    [InlineData("3个小时后", "2026-11-23 14:00")]
    [InlineData("30分钟后", "2026-11-23 11:30")]
    [InlineData("45分钟以后", "2026-11-23 11:45")]
    [InlineData("半小时后", "2026-11-23 11:30")]
    [InlineData("半个小时后", "2026-11-23 11:30")]
    [InlineData("一个半小时后", "2026-11-23 12:30")]
    [InlineData("两个半小时后", "2026-11-23 13:30")]
    [InlineData("1.5小时后", "2026-11-23 12:30")]
    [InlineData("十分钟后", "2026-11-23 11:10")]
    [InlineData("一刻钟后", "2026-11-23 11:15")]
    [InlineData("90分钟后", "2026-11-23 12:30")]
    // dates
    [InlineData("12月3日", "2026-12-03 09:00")]
    [InlineData("12月3号", "2026-12-03 09:00")]
    [InlineData("12月3日下午3点", "2026-12-03 15:00")]
    [InlineData("十二月三日", "2026-12-03 09:00")]
    [InlineData("12-03", "2026-12-03 09:00")]
    [InlineData("12/3", "2026-12-03 09:00")]
    [InlineData("12-03 14:00", "2026-12-03 14:00")]
    [InlineData("2026-12-03", "2026-12-03 09:00")]
    [InlineData("2026-12-03 14:00", "2026-12-03 14:00")]
    [InlineData("2026/12/3 14:00", "2026-12-03 14:00")]
    [InlineData("2026.12.03", "2026-12-03 09:00")]
    [InlineData("2026年12月3日", "2026-12-03 09:00")]
    [InlineData("2027年1月5日 10点", "2027-01-05 10:00")]
    [InlineData("1月5日", "2027-01-05 09:00")]
    [InlineData("11月23日下午4点", "2026-11-23 16:00")]
    [InlineData("5号", "2026-12-05 09:00")]
    [InlineData("30号下午", "2026-11-30 14:00")]
    [InlineData("下个月5号", "2026-12-05 09:00")]
    [InlineData("下月3日下午3点", "2026-12-03 15:00")]
    [InlineData("本月30号", "2026-11-30 09:00")]
    [InlineData("下个月31号", "2026-12-31 09:00")]
    // times today
    [InlineData("下午3点", "2026-11-23 15:00")]
    [InlineData("3点", "2026-11-23 15:00")]
    [InlineData("11点半", "2026-11-23 11:30")]
    [InlineData("中午12点", "2026-11-23 12:00")]
    [InlineData("中午", "2026-11-23 12:00")]
    [InlineData("晚上8点", "2026-11-23 20:00")]
    [InlineData("晚上七点半", "2026-11-23 19:30")]
    [InlineData("傍晚6点", "2026-11-23 18:00")]
    [InlineData("14:30", "2026-11-23 14:30")]
    [InlineData("14：30", "2026-11-23 14:30")]
    [InlineData("２点半", "2026-11-23 14:30")]
    // English
    [InlineData("today 3pm", "2026-11-23 15:00")]
    [InlineData("tomorrow", "2026-11-24 09:00")]
    [InlineData("Tomorrow", "2026-11-24 09:00")]
    [InlineData("tomorrow 10am", "2026-11-24 10:00")]
    [InlineData("tomorrow at 10am", "2026-11-24 10:00")]
    [InlineData("tomorrow 10 am", "2026-11-24 10:00")]
    [InlineData("tomorrow 10:30am", "2026-11-24 10:30")]
    [InlineData("tomorrow 2:30pm", "2026-11-24 14:30")]
    [InlineData("tomorrow 2:30 p.m.", "2026-11-24 14:30")]
    [InlineData("tomorrow 14:30", "2026-11-24 14:30")]
    [InlineData("tomorrow at 3", "2026-11-24 15:00")]
    [InlineData("tomorrow noon", "2026-11-24 12:00")]
    [InlineData("tomorrow morning", "2026-11-24 09:00")]
    [InlineData("tomorrow afternoon", "2026-11-24 14:00")]
    [InlineData("tomorrow evening", "2026-11-24 20:00")]
    [InlineData("tomorrow night", "2026-11-24 20:00")]
    [InlineData("tomorrow 12pm", "2026-11-24 12:00")]
    [InlineData("10am tomorrow", "2026-11-24 10:00")]
    [InlineData("the day after tomorrow", "2026-11-25 09:00")]
    [InlineData("day after tomorrow 3pm", "2026-11-25 15:00")]
    [InlineData("next Monday", "2026-11-30 09:00")]
    [InlineData("next monday 2:30pm", "2026-11-30 14:30")]
    [InlineData("Monday", "2026-11-30 09:00")]
    [InlineData("Monday 3pm", "2026-11-23 15:00")]
    [InlineData("Tuesday", "2026-11-24 09:00")]
    [InlineData("on Friday", "2026-11-27 09:00")]
    [InlineData("Friday at 4pm", "2026-11-27 16:00")]
    [InlineData("this Friday", "2026-11-27 09:00")]
    [InlineData("next Sunday", "2026-12-06 09:00")]
    [InlineData("Sunday", "2026-11-29 09:00")]
    [InlineData("in 3 days", "2026-11-26 09:00")]
    [InlineData("in three days", "2026-11-26 09:00")]
    [InlineData("in 2 weeks", "2026-12-07 09:00")]
    [InlineData("in 2 hours", "2026-11-23 13:00")]
    [InlineData("in 30 minutes", "2026-11-23 11:30")]
    [InlineData("in 30 mins", "2026-11-23 11:30")]
    [InlineData("in an hour", "2026-11-23 12:00")]
    [InlineData("in half an hour", "2026-11-23 11:30")]
    [InlineData("in 1.5 hours", "2026-11-23 12:30")]
    [InlineData("in two hours", "2026-11-23 13:00")]
    [InlineData("2:30pm", "2026-11-23 14:30")]
    [InlineData("3pm", "2026-11-23 15:00")]
    [InlineData("3 PM", "2026-11-23 15:00")]
    [InlineData("at 3pm", "2026-11-23 15:00")]
    [InlineData("12pm", "2026-11-23 12:00")]
    [InlineData("noon", "2026-11-23 12:00")]
    [InlineData("tonight", "2026-11-23 20:00")]
    [InlineData("tonight 9pm", "2026-11-23 21:00")]
    [InlineData("tonight at 9", "2026-11-23 21:00")]
    [InlineData("this afternoon", "2026-11-23 14:00")]
    [InlineData("Dec 3", "2026-12-03 09:00")]
    [InlineData("December 3", "2026-12-03 09:00")]
    [InlineData("Dec 3rd", "2026-12-03 09:00")]
    [InlineData("3 Dec", "2026-12-03 09:00")]
    [InlineData("3rd December", "2026-12-03 09:00")]
    [InlineData("Dec 3 2:30pm", "2026-12-03 14:30")]
    [InlineData("Dec 3, 2026", "2026-12-03 09:00")]
    [InlineData("3 Dec 2026 14:00", "2026-12-03 14:00")]
    [InlineData("Jan 5", "2027-01-05 09:00")]
    // asked back: past, impossible, ambiguous
    [InlineData("今天", Ask)]
    [InlineData("今天上午9点", Ask)]
    [InlineData("9点", Ask)]
    [InlineData("10点", Ask)]
    [InlineData("11点", Ask)]
    [InlineData("上午9点", Ask)]
    [InlineData("11月23日", Ask)]
    [InlineData("11月20日", Ask)]
    [InlineData("昨天", Ask)]
    [InlineData("前天下午", Ask)]
    [InlineData("上午12点", Ask)]
    [InlineData("明天上午12点", Ask)]
    [InlineData("明天晚上12点", Ask)]
    [InlineData("明天下午12点", Ask)]
    [InlineData("明天上午15点", Ask)]
    [InlineData("明天凌晨", Ask)]
    [InlineData("2月30日", Ask)]
    [InlineData("13月1日", Ask)]
    [InlineData("2026-02-30", Ask)]
    [InlineData("2025-12-03", Ask)]
    [InlineData("12/32", Ask)]
    [InlineData("31号", Ask)]
    [InlineData("本月5号", Ask)]
    [InlineData("本月31号", Ask)]
    [InlineData("25点", Ask)]
    [InlineData("明天25点", Ask)]
    [InlineData("明天24点", Ask)]
    [InlineData("明天10点70分", Ask)]
    [InlineData("today", Ask)]
    [InlineData("this morning", Ask)]
    [InlineData("10am", Ask)]
    [InlineData("3am", Ask)]
    [InlineData("12am", Ask)]
    [InlineData("tomorrow 12am", Ask)]
    [InlineData("yesterday", Ask)]
    [InlineData("Feb 30", Ask)]
    [InlineData("25:00", Ask)]
    [InlineData("tomorrow morning 3pm", Ask)]
    public void A_phrase_reads_as_an_instant_in_Shanghai_or_asks_back(string phrase, string expected)
    {
        var result = ChatTimeParser.Parse(phrase, Now, Shanghai);

        if (expected == Ask)
        {
            Assert.Null(result.Instant);
            Assert.False(string.IsNullOrWhiteSpace(result.Question));
            Assert.True(result.Found, "a recognised but unusable phrase reports what it read");
        }
        else
        {
            Assert.True(result.IsResolved, result.Question);
            Assert.Equal(expected, Show(result.Instant!.Value, Shanghai));
            Assert.Equal(TimeSpan.FromHours(8), result.Instant.Value.Offset);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("随便")]
    [InlineData("尽快")]
    [InlineData("下周")]
    [InlineData("asap")]
    [InlineData("someday")]
    [InlineData("money")]
    [InlineData("13800138000")]
    public void Text_without_a_time_phrase_asks_back_with_examples(string phrase)
    {
        var result = ChatTimeParser.Parse(phrase, Now, Shanghai);

        Assert.False(result.Found);
        Assert.Null(result.Instant);
        Assert.Contains("明天上午10点", result.Question);
        Assert.Contains("tomorrow 10am", result.Question);
    }

    [Fact]
    public void A_time_already_passed_today_suggests_tomorrow_in_both_languages()
    {
        var result = ChatTimeParser.Parse("9点", Now, Shanghai);

        Assert.Contains("已经过去", result.Question);
        Assert.Contains("2026-11-24 09:00", result.Question);
        Assert.Contains("tomorrow", result.Question);
    }

    [Theory]
    [InlineData("明天上午10点 回访报价", 0, 7)]
    [InlineData("回访 下周一 14:30 签约", 3, 9)]
    [InlineData("send quote tomorrow 10am please", 11, 13)]
    public void The_result_says_which_characters_the_phrase_took(string text, int start, int length)
    {
        var result = ChatTimeParser.Parse(text, Now, Shanghai);

        Assert.True(result.IsResolved, result.Question);
        Assert.Equal((start, length), (result.Start, result.Length));
    }

    [Fact]
    public void Default_zone_is_Shanghai()
    {
        var result = ChatTimeParser.Parse("明天上午10点", Now);

        Assert.Equal(DateTimeOffset.Parse("2026-11-24T02:00:00Z", CultureInfo.InvariantCulture), result.Instant);
    }

    [Theory]
    // Saturday 7 March 2026, 10:00 EST; clocks go forward at 02:00 on Sunday 8 March.
    [InlineData("2026-03-07 10:00", "明天上午10点", "2026-03-08T10:00:00-04:00")]
    [InlineData("2026-03-07 10:00", "in 24 hours", "2026-03-08T11:00:00-04:00")]
    [InlineData("2026-03-07 10:00", "tomorrow 2:30am", "2026-03-08T03:30:00-04:00")]
    [InlineData("2026-03-07 10:00", "3天后", "2026-03-10T09:00:00-04:00")]
    // Saturday 31 October 2026, 10:00 EDT; clocks go back at 02:00 on Sunday 1 November.
    [InlineData("2026-10-31 10:00", "tomorrow 1:30am", "2026-11-01T01:30:00-04:00")]
    [InlineData("2026-10-31 10:00", "下周一", "2026-11-02T09:00:00-05:00")]
    public void Wall_clock_phrases_follow_daylight_saving_in_the_given_zone(string localNow, string phrase, string expected)
    {
        var local = DateTime.Parse(localNow, CultureInfo.InvariantCulture);
        var now = new DateTimeOffset(local, NewYork.GetUtcOffset(local));

        var result = ChatTimeParser.Parse(phrase, now, NewYork);

        Assert.True(result.IsResolved, result.Question);
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), result.Instant);
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture).Offset, result.Instant!.Value.Offset);
    }

    private static string Show(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}

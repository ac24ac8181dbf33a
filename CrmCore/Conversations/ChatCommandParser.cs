using System.Globalization;
using System.Text.RegularExpressions;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;
using static CrmChat.CrmCore.Conversations.ChatCommand;

namespace CrmChat.CrmCore.Conversations;

/// <summary>
/// Reads a chat message as a <see cref="ChatCommand"/>. Pure: the same text, clock and zone give
/// the same command. Resolving customer references against the database is the caller's job.
/// </summary>
/// <remarks>
/// Decisions:
/// <list type="bullet">
/// <item>Full-width punctuation, digits and spaces count as their ASCII forms; leading and
/// trailing @mentions are dropped; notes, names and titles keep what the rep typed.</item>
/// <item>The command word is optional where the rest is unambiguous: a name with a phone adds a
/// customer, a name with a time phrase schedules a follow-up, a lone phone finds a customer.</item>
/// <item>Where the customer ends is found from what follows it: the time phrase (跟进, 提醒, 推迟),
/// the amount (合同), the stage word (阶段), the first +/-/# tag (标签), the phone (新客户), or a
/// space. An unspaced Chinese name longer than four characters with no such marker asks back.</item>
/// <item>English notes need the name capitalised ("note Zhang San called …") or followed by a
/// colon ("note zhang san: called …"); otherwise they ask back.</item>
/// <item>推迟 N天 / snooze N days keeps the time of day N calendar days on; hours and minutes are
/// exact from now. A snooze without a duration asks back.</item>
/// </list>
/// </remarks>
public static partial class ChatCommandParser
{
    /// <summary>Reads the message against the system clock in Asia/Shanghai; the bot passes the team's zone.</summary>
    public static ChatCommand Parse(string text) => Parse(text, TimeProvider.System.GetUtcNow(), ChatTimeParser.DefaultZone);

    /// <summary>Reads the message at the clock's now, in the team's zone.</summary>
    public static ChatCommand Parse(string text, TimeProvider clock, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return Parse(text, clock.GetUtcNow(), zone);
    }

    public static ChatCommand Parse(string text, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var message = Message.From(text ?? "");
        return new Reader(message, now, zone).Read();
    }

    private sealed record Verb(string Word, ChatIntent Intent, bool RemindsSelf = false);

    // Longest first, so 新客户 wins over 客户 and "add customer" over "add".
    private static readonly Verb[] Verbs = new Verb[]
    {
        new("新客户", ChatIntent.AddCustomer), new("新增客户", ChatIntent.AddCustomer), new("添加客户", ChatIntent.AddCustomer),
        new("新建客户", ChatIntent.AddCustomer), new("加客户", ChatIntent.AddCustomer), new("客户", ChatIntent.AddCustomer),
        new("add customer", ChatIntent.AddCustomer), new("new customer", ChatIntent.AddCustomer), new("add", ChatIntent.AddCustomer),
        new("记录", ChatIntent.LogActivity), new("备注", ChatIntent.LogActivity), new("笔记", ChatIntent.LogActivity),
        new("note", ChatIntent.LogActivity), new("log", ChatIntent.LogActivity),
        new("跟进", ChatIntent.ScheduleFollowUp), new("提醒", ChatIntent.ScheduleFollowUp, RemindsSelf: true),
        new("followup", ChatIntent.ScheduleFollowUp), new("follow-up", ChatIntent.ScheduleFollowUp), new("follow up", ChatIntent.ScheduleFollowUp),
        new("remind", ChatIntent.ScheduleFollowUp, RemindsSelf: true),
        new("已完成", ChatIntent.CompleteFollowUp), new("完成", ChatIntent.CompleteFollowUp), new("搞定", ChatIntent.CompleteFollowUp),
        new("done", ChatIntent.CompleteFollowUp), new("complete", ChatIntent.CompleteFollowUp), new("finish", ChatIntent.CompleteFollowUp),
        new("推迟", ChatIntent.SnoozeFollowUp), new("延后", ChatIntent.SnoozeFollowUp), new("顺延", ChatIntent.SnoozeFollowUp),
        new("snooze", ChatIntent.SnoozeFollowUp), new("postpone", ChatIntent.SnoozeFollowUp),
        new("设置阶段", ChatIntent.SetStage), new("阶段", ChatIntent.SetStage), new("stage", ChatIntent.SetStage),
        new("打标签", ChatIntent.ChangeTags), new("标签", ChatIntent.ChangeTags), new("tags", ChatIntent.ChangeTags), new("tag", ChatIntent.ChangeTags),
        new("新合同", ChatIntent.CreateContract), new("合同", ChatIntent.CreateContract), new("contract", ChatIntent.CreateContract),
        new("查询", ChatIntent.FindCustomer), new("查找", ChatIntent.FindCustomer), new("搜索", ChatIntent.FindCustomer),
        new("查看", ChatIntent.FindCustomer), new("查", ChatIntent.FindCustomer), new("找", ChatIntent.FindCustomer),
        new("find", ChatIntent.FindCustomer), new("search", ChatIntent.FindCustomer), new("lookup", ChatIntent.FindCustomer),
        new("look up", ChatIntent.FindCustomer),
    }.OrderByDescending(v => v.Word.Length).ToArray();

    private static readonly Dictionary<string, ChatIntent> WholeMessages = new()
    {
        ["帮助"] = ChatIntent.Help, ["help"] = ChatIntent.Help, ["?"] = ChatIntent.Help, ["？"] = ChatIntent.Help,
        ["命令"] = ChatIntent.Help, ["菜单"] = ChatIntent.Help, ["menu"] = ChatIntent.Help, ["commands"] = ChatIntent.Help,
        ["/help"] = ChatIntent.Help, ["怎么用"] = ChatIntent.Help,
        ["你好"] = ChatIntent.Help, ["您好"] = ChatIntent.Help, ["hi"] = ChatIntent.Help, ["hello"] = ChatIntent.Help,
        ["我的客户"] = ChatIntent.ListMyCustomers, ["客户列表"] = ChatIntent.ListMyCustomers, ["my customers"] = ChatIntent.ListMyCustomers,
        ["今天跟进"] = ChatIntent.ListTodayFollowUps, ["今日跟进"] = ChatIntent.ListTodayFollowUps, ["今天的跟进"] = ChatIntent.ListTodayFollowUps,
        ["今天"] = ChatIntent.ListTodayFollowUps, ["today"] = ChatIntent.ListTodayFollowUps, ["today's follow-ups"] = ChatIntent.ListTodayFollowUps,
        ["逾期"] = ChatIntent.ListOverdueFollowUps, ["逾期跟进"] = ChatIntent.ListOverdueFollowUps, ["过期"] = ChatIntent.ListOverdueFollowUps,
        ["overdue"] = ChatIntent.ListOverdueFollowUps,
    };

    private static readonly (string Word, CustomerStage Stage)[] StageWords = new[]
    {
        ("线索", CustomerStage.Lead), ("lead", CustomerStage.Lead),
        ("已联系", CustomerStage.Contacted), ("联系", CustomerStage.Contacted), ("contacted", CustomerStage.Contacted),
        ("合格", CustomerStage.Qualified), ("qualified", CustomerStage.Qualified),
        ("方案", CustomerStage.Proposal), ("报价", CustomerStage.Proposal), ("proposal", CustomerStage.Proposal), ("quote", CustomerStage.Proposal),
        ("谈判", CustomerStage.Negotiation), ("negotiation", CustomerStage.Negotiation), ("negotiating", CustomerStage.Negotiation),
        ("成交", CustomerStage.Won), ("赢单", CustomerStage.Won), ("won", CustomerStage.Won), ("win", CustomerStage.Won),
        ("丢单", CustomerStage.Lost), ("输单", CustomerStage.Lost), ("lost", CustomerStage.Lost), ("lose", CustomerStage.Lost),
    }.OrderByDescending(s => s.Item1.Length).ToArray();

    private static readonly (string Word, string Code)[] CurrencyWords = new[]
    {
        ("人民币", "CNY"), ("cny", "CNY"), ("rmb", "CNY"), ("元", "CNY"), ("块", "CNY"), ("¥", "CNY"), ("￥", "CNY"),
        ("美元", "USD"), ("美金", "USD"), ("usd", "USD"), ("$", "USD"),
        ("欧元", "EUR"), ("eur", "EUR"), ("€", "EUR"),
        ("港币", "HKD"), ("港元", "HKD"), ("hkd", "HKD"),
    }.OrderByDescending(c => c.Item1.Length).ToArray();

    private static readonly string[] VisitWords = ["拜访", "上门", "见面", "面谈", "visit", "visited", "met", "meeting"];
    private static readonly string[] CallWords = ["打电话", "电话", "通话", "致电", "call", "called", "phoned", "rang"];

    [GeneratedRegex(@"\G(?<pre>[¥￥$€]|cny|rmb|usd|eur|hkd)?\s*(?<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?<mul>万|千|k(?![a-z])|w(?![a-z]))?(?![0-9])")]
    private static partial Regex AmountPattern();

    [GeneratedRegex(@"\G(?<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+|半)个?(?<half>半)?\s*(?<unit>小时|钟头|分钟|天|日|周|星期|礼拜|hours|hour|hrs|hr|h|minutes|minute|mins|min|m|days|day|d|weeks|week|w)(?![a-z])")]
    private static partial Regex DurationPattern();

    /// <summary>The message twice, index for index: as typed (with mentions blanked) and folded.</summary>
    private sealed record Message(string Original, string Folded)
    {
        public static Message From(string text)
        {
            var folded = ChatText.BlankMentions(ChatText.Fold(text));
            var original = text.ToCharArray();
            for (var i = 0; i < original.Length; i++)
            {
                if (folded[i] == ' ')
                {
                    original[i] = ' ';
                }
            }
            return new Message(new string(original), folded);
        }

        public string Cut(int start, int end) => ChatText.Squash(ChatText.Cut(Original, start, end));
    }

    private static readonly PhoneNumbers.PhoneNumberUtil PhoneUtil = PhoneNumbers.PhoneNumberUtil.GetInstance();

    private sealed class Reader(Message message, DateTimeOffset now, TimeZoneInfo zone)
    {
        private readonly string _f = message.Folded;
        private int _start;
        private int _end;

        public ChatCommand Read()
        {
            _start = 0;
            _end = _f.Length;
            while (_start < _end && _f[_start] == ' ')
            {
                _start++;
            }
            while (_end > _start && _f[_end - 1] == ' ')
            {
                _end--;
            }
            var body = _f[_start.._end];
            if (body.Length == 0)
            {
                return Unknown("", ChatIntent.Help);
            }
            if (WholeMessages.TryGetValue(body.TrimEnd('.', '!', '。'), out var whole))
            {
                return whole switch
                {
                    ChatIntent.Help => new ShowHelp(),
                    ChatIntent.ListMyCustomers => new ListMyCustomers(),
                    ChatIntent.ListTodayFollowUps => new ListTodayFollowUps(),
                    _ => new ListOverdueFollowUps(),
                };
            }
            foreach (var verb in Verbs)
            {
                if (!StartsWithVerb(verb.Word, out var argsStart, out var touching))
                {
                    continue;
                }
                return verb.Intent switch
                {
                    ChatIntent.AddCustomer => AddCustomer(argsStart, touching),
                    ChatIntent.LogActivity => LogActivity(argsStart),
                    ChatIntent.ScheduleFollowUp => ScheduleFollowUp(argsStart, verb.RemindsSelf, inferred: false),
                    ChatIntent.CompleteFollowUp => WholeReference(argsStart, ChatIntent.CompleteFollowUp, r => new CompleteFollowUp(r)),
                    ChatIntent.SnoozeFollowUp => Snooze(argsStart),
                    ChatIntent.SetStage => SetStage(argsStart),
                    ChatIntent.ChangeTags => ChangeTags(argsStart),
                    ChatIntent.CreateContract => CreateContract(argsStart),
                    _ => WholeReference(argsStart, ChatIntent.FindCustomer, r => new FindCustomer(r)),
                };
            }
            return Infer();
        }

        private bool StartsWithVerb(string word, out int argsStart, out bool touching)
        {
            argsStart = _start + word.Length;
            touching = false;
            if (argsStart > _end || string.CompareOrdinal(_f, _start, word, 0, word.Length) != 0)
            {
                return false;
            }
            if (argsStart == _end)
            {
                return true;
            }
            var next = _f[argsStart];
            if (ChatText.IsLatinLetter(word[^1]))
            {
                // English verbs are whole words: "add" is not "address", "note" is not "notes".
                return !ChatText.IsWordChar(next) && next != '-';
            }
            touching = ChatText.IsCjk(next);
            return true;
        }

        // 张三 13800138000 (add), 张三 明天10点 回访 (follow-up), 13800138000 (find)
        private ChatCommand Infer()
        {
            if (TryReadPhone(_start, out var phoneEnd, out _) && SkipSeparators(phoneEnd) == _end)
            {
                return new FindCustomer(MakeRef(message.Cut(_start, phoneEnd)));
            }
            var phones = FindPhones(_start, _end);
            var time = FindTime(_start, _end, strictAtStart: true);
            if (phones.Count > 0 && !time.Found)
            {
                return AddCustomer(_start, touching: false);
            }
            if (time.Found)
            {
                var reference = message.Cut(_start, time.Start);
                if (reference.Length == 0 || LooksLikeName(reference))
                {
                    return ScheduleFollowUp(_start, remindsSelf: true, inferred: true);
                }
            }
            return Unknown(message.Cut(_start, _end), Closest(_f[_start.._end]));
        }

        private ChatCommand AddCustomer(int start, bool touching)
        {
            var masked = _f.ToCharArray();
            var tags = new List<string>();
            for (var i = start; i < _end; i++)
            {
                if (_f[i] == '#')
                {
                    var tagEnd = i + 1;
                    while (tagEnd < _end && !ChatText.IsSeparator(_f[tagEnd]) && _f[tagEnd] != '#')
                    {
                        tagEnd++;
                    }
                    var tag = message.Cut(i + 1, tagEnd);
                    if (tag.Length > 0 && !tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
                    {
                        tags.Add(tag);
                    }
                    Array.Fill(masked, ' ', i, tagEnd - i);
                    i = tagEnd - 1;
                }
            }
            var phoneSpans = FindPhones(start, _end, masked);
            foreach (var (s, e, _) in phoneSpans)
            {
                Array.Fill(masked, ' ', s, e - s);
            }
            var phones = phoneSpans.Select(p => p.E164).Distinct().ToList();

            var maskedText = new string(masked);
            List<(int Start, int End)> before, after;
            if (phoneSpans.Count > 0)
            {
                before = Tokens(maskedText, start, phoneSpans[0].Start);
                after = Tokens(maskedText, phoneSpans[0].End, _end);
            }
            else
            {
                before = Tokens(maskedText, start, _end);
                after = [];
            }
            if (before.Count == 0)
            {
                (before, after) = (after, []);
            }
            if (before.Count == 0)
            {
                return Ask(ChatIntent.AddCustomer, "新客户叫什么名字？", "What is the new customer's name?");
            }

            string name;
            List<(int Start, int End)> companyTokens;
            var firstIsCjk = ChatText.IsCjk(_f[before[0].Start]);
            var comma = _f.IndexOf(',', before[0].Start, before[^1].End - before[0].Start);
            if (firstIsCjk)
            {
                name = message.Cut(before[0].Start, before[0].End);
                companyTokens = [.. before.Skip(1), .. after];
                if (touching && name.Length > 4 && phoneSpans.Count == 0)
                {
                    return Ask(ChatIntent.AddCustomer, $"「{name}」里哪部分是姓名？请在姓名后加空格。", $"Which part of '{name}' is the name? Put a space after the name.");
                }
            }
            else if (comma > 0)
            {
                name = message.Cut(before[0].Start, comma);
                companyTokens = [.. before.Where(t => t.Start > comma), .. after];
            }
            else
            {
                // English: the words before the phone are the name, the words after it the company.
                name = message.Cut(before[0].Start, before[^1].End);
                companyTokens = after;
            }
            var company = companyTokens.Count == 0 ? null : string.Join(" ", companyTokens.Select(t => message.Cut(t.Start, t.End)).Where(t => t.Length > 0));
            return new AddCustomer(name, phones, string.IsNullOrEmpty(company) ? null : company, tags);
        }

        private ChatCommand LogActivity(int start)
        {
            start = SkipSeparators(start);
            if (start >= _end)
            {
                return Ask(ChatIntent.LogActivity, "记录哪位客户、什么内容？", "Which customer, and what happened?");
            }
            int refEnd;
            if (TryReadPhone(start, out var phoneEnd, out _))
            {
                refEnd = phoneEnd;
            }
            else if (ChatText.IsCjk(_f[start]))
            {
                refEnd = start;
                while (refEnd < _end && ChatText.IsCjk(_f[refEnd]))
                {
                    refEnd++;
                }
                if (refEnd - start > 4 && (refEnd == _end || !ChatText.IsSeparator(_f[refEnd]) || !IsSpaced(start)))
                {
                    // 记录张三电话沟通: the name ends where the kind of contact begins.
                    var marker = FirstIndexOfAny(start + 2, Math.Min(refEnd, start + 5), VisitWords.Concat(CallWords).Concat(["沟通", "聊", "约"]));
                    if (marker < 0)
                    {
                        var written = message.Cut(start, refEnd);
                        return Ask(ChatIntent.LogActivity, $"「{written}」里哪部分是客户？请在客户名后加空格。", $"Which part of '{written}' is the customer? Put a space after the name.");
                    }
                    refEnd = marker;
                }
            }
            else
            {
                var colon = _f.IndexOf(':', start, _end - start);
                refEnd = colon > start && WordCount(start, colon) <= 5 ? colon : CapitalisedRunEnd(start);
                if (refEnd <= start)
                {
                    return Ask(ChatIntent.LogActivity, "请在客户名后加冒号。", "Which words are the customer? Capitalise the name or put a colon after it.");
                }
            }
            var text = message.Cut(refEnd, _end);
            if (text.Length == 0)
            {
                return Ask(ChatIntent.LogActivity, "要记录什么内容？", "What should the note say?");
            }
            var textFolded = ChatText.Fold(text);
            var visit = FirstWordIndex(textFolded, VisitWords);
            var call = FirstWordIndex(textFolded, CallWords);
            var kind = visit >= 0 && (call < 0 || visit < call) ? ActivityKind.Visit : call >= 0 ? ActivityKind.Call : ActivityKind.Note;
            return new LogActivity(MakeRef(message.Cut(start, refEnd)), kind, text);
        }

        private ChatCommand ScheduleFollowUp(int start, bool remindsSelf, bool inferred)
        {
            start = SkipSeparators(start);
            var self = false;
            if (remindsSelf && !inferred)
            {
                if (start < _end && _f[start] == '我')
                {
                    self = true;
                    start = SkipSeparators(start + 1);
                }
                else if (StartsWithWord(start, "me"))
                {
                    self = true;
                    start = SkipSeparators(start + 2);
                }
            }
            var refEnd = start;
            if (TryReadPhone(start, out var phoneEnd, out _))
            {
                refEnd = phoneEnd;
            }
            var time = FindTime(refEnd, _end, strictAtStart: !self && refEnd == start);
            if (!time.Found)
            {
                return Ask(ChatIntent.ScheduleFollowUp, "什么时候跟进？", "When should it be?");
            }
            var reference = message.Cut(start, time.Start);
            if (reference.Length == 0 && !self && !remindsSelf)
            {
                return Ask(ChatIntent.ScheduleFollowUp, "跟进哪位客户？", "Which customer?");
            }
            if (!time.IsResolved)
            {
                return new NeedsClarification(ChatIntent.ScheduleFollowUp, time.Question!);
            }
            var note = message.Cut(time.End, _end);
            if (note.StartsWith("to ", StringComparison.OrdinalIgnoreCase))
            {
                note = note[3..].TrimStart();
            }
            var phrase = message.Original.Substring(time.Start, time.Length);
            return new ScheduleFollowUp(reference.Length == 0 ? null : MakeRef(reference), time.Instant!.Value, phrase, note);
        }

        private ChatCommand Snooze(int start)
        {
            start = SkipSeparators(start);
            var searchFrom = TryReadPhone(start, out var phoneEnd, out _) ? phoneEnd : start + 1;
            for (var i = searchFrom; i < _end; i++)
            {
                if (!ChatTimeParser.CanStartAt(_f, i))
                {
                    continue;
                }
                var m = DurationPattern().Match(_f, i);
                if (m.Success && m.Index == i && m.Index + m.Length <= _end)
                {
                    var reference = message.Cut(start, i);
                    if (reference.Length == 0)
                    {
                        break;
                    }
                    var until = AddDuration(m);
                    if (until is null)
                    {
                        continue;
                    }
                    var phrase = message.Cut(i, _end);
                    return new SnoozeFollowUp(MakeRef(reference), until.Value, phrase);
                }
                var untilWordEnd = EatAny(i, "到", "至", "until ", "till ", "to ");
                var time = FindTimeAt(untilWordEnd >= 0 ? SkipSeparators(untilWordEnd) : i);
                if (time.Found)
                {
                    var reference = message.Cut(start, i);
                    if (reference.Length == 0)
                    {
                        break;
                    }
                    return time.IsResolved
                        ? new SnoozeFollowUp(MakeRef(reference), time.Instant!.Value, message.Original.Substring(time.Start, time.Length))
                        : new NeedsClarification(ChatIntent.SnoozeFollowUp, time.Question!);
                }
            }
            return Ask(ChatIntent.SnoozeFollowUp, "推迟哪位客户、推迟多久？", "Which customer, and for how long?");
        }

        private DateTimeOffset? AddDuration(Match m)
        {
            var numberText = m.Groups["num"].Value;
            double n;
            if (numberText == "半")
            {
                n = 0.5;
            }
            else if (char.IsAsciiDigit(numberText[0]))
            {
                n = double.Parse(numberText, CultureInfo.InvariantCulture);
            }
            else if (ChineseNumber.Read(numberText, 0, out var chinese) == numberText.Length)
            {
                n = chinese;
            }
            else
            {
                return null;
            }
            if (m.Groups["half"].Success)
            {
                n += 0.5;
            }
            if (n <= 0 || n > ChatTimeParser.FurthestAhead.TotalDays)
            {
                return null;
            }
            var unit = m.Groups["unit"].Value;
            if (unit is "小时" or "钟头" or "hours" or "hour" or "hrs" or "hr" or "h")
            {
                return TimeZoneInfo.ConvertTime(now + TimeSpan.FromHours(n), zone);
            }
            if (unit is "分钟" or "minutes" or "minute" or "mins" or "min" or "m")
            {
                return TimeZoneInfo.ConvertTime(now + TimeSpan.FromMinutes(n), zone);
            }
            var days = unit is "周" or "星期" or "礼拜" or "weeks" or "week" or "w" ? n * 7 : n;
            if (days != Math.Floor(days))
            {
                return TimeZoneInfo.ConvertTime(now + TimeSpan.FromDays(days), zone);
            }
            // Whole days keep the wall-clock time, across daylight-saving changes too.
            var local = TimeZoneInfo.ConvertTime(now, zone);
            return ChatTimeParser.ToInstant(DateOnly.FromDateTime(local.DateTime).AddDays((int)days), local.TimeOfDay, zone);
        }

        private ChatCommand SetStage(int start)
        {
            start = SkipSeparators(start);
            var end = _end;
            while (end > start && ChatText.IsSeparator(_f[end - 1]))
            {
                end--;
            }
            foreach (var (word, stage) in StageWords)
            {
                var at = end - word.Length;
                if (at <= start || string.CompareOrdinal(_f, at, word, 0, word.Length) != 0)
                {
                    continue;
                }
                if (ChatText.IsLatinLetter(word[0]) && ChatText.IsWordChar(_f[at - 1]))
                {
                    continue;
                }
                var reference = message.Cut(start, at);
                if (reference.Length > 0)
                {
                    return new SetStage(MakeRef(reference), stage);
                }
            }
            return Ask(ChatIntent.SetStage,
                "设成哪个阶段？可选：线索、已联系、合格、方案、谈判、成交、丢单。",
                "Which stage? One of: lead, contacted, qualified, proposal, negotiation, won, lost.");
        }

        private ChatCommand ChangeTags(int start)
        {
            start = SkipSeparators(start);
            var refEnd = -1;
            for (var i = start + 1; i < _end; i++)
            {
                if (IsTagMarker(i))
                {
                    refEnd = i;
                    break;
                }
            }
            if (refEnd < 0)
            {
                // 标签 张三 重要: words after the name are tags to add.
                var tokens = Tokens(_f, start, _end);
                if (tokens.Count < 2)
                {
                    return Ask(ChatIntent.ChangeTags, "加哪些标签、去掉哪些？用 + 加、- 去掉。", "Which tags? Use + to add and - to remove.");
                }
                refEnd = tokens[1].Start;
            }
            var reference = message.Cut(start, refEnd);
            var add = new List<string>();
            var remove = new List<string>();
            var i2 = refEnd;
            while (i2 < _end)
            {
                if (_f[i2] == ' ' || _f[i2] == ',' || _f[i2] == '、')
                {
                    i2++;
                    continue;
                }
                var removing = false;
                if (IsTagMarker(i2))
                {
                    removing = _f[i2] == '-';
                    i2++;
                }
                var tagStart = i2;
                while (i2 < _end && _f[i2] is not (' ' or ',' or '、') && !IsTagMarker(i2))
                {
                    i2++;
                }
                var tag = message.Cut(tagStart, i2);
                if (tag.Length > 0)
                {
                    (removing ? remove : add).Add(tag);
                }
            }
            if (reference.Length == 0 || add.Count + remove.Count == 0)
            {
                return Ask(ChatIntent.ChangeTags, "给哪位客户加减哪些标签？", "Which customer and which tags?");
            }
            return new ChangeTags(MakeRef(reference), add, remove);
        }

        // + and - start a tag after a space or a Chinese character, never inside a phone (138-0013).
        private bool IsTagMarker(int i)
        {
            var c = _f[i];
            if (c is not ('+' or '-' or '#') || i + 1 >= _end)
            {
                return false;
            }
            var next = _f[i + 1];
            var before = i == 0 ? ' ' : _f[i - 1];
            return next != ' ' && (c == '#' || !char.IsAsciiDigit(next)) && (before == ' ' || ChatText.IsCjk(before) || before is ',' or '、');
        }

        private ChatCommand CreateContract(int start)
        {
            start = SkipSeparators(start);
            var searchFrom = TryReadPhone(start, out var phoneEnd, out _) ? phoneEnd : start + 1;
            // The amount is the first number standing on its own ("张三2号店 50000" is not 2 yuan),
            // else the first number at all ("合同张三50000年度服务").
            (int At, decimal Amount, string Currency, int End)? glued = null;
            for (var i = searchFrom; i < _end; i++)
            {
                if (!ChatTimeParser.CanStartAt(_f, i) && _f[i] is not ('¥' or '￥' or '$' or '€'))
                {
                    continue;
                }
                if (!TryReadAmount(i, out var amount, out var currency, out var amountEnd))
                {
                    continue;
                }
                if (amountEnd < _end && !ChatText.IsSeparator(_f[amountEnd]))
                {
                    glued ??= (i, amount, currency, amountEnd);
                    continue;
                }
                return Contract(start, (i, amount, currency, amountEnd));
            }
            return glued is { } first ? Contract(start, first) : Ask(ChatIntent.CreateContract, "哪位客户、合同金额多少？", "Which customer, and what amount?");
        }

        private ChatCommand Contract(int start, (int At, decimal Amount, string Currency, int End) found)
        {
            var reference = message.Cut(start, found.At);
            if (reference.Length == 0)
            {
                return Ask(ChatIntent.CreateContract, "哪位客户、合同金额多少？", "Which customer, and what amount?");
            }
            if (found.Amount <= 0)
            {
                return Ask(ChatIntent.CreateContract, "合同金额要大于0。", "The amount must be more than 0.");
            }
            return new CreateContract(MakeRef(reference), found.Amount, found.Currency, message.Cut(found.End, _end));
        }

        private bool TryReadAmount(int i, out decimal amount, out string currency, out int end)
        {
            amount = 0;
            currency = "CNY";
            end = i;
            string? prefixCurrency = null;
            decimal value;
            var m = AmountPattern().Match(_f, i);
            if (m.Success && m.Index == i && m.Index + m.Length <= _end)
            {
                if (!decimal.TryParse(m.Groups["num"].Value.Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out value)
                    || value > 1_000_000_000_000m)
                {
                    return false;
                }
                value *= m.Groups["mul"].Value switch { "万" or "w" => 10_000m, "千" or "k" => 1_000m, _ => 1m };
                if (m.Groups["pre"].Success)
                {
                    prefixCurrency = CurrencyWords.First(c => c.Word == m.Groups["pre"].Value).Code;
                }
                var last = m.Groups["mul"].Success ? m.Groups["mul"] : m.Groups["num"];
                end = last.Index + last.Length;
            }
            else
            {
                // 五万 / 三千元: Chinese numerals count only with a unit, so names are not amounts.
                var length = ChineseNumber.Read(_f, i, out var chinese);
                if (length == 0 || chinese == 0)
                {
                    return false;
                }
                end = i + length;
                var multiplier = 1m;
                if (end < _end && _f[end] == '万')
                {
                    multiplier = 10_000m;
                    end++;
                }
                value = chinese * multiplier;
                if (multiplier == 1m && !(end < _end && (_f[end] is '元' or '块' || _f[end] == '万')) && !_f.AsSpan(i, length).ContainsAny('万', '千'))
                {
                    return false;
                }
            }
            var afterNumber = end;
            var at = SkipSpaces(end);
            var suffix = CurrencyWords.FirstOrDefault(c => string.CompareOrdinal(_f, at, c.Word, 0, c.Word.Length) == 0
                && (!ChatText.IsLatinLetter(c.Word[0]) || at + c.Word.Length >= _end || !ChatText.IsWordChar(_f[at + c.Word.Length])));
            if (suffix.Word is not null)
            {
                currency = suffix.Code;
                end = at + suffix.Word.Length;
            }
            else
            {
                end = afterNumber;
                currency = prefixCurrency ?? "CNY";
            }
            amount = value;
            return true;
        }

        private ChatCommand WholeReference(int start, ChatIntent intent, Func<CustomerRef, ChatCommand> build)
        {
            var reference = message.Cut(start, _end);
            if (reference.Length == 0)
            {
                return intent == ChatIntent.CompleteFollowUp
                    ? Ask(intent, "完成哪位客户的跟进？", "Which customer's follow-up is done?")
                    : Ask(intent, "查哪位客户？可以写姓名、公司、电话或开头几个字。", "Which customer? A name, company, phone or the first letters.");
            }
            return build(MakeRef(reference));
        }

        /// <summary>
        /// The first time phrase in [from, to). Where a customer name could come first, a two-character
        /// phrase right at the start must end on a separator, so the name 周一鸣 is not read as 周一
        /// ("跟进 周一鸣 明天10点"), while 提醒 明天10点开会 still finds 明天10点.
        /// </summary>
        private ChatTimeResult FindTime(int from, int to, bool strictAtStart)
        {
            var begin = SkipSeparators(from);
            for (var i = begin; i < to; i++)
            {
                if (!ChatTimeParser.TryMatchAt(_f, i, out var spec, out var end) || end > to)
                {
                    continue;
                }
                if (strictAtStart && i == begin && end - i <= 2 && end < to && !ChatText.IsSeparator(_f[end]))
                {
                    continue;
                }
                return ChatTimeParser.Resolve(spec, message.Original[i..end], i, end - i, now, zone);
            }
            return new ChatTimeResult();
        }

        private ChatTimeResult FindTimeAt(int i)
        {
            if (i < _end && ChatTimeParser.TryMatchAt(_f, i, out var spec, out var end) && end <= _end)
            {
                return ChatTimeParser.Resolve(spec, message.Original[i..end], i, end - i, now, zone);
            }
            return new ChatTimeResult();
        }

        private List<(int Start, int End, string E164)> FindPhones(int from, int to, char[]? masked = null)
        {
            var text = masked is null ? _f : new string(masked);
            var found = new List<(int, int, string)>();
            for (var i = from; i < to; i++)
            {
                if (!ChatTimeParser.CanStartAt(text, i) && text[i] != '+')
                {
                    continue;
                }
                if (TryReadPhone(i, out var end, out var e164, text) && end <= to)
                {
                    found.Add((i, end, e164));
                    i = end - 1;
                }
            }
            return found;
        }

        /// <summary>The longest valid phone number starting at i ("+86 138 0013 8000", "138-0013-8001").</summary>
        private bool TryReadPhone(int i, out int end, out string e164, string? text = null)
        {
            text ??= _f;
            end = i;
            e164 = "";
            if (i >= _end || !(char.IsAsciiDigit(text[i]) || (text[i] == '+' && i + 1 < _end && char.IsAsciiDigit(text[i + 1]))))
            {
                return false;
            }
            if (i > 0 && ChatText.IsWordChar(text[i - 1]))
            {
                return false;
            }
            var runEnd = i + 1;
            while (runEnd < _end && (char.IsAsciiDigit(text[runEnd]) || text[runEnd] is ' ' or '-' or '(' or ')'))
            {
                runEnd++;
            }
            string? fallback = null;
            var fallbackEnd = i;
            for (var candidateEnd = runEnd; candidateEnd > i; candidateEnd--)
            {
                if (!char.IsAsciiDigit(text[candidateEnd - 1]) || (candidateEnd < _end && char.IsAsciiDigit(text[candidateEnd])))
                {
                    continue;
                }
                var candidate = text[i..candidateEnd];
                if (candidate.Count(char.IsAsciiDigit) < 7)
                {
                    break;
                }
                // Valid, not merely possible: "13800138000 50000" must stop before the amount.
                if (TryParsePhone(candidate, out var parsed) && PhoneUtil.IsValidNumber(parsed))
                {
                    end = candidateEnd;
                    e164 = PhoneUtil.Format(parsed, PhoneNumbers.PhoneNumberFormat.E164);
                    return true;
                }
                if (fallback is null && !candidate.Contains(' ', StringComparison.Ordinal) && Phones.PhoneNumber.Normalize(candidate) is { } possible)
                {
                    fallback = possible;
                    fallbackEnd = candidateEnd;
                }
            }
            if (fallback is not null)
            {
                end = fallbackEnd;
                e164 = fallback;
                return true;
            }
            return false;
        }

        private static bool TryParsePhone(string text, out PhoneNumbers.PhoneNumber parsed)
        {
            try
            {
                parsed = PhoneUtil.Parse(text, Phones.PhoneNumber.DefaultRegion);
                return true;
            }
            catch (PhoneNumbers.NumberParseException)
            {
                parsed = null!;
                return false;
            }
        }

        private static CustomerRef MakeRef(string text)
        {
            var looksLikePhone = text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' || (c >= '\uFF10' && c <= '\uFF19') || c is '\uFF0B' or '\uFF0D')
                && text.Count(c => char.IsAsciiDigit(c) || c is >= '\uFF10' and <= '\uFF19') >= 7;
            return new CustomerRef(text, looksLikePhone ? Phones.PhoneNumber.Normalize(ChatText.Fold(text)) : null);
        }

        private static bool LooksLikeName(string reference)
        {
            if (ChatText.HasCjk(reference))
            {
                return !reference.Contains(' ', StringComparison.Ordinal) && reference.Length <= 12;
            }
            var words = reference.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return words.Length <= 4 && words.All(w => char.IsUpper(w[0]) || char.IsAsciiDigit(w[0]) || w[0] == '+');
        }

        private bool IsSpaced(int argsStart) => argsStart > 0 && _f[argsStart - 1] == ' ';

        private int CapitalisedRunEnd(int start)
        {
            var tokens = Tokens(_f, start, _end);
            var end = start;
            foreach (var (s, e) in tokens)
            {
                if (!char.IsUpper(message.Original[s]))
                {
                    return end;
                }
                end = e;
                if (_f[e - 1] == ',' || (e < _end && _f[e] == ','))
                {
                    return end;
                }
            }
            return end; // every word capitalised: all of it is the customer, and the note is missing
        }

        private int WordCount(int start, int end) => Tokens(_f, start, end).Count;

        private int FirstIndexOfAny(int from, int to, IEnumerable<string> words)
        {
            for (var i = from; i < to; i++)
            {
                foreach (var w in words)
                {
                    if (string.CompareOrdinal(_f, i, w, 0, w.Length) == 0)
                    {
                        return i;
                    }
                }
            }
            return -1;
        }

        private static int FirstWordIndex(string folded, string[] words)
        {
            var best = -1;
            foreach (var w in words)
            {
                var at = 0;
                while ((at = folded.IndexOf(w, at, StringComparison.Ordinal)) >= 0)
                {
                    var latin = ChatText.IsLatinLetter(w[0]);
                    var startsWord = !latin || at == 0 || !ChatText.IsWordChar(folded[at - 1]);
                    var endsWord = !latin || at + w.Length == folded.Length || !ChatText.IsWordChar(folded[at + w.Length]);
                    if (startsWord && endsWord)
                    {
                        best = best < 0 ? at : Math.Min(best, at);
                        break;
                    }
                    at++;
                }
            }
            return best;
        }

        private bool StartsWithWord(int i, string word) =>
            i + word.Length <= _end && string.CompareOrdinal(_f, i, word, 0, word.Length) == 0
            && (i + word.Length == _end || !ChatText.IsWordChar(_f[i + word.Length]));

        private int EatAny(int i, params string[] words)
        {
            foreach (var w in words)
            {
                if (i + w.Length <= _end && string.CompareOrdinal(_f, i, w, 0, w.Length) == 0)
                {
                    return i + w.Length;
                }
            }
            return -1;
        }

        private int SkipSeparators(int i)
        {
            while (i < _end && ChatText.IsSeparator(_f[i]))
            {
                i++;
            }
            return i;
        }

        private int SkipSpaces(int i)
        {
            while (i < _end && _f[i] == ' ')
            {
                i++;
            }
            return i;
        }

        private static List<(int Start, int End)> Tokens(string text, int from, int to)
        {
            var tokens = new List<(int, int)>();
            var i = from;
            while (i < to)
            {
                while (i < to && text[i] is ' ' or ',' or '、' or ';')
                {
                    i++;
                }
                var s = i;
                while (i < to && text[i] is not (' ' or ',' or '、' or ';'))
                {
                    i++;
                }
                if (i > s)
                {
                    tokens.Add((s, i));
                }
            }
            return tokens;
        }

        private static NeedsClarification Ask(ChatIntent intent, string chinese, string english)
        {
            var example = ChatCommandExamples.For(intent);
            return new NeedsClarification(intent, $"{chinese}例如：{example.ChineseExample} / {english} e.g. '{example.EnglishExample}'");
        }

        private Unknown Unknown(string written, ChatIntent closest)
        {
            var example = ChatCommandExamples.For(closest);
            var reply = closest == ChatIntent.Help
                ? $"没听懂「{written}」。发送 帮助 查看全部命令 / I didn't understand '{written}'. Send 'help' to see all commands."
                : $"没听懂「{written}」，是想用「{example.ChineseCommand}」吗？例如：{example.ChineseExample}。发送 帮助 查看全部命令 / I didn't understand '{written}'. Did you mean '{example.EnglishCommand}'? e.g. '{example.EnglishExample}'. Send 'help' for all commands.";
            return new Unknown(written, closest, reply);
        }
    }

    /// <summary>The command whose word is nearest the message's first word (跟近 → 跟进, folowup → followup).</summary>
    private static ChatIntent Closest(string body)
    {
        var first = body.Split(' ', 2)[0];
        var best = ChatIntent.Help;
        var bestDistance = int.MaxValue;
        foreach (var verb in Verbs.Concat(WholeMessages.Select(w => new Verb(w.Key, w.Value))))
        {
            var word = verb.Word.Split(' ')[0];
            if (word.Length < 2)
            {
                continue;
            }
            var candidate = ChatText.IsCjk(word[0]) ? first[..Math.Min(first.Length, word.Length)] : first;
            var distance = Levenshtein(candidate, word);
            var allowed = ChatText.IsCjk(word[0]) ? (word.Length >= 2 ? 1 : 0) : word.Length >= 6 ? 2 : 1;
            if (distance <= allowed && distance < bestDistance)
            {
                best = verb.Intent;
                bestDistance = distance;
            }
        }
        if (best == ChatIntent.Help && ChatText.HasCjk(first) && first.Length is >= 2 and <= 4 && first.All(ChatText.IsCjk))
        {
            return ChatIntent.FindCustomer; // a bare name: suggest 查 张三
        }
        return best;
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

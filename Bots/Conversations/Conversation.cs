using CrmChat.CrmCore;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Conversations;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Tags;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrmChat.Bots.Conversations;

/// <summary>Where the bot's answers to one inbound event go, and under which outbox keys.</summary>
internal sealed class ReplyTarget(Platform platform, string userId, string eventKey, ChatAddress? replyAddress, string? clickUpdateToken)
{
    private int _sent;
    private string? _updateToken = clickUpdateToken;

    public Platform Platform => platform;
    public string UserId => userId;

    /// <summary>
    /// The answer to a click replaces the clicked card where the platform allows (WeCom, once per
    /// click, so it cannot be clicked again); any other answer is a new message in the
    /// conversation the rep wrote in (DingTalk: the session webhook while valid).
    /// </summary>
    public ChatDelivery Answer(AdaptiveCard card)
    {
        if (_updateToken is { Length: > 0 } token)
        {
            _updateToken = null;
            return new(ChatAddress.CardUpdate(platform, userId), card, ChatCardId.New(platform, "u")) { LinkUserId = userId, UpdateToken = token };
        }
        return new(replyAddress ?? ChatAddress.Member(platform, userId), card, ChatCardId.New(platform, "r")) { LinkUserId = userId };
    }

    /// <summary>One key per answer to this event: a retried event enqueues nothing twice.</summary>
    public string NextKey() => $"chat:{eventKey}:{_sent++}";
}

/// <summary>
/// Runs what a rep types or clicks against the CRM, inside the inbox transaction: permission
/// checks, the change with its Activity and AuditEntry, and the answer card into the outbox.
/// </summary>
internal sealed partial class Conversation(
    CrmDbContext db,
    TimeProvider clock,
    CustomerFinder finder,
    ContractApprovals approvals,
    IOptions<CrmOptions> crm,
    ILogger<Conversation> logger)
{
    private const int PickListSize = 5;
    private const int ListSize = 10;

    public async Task OnMessageAsync(ChatMessageReceived message, InboxEvent source, CancellationToken ct)
    {
        var reply = new ReplyTarget(message.Platform, message.SenderUserId, source.DedupeKey,
            message.ReplyAddress is { Length: > 0 } hook && message.ReplyAddressExpiresAt is { } until
                ? ChatAddress.Reply(message.Platform, hook, until, message.SenderUserId)
                : null,
            null);
        var actor = await ActorAsync(message.Platform, message.SenderUserId, ct);
        if (actor.Status == EmployeeStatus.Left)
        {
            Send(reply, ReplyCards.Message("账号已停用 Account disabled", "你已离职，不能再修改客户。You have left the company; CrmChat no longer takes your changes."));
            return;
        }
        var now = MessageTime(message.At);
        var zone = crm.Value.ZoneFor(actor.Team?.TimeZone);
        var text = StripMention(message.Text);
        var command = ChatCommandParser.Parse(text, now, zone);
        LogCommand(message.Platform, actor.Id, command.GetType().Name);
        // Right after a reject without a reason, plain text is that reason.
        if (command is ChatCommand.Unknown && await approvals.AttachReasonAsync(actor, text, ct) is { } reason)
        {
            Send(reply, reason.Card);
            return;
        }
        await RunAsync(command, new Context(actor, reply, now, zone, source.Id, null), ct);
    }

    public async Task OnCardActionAsync(CardActionReceived action, IReadOnlyDictionary<string, string>? data, InboxEvent source, CancellationToken ct)
    {
        var reply = new ReplyTarget(action.Platform, action.UserId, source.DedupeKey, null, action.UpdateToken);
        var actor = await ActorAsync(action.Platform, action.UserId, ct);
        var now = clock.GetUtcNow();
        var zone = crm.Value.ZoneFor(actor.Team?.TimeZone);
        if (actor.Status == EmployeeStatus.Left)
        {
            Send(reply, ReplyCards.Message("账号已停用 Account disabled", "你已离职，不能再修改客户。You have left the company; CrmChat no longer takes your changes."));
            return;
        }
        var verb = data is not null && data.TryGetValue(SubmitAction.VerbKey, out var v) ? v : "";
        LogCard(action.Platform, actor.Id, verb);
        // A card acts once: after one of its buttons changed something, every later click is told so.
        if (await db.AuditEntries.AnyAsync(a => a.EntityType == CardEntity && a.EntityId == action.CardId, ct))
        {
            Send(reply, ReplyCards.Message("已经处理过 Already done", "这张卡片已经用过了，没有重复操作。This card was already used; nothing was changed."));
            return;
        }
        var cx = new Context(actor, reply, now, zone, source.Id, null) { CardId = action.CardId };
        switch (verb)
        {
            case CardVerbs.FollowUpDone when TryId(data!, CardVerbs.Id, out var id):
                await CompleteAsync(id, cx, ct);
                break;
            case CardVerbs.FollowUpSnooze when TryId(data!, CardVerbs.Id, out var id)
                && int.TryParse(data![CardVerbs.Minutes], out var minutes) && minutes is > 0 and <= 60 * 24 * 30:
                await SnoozeAsync(id, now + TimeSpan.FromMinutes(minutes), cx, ct);
                break;
            case CardVerbs.Pick when TryId(data!, CardVerbs.Customer, out var customerId) && TryId(data!, CardVerbs.Event, out var eventId):
                await PickAsync(customerId, eventId, cx with { PickedCustomerId = customerId }, ct);
                break;
            case ApprovalVerbs.Approve or ApprovalVerbs.Reject when TryId(data!, ApprovalVerbs.Id, out var requestId):
                var outcome = verb == ApprovalVerbs.Approve ? DecisionOutcome.Approved : DecisionOutcome.Rejected;
                var decided = await approvals.DecideAsync(requestId, actor, outcome, data!.GetValueOrDefault(ApprovalVerbs.Reason), $"card:{action.CardId}", ct);
                Send(reply, decided.Card);
                break;
            case ApprovalVerbs.Withdraw when TryId(data!, ApprovalVerbs.Id, out var requestId):
                Send(reply, (await approvals.WithdrawAsync(requestId, actor, ct)).Card);
                break;
            default:
                Send(reply, ReplyCards.Message("按钮已失效 This button no longer works", "请重新发送命令，发“帮助”查看用法。Send the command again; “help” lists them."));
                break;
        }
    }

    /// <summary>What one command needs: who, where the answer goes, when and in which zone, and a customer already chosen from a pick list.</summary>
    private sealed record Context(Employee Actor, ReplyTarget Reply, DateTimeOffset Now, TimeZoneInfo Zone, Guid MessageEventId, Guid? PickedCustomerId)
    {
        /// <summary>The card clicked, when the command came from a button.</summary>
        public string? CardId { get; init; }
    }

    /// <summary>Audit entity type of a card whose button changed something.</summary>
    private const string CardEntity = "Card";

    private bool _cardMarked;

    private Task RunAsync(ChatCommand command, Context cx, CancellationToken ct) => command switch
    {
        ChatCommand.AddCustomer add => AddCustomerAsync(add, cx, ct),
        ChatCommand.LogActivity log => WithCustomerAsync(log.Customer, cx, c => LogActivityAsync(c, log, cx), ct),
        ChatCommand.ScheduleFollowUp { Customer: null } remind => ScheduleAsync(null, remind, cx, ct),
        ChatCommand.ScheduleFollowUp schedule => WithCustomerAsync(schedule.Customer, cx, c => ScheduleAsync(c, schedule, cx, ct), ct),
        ChatCommand.CompleteFollowUp done => WithCustomerAsync(done.Customer, cx, c => CompleteNextAsync(c, cx, ct), ct),
        ChatCommand.SnoozeFollowUp snooze => WithCustomerAsync(snooze.Customer, cx, c => SnoozeNextAsync(c, snooze.Until, cx, ct), ct),
        ChatCommand.SetStage stage => WithCustomerAsync(stage.Customer, cx, c => SetStageAsync(c, stage.Stage, cx), ct),
        ChatCommand.ChangeTags tags => WithCustomerAsync(tags.Customer, cx, c => ChangeTagsAsync(c, tags, cx, ct), ct),
        ChatCommand.CreateContract contract => WithCustomerAsync(contract.Customer, cx, c => CreateContractAsync(c, contract, cx, ct), ct),
        ChatCommand.FindCustomer find => FindAsync(find.Query, cx, ct),
        ChatCommand.ListMyCustomers => ListMineAsync(cx, ct),
        ChatCommand.ListTodayFollowUps => ListFollowUpsAsync(today: true, cx, ct),
        ChatCommand.ListOverdueFollowUps => ListFollowUpsAsync(today: false, cx, ct),
        ChatCommand.ShowHelp => Answer(cx, ReplyCards.Help()),
        ChatCommand.Unknown unknown => Answer(cx, ReplyCards.Message("没看懂 Not understood", unknown.Reply)),
        ChatCommand.NeedsClarification ask => Answer(cx, ReplyCards.Message("请补充 Tell me more", ask.Question)),
        _ => Answer(cx, ReplyCards.Help()),
    };

    private Task Answer(Context cx, AdaptiveCard card)
    {
        Send(cx.Reply, card);
        return Task.CompletedTask;
    }

    private void Send(ReplyTarget reply, AdaptiveCard card) => Enqueue(reply, reply.Answer(card));

    // Saved with the inbox transaction; the dispatcher sends it once that commits.
    private void Enqueue(ReplyTarget reply, ChatDelivery delivery) => Outbox.Enqueue(db, delivery, reply.NextKey(), clock.GetUtcNow());

    // ---- customers -------------------------------------------------------------------------

    /// <summary>
    /// Finds the one customer a change command means and checks the rep may change it:
    /// several matches get a pick list, none a suggestion to add, another rep's customer a refusal.
    /// </summary>
    private async Task WithCustomerAsync(CustomerRef reference, Context cx, Func<Customer, Task> change, CancellationToken ct)
    {
        List<Customer> candidates;
        if (cx.PickedCustomerId is { } picked)
        {
            candidates = await db.Customers.Include(c => c.Followers).Where(c => c.Id == picked).ToListAsync(ct);
        }
        else
        {
            candidates = await finder.FindAsync(reference, PickListSize + 1, ct);
        }
        if (candidates.Count == 0)
        {
            Send(cx.Reply, ReplyCards.Message("没有找到客户 No such customer",
                $"没有找到“{reference.Text}”。要新建吗？发：新客户 {reference.Text} 手机号\nNo customer matches “{reference.Text}”. To add one: add customer {reference.Text} <phone>"));
            return;
        }
        var changeable = new List<Customer>();
        foreach (var candidate in candidates)
        {
            if (await MayChangeAsync(cx.Actor, candidate, ct))
            {
                changeable.Add(candidate);
            }
        }
        if (changeable.Count == 1)
        {
            await change(changeable[0]);
            return;
        }
        if (changeable.Count == 0)
        {
            var first = candidates[0];
            var owner = first.OwnerId is { } ownerId ? (await db.Employees.FindAsync([ownerId], ct))?.Name : null;
            LogRefused(cx.Actor.Id, first.Id);
            Send(cx.Reply, ReplyCards.Message("无权修改 Not yours to change",
                $"客户“{first.Name}”由 {owner ?? "其他同事"} 负责，你不能修改。请联系负责人或其主管。\n" +
                $"{first.Name} belongs to {owner ?? "a colleague"}; only the owner, a follower or their manager can change it. Nothing was changed."));
            return;
        }
        var views = new List<CustomerView>();
        foreach (var c in changeable.Take(PickListSize))
        {
            views.Add(await ViewAsync(c, cx, ct));
        }
        Send(cx.Reply, ReplyCards.PickList(reference.Text, views, cx.MessageEventId));
    }

    /// <summary>The owner, an active follower, or their manager (up the chain); an unowned, unfollowed customer is anyone's.</summary>
    private async Task<bool> MayChangeAsync(Employee actor, Customer customer, CancellationToken ct)
    {
        var people = customer.Followers.Where(f => f.IsActive).Select(f => f.EmployeeId).ToList();
        if (customer.OwnerId is { } owner)
        {
            people.Add(owner);
        }
        if (people.Count == 0 || people.Contains(actor.Id))
        {
            return true;
        }
        // Walk up each person's managers; a short, bounded walk guards against a cycle in the directory.
        var frontier = people.Distinct().ToList();
        for (var level = 0; level < 8 && frontier.Count > 0; level++)
        {
            var managers = await db.Employees.Where(e => frontier.Contains(e.Id) && e.ManagerId != null)
                .Select(e => e.ManagerId!.Value).Distinct().ToListAsync(ct);
            if (managers.Contains(actor.Id))
            {
                return true;
            }
            frontier = managers;
        }
        return false;
    }

    private async Task AddCustomerAsync(ChatCommand.AddCustomer add, Context cx, CancellationToken ct)
    {
        if (add.Phones.Count > 0)
        {
            var existing = await db.CustomerPhones.Where(p => add.Phones.Contains(p.E164)).Select(p => p.CustomerId).FirstOrDefaultAsync(ct);
            if (existing != Guid.Empty)
            {
                var customer = await db.Customers.Include(c => c.Followers).SingleAsync(c => c.Id == existing, ct);
                Send(cx.Reply, ReplyCards.Duplicate(await ViewAsync(customer, cx, ct), "手机号相同 same phone number"));
                return;
            }
        }
        var now = clock.GetUtcNow();
        var created = new Customer
        {
            Name = add.Name,
            Company = add.Company,
            Source = "chat",
            OwnerId = cx.Actor.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        foreach (var phone in add.Phones.Distinct())
        {
            created.Phones.Add(new CustomerPhone { E164 = phone, Label = "chat" });
        }
        db.Customers.Add(created);
        var tagNames = new List<string>();
        foreach (var tag in await CrmTagsAsync(add.Tags, now, ct))
        {
            created.Tags.Add(new CustomerTag { TagId = tag.Id, Origin = TagOrigin.CrmChat, AddedById = cx.Actor.Id, AddedAt = now });
            tagNames.Add(tag.Name);
        }
        Record(cx, created.Id, ActivityKind.CustomerCreated, $"{cx.Actor.Name} 通过聊天新建了客户 {created.Name}",
            nameof(Customer), created.Id, "created-by-chat", null,
            new { created.Name, created.Company, phones = add.Phones.Count, tags = tagNames });
        await db.SaveChangesAsync(ct);
        var view = new CustomerView(created.Id, created.Name, created.Company, created.Stage, cx.Actor.Name, add.Phones.Distinct().ToList(), tagNames, null);
        Send(cx.Reply, ReplyCards.Customer(view, "已添加客户 Customer added"));
    }

    private async Task FindAsync(CustomerRef query, Context cx, CancellationToken ct)
    {
        var found = await finder.FindAsync(query, PickListSize + 1, ct);
        if (found.Count == 0)
        {
            Send(cx.Reply, ReplyCards.Message("没有找到 Nothing found",
                $"没有找到“{query.Text}”。新建：新客户 {query.Text} 手机号\nNo customer matches “{query.Text}”. Add one: add customer {query.Text} <phone>"));
            return;
        }
        if (found.Count == 1)
        {
            Send(cx.Reply, ReplyCards.Customer(await ViewAsync(found[0], cx, ct), found[0].Name));
            return;
        }
        var rows = new List<(string, string)>();
        foreach (var c in found.Take(PickListSize))
        {
            rows.Add((c.Name, (await ViewAsync(c, cx, ct)).Summary));
        }
        Send(cx.Reply, ReplyCards.List($"“{query.Text}” 匹配到 {rows.Count} 位客户", "", rows));
    }

    private async Task ListMineAsync(Context cx, CancellationToken ct)
    {
        var id = cx.Actor.Id;
        var mine = await db.Customers
            .Where(c => c.OwnerId == id || c.Followers.Any(f => f.EmployeeId == id && f.EndedAt == null))
            .OrderByDescending(c => c.UpdatedAt).Take(ListSize)
            .Select(c => new { c.Name, c.Company, c.Stage })
            .ToListAsync(ct);
        Send(cx.Reply, ReplyCards.List("我的客户 My customers", "你还没有客户。发“新客户 姓名 手机号”添加。You have no customers yet.",
            mine.Select(c => (c.Name, string.Join(" · ", new[] { c.Company, ReplyCards.StageName(c.Stage) }.Where(s => !string.IsNullOrEmpty(s))))).ToList()));
    }

    private async Task<CustomerView> ViewAsync(Customer c, Context cx, CancellationToken ct)
    {
        var owner = c.OwnerId is { } ownerId ? await db.Employees.Where(e => e.Id == ownerId).Select(e => e.Name).FirstOrDefaultAsync(ct) : null;
        var phones = await db.CustomerPhones.Where(p => p.CustomerId == c.Id).Select(p => p.E164).ToListAsync(ct);
        var tags = await db.CustomerTags.Where(t => t.CustomerId == c.Id).Select(t => t.Tag!.Name).ToListAsync(ct);
        var next = await db.FollowUps.Where(f => f.CustomerId == c.Id && f.Status == FollowUpStatus.Pending)
            .OrderBy(f => f.DueAt).Select(f => (DateTimeOffset?)f.DueAt).FirstOrDefaultAsync(ct);
        return new CustomerView(c.Id, c.Name, c.Company, c.Stage, owner, phones, tags, next is { } due ? ReplyCards.When(due, cx.Zone) : null);
    }

    // ---- activities, stage, tags, contracts --------------------------------------------------

    private async Task LogActivityAsync(Customer customer, ChatCommand.LogActivity log, Context cx)
    {
        Touch(customer);
        Record(cx, customer.Id, log.Kind, log.Text, nameof(Customer), customer.Id, "activity-logged", null, new { kind = log.Kind.ToString(), log.Text });
        await db.SaveChangesAsync();
        var kind = log.Kind switch
        {
            ActivityKind.Call => "电话 Call",
            ActivityKind.Visit => "拜访 Visit",
            _ => "记录 Note",
        };
        Send(cx.Reply, Card.New().Heading("已记录 Logged").Subtle(customer.Name).Facts(("类型", kind), ("内容", log.Text)).Build());
    }

    private async Task SetStageAsync(Customer customer, CustomerStage stage, Context cx)
    {
        var before = customer.Stage;
        if (before == stage)
        {
            Send(cx.Reply, ReplyCards.Message("阶段未变 No change", $"{customer.Name} 已经是 {ReplyCards.StageName(stage)}。{customer.Name} is already at that stage."));
            return;
        }
        customer.Stage = stage;
        Touch(customer);
        Record(cx, customer.Id, ActivityKind.StageChanged,
            $"{cx.Actor.Name} 将阶段从 {ReplyCards.StageName(before)} 改为 {ReplyCards.StageName(stage)}",
            nameof(Customer), customer.Id, "stage-changed", new { stage = before.ToString() }, new { stage = stage.ToString() });
        await db.SaveChangesAsync();
        Send(cx.Reply, Card.New().Heading("阶段已更新 Stage updated").Subtle(customer.Name)
            .Facts(("原阶段", ReplyCards.StageName(before)), ("新阶段", ReplyCards.StageName(stage))).Build());
    }

    private async Task ChangeTagsAsync(Customer customer, ChatCommand.ChangeTags change, Context cx, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var current = await db.CustomerTags.Include(t => t.Tag).Where(t => t.CustomerId == customer.Id).ToListAsync(ct);
        var added = new List<string>();
        foreach (var tag in await CrmTagsAsync(change.Add, now, ct))
        {
            if (current.All(t => t.TagId != tag.Id))
            {
                db.CustomerTags.Add(new CustomerTag { CustomerId = customer.Id, TagId = tag.Id, Origin = TagOrigin.CrmChat, AddedById = cx.Actor.Id, AddedAt = now });
                added.Add(tag.Name);
            }
        }
        var removed = new List<string>();
        foreach (var link in current.Where(t => change.Remove.Contains(t.Tag!.Name, StringComparer.OrdinalIgnoreCase)))
        {
            db.CustomerTags.Remove(link);
            removed.Add(link.Tag!.Name);
        }
        if (added.Count == 0 && removed.Count == 0)
        {
            Send(cx.Reply, ReplyCards.Message("标签未变 No change", $"{customer.Name} 的标签没有变化。Nothing to change on {customer.Name}."));
            return;
        }
        Touch(customer);
        Record(cx, customer.Id, ActivityKind.TagsChanged, ContactTexts.TagsChanged(cx.Actor.Name, added, removed),
            nameof(Customer), customer.Id, "tags-changed", new { tags = removed }, new { tags = added });
        await db.SaveChangesAsync(ct);
        var now2 = current.Select(t => t.Tag!.Name).Except(removed).Concat(added).ToList();
        Send(cx.Reply, Card.New().Heading("标签已更新 Tags updated").Subtle(customer.Name)
            .Facts(("加上", added.Count == 0 ? "—" : string.Join(" ", added.Select(t => "#" + t))),
                ("去掉", removed.Count == 0 ? "—" : string.Join(" ", removed.Select(t => "#" + t))),
                ("现在", now2.Count == 0 ? "—" : string.Join(" ", now2.Select(t => "#" + t)))).Build());
    }

    /// <summary>CrmChat's own tags by name (created in the "CrmChat" group when new); platform tags are changed in the platform.</summary>
    private async Task<List<Tag>> CrmTagsAsync(IReadOnlyList<string> names, DateTimeOffset now, CancellationToken ct)
    {
        var result = new List<Tag>();
        if (names.Count == 0)
        {
            return result;
        }
        var existing = await db.Tags.Where(t => t.Platform == null && t.DeletedAt == null && names.Contains(t.Name)).ToListAsync(ct);
        TagGroup? group = null;
        foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var tag = existing.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? db.Tags.Local.FirstOrDefault(t => t.Platform == null && string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
            if (tag is null)
            {
                group ??= await db.TagGroups.FirstOrDefaultAsync(g => g.Platform == null && g.Name == ChatTagGroup, ct)
                    ?? db.TagGroups.Add(new TagGroup { Name = ChatTagGroup, Origin = TagOrigin.CrmChat, CreatedAt = now }).Entity;
                tag = new Tag { Name = name, GroupId = group.Id, Origin = TagOrigin.CrmChat, CreatedAt = now };
                db.Tags.Add(tag);
            }
            result.Add(tag);
        }
        return result;
    }

    private const string ChatTagGroup = "CrmChat";

    private async Task CreateContractAsync(Customer customer, ChatCommand.CreateContract create, Context cx, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var contract = new Contract
        {
            CustomerId = customer.Id,
            Title = create.Title,
            Amount = create.Amount,
            Currency = create.Currency,
            RequesterId = cx.Actor.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Contracts.Add(contract);
        Touch(customer);
        // The submission below puts it on the timeline; the audit keeps the draft's creation.
        Record(cx, null, ActivityKind.ContractSubmitted, $"{cx.Actor.Name} 创建合同“{create.Title}” {create.Amount:N2} {create.Currency}",
            nameof(Contract), contract.Id, "created-by-chat", null, new { create.Title, create.Amount, create.Currency });
        await db.SaveChangesAsync(ct);
        var answer = await approvals.SubmitAsync(contract, cx.Actor, cx.Reply.Platform, ct);
        Send(cx.Reply, answer.Card);
    }

    // ---- follow-ups --------------------------------------------------------------------------

    private async Task ScheduleAsync(Customer? customer, ChatCommand.ScheduleFollowUp schedule, Context cx, CancellationToken ct)
    {
        var followUp = new FollowUp
        {
            CustomerId = customer?.Id,
            OwnerId = cx.Actor.Id,
            // PostgreSQL takes UTC only; the rep's zone is for reading and showing.
            DueAt = schedule.DueAt.ToUniversalTime(),
            Note = schedule.Note,
            CreatedAt = clock.GetUtcNow(),
        };
        db.FollowUps.Add(followUp);
        if (customer is not null)
        {
            Touch(customer);
        }
        Record(cx, customer?.Id, ActivityKind.FollowUpScheduled,
            $"{cx.Actor.Name} 安排跟进 {ReplyCards.When(schedule.DueAt, cx.Zone)}：{schedule.Note}",
            nameof(FollowUp), followUp.Id, "scheduled", null, new { dueAt = schedule.DueAt, schedule.Note, schedule.TimePhrase });
        await db.SaveChangesAsync(ct);
        Send(cx.Reply, FollowUpCards.FollowUpScheduled(followUp, customer?.Name, cx.Zone));
    }

    private async Task CompleteNextAsync(Customer customer, Context cx, CancellationToken ct)
    {
        var next = await NextPendingAsync(customer.Id, ct);
        if (next is null)
        {
            Send(cx.Reply, ReplyCards.Message("没有待办跟进 Nothing to do", $"{customer.Name} 没有待完成的跟进。{customer.Name} has no open follow-up."));
            return;
        }
        await CompleteAsync(next.Id, cx, ct);
    }

    private async Task SnoozeNextAsync(Customer customer, DateTimeOffset until, Context cx, CancellationToken ct)
    {
        var next = await NextPendingAsync(customer.Id, ct);
        if (next is null)
        {
            Send(cx.Reply, ReplyCards.Message("没有待办跟进 Nothing to snooze", $"{customer.Name} 没有待完成的跟进。{customer.Name} has no open follow-up."));
            return;
        }
        await SnoozeAsync(next.Id, until, cx, ct);
    }

    private Task<FollowUp?> NextPendingAsync(Guid customerId, CancellationToken ct) =>
        db.FollowUps.Where(f => f.CustomerId == customerId && f.Status == FollowUpStatus.Pending).OrderBy(f => f.DueAt).FirstOrDefaultAsync(ct);

    private async Task CompleteAsync(Guid followUpId, Context cx, CancellationToken ct)
    {
        var (followUp, customer) = await LoadFollowUpAsync(followUpId, ct);
        if (followUp is null)
        {
            Send(cx.Reply, ReplyCards.Message("跟进不存在 Not found", "这条跟进已被删除。This follow-up no longer exists."));
            return;
        }
        if (followUp.Status != FollowUpStatus.Pending)
        {
            var by = await DoneByAsync(followUp, ct);
            var again = FollowUpCards.FollowUpDone(followUp, customer?.Name, by, cx.Zone, again: true);
            Send(cx.Reply, again);
            return;
        }
        if (!await MayChangeFollowUpAsync(cx.Actor, followUp, customer, ct))
        {
            await RefuseAsync(cx, customer, ct);
            return;
        }
        var now = clock.GetUtcNow();
        followUp.Status = FollowUpStatus.Done;
        followUp.CompletedAt = now;
        if (customer is not null)
        {
            Touch(customer);
        }
        Record(cx, customer?.Id, ActivityKind.FollowUpDone, $"{cx.Actor.Name} 完成跟进：{followUp.Note}",
            nameof(FollowUp), followUp.Id, "done", new { status = FollowUpStatus.Pending.ToString() }, new { status = FollowUpStatus.Done.ToString(), by = cx.Actor.Name });
        await db.SaveChangesAsync(ct);
        var card = FollowUpCards.FollowUpDone(followUp, customer?.Name, cx.Actor.Name, cx.Zone);
        Send(cx.Reply, card);
    }

    private async Task SnoozeAsync(Guid followUpId, DateTimeOffset until, Context cx, CancellationToken ct)
    {
        var (followUp, customer) = await LoadFollowUpAsync(followUpId, ct);
        if (followUp is null)
        {
            Send(cx.Reply, ReplyCards.Message("跟进不存在 Not found", "这条跟进已被删除。This follow-up no longer exists."));
            return;
        }
        if (followUp.Status != FollowUpStatus.Pending)
        {
            var again = FollowUpCards.FollowUpDone(followUp, customer?.Name, await DoneByAsync(followUp, ct), cx.Zone, again: true);
            Send(cx.Reply, again);
            return;
        }
        if (!await MayChangeFollowUpAsync(cx.Actor, followUp, customer, ct))
        {
            await RefuseAsync(cx, customer, ct);
            return;
        }
        var before = followUp.DueAt;
        followUp.DueAt = until.ToUniversalTime();
        followUp.RemindedAt = null;
        Record(cx, customer?.Id, ActivityKind.FollowUpScheduled, $"{cx.Actor.Name} 将跟进推迟到 {ReplyCards.When(until, cx.Zone)}：{followUp.Note}",
            nameof(FollowUp), followUp.Id, "snoozed", new { dueAt = before }, new { dueAt = until });
        await db.SaveChangesAsync(ct);
        var card = FollowUpCards.FollowUpSnoozed(followUp, customer?.Name, cx.Zone);
        Send(cx.Reply, card);
    }

    private async Task<(FollowUp?, Customer?)> LoadFollowUpAsync(Guid id, CancellationToken ct)
    {
        var followUp = await db.FollowUps.FirstOrDefaultAsync(f => f.Id == id, ct);
        var customer = followUp?.CustomerId is { } customerId
            ? await db.Customers.Include(c => c.Followers).FirstOrDefaultAsync(c => c.Id == customerId, ct)
            : null;
        return (followUp, customer);
    }

    private async Task<bool> MayChangeFollowUpAsync(Employee actor, FollowUp followUp, Customer? customer, CancellationToken ct)
    {
        if (followUp.OwnerId == actor.Id)
        {
            return true;
        }
        if (customer is not null)
        {
            return await MayChangeAsync(actor, customer, ct);
        }
        // A personal reminder: its owner, or the owner's manager.
        return await db.Employees.AnyAsync(e => e.Id == followUp.OwnerId && e.ManagerId == actor.Id, ct);
    }

    private async Task RefuseAsync(Context cx, Customer? customer, CancellationToken ct)
    {
        var owner = customer?.OwnerId is { } ownerId ? await db.Employees.Where(e => e.Id == ownerId).Select(e => e.Name).FirstOrDefaultAsync(ct) : null;
        LogRefused(cx.Actor.Id, customer?.Id ?? Guid.Empty);
        Send(cx.Reply, ReplyCards.Message("无权修改 Not yours to change",
            $"这条跟进属于 {owner ?? "其他同事"}，你不能修改，未作任何更改。\nThis follow-up belongs to {owner ?? "a colleague"}; nothing was changed."));
    }

    private async Task<string> DoneByAsync(FollowUp followUp, CancellationToken ct)
    {
        var entry = await db.AuditEntries
            .Where(a => a.EntityType == nameof(FollowUp) && a.EntityId == followUp.Id.ToString() && a.Action == "done")
            .OrderByDescending(a => a.At).Select(a => a.Actor).FirstOrDefaultAsync(ct);
        if (entry is { } actor && actor.StartsWith("employee:", StringComparison.Ordinal) && Guid.TryParse(actor["employee:".Length..], out var id))
        {
            return await db.Employees.Where(e => e.Id == id).Select(e => e.Name).FirstOrDefaultAsync(ct) ?? "—";
        }
        return followUp.Status == FollowUpStatus.Cancelled ? "已取消 cancelled" : "—";
    }

    private async Task ListFollowUpsAsync(bool today, Context cx, CancellationToken ct)
    {
        var id = cx.Actor.Id;
        var query = db.FollowUps.Where(f => f.OwnerId == id && f.Status == FollowUpStatus.Pending);
        string heading;
        if (today)
        {
            var local = TimeZoneInfo.ConvertTime(cx.Now, cx.Zone);
            var start = new DateTimeOffset(local.Date, local.Offset).ToUniversalTime();
            var end = new DateTimeOffset(local.Date.AddDays(1), cx.Zone.GetUtcOffset(local.Date.AddDays(1))).ToUniversalTime();
            query = query.Where(f => f.DueAt >= start && f.DueAt < end);
            heading = "今天的跟进 Today";
        }
        else
        {
            var now = cx.Now;
            query = query.Where(f => f.DueAt < now);
            heading = "逾期跟进 Overdue";
        }
        var items = await query.OrderBy(f => f.DueAt).Take(ListSize)
            .Select(f => new { f.DueAt, f.Note, Customer = f.Customer == null ? null : f.Customer.Name })
            .ToListAsync(ct);
        Send(cx.Reply, ReplyCards.List(heading, today ? "今天没有待办跟进。Nothing due today." : "没有逾期的跟进。Nothing overdue.",
            items.Select(i => (ReplyCards.When(i.DueAt, cx.Zone), $"{i.Customer ?? "个人提醒"}：{i.Note}")).ToList()));
    }

    // ---- pick lists --------------------------------------------------------------------------

    private async Task PickAsync(Guid customerId, Guid messageEventId, Context cx, CancellationToken ct)
    {
        var original = await db.InboxEvents.AsNoTracking().FirstOrDefaultAsync(e => e.Id == messageEventId, ct);
        var message = original is null ? null : ConversationPayloads.Message(original);
        if (message is null || message.SenderUserId != cx.Reply.UserId)
        {
            Send(cx.Reply, ReplyCards.Message("按钮已失效 This button no longer works", "请重新发送命令。Send the command again."));
            return;
        }
        var command = ChatCommandParser.Parse(StripMention(message.Text), MessageTime(message.At), cx.Zone);
        await RunAsync(command, cx with { Now = MessageTime(message.At) }, ct);
    }

    // ---- helpers -----------------------------------------------------------------------------

    /// <summary>The employee behind a platform user id; one CrmChat has not met yet is added (the platform vouched for them).</summary>
    private async Task<Employee> ActorAsync(Platform platform, string userId, CancellationToken ct)
    {
        var employee = platform == Platform.WeCom
            ? await db.Employees.Include(e => e.Team).FirstOrDefaultAsync(e => e.WeComUserId == userId, ct)
            : await db.Employees.Include(e => e.Team).FirstOrDefaultAsync(e => e.DingTalkUserId == userId, ct);
        if (employee is not null)
        {
            return employee;
        }
        var now = clock.GetUtcNow();
        employee = new Employee
        {
            Name = userId,
            WeComUserId = platform == Platform.WeCom ? userId : null,
            DingTalkUserId = platform == Platform.DingTalk ? userId : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Employees.Add(employee);
        await db.SaveChangesAsync(ct);
        return employee;
    }

    private void Record(Context cx, Guid? customerId, ActivityKind kind, string text, string entityType, Guid entityId, string action, object? before, object? after)
    {
        var now = clock.GetUtcNow();
        if (cx.CardId is { } cardId && !_cardMarked)
        {
            _cardMarked = true;
            db.AuditEntries.Add(new AuditEntry
            {
                Actor = $"employee:{cx.Actor.Id}", EntityType = CardEntity, EntityId = cardId, Action = "used",
                After = ContactTexts.ToJson(new { entity = entityType, id = entityId, action }), At = now,
            });
        }
        if (customerId is { } id)
        {
            db.Activities.Add(new Activity
            {
                CustomerId = id,
                Kind = kind,
                ActorId = cx.Actor.Id,
                Text = ContactTexts.Clip(text, 4000)!,
                Data = ContactTexts.ToJson(new { source = "chat", platform = cx.Reply.Platform.ToString(), entity = entityId }),
                OccurredAt = now,
            });
        }
        db.AuditEntries.Add(new AuditEntry
        {
            Actor = $"employee:{cx.Actor.Id}",
            EntityType = entityType,
            EntityId = entityId.ToString(),
            Action = action,
            Before = before is null ? null : ContactTexts.ToJson(before),
            After = after is null ? null : ContactTexts.ToJson(after),
            At = now,
        });
    }

    private void Touch(Customer customer) => customer.UpdatedAt = clock.GetUtcNow();

    /// <summary>Relative phrases ("in 2 hours") count from when the rep wrote, not from when a retry ran.</summary>
    private DateTimeOffset MessageTime(DateTimeOffset at)
    {
        var now = clock.GetUtcNow();
        return at <= DateTimeOffset.UnixEpoch || at > now + TimeSpan.FromMinutes(5) || at < now - TimeSpan.FromDays(1) ? now : at;
    }

    /// <summary>A group message may start with "@CrmChat"; the command follows it.</summary>
    private static string StripMention(string text)
    {
        var trimmed = text.TrimStart();
        while (trimmed.StartsWith('@'))
        {
            var space = trimmed.IndexOfAny([' ', '\u3000']);
            if (space < 0)
            {
                return "";
            }
            trimmed = trimmed[(space + 1)..].TrimStart();
        }
        return trimmed;
    }

    private static bool TryId(IReadOnlyDictionary<string, string> data, string key, out Guid id)
    {
        id = Guid.Empty;
        return data.TryGetValue(key, out var text) && Guid.TryParseExact(text, "N", out id);
    }

    [LoggerMessage(LogLevel.Information, "Chat: {Platform} employee {EmployeeId} sent {Command}")]
    private partial void LogCommand(Platform platform, Guid employeeId, string command);

    [LoggerMessage(LogLevel.Information, "Chat: {Platform} employee {EmployeeId} clicked {Verb}")]
    private partial void LogCard(Platform platform, Guid employeeId, string verb);

    [LoggerMessage(LogLevel.Information, "Chat: employee {EmployeeId} may not change customer {CustomerId}; refused")]
    private partial void LogRefused(Guid employeeId, Guid customerId);
}

using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Phones;
using CrmChat.CrmCore.Tags;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.CrmCore.Contacts;

/// <summary>
/// Applies a batch of contact snapshots against one tracked picture of the customers,
/// employees and tags they touch, loaded with a few bulk queries. Customers created earlier
/// in the batch are found again by later snapshots, so a batch never duplicates either.
/// The caller saves once.
/// </summary>
internal sealed class ContactBatch
{
    private const int NameLength = 200;
    private const string PersonalTagGroup = "个人标签 / Personal tags";

    private readonly CrmDbContext _db;
    private readonly DateTimeOffset _now;
    private readonly ContactChangeSource _source;
    // Null: the context's change tracker records what changed and SaveChanges writes it.
    // Set: nothing is tracked and the batch lists its own rows for a set-based write.
    private readonly RowChanges? _rows;
    private readonly Dictionary<(Platform, string), Customer> _byExternalId = [];
    private readonly Dictionary<string, Customer> _byUnionId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Customer>> _byPhone = new(StringComparer.Ordinal);
    private readonly Dictionary<(Platform, string), Employee> _employees = [];
    private readonly Dictionary<(Platform, string), Tag> _corpTags = [];
    private readonly Dictionary<(Platform, string, string), Tag> _namedTags = [];
    private readonly Dictionary<(Platform, string), TagGroup> _groups = [];

    private ContactBatch(CrmDbContext db, DateTimeOffset now, ContactChangeSource source, RowChanges? rows)
    {
        _db = db;
        _now = now;
        _source = source;
        _rows = rows;
    }

    /// <summary>The rows to write, when loaded untracked; null when the change tracker has them.</summary>
    public RowChanges? Rows => _rows;

    /// <param name="untracked">
    /// Load without change tracking and collect the rows to write in <see cref="Rows"/>
    /// (<see cref="BulkSave"/>), for the thousands of contacts of a full sync; otherwise the
    /// caller saves the context.
    /// </param>
    public static async Task<ContactBatch> LoadAsync(
        CrmDbContext db, IReadOnlyList<ExternalContactSnapshot> snapshots, DateTimeOffset now, ContactChangeSource source, CancellationToken ct,
        bool untracked = false)
    {
        var batch = new ContactBatch(db, now, source, untracked ? new RowChanges() : null);
        var customerIds = new HashSet<Guid>();

        var knownKeys = new HashSet<(Platform, string)>();
        foreach (var group in snapshots.GroupBy(s => s.Platform))
        {
            // Platform first, so the query seeks the (Platform, ExternalId) index. Each list goes
            // as one array parameter (EF.Parameter): the SQL is the same for every batch, so EF
            // reuses its command instead of generating SQL for each list length.
            var platform = group.Key;
            var externalIds = group.Select(s => s.ExternalId).Distinct().ToList();
            var known = await db.CustomerIdentities
                .Where(i => i.Platform == platform && EF.Parameter(externalIds).Contains(i.ExternalId))
                .Select(i => new { i.ExternalId, i.CustomerId })
                .ToListAsync(ct);
            knownKeys.UnionWith(known.Select(k => (platform, k.ExternalId)));
            customerIds.UnionWith(known.Select(k => k.CustomerId));
        }

        // Only contacts new to CrmChat need the weaker matches.
        var unknown = snapshots.Where(s => !knownKeys.Contains((s.Platform, s.ExternalId))).ToList();
        var unionIds = unknown.Select(s => s.UnionId).OfType<string>().Where(u => u.Length > 0).Distinct().ToList();
        if (unionIds.Count > 0)
        {
            customerIds.UnionWith(await db.CustomerIdentities
                .Where(i => i.UnionId != null && EF.Parameter(unionIds).Contains(i.UnionId))
                .Select(i => i.CustomerId)
                .ToListAsync(ct));
        }
        var phones = unknown.SelectMany(PhonesOf).Distinct().ToList();
        if (phones.Count > 0)
        {
            customerIds.UnionWith(await db.CustomerPhones
                .Where(p => EF.Parameter(phones).Contains(p.E164))
                .Select(p => p.CustomerId)
                .ToListAsync(ct));
        }

        if (customerIds.Count > 0)
        {
            var ids = customerIds.ToList();
            var customers = await batch.Query(db.Customers)
                .Where(c => EF.Parameter(ids).Contains(c.Id))
                .Include(c => c.Identities)
                .Include(c => c.Phones)
                .Include(c => c.Followers).ThenInclude(f => f.Tags).ThenInclude(t => t.Tag)
                .AsSplitQuery()
                .ToListAsync(ct);
            foreach (var customer in customers.OrderBy(c => c.CreatedAt))
            {
                batch.Register(customer);
            }
        }

        foreach (var group in snapshots.GroupBy(s => s.Platform))
        {
            await batch.LoadEmployeesAsync(group.Key, group.SelectMany(s => s.FollowUsers).Select(f => f.EmployeeUserId), ct);
            await batch.LoadTagsAsync(group.Key, group.SelectMany(s => s.FollowUsers).SelectMany(f => f.Tags).ToList(), ct);
        }
        return batch;
    }

    public ContactApplyResult Apply(ExternalContactSnapshot snapshot)
    {
        var platform = snapshot.Platform;
        var actor = ContactTexts.Actor(platform);
        var follows = snapshot.FollowUsers
            .Where(f => !string.IsNullOrWhiteSpace(f.EmployeeUserId))
            .DistinctBy(f => f.EmployeeUserId)
            .ToList();
        var name = ContactTexts.Clip(snapshot.Name, NameLength) is { Length: > 0 } n ? n : snapshot.ExternalId;
        var unionId = string.IsNullOrEmpty(snapshot.UnionId) ? null : snapshot.UnionId;
        var phones = PhonesOf(snapshot).Distinct().ToList();

        var before = new Dictionary<string, object?>();
        var after = new Dictionary<string, object?>();
        void Change<T>(string field, T old, T value)
        {
            before.TryAdd(field, old);
            after[field] = value;
        }

        Customer? probableDuplicate = null;
        var customer = _byExternalId.GetValueOrDefault((platform, snapshot.ExternalId));
        if (customer is null && unionId is not null)
        {
            customer = _byUnionId.GetValueOrDefault(unionId);
        }
        if (customer is null && phones.Count > 0)
        {
            var samePhone = phones.SelectMany(p => _byPhone.GetValueOrDefault(p) ?? []).Distinct().ToList();
            customer = samePhone.FirstOrDefault(c => NamesMatch(c, snapshot));
            if (customer is null && samePhone.Count > 0)
            {
                // Same phone but another name: probably the same person, maybe a shared or
                // recycled number. A person decides; until then they are two customers.
                probableDuplicate = samePhone[0];
            }
        }

        var outcome = ContactApplyOutcome.Unchanged;
        if (customer is null)
        {
            customer = new Customer
            {
                Name = name,
                Company = ContactTexts.Clip(snapshot.CorpName ?? follows.Select(f => f.RemarkCorpName).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c)), NameLength),
                Source = actor,
                CreatedAt = _now,
                UpdatedAt = _now,
            };
            Insert(customer);
            outcome = ContactApplyOutcome.Created;
        }

        var identity = customer.Identities.FirstOrDefault(i => i.Platform == platform && i.ExternalId == snapshot.ExternalId);
        if (identity is null)
        {
            identity = new CustomerIdentity
            {
                CustomerId = customer.Id,
                Platform = platform,
                ExternalId = snapshot.ExternalId,
                UnionId = unionId,
                DisplayName = name,
                Avatar = ContactTexts.Clip(snapshot.Avatar, 1024),
                CreatedAt = _now,
            };
            Insert(identity);
            customer.Identities.Add(identity);
            if (outcome != ContactApplyOutcome.Created)
            {
                outcome = ContactApplyOutcome.Linked;
                Change("identity", (string?)null, $"{platform}:{snapshot.ExternalId}");
            }
        }
        else
        {
            if (identity.DisplayName != name)
            {
                // Follow the platform's name only while nobody renamed the customer in CrmChat.
                if (customer.Name == identity.DisplayName)
                {
                    Change("name", customer.Name, name);
                    customer.Name = name;
                }
                Change("displayName", identity.DisplayName, name);
                identity.DisplayName = name;
            }
            var avatar = ContactTexts.Clip(snapshot.Avatar, 1024);
            if (avatar is not null && identity.Avatar != avatar)
            {
                Change("avatar", identity.Avatar, avatar);
                identity.Avatar = avatar;
            }
            if (unionId is not null && identity.UnionId != unionId)
            {
                Change("unionId", identity.UnionId, unionId);
                identity.UnionId = unionId;
            }
            if (after.ContainsKey("displayName") || after.ContainsKey("avatar") || after.ContainsKey("unionId"))
            {
                Update(identity);
            }
        }
        Register(customer);

        if (customer.Company is null && ContactTexts.Clip(snapshot.CorpName, NameLength) is { Length: > 0 } company)
        {
            Change("company", customer.Company, company);
            customer.Company = company;
        }

        var newPhones = phones.Where(p => customer.Phones.All(x => x.E164 != p)).ToList();
        foreach (var phone in newPhones)
        {
            var added = new CustomerPhone { CustomerId = customer.Id, E164 = phone, Label = $"{actor} remark" };
            Insert(added);
            customer.Phones.Add(added);
            AddToPhoneIndex(phone, customer);
        }
        if (newPhones.Count > 0 && outcome != ContactApplyOutcome.Created)
        {
            Change("phonesAdded", new List<string>(), newPhones.Select(PhoneNumber.Mask).ToList());
        }

        var relationsChanged = false;
        foreach (var follow in follows)
        {
            relationsChanged |= ApplyFollow(customer, follow, platform, outcome == ContactApplyOutcome.Created);
        }

        if (customer.OwnerId is null && follows.Count > 0)
        {
            // The first rep to add the customer owns it; an owner once set is a person's call.
            var first = follows
                .Select((f, index) => (f, index))
                .OrderBy(x => x.f.CreatedAt ?? DateTimeOffset.MaxValue)
                .ThenBy(x => x.index)
                .First().f;
            var owner = Employee(platform, first.EmployeeUserId);
            Change("ownerId", customer.OwnerId, (Guid?)owner.Id);
            customer.OwnerId = owner.Id;
            customer.Owner = owner;
        }

        if (outcome == ContactApplyOutcome.Created)
        {
            var ownerName = customer.Owner?.Name ?? actor;
            AddActivity(customer, ActivityKind.CustomerCreated, customer.OwnerId, ContactTexts.CustomerCreated(platform, customer.Name, ownerName),
                new { platform = platform.ToString(), externalId = snapshot.ExternalId }, _now);
            Insert(new AuditEntry
            {
                Actor = actor,
                EntityType = nameof(Customer),
                EntityId = customer.Id.ToString(),
                Action = "created",
                After = ContactTexts.ToJson(new
                {
                    customer.Name,
                    customer.Company,
                    customer.OwnerId,
                    Platform = platform.ToString(),
                    snapshot.ExternalId,
                    UnionId = unionId,
                    Phones = phones.Select(PhoneNumber.Mask),
                    Followers = follows.Select(f => f.EmployeeUserId),
                    ProbableDuplicateOf = probableDuplicate?.Id,
                }),
                At = _now,
            });
            if (probableDuplicate is not null)
            {
                var phone = phones.First(p => probableDuplicate.Phones.Any(x => x.E164 == p));
                Insert(new MergeCandidate
                {
                    CustomerId = customer.Id,
                    OtherCustomerId = probableDuplicate.Id,
                    Reason = ContactTexts.ProbableDuplicate(phone, customer.Name, probableDuplicate.Name),
                    CreatedAt = _now,
                });
            }
        }
        else if (after.Count > 0)
        {
            Insert(new AuditEntry
            {
                Actor = actor,
                EntityType = nameof(Customer),
                EntityId = customer.Id.ToString(),
                Action = outcome == ContactApplyOutcome.Linked ? "linked" : "updated",
                Before = ContactTexts.ToJson(before),
                After = ContactTexts.ToJson(after),
                At = _now,
            });
        }

        if (outcome != ContactApplyOutcome.Created && (after.Count > 0 || relationsChanged))
        {
            customer.UpdatedAt = _now;
            Update(customer);
            if (outcome == ContactApplyOutcome.Unchanged)
            {
                outcome = ContactApplyOutcome.Updated;
            }
        }
        return new ContactApplyResult(customer.Id, outcome, probableDuplicate?.Id);
    }

    /// <summary>Creates, revives or updates one follow relation; true when anything changed.</summary>
    private bool ApplyFollow(Customer customer, FollowSnapshot follow, Platform platform, bool customerIsNew)
    {
        var actor = ContactTexts.Actor(platform);
        var employee = Employee(platform, follow.EmployeeUserId);
        var addedAt = (follow.CreatedAt ?? _now).ToUniversalTime();
        var relation = customer.Followers.FirstOrDefault(r => r.EmployeeId == employee.Id);
        var started = false;
        var again = false;

        if (relation is null)
        {
            relation = new FollowRelation
            {
                CustomerId = customer.Id,
                EmployeeId = employee.Id,
                Employee = employee,
                Platform = platform,
                AddedAt = addedAt,
            };
            Insert(relation);
            customer.Followers.Add(relation);
            started = true;
        }
        else if (!relation.IsActive && (follow.CreatedAt is null || addedAt > relation.EndedAt))
        {
            // Revive only when the customer was added again after the relation ended; a
            // snapshot fetched before the removal event must not undo it.
            relation.EndedAt = null;
            relation.EndReason = null;
            relation.AddedAt = addedAt;
            started = again = true;
        }
        else if (!relation.IsActive)
        {
            return false;
        }

        var remark = ContactTexts.Clip(follow.Remark, NameLength);
        var description = ContactTexts.Clip(follow.Description, 1024);
        var before = new Dictionary<string, object?>();
        var after = new Dictionary<string, object?>();
        void Set<T>(string field, T old, T value, Action<T> assign)
        {
            if (!EqualityComparer<T>.Default.Equals(old, value))
            {
                before[field] = old;
                after[field] = value;
                assign(value);
            }
        }
        Set("remark", relation.Remark, remark, v => relation.Remark = v);
        Set("description", relation.Description, description, v => relation.Description = v);
        Set("remarkCompany", relation.RemarkCompany, ContactTexts.Clip(follow.RemarkCorpName, NameLength), v => relation.RemarkCompany = v);
        Set("addWay", relation.AddWay, follow.AddWay, v => relation.AddWay = v);
        Set("state", relation.State, ContactTexts.Clip(follow.State, 64), v => relation.State = v);
        if (!relation.RemarkMobiles.SequenceEqual(follow.RemarkMobiles))
        {
            before["remarkMobiles"] = relation.RemarkMobiles.Select(PhoneNumber.Mask).ToList();
            after["remarkMobiles"] = follow.RemarkMobiles.Select(PhoneNumber.Mask).ToList();
            relation.RemarkMobiles = [.. follow.RemarkMobiles];
        }

        if (again || before.Count > 0)
        {
            Update(relation);
        }
        var (addedTags, removedTags) = ApplyFollowTags(relation, follow, platform);

        if (started)
        {
            var tagNames = addedTags.Select(t => t.Name).ToList();
            var text = ContactTexts.FollowStarted(employee.Name, again);
            AddActivity(customer, ActivityKind.FollowStarted, employee.Id, tagNames.Count > 0 ? $"{text} [{string.Join(", ", tagNames)}]" : text,
                new { employee = follow.EmployeeUserId, remark, addWay = follow.AddWay, state = follow.State, tags = tagNames }, addedAt);
            if (customerIsNew)
            {
                // The customer's own "created" entry lists its first followers.
                return false;
            }
            Insert(new AuditEntry
            {
                Actor = actor,
                EntityType = nameof(FollowRelation),
                EntityId = relation.Id.ToString(),
                Action = again ? "follow-restarted" : "follow-started",
                After = ContactTexts.ToJson(new { customerId = customer.Id, employee = follow.EmployeeUserId, after, tags = tagNames }),
                At = _now,
            });
            return true;
        }

        foreach (var field in new[] { "remark", "description" }.Where(after.ContainsKey))
        {
            AddActivity(customer, ActivityKind.CustomerUpdated, employee.Id,
                ContactTexts.RemarkChanged(employee.Name, field, (string?)before[field], (string?)after[field]),
                new { employee = follow.EmployeeUserId, field, before = before[field], after = after[field] }, _now);
        }
        if (addedTags.Count > 0 || removedTags.Count > 0)
        {
            var added = addedTags.Select(t => t.Name).ToList();
            var removed = removedTags.Select(t => t.Name).ToList();
            AddActivity(customer, ActivityKind.TagsChanged, employee.Id, ContactTexts.TagsChanged(employee.Name, added, removed),
                new { employee = follow.EmployeeUserId, added, removed }, _now);
            before["tags"] = removed;
            after["tags"] = added;
        }
        if (after.Count == 0)
        {
            return false;
        }
        Insert(new AuditEntry
        {
            Actor = actor,
            EntityType = nameof(FollowRelation),
            EntityId = relation.Id.ToString(),
            Action = "updated",
            Before = ContactTexts.ToJson(before),
            After = ContactTexts.ToJson(after),
            At = _now,
        });
        return true;
    }

    /// <summary>
    /// Makes the relation's tags from this platform match the snapshot. Tags from elsewhere
    /// (CrmChat-only tags) are left alone: the platform does not know them.
    /// </summary>
    private (List<Tag> Added, List<Tag> Removed) ApplyFollowTags(FollowRelation relation, FollowSnapshot follow, Platform platform)
    {
        var wanted = follow.Tags.Select(t => ResolveTag(platform, t)).DistinctBy(t => t.Id).ToList();
        var wantedIds = wanted.Select(t => t.Id).ToHashSet();
        var added = new List<Tag>();
        var removed = new List<Tag>();
        foreach (var tag in wanted.Where(t => relation.Tags.All(x => x.TagId != t.Id)))
        {
            var link = new FollowRelationTag
            {
                FollowRelationId = relation.Id,
                TagId = tag.Id,
                Tag = tag,
                Origin = TagOrigin.PlatformAdmin,
                AddedAt = _now,
            };
            Insert(link);
            relation.Tags.Add(link);
            added.Add(tag);
        }
        foreach (var link in relation.Tags.Where(x => x.Tag?.Platform == platform && !wantedIds.Contains(x.TagId)).ToList())
        {
            Delete(link);
            relation.Tags.Remove(link);
            removed.Add(link.Tag!);
        }
        return (added, removed);
    }

    private void AddActivity(Customer customer, ActivityKind kind, Guid? actorId, string text, object data, DateTimeOffset at)
    {
        Insert(new Activity
        {
            CustomerId = customer.Id,
            Kind = kind,
            ActorId = actorId,
            Text = ContactTexts.Clip(text, 4000)!,
            Data = ContactTexts.ToJson(new { source = _source.ToString(), details = data }),
            OccurredAt = at,
        });
    }

    private Employee Employee(Platform platform, string userId)
    {
        if (_employees.TryGetValue((platform, userId), out var employee))
        {
            return employee;
        }
        // Known by user id only until the employee sync fills in the name.
        employee = new Employee { Name = ContactTexts.Clip(userId, NameLength)!, CreatedAt = _now, UpdatedAt = _now };
        switch (platform)
        {
            case Platform.WeCom:
                employee.WeComUserId = userId;
                break;
            case Platform.DingTalk:
                employee.DingTalkUserId = userId;
                break;
        }
        Insert(employee);
        _employees[(platform, userId)] = employee;
        return employee;
    }

    private Tag ResolveTag(Platform platform, TagRef tagRef)
    {
        var groupName = ContactTexts.Clip(tagRef.GroupName, NameLength) is { Length: > 0 } g ? g : PersonalTagGroup;
        var tagName = ContactTexts.Clip(tagRef.TagName, NameLength) is { Length: > 0 } t ? t : tagRef.PlatformTagId ?? "?";
        if (!string.IsNullOrEmpty(tagRef.PlatformTagId))
        {
            if (_corpTags.TryGetValue((platform, tagRef.PlatformTagId), out var known))
            {
                return known;
            }
        }
        else if (_namedTags.TryGetValue((platform, groupName, tagName), out var named))
        {
            return named;
        }

        // Not in the catalogue yet (its sync runs separately): keep the tag under its group's
        // name; the catalogue sync later adopts it by its platform id.
        var group = Group(platform, groupName);
        var tag = new Tag
        {
            GroupId = group.Id,
            Group = group,
            Name = tagName,
            Platform = platform,
            PlatformTagId = string.IsNullOrEmpty(tagRef.PlatformTagId) ? null : tagRef.PlatformTagId,
            Origin = TagOrigin.PlatformAdmin,
            CreatedAt = _now,
        };
        Insert(tag);
        if (tag.PlatformTagId is null)
        {
            _namedTags[(platform, groupName, tagName)] = tag;
        }
        else
        {
            _corpTags[(platform, tag.PlatformTagId)] = tag;
        }
        return tag;
    }

    private TagGroup Group(Platform platform, string name)
    {
        if (_groups.TryGetValue((platform, name), out var group))
        {
            return group;
        }
        group = new TagGroup { Name = name, Platform = platform, Origin = TagOrigin.PlatformAdmin, CreatedAt = _now };
        Insert(group);
        _groups[(platform, name)] = group;
        return group;
    }

    private async Task LoadEmployeesAsync(Platform platform, IEnumerable<string> userIds, CancellationToken ct)
    {
        var ids = userIds.Where(u => !string.IsNullOrWhiteSpace(u)).Distinct().ToList();
        if (ids.Count == 0)
        {
            return;
        }
        var employees = platform switch
        {
            Platform.WeCom => await Query(_db.Employees).Where(e => e.WeComUserId != null && EF.Parameter(ids).Contains(e.WeComUserId)).ToListAsync(ct),
            Platform.DingTalk => await Query(_db.Employees).Where(e => e.DingTalkUserId != null && EF.Parameter(ids).Contains(e.DingTalkUserId)).ToListAsync(ct),
            _ => [],
        };
        foreach (var employee in employees)
        {
            _employees[(platform, employee.UserIdOn(platform)!)] = employee;
        }
    }

    private async Task LoadTagsAsync(Platform platform, List<TagRef> refs, CancellationToken ct)
    {
        var ids = refs.Select(r => r.PlatformTagId).OfType<string>().Where(id => id.Length > 0).Distinct().ToList();
        if (ids.Count > 0)
        {
            foreach (var tag in await Query(_db.Tags).Where(t => t.Platform == platform && t.PlatformTagId != null && EF.Parameter(ids).Contains(t.PlatformTagId)).ToListAsync(ct))
            {
                _corpTags[(platform, tag.PlatformTagId!)] = tag;
            }
        }

        var groupNames = refs.Select(r => ContactTexts.Clip(r.GroupName, NameLength) is { Length: > 0 } g ? g : PersonalTagGroup).Distinct().ToList();
        var groups = await Query(_db.TagGroups).Where(g => g.Platform == platform && EF.Parameter(groupNames).Contains(g.Name)).ToListAsync(ct);
        // Prefer a live catalogue group over a deleted one or a placeholder.
        foreach (var group in groups.OrderBy(g => g.DeletedAt is null ? 0 : 1).ThenBy(g => g.PlatformGroupId is null ? 1 : 0))
        {
            _groups.TryAdd((platform, group.Name), group);
        }

        var names = refs.Where(r => string.IsNullOrEmpty(r.PlatformTagId)).Select(r => r.TagName).Distinct().ToList();
        if (names.Count > 0)
        {
            var named = await Query(_db.Tags)
                .Include(t => t.Group)
                .Where(t => t.Platform == platform && t.PlatformTagId == null && EF.Parameter(names).Contains(t.Name))
                .ToListAsync(ct);
            foreach (var tag in named)
            {
                _namedTags.TryAdd((platform, tag.Group!.Name, tag.Name), tag);
            }
        }
    }

    private IQueryable<T> Query<T>(DbSet<T> set)
        where T : class => _rows is null ? set : set.AsNoTrackingWithIdentityResolution();

    private void Insert(object entity)
    {
        if (_rows is null)
        {
            _db.Add(entity);
        }
        else
        {
            _rows.Inserts.Add(entity);
        }
    }

    /// <summary>An entity loaded from the database changed (tracked ones are found by the context).</summary>
    private void Update(object entity) => _rows?.Updates.Add(entity);

    private void Delete(object entity)
    {
        if (_rows is null)
        {
            _db.Remove(entity);
        }
        else
        {
            _rows.Deletes.Add(entity);
        }
    }

    private void Register(Customer customer)
    {
        foreach (var identity in customer.Identities)
        {
            _byExternalId[(identity.Platform, identity.ExternalId)] = customer;
            if (identity.UnionId is { Length: > 0 } unionId)
            {
                _byUnionId.TryAdd(unionId, customer);
            }
        }
        foreach (var phone in customer.Phones)
        {
            AddToPhoneIndex(phone.E164, customer);
        }
    }

    private void AddToPhoneIndex(string phone, Customer customer)
    {
        if (!_byPhone.TryGetValue(phone, out var list))
        {
            _byPhone[phone] = list = [];
        }
        if (!list.Contains(customer))
        {
            list.Add(customer);
        }
    }

    private static IEnumerable<string> PhonesOf(ExternalContactSnapshot snapshot) =>
        snapshot.FollowUsers.SelectMany(f => f.RemarkMobiles).Select(m => PhoneNumber.Normalize(m)).OfType<string>();

    /// <summary>
    /// Whether the customer already known by a phone is plausibly the person in the snapshot:
    /// any name CrmChat has for them (name, platform names, reps' remarks) equals or contains
    /// any name in the snapshot, ignoring case, spaces and punctuation.
    /// </summary>
    private static bool NamesMatch(Customer existing, ExternalContactSnapshot snapshot)
    {
        var theirs = new[] { existing.Name }
            .Concat(existing.Identities.Select(i => i.DisplayName))
            .Concat(existing.Followers.Select(f => f.Remark))
            .Select(NameKey).Where(k => k.Length > 0).ToList();
        var ours = new[] { snapshot.Name }
            .Concat(snapshot.FollowUsers.Select(f => f.Remark))
            .Select(NameKey).Where(k => k.Length > 0).ToList();
        return theirs.Any(a => ours.Any(b => a == b || (Math.Min(a.Length, b.Length) >= 2 && (a.Contains(b, StringComparison.Ordinal) || b.Contains(a, StringComparison.Ordinal)))));
    }

    private static string NameKey(string? name) =>
        name is null ? "" : new string([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace CrmChat.Sandbox.WeCom;

/// <summary>Members, customers, follow relations and corp tags, and the externalcontact/* APIs over them.</summary>
public sealed partial class WeComSandbox
{
    /// <summary>Adds a member, or replaces the one with this userid (a rename, a new leader).</summary>
    public SandboxMember AddMember(string userId, string? name = null, string? mobile = null, int[]? department = null, string[]? directLeader = null)
    {
        lock (_gate)
        {
            var member = new SandboxMember(userId, name ?? userId, mobile ?? "", department is { Length: > 0 } ? department : [1], directLeader);
            if (!_members.ContainsKey(userId))
            {
                _memberOrder.Add(userId);
                _followsByMember[userId] = [];
            }
            _members[userId] = member;
            return member;
        }
    }

    /// <summary>
    /// The member leaves the corp: user/get no longer knows them (60111). Their customers stay
    /// with them until an admin hands them over, as on the platform.
    /// </summary>
    public bool RemoveMember(string userId)
    {
        lock (_gate)
        {
            if (!_members.Remove(userId))
            {
                return false;
            }
            _memberOrder.Remove(userId);
            return true;
        }
    }

    /// <summary>user/get as a self-built app created after June 2022 sees it: no mobile, email or avatar.</summary>
    public JsonObject GetUser(string? userId)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(userId))
            {
                return WeComReply.Error(WeComErrors.InvalidUserId, "invalid userid");
            }
            if (!_members.TryGetValue(userId, out var member))
            {
                return WeComReply.Error(WeComErrors.UserNotFound, "userid not found");
            }
            return WeComReply.Ok(new JsonObject
            {
                ["userid"] = member.UserId,
                ["name"] = member.Name,
                ["department"] = new JsonArray(member.Department.Select(d => (JsonNode)d).ToArray()),
                ["main_department"] = member.Department[0],
                ["direct_leader"] = new JsonArray((member.DirectLeader ?? []).Select(l => (JsonNode)l).ToArray()),
                ["status"] = 1,
            });
        }
    }

    public IReadOnlyList<SandboxMember> Members
    {
        get
        {
            lock (_gate)
            {
                return _memberOrder.Select(id => _members[id]).ToList();
            }
        }
    }

    public bool HasMember(string userId)
    {
        lock (_gate)
        {
            return _members.ContainsKey(userId);
        }
    }

    public string NewExternalUserId()
    {
        lock (_gate)
        {
            return NewId("wm");
        }
    }

    public string NewWelcomeCode()
    {
        lock (_gate)
        {
            return NewId("", 43);
        }
    }

    /// <summary>Creates the customer if new (else leaves it as it is) and the follow relation.</summary>
    /// <returns>The relation, or null when the member already follows the customer.</returns>
    public FollowRelation? AddFollow(string userId, SandboxCustomer customer, Action<FollowRelation>? fill = null)
    {
        lock (_gate)
        {
            if (!_members.ContainsKey(userId))
            {
                throw new SandboxException($"No member '{userId}': add the member first.");
            }
            if (!_customers.ContainsKey(customer.ExternalUserId))
            {
                _customers[customer.ExternalUserId] = customer;
                _followsByCustomer[customer.ExternalUserId] = [];
            }
            var follows = _followsByCustomer[customer.ExternalUserId];
            if (follows.Any(f => f.UserId == userId))
            {
                return null;
            }
            var relation = new FollowRelation
            {
                UserId = userId,
                ExternalUserId = customer.ExternalUserId,
                CreateTime = UnixNow,
                AddWay = 1,
                OperUserId = userId,
            };
            fill?.Invoke(relation);
            foreach (var tagId in relation.TagIds.ToList())
            {
                if (FindTag(tagId) is null)
                {
                    throw new SandboxException($"No corp tag '{tagId}'.");
                }
            }
            follows.Add(relation);
            _followsByMember[userId].Add(relation);
            return relation;
        }
    }

    public SandboxCustomer? FindCustomer(string externalUserId)
    {
        lock (_gate)
        {
            return _customers.GetValueOrDefault(externalUserId);
        }
    }

    /// <summary>Changes a follow relation as the member would in the WeCom client.</summary>
    public FollowRelation EditFollow(string userId, string externalUserId, Action<FollowRelation> change)
    {
        lock (_gate)
        {
            var relation = RequireFollow(userId, externalUserId);
            change(relation);
            return relation;
        }
    }

    /// <summary>Ends the relation (member deleted the customer, or the customer deleted the member).</summary>
    public void RemoveFollow(string userId, string externalUserId)
    {
        lock (_gate)
        {
            var relation = RequireFollow(userId, externalUserId);
            _followsByCustomer[externalUserId].Remove(relation);
            _followsByMember[userId].Remove(relation);
        }
    }

    public FollowRelation? FindFollow(string userId, string externalUserId)
    {
        lock (_gate)
        {
            return _followsByCustomer.GetValueOrDefault(externalUserId)?.FirstOrDefault(f => f.UserId == userId);
        }
    }

    private FollowRelation RequireFollow(string userId, string externalUserId) =>
        _followsByCustomer.GetValueOrDefault(externalUserId)?.FirstOrDefault(f => f.UserId == userId)
        ?? throw new SandboxException($"Member '{userId}' does not follow customer '{externalUserId}'.");

    public (int Members, int Customers, int Relations, int TagGroups, int Tags) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_members.Count, _customers.Count, _followsByMember.Values.Sum(l => l.Count),
                    _tagGroups.Count, _tagGroups.Sum(g => g.Tags.Count));
            }
        }
    }

    /// <summary>
    /// Fills the directory with <paramref name="memberCount"/> members and <paramref name="customerCount"/>
    /// customers, the same for the same seed: every customer has one follower, every tenth a second one,
    /// and most carry one or two tags from a small catalogue. Fires no callbacks.
    /// </summary>
    public void GenerateDirectory(int memberCount, int customerCount, int seed)
    {
        lock (_gate)
        {
            var random = new Random(seed);
            string RandomId(string prefix)
            {
                var chars = new char[30];
                for (var i = 0; i < chars.Length; i++)
                {
                    chars[i] = IdAlphabet[random.Next(IdAlphabet.Length)];
                }
                return prefix + new string(chars);
            }

            var tagIds = new List<string>();
            string[] groups = ["客户等级", "来源", "意向"];
            string[][] tags = [["A级", "B级", "C级"], ["展会", "转介绍", "官网"], ["高", "中", "低"]];
            for (var g = 0; g < groups.Length; g++)
            {
                var group = _tagGroups.FirstOrDefault(x => x.Name == groups[g]);
                if (group is null)
                {
                    group = new CorpTagGroup { GroupId = RandomId("et"), Name = groups[g], CreateTime = UnixNow, Order = g };
                    _tagGroups.Add(group);
                }
                foreach (var name in tags[g])
                {
                    var tag = group.Tags.FirstOrDefault(t => t.Name == name);
                    if (tag is null)
                    {
                        tag = new CorpTag { Id = RandomId("et"), Name = name, CreateTime = UnixNow };
                        group.Tags.Add(tag);
                    }
                    tagIds.Add(tag.Id);
                }
            }

            var memberIds = new List<string>();
            for (var m = 0; m < memberCount; m++)
            {
                var userId = $"rep{m + 1:D4}";
                memberIds.Add(userId);
                if (!_members.ContainsKey(userId))
                {
                    _memberOrder.Add(userId);
                    _followsByMember[userId] = [];
                }
                _members[userId] = new SandboxMember(userId, $"销售{m + 1}", $"1380000{m + 1:D4}", [1]);
            }
            if (memberIds.Count == 0)
            {
                return;
            }

            var baseTime = UnixNow - 86_400 * 365;
            for (var c = 0; c < customerCount; c++)
            {
                var customer = new SandboxCustomer
                {
                    ExternalUserId = RandomId("wm"),
                    Name = $"客户{c + 1}",
                    Type = random.Next(10) == 0 ? 2 : 1,
                    UnionId = RandomId("o"),
                    Gender = random.Next(3),
                    Avatar = $"https://sandbox.invalid/avatar/{c + 1}.png",
                };
                if (customer.Type == 2)
                {
                    customer.CorpName = $"公司{c % 97 + 1}";
                    customer.CorpFullName = $"上海公司{c % 97 + 1}有限公司";
                }
                _customers[customer.ExternalUserId] = customer;
                _followsByCustomer[customer.ExternalUserId] = [];

                var followers = new List<string> { memberIds[c % memberIds.Count] };
                if (c % 10 == 0 && memberIds.Count > 1)
                {
                    followers.Add(memberIds[(c + 1) % memberIds.Count]);
                }
                foreach (var userId in followers)
                {
                    var relation = new FollowRelation
                    {
                        UserId = userId,
                        ExternalUserId = customer.ExternalUserId,
                        Remark = random.Next(2) == 0 ? customer.Name + "（备注）" : "",
                        Description = "",
                        CreateTime = baseTime + c * 60L,
                        AddWay = random.Next(4),
                        OperUserId = userId,
                        RemarkMobiles = random.Next(3) == 0 ? [$"139{random.Next(100_000_000):D8}"] : [],
                    };
                    var tagCount = random.Next(3);
                    for (var t = 0; t < tagCount; t++)
                    {
                        var tagId = tagIds[random.Next(tagIds.Count)];
                        if (!relation.TagIds.Contains(tagId))
                        {
                            relation.TagIds.Add(tagId);
                        }
                    }
                    _followsByCustomer[customer.ExternalUserId].Add(relation);
                    _followsByMember[userId].Add(relation);
                }
            }
        }
    }

    // ---- corp tags ----------------------------------------------------------------------

    private (CorpTagGroup Group, CorpTag Tag)? FindTag(string tagId)
    {
        foreach (var group in _tagGroups)
        {
            var tag = group.Tags.FirstOrDefault(t => t.Id == tagId);
            if (tag is not null)
            {
                return (group, tag);
            }
        }
        return null;
    }

    /// <summary>Creates tags (and the group when new); returns the group and the new tag ids.</summary>
    public (CorpTagGroup Group, List<CorpTag> Created, bool GroupCreated) CreateTags(string? groupId, string? groupName, IEnumerable<(string Name, long Order)> tags, long groupOrder = 0)
    {
        lock (_gate)
        {
            var group = groupId is { Length: > 0 }
                ? _tagGroups.FirstOrDefault(g => g.GroupId == groupId) ?? throw new SandboxException($"No tag group '{groupId}'.", WeComErrors.InvalidTagId)
                : _tagGroups.FirstOrDefault(g => g.Name == groupName);
            var groupCreated = false;
            var requested = tags.ToList();
            if (requested.Count == 0 || requested.Any(t => string.IsNullOrWhiteSpace(t.Name)))
            {
                throw new SandboxException("tag names must not be empty", WeComErrors.InvalidParameter);
            }
            if (requested.Select(t => t.Name).Distinct().Count() != requested.Count
                || (group is not null && requested.Any(t => group.Tags.Any(x => x.Name == t.Name))))
            {
                throw new SandboxException("tag name exists", WeComErrors.TagNameExists);
            }
            if (group is null)
            {
                if (string.IsNullOrWhiteSpace(groupName))
                {
                    throw new SandboxException("group_id or group_name is required", WeComErrors.InvalidParameter);
                }
                group = new CorpTagGroup { GroupId = NewId("et"), Name = groupName, CreateTime = UnixNow, Order = groupOrder };
                _tagGroups.Add(group);
                groupCreated = true;
            }
            var created = new List<CorpTag>();
            foreach (var (name, order) in requested)
            {
                var tag = new CorpTag { Id = NewId("et"), Name = name, CreateTime = UnixNow, Order = order };
                group.Tags.Add(tag);
                created.Add(tag);
            }
            return (group, created, groupCreated);
        }
    }

    /// <summary>Renames or reorders a tag or a group; returns "tag" or "tag_group".</summary>
    public string EditTag(string id, string? name, long? order)
    {
        lock (_gate)
        {
            var group = _tagGroups.FirstOrDefault(g => g.GroupId == id);
            if (group is not null)
            {
                if (name is { Length: > 0 } && _tagGroups.Any(g => g != group && g.Name == name))
                {
                    throw new SandboxException("tag group name exists", WeComErrors.TagNameExists);
                }
                group.Name = name is { Length: > 0 } ? name : group.Name;
                group.Order = order ?? group.Order;
                return "tag_group";
            }
            var found = FindTag(id) ?? throw new SandboxException($"invalid tagid '{id}'", WeComErrors.InvalidTagId);
            if (name is { Length: > 0 } && found.Group.Tags.Any(t => t != found.Tag && t.Name == name))
            {
                throw new SandboxException("tag name exists", WeComErrors.TagNameExists);
            }
            found.Tag.Name = name is { Length: > 0 } ? name : found.Tag.Name;
            found.Tag.Order = order ?? found.Tag.Order;
            return "tag";
        }
    }

    /// <summary>Deletes tags and groups (a group left without tags goes too) and strips them from customers.</summary>
    public List<(string Id, string TagType)> DeleteTags(IReadOnlyCollection<string> tagIds, IReadOnlyCollection<string> groupIds)
    {
        lock (_gate)
        {
            if (tagIds.Count == 0 && groupIds.Count == 0)
            {
                throw new SandboxException("tag_id or group_id is required", WeComErrors.InvalidParameter);
            }
            foreach (var id in groupIds)
            {
                if (_tagGroups.All(g => g.GroupId != id))
                {
                    throw new SandboxException($"invalid group id '{id}'", WeComErrors.InvalidTagId);
                }
            }
            foreach (var id in tagIds)
            {
                if (FindTag(id) is null)
                {
                    throw new SandboxException($"invalid tagid '{id}'", WeComErrors.InvalidTagId);
                }
            }
            var deleted = new List<(string, string)>();
            var removedTagIds = new HashSet<string>();
            foreach (var group in _tagGroups.ToList())
            {
                if (groupIds.Contains(group.GroupId))
                {
                    removedTagIds.UnionWith(group.Tags.Select(t => t.Id));
                    _tagGroups.Remove(group);
                    deleted.Add((group.GroupId, "tag_group"));
                    continue;
                }
                foreach (var tag in group.Tags.Where(t => tagIds.Contains(t.Id)).ToList())
                {
                    group.Tags.Remove(tag);
                    removedTagIds.Add(tag.Id);
                    deleted.Add((tag.Id, "tag"));
                }
                if (group.Tags.Count == 0)
                {
                    _tagGroups.Remove(group);
                }
            }
            foreach (var relation in _followsByMember.Values.SelectMany(l => l))
            {
                relation.TagIds.RemoveAll(removedTagIds.Contains);
            }
            return deleted;
        }
    }

    /// <summary>Adds and removes corp tags on a follow relation.</summary>
    public void MarkTags(string userId, string externalUserId, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove)
    {
        lock (_gate)
        {
            if (!_members.ContainsKey(userId))
            {
                throw new SandboxException($"userid '{userId}' not found", WeComErrors.UserNotFound);
            }
            var relation = _followsByCustomer.GetValueOrDefault(externalUserId)?.FirstOrDefault(f => f.UserId == userId)
                ?? throw new SandboxException("not external contact", WeComErrors.NoExternalContactRelation);
            if (add.Count == 0 && remove.Count == 0)
            {
                throw new SandboxException("add_tag or remove_tag is required", WeComErrors.InvalidParameter);
            }
            foreach (var id in add.Concat(remove))
            {
                if (FindTag(id) is null)
                {
                    throw new SandboxException($"invalid tagid '{id}'", WeComErrors.InvalidTagId);
                }
            }
            relation.TagIds.RemoveAll(remove.Contains);
            foreach (var id in add.Where(id => !relation.TagIds.Contains(id)))
            {
                relation.TagIds.Add(id);
            }
        }
    }

    public JsonObject TagCatalogue(IReadOnlyCollection<string> tagIds, IReadOnlyCollection<string> groupIds)
    {
        lock (_gate)
        {
            var groups = new JsonArray();
            foreach (var group in _tagGroups.OrderBy(g => g.Order))
            {
                var wholeGroup = (tagIds.Count == 0 && groupIds.Count == 0) || groupIds.Contains(group.GroupId);
                var tags = group.Tags.Where(t => wholeGroup || tagIds.Contains(t.Id)).ToList();
                if (tags.Count == 0)
                {
                    continue;
                }
                groups.Add(TagGroupJson(group, tags));
            }
            return WeComReply.Ok(new JsonObject { ["tag_group"] = groups });
        }
    }

    private static JsonObject TagGroupJson(CorpTagGroup group, IEnumerable<CorpTag> tags) => new()
    {
        ["group_id"] = group.GroupId,
        ["group_name"] = group.Name,
        ["create_time"] = group.CreateTime,
        ["order"] = group.Order,
        ["deleted"] = false,
        ["tag"] = new JsonArray(tags.OrderBy(t => t.Order).Select(t => (JsonNode)new JsonObject
        {
            ["id"] = t.Id,
            ["name"] = t.Name,
            ["create_time"] = t.CreateTime,
            ["order"] = t.Order,
            ["deleted"] = false,
        }).ToArray()),
    };

    internal JsonObject TagGroupReply(CorpTagGroup group, IEnumerable<CorpTag> tags)
    {
        lock (_gate)
        {
            return WeComReply.Ok(new JsonObject { ["tag_group"] = TagGroupJson(group, tags) });
        }
    }

    // ---- externalcontact reads ----------------------------------------------------------

    private static JsonObject CustomerJson(SandboxCustomer c)
    {
        var json = new JsonObject
        {
            ["external_userid"] = c.ExternalUserId,
            ["name"] = c.Name,
            ["type"] = c.Type,
            ["avatar"] = c.Avatar,
            ["gender"] = c.Gender,
        };
        if (c.UnionId.Length > 0)
        {
            json["unionid"] = c.UnionId;
        }
        if (c.Type == 2)
        {
            json["position"] = c.Position;
            json["corp_name"] = c.CorpName;
            json["corp_full_name"] = c.CorpFullName;
        }
        return json;
    }

    private JsonObject FollowJson(FollowRelation f, bool tagsAsObjects)
    {
        var json = new JsonObject
        {
            ["userid"] = f.UserId,
            ["remark"] = f.Remark,
            ["description"] = f.Description,
            ["createtime"] = f.CreateTime,
        };
        if (tagsAsObjects)
        {
            json["tags"] = new JsonArray(f.TagIds.Select(FindTag).OfType<(CorpTagGroup Group, CorpTag Tag)>()
                .Select(t => (JsonNode)new JsonObject
                {
                    ["group_name"] = t.Group.Name,
                    ["tag_name"] = t.Tag.Name,
                    ["type"] = 1,
                    ["tag_id"] = t.Tag.Id,
                }).ToArray());
        }
        else
        {
            json["tag_id"] = new JsonArray(f.TagIds.Select(id => (JsonNode)JsonValue.Create(id)).ToArray());
        }
        json["remark_corp_name"] = f.RemarkCorpName;
        json["remark_mobiles"] = new JsonArray(f.RemarkMobiles.Select(m => (JsonNode)JsonValue.Create(m)).ToArray());
        json["oper_userid"] = f.OperUserId;
        json["add_way"] = f.AddWay;
        if (f.State.Length > 0)
        {
            json["state"] = f.State;
        }
        return json;
    }

    private static int ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(cursor));
            return text.StartsWith("sbx:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                ? offset
                : throw new SandboxException("invalid cursor", WeComErrors.InvalidParameter);
        }
        catch (FormatException)
        {
            throw new SandboxException("invalid cursor", WeComErrors.InvalidParameter);
        }
    }

    private static string MakeCursor(int offset) =>
        Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("sbx:" + offset.ToString(CultureInfo.InvariantCulture)));

    private static bool LooksLikeExternalUserId(string? id) =>
        id is { Length: > 2 and <= 64 } && (id.StartsWith("wm", StringComparison.Ordinal) || id.StartsWith("wo", StringComparison.Ordinal));

    public JsonObject GetExternalContact(string? externalUserId, string? cursor)
    {
        lock (_gate)
        {
            if (!LooksLikeExternalUserId(externalUserId))
            {
                return WeComReply.Error(WeComErrors.InvalidExternalUserId, "invalid external userid");
            }
            if (!_customers.TryGetValue(externalUserId!, out var customer) || _followsByCustomer[externalUserId!].Count == 0)
            {
                return WeComReply.Error(WeComErrors.NoExternalContactRelation, "not external contact");
            }
            var offset = ParseCursor(cursor);
            var follows = _followsByCustomer[externalUserId!];
            var page = follows.Skip(offset).Take(_corp.FollowUserPageSize).ToList();
            var reply = WeComReply.Ok(new JsonObject
            {
                ["external_contact"] = CustomerJson(customer),
                ["follow_user"] = new JsonArray(page.Select(f => (JsonNode)FollowJson(f, tagsAsObjects: true)).ToArray()),
            });
            if (offset + page.Count < follows.Count)
            {
                reply["next_cursor"] = MakeCursor(offset + page.Count);
            }
            return reply;
        }
    }

    public JsonObject BatchGetByUser(IReadOnlyList<string> userIds, string? cursor, int? limit)
    {
        lock (_gate)
        {
            if (userIds.Count is 0 or > 100)
            {
                return WeComReply.Error(WeComErrors.InvalidUserIdList, "userid_list must hold 1 to 100 userids");
            }
            var pageSize = limit ?? 50;
            if (pageSize is < 1 or > 100)
            {
                return WeComReply.Error(WeComErrors.InvalidParameter, "limit must be 1 to 100");
            }
            var known = userIds.Distinct().Where(_members.ContainsKey).ToList();
            if (known.Count == 0)
            {
                return WeComReply.Error(WeComErrors.UserNotFound, "userid not found");
            }
            var offset = ParseCursor(cursor);
            var page = known.SelectMany(u => _followsByMember[u]).Skip(offset).Take(pageSize).ToList();
            var total = known.Sum(u => _followsByMember[u].Count);
            var list = new JsonArray(page.Select(f => (JsonNode)new JsonObject
            {
                ["external_contact"] = CustomerJson(_customers[f.ExternalUserId]),
                ["follow_info"] = FollowJson(f, tagsAsObjects: false),
            }).ToArray());
            return WeComReply.Ok(new JsonObject
            {
                ["external_contact_list"] = list,
                ["next_cursor"] = offset + page.Count < total ? MakeCursor(offset + page.Count) : "",
            });
        }
    }

    /// <summary>get_follow_user_list: members with the customer-contact feature (every Sandbox member has it).</summary>
    public JsonObject FollowUserList()
    {
        lock (_gate)
        {
            return WeComReply.Ok(new JsonObject
            {
                ["follow_user"] = new JsonArray(_memberOrder.Select(id => (JsonNode)JsonValue.Create(id)).ToArray()),
            });
        }
    }

    public JsonObject ListExternalContacts(string? userId)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(userId) || !_members.ContainsKey(userId))
            {
                return WeComReply.Error(WeComErrors.UserNotFound, "userid not found");
            }
            var follows = _followsByMember[userId];
            if (follows.Count == 0)
            {
                return WeComReply.Error(WeComErrors.NoExternalContactRelation, "not external contact");
            }
            return WeComReply.Ok(new JsonObject
            {
                ["external_userid"] = new JsonArray(follows.Select(f => (JsonNode)JsonValue.Create(f.ExternalUserId)).ToArray()),
            });
        }
    }

    public JsonObject Remark(string? userId, string? externalUserId, JsonObject body)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(userId) || !_members.ContainsKey(userId))
            {
                return WeComReply.Error(WeComErrors.UserNotFound, "userid not found");
            }
            if (!LooksLikeExternalUserId(externalUserId))
            {
                return WeComReply.Error(WeComErrors.InvalidExternalUserId, "invalid external userid");
            }
            var relation = _followsByCustomer.GetValueOrDefault(externalUserId!)?.FirstOrDefault(f => f.UserId == userId);
            if (relation is null)
            {
                return WeComReply.Error(WeComErrors.NoExternalContactRelation, "not external contact");
            }
            if (body.ContainsKey("remark"))
            {
                relation.Remark = Str(body["remark"]) ?? "";
            }
            if (body.ContainsKey("description"))
            {
                relation.Description = Str(body["description"]) ?? "";
            }
            if (body.ContainsKey("remark_company"))
            {
                relation.RemarkCorpName = Str(body["remark_company"]) ?? "";
            }
            if (body.ContainsKey("remark_mobiles"))
            {
                relation.RemarkMobiles = StrList(body["remark_mobiles"]);
            }
            return WeComReply.Ok();
        }
    }
}

/// <summary>A driver or API request the Sandbox refuses; <see cref="ErrCode"/> is the platform's code when there is one.</summary>
public sealed class SandboxException(string message, int errCode = WeComErrors.InvalidParameter) : Exception(message)
{
    public int ErrCode { get; } = errCode;
}

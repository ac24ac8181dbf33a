using System.Runtime.CompilerServices;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>Customers and customer tags (externalcontact/*), called with the contact secret.</summary>
public interface IWeComExternalContactClient
{
    /// <summary>externalcontact/get: the customer and every member following them (all follow_user pages).</summary>
    Task<WeComContactDetail> GetContactAsync(string externalUserId, CancellationToken cancellationToken = default);

    /// <summary>
    /// externalcontact/batch/get_by_user, one page: up to 100 members' relations. Pass the
    /// previous page's <see cref="WeComContactPage.NextCursor"/> to continue (and to resume after a crash).
    /// </summary>
    Task<WeComContactPage> GetContactsByUserAsync(IReadOnlyList<string> userIds, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Every page of batch/get_by_user for up to 100 members, starting at <paramref name="cursor"/>.</summary>
    IAsyncEnumerable<WeComContactPage> GetAllContactsByUserAsync(IReadOnlyList<string> userIds, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>externalcontact/get_follow_user_list: the members who have the customer-contact feature.</summary>
    Task<IReadOnlyList<string>> GetFollowUserListAsync(CancellationToken cancellationToken = default);

    /// <summary>externalcontact/list: the external userids a member follows (empty when none: 84061).</summary>
    Task<IReadOnlyList<string>> ListContactIdsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>get_corp_tag_list: the tag catalogue, or only the given tags / groups.</summary>
    Task<IReadOnlyList<WeComCorpTagGroup>> GetCorpTagListAsync(IReadOnlyList<string>? tagIds = null, IReadOnlyList<string>? groupIds = null, CancellationToken cancellationToken = default);

    /// <summary>add_corp_tag: the group with the tags WeCom created (ids included).</summary>
    Task<WeComCorpTagGroup> AddCorpTagsAsync(WeComAddCorpTags tags, CancellationToken cancellationToken = default);

    /// <summary>edit_corp_tag: rename or reorder a tag or a group (<paramref name="id"/> is either).</summary>
    Task EditCorpTagAsync(string id, string? name = null, long? order = null, CancellationToken cancellationToken = default);

    /// <summary>del_corp_tag: delete tags and / or whole groups.</summary>
    Task DeleteCorpTagsAsync(IReadOnlyList<string>? tagIds = null, IReadOnlyList<string>? groupIds = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// mark_tag: add and remove corp tags on the relation between member <paramref name="userId"/>
    /// and customer <paramref name="externalUserId"/>. WeCom sends no callback for this: update CrmChat's state yourself.
    /// </summary>
    Task MarkTagAsync(string userId, string externalUserId, IReadOnlyList<string> addTagIds, IReadOnlyList<string> removeTagIds, CancellationToken cancellationToken = default);

    /// <summary>remark: the member's remark, description, company and mobiles for a customer (no callback either).</summary>
    Task RemarkAsync(WeComRemark remark, CancellationToken cancellationToken = default);
}

public sealed class WeComExternalContactClient(WeComApiTransport transport) : IWeComExternalContactClient
{
    public const int MaxUsersPerBatch = 100;
    public const int MaxBatchLimit = 100;

    public async Task<WeComContactDetail> GetContactAsync(string externalUserId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(externalUserId);
        var followUsers = new List<WeComFollowUser>();
        string? cursor = null;
        WeComExternalContact contact;
        do
        {
            var page = await transport.GetAsync<GetExternalContactResponse>(WeComSecret.Contact, "externalcontact/get",
                [new("external_userid", externalUserId), new("cursor", cursor)], cancellationToken).ConfigureAwait(false);
            contact = page.ExternalContact;
            followUsers.AddRange(page.FollowUser);
            cursor = page.NextCursor;
        }
        while (!string.IsNullOrEmpty(cursor));
        return new WeComContactDetail(contact, followUsers);
    }

    public async Task<WeComContactPage> GetContactsByUserAsync(IReadOnlyList<string> userIds, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        if (userIds.Count is 0 or > MaxUsersPerBatch)
        {
            throw new ArgumentException($"batch/get_by_user takes 1 to {MaxUsersPerBatch} userids per call; got {userIds.Count}.", nameof(userIds));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxBatchLimit);
        var response = await transport.PostAsync<BatchGetByUserResponse>(WeComSecret.Contact, "externalcontact/batch/get_by_user",
            new BatchGetByUserRequest { UserIdList = userIds, Cursor = string.IsNullOrEmpty(cursor) ? null : cursor, Limit = limit },
            cancellationToken).ConfigureAwait(false);
        return new WeComContactPage { ExternalContactList = response.ExternalContactList, NextCursor = response.NextCursor ?? "" };
    }

    public async IAsyncEnumerable<WeComContactPage> GetAllContactsByUserAsync(IReadOnlyList<string> userIds, string? cursor = null, int limit = 100,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        do
        {
            var page = await GetContactsByUserAsync(userIds, cursor, limit, cancellationToken).ConfigureAwait(false);
            yield return page;
            cursor = page.NextCursor;
        }
        while (cursor.Length > 0);
    }

    public async Task<IReadOnlyList<string>> GetFollowUserListAsync(CancellationToken cancellationToken = default)
    {
        var response = await transport.GetAsync<FollowUserListResponse>(WeComSecret.Contact, "externalcontact/get_follow_user_list",
            [], cancellationToken).ConfigureAwait(false);
        return response.FollowUser;
    }

    public async Task<IReadOnlyList<string>> ListContactIdsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        try
        {
            var response = await transport.GetAsync<ListExternalContactResponse>(WeComSecret.Contact, "externalcontact/list",
                [new("userid", userId)], cancellationToken).ConfigureAwait(false);
            return response.ExternalUserId;
        }
        catch (WeComApiException e) when (e.ErrCode == WeComApiException.MemberHasNoCustomers)
        {
            return [];
        }
    }

    public async Task<IReadOnlyList<WeComCorpTagGroup>> GetCorpTagListAsync(IReadOnlyList<string>? tagIds = null, IReadOnlyList<string>? groupIds = null, CancellationToken cancellationToken = default)
    {
        var response = await transport.PostAsync<GetCorpTagListResponse>(WeComSecret.Contact, "externalcontact/get_corp_tag_list",
            new GetCorpTagListRequest { TagId = tagIds, GroupId = groupIds }, cancellationToken).ConfigureAwait(false);
        return response.TagGroup;
    }

    public async Task<WeComCorpTagGroup> AddCorpTagsAsync(WeComAddCorpTags tags, CancellationToken cancellationToken = default)
    {
        if (tags.Tags.Count == 0 || tags.Tags.Any(t => string.IsNullOrWhiteSpace(t.Name)))
        {
            throw new ArgumentException("add_corp_tag needs at least one tag, each with a name.", nameof(tags));
        }
        if (tags.GroupId is null && string.IsNullOrWhiteSpace(tags.GroupName))
        {
            throw new ArgumentException("add_corp_tag needs a group_id or a group_name.", nameof(tags));
        }
        var response = await transport.PostAsync<AddCorpTagResponse>(WeComSecret.Contact, "externalcontact/add_corp_tag",
            new AddCorpTagRequest { GroupId = tags.GroupId, GroupName = tags.GroupName, Order = tags.Order, Tag = tags.Tags },
            cancellationToken).ConfigureAwait(false);
        return response.TagGroup;
    }

    public Task EditCorpTagAsync(string id, string? name = null, long? order = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return transport.PostAsync<WeComResponse>(WeComSecret.Contact, "externalcontact/edit_corp_tag",
            new EditCorpTagRequest { Id = id, Name = name, Order = order }, cancellationToken);
    }

    public Task DeleteCorpTagsAsync(IReadOnlyList<string>? tagIds = null, IReadOnlyList<string>? groupIds = null, CancellationToken cancellationToken = default)
    {
        if ((tagIds?.Count ?? 0) + (groupIds?.Count ?? 0) == 0)
        {
            throw new ArgumentException("del_corp_tag needs at least one tag id or group id.", nameof(tagIds));
        }
        return transport.PostAsync<WeComResponse>(WeComSecret.Contact, "externalcontact/del_corp_tag",
            new DelCorpTagRequest { TagId = tagIds, GroupId = groupIds }, cancellationToken);
    }

    public Task MarkTagAsync(string userId, string externalUserId, IReadOnlyList<string> addTagIds, IReadOnlyList<string> removeTagIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(externalUserId);
        if (addTagIds.Count + removeTagIds.Count == 0)
        {
            throw new ArgumentException("mark_tag needs a tag to add or to remove.", nameof(addTagIds));
        }
        return transport.PostAsync<WeComResponse>(WeComSecret.Contact, "externalcontact/mark_tag",
            new MarkTagRequest { UserId = userId, ExternalUserId = externalUserId, AddTag = addTagIds, RemoveTag = removeTagIds },
            cancellationToken);
    }

    public Task RemarkAsync(WeComRemark remark, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(remark.UserId);
        ArgumentException.ThrowIfNullOrWhiteSpace(remark.ExternalUserId);
        return transport.PostAsync<WeComResponse>(WeComSecret.Contact, "externalcontact/remark", remark, cancellationToken);
    }
}

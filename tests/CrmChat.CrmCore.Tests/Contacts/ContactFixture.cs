using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.CrmCore.Tests.Contacts;

/// <summary>A migrated database, a clock the test moves, and the services under test.</summary>
internal sealed class ContactFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    private readonly List<CrmDbContext> _contexts = [];

    private ContactFixture(TestDatabase database) => Database = database;

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; } = new(Start);

    public static async Task<ContactFixture> CreateAsync(DatabaseProvider provider) => new(await TestDatabase.CreateAsync(provider));

    /// <summary>A fresh context each time, as each inbox event or request gets its own scope.</summary>
    public CrmDbContext NewContext()
    {
        var db = Database.NewContext();
        _contexts.Add(db);
        return db;
    }

    public ContactSync Sync() => new(NewContext(), Clock, NullLogger<ContactSync>.Instance);

    public TagMarking Tagging(params IPlatformTagWriter[] writers) => new(NewContext(), Clock, writers);

    public Task<ContactApplyResult> ApplyAsync(ExternalContactSnapshot snapshot) =>
        Sync().ApplyContactAsync(snapshot, ContactChangeSource.Callback);

    public async Task<RowCounts> CountAsync()
    {
        await using var db = Database.NewContext();
        return new RowCounts(
            await db.Customers.CountAsync(),
            await db.CustomerIdentities.CountAsync(),
            await db.CustomerPhones.CountAsync(),
            await db.FollowRelations.CountAsync(),
            await db.FollowRelationTags.CountAsync(),
            await db.Employees.CountAsync(),
            await db.Tags.CountAsync(),
            await db.MergeCandidates.CountAsync(),
            await db.Activities.CountAsync(),
            await db.AuditEntries.CountAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var db in _contexts)
        {
            await db.DisposeAsync();
        }
        await Database.DisposeAsync();
    }
}

internal sealed record RowCounts(
    int Customers, int Identities, int Phones, int Relations, int RelationTags,
    int Employees, int Tags, int MergeCandidates, int Activities, int AuditEntries);

/// <summary>Snapshots as the WeCom connector would fill them.</summary>
internal static class Snapshots
{
    public static ExternalContactSnapshot Contact(string externalId, string name, params FollowSnapshot[] follows) => new()
    {
        Platform = Platform.WeCom,
        ExternalId = externalId,
        Name = name,
        Avatar = $"https://wework.qpic.cn/{externalId}.png",
        Type = ExternalContactType.WeChatUser,
        Gender = ContactGender.Female,
        FollowUsers = follows,
    };

    public static FollowSnapshot Follow(string userId, DateTimeOffset? createdAt = null, params TagRef[] tags) => new()
    {
        EmployeeUserId = userId,
        CreatedAt = createdAt ?? ContactFixture.Start.AddDays(-1),
        AddWay = 1,
        State = "expo-2026",
        Tags = tags,
    };

    public static TagRef Corp(string id, string name, string group = "客户等级") => new(id, group, name);
}

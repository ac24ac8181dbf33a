using CrmChat.CrmCore;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.CrmCore.Tests;

public sealed class DataModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    private static Employee Rep(string userId) => new() { Name = userId, WeComUserId = userId, CreatedAt = Now, UpdatedAt = Now };

    private static Customer NewCustomer(string name, Employee? owner = null) =>
        new() { Name = name, OwnerId = owner?.Id, CreatedAt = Now, UpdatedAt = Now };

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_platform_identity_belongs_to_one_customer_only(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var db = database.NewContext())
        {
            var first = NewCustomer("张三");
            first.Identities.Add(new CustomerIdentity { Platform = Platform.WeCom, ExternalId = "wmABC", CreatedAt = Now });
            db.Customers.Add(first);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var second = NewCustomer("张三 (copy)");
            second.Identities.Add(new CustomerIdentity { Platform = Platform.WeCom, ExternalId = "wmABC", CreatedAt = Now });
            db.Customers.Add(second);
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        await using (var db = database.NewContext())
        {
            Assert.Equal(1, await db.Customers.CountAsync());
            // The same id on another platform is another identity, not a clash.
            var other = await db.Customers.SingleAsync();
            db.CustomerIdentities.Add(new CustomerIdentity { CustomerId = other.Id, Platform = Platform.DingTalk, ExternalId = "wmABC", CreatedAt = Now });
            await db.SaveChangesAsync();
            Assert.Equal(2, await db.CustomerIdentities.CountAsync());
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task An_employee_follows_a_customer_once_and_ending_it_keeps_the_customer(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var rep = Rep("lisi");
        var customer = NewCustomer("王五", rep);
        await using (var db = database.NewContext())
        {
            db.Employees.Add(rep);
            customer.Followers.Add(new FollowRelation { EmployeeId = rep.Id, Platform = Platform.WeCom, Remark = "王总", RemarkMobiles = ["+8613800138000"], AddedAt = Now });
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            db.FollowRelations.Add(new FollowRelation { CustomerId = customer.Id, EmployeeId = rep.Id, Platform = Platform.WeCom, AddedAt = Now });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        await using (var db = database.NewContext())
        {
            var relation = await db.FollowRelations.SingleAsync();
            relation.EndedAt = Now.AddHours(1);
            relation.EndReason = FollowEndReason.RemovedByCustomer;
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var kept = await db.Customers.Include(c => c.Followers).SingleAsync();
            Assert.Equal("王五", kept.Name);
            var relation = Assert.Single(kept.Followers);
            Assert.False(relation.IsActive);
            Assert.Equal(FollowEndReason.RemovedByCustomer, relation.EndReason);
            Assert.Equal(["+8613800138000"], relation.RemarkMobiles);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Two_editors_of_the_same_customer_cannot_both_win(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var customer = NewCustomer("赵六");
        await using (var db = database.NewContext())
        {
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
        }

        await using var first = database.NewContext();
        await using var second = database.NewContext();
        var a = await first.Customers.SingleAsync();
        var b = await second.Customers.SingleAsync();
        a.Stage = CustomerStage.Negotiation;
        b.Stage = CustomerStage.Lost;
        await first.SaveChangesAsync();
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());

        await using var check = database.NewContext();
        Assert.Equal(CustomerStage.Negotiation, (await check.Customers.SingleAsync()).Stage);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Due_follow_ups_come_back_in_due_order_and_only_pending_ones(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var rep = Rep("zhangsan");
        var customer = NewCustomer("客户甲", rep);
        await using (var db = database.NewContext())
        {
            db.Employees.Add(rep);
            db.Customers.Add(customer);
            FollowUp Due(string note, double hours, FollowUpStatus status = FollowUpStatus.Pending) => new()
            {
                CustomerId = customer.Id, OwnerId = rep.Id, Note = note, DueAt = Now.AddHours(hours), Status = status, CreatedAt = Now,
            };
            db.FollowUps.AddRange(Due("later", 5), Due("second", -1), Due("first", -3), Due("done", -2, FollowUpStatus.Done), Due("future", 1));
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var due = await db.FollowUps
                .Where(f => f.Status == FollowUpStatus.Pending && f.DueAt <= Now)
                .OrderBy(f => f.DueAt)
                .Select(f => f.Note)
                .ToListAsync();
            Assert.Equal(["first", "second"], due);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_inbox_keeps_one_row_per_dedupe_key(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        InboxEvent Event() => new()
        {
            Platform = Platform.WeCom, EventType = "change_external_contact/add_external_contact",
            DedupeKey = "sys|1700000000|change_external_contact|add|zhangsan|wmABC", Payload = "<xml/>",
            ReceivedAt = Now, NextAttemptAt = Now,
        };
        await using (var db = database.NewContext())
        {
            db.InboxEvents.Add(Event());
            await db.SaveChangesAsync();
        }
        await using (var db = database.NewContext())
        {
            db.InboxEvents.Add(Event());
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
        await using (var db = database.NewContext())
        {
            Assert.Equal(1, await db.InboxEvents.CountAsync());
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_schema_matches_the_model_with_no_pending_changes(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.NewContext();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a migration: run scripts/add-migration.sh");
    }

    [Fact]
    public async Task On_PostgreSQL_the_inbox_is_vacuumed_at_a_gentler_pace_than_the_default()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSql);
        await using var db = database.NewContext();
        var options = await db.Database.SqlQueryRaw<string>(
            "SELECT unnest(reloptions) AS \"Value\" FROM pg_class WHERE relname = 'Inbox' AND relkind = 'r'").ToListAsync();
        Assert.Contains("autovacuum_vacuum_cost_delay=20", options);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using CrmChat.Bots.Api;
using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmChat.EndToEnd.Tests;

public sealed class WeComFullSyncTests
{
    private sealed record Counts(int Customers, int Identities, int Relations, int RelationTags, int Activities, int Audits, int Employees, DateTimeOffset? LastUpdate);

    private static async Task<Counts> CountAsync(TestDatabase database)
    {
        await using var db = database.NewContext();
        var updates = await db.Customers.Select(c => c.UpdatedAt).ToListAsync();
        return new Counts(
            await db.Customers.CountAsync(), await db.CustomerIdentities.CountAsync(), await db.FollowRelations.CountAsync(),
            await db.FollowRelationTags.CountAsync(), await db.Activities.CountAsync(), await db.AuditEntries.CountAsync(),
            await db.Employees.CountAsync(), updates.Count == 0 ? null : updates.Max());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_full_sync_of_50_members_and_10000_customers_is_complete_correct_and_repeatable(DatabaseProvider provider)
    {
        await using var world = await ChatWorld.StartAsync(provider, processorEnabled: false);
        await world.DriveAsync("directory/generate", new { members = 50, customers = 10_000, seed = 7 });
        var counts = world.Sandbox.WeCom.Counts;

        var start = await world.Api.PostAsync("/api/sync/wecom", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        await world.App.Services.GetRequiredService<WeComSyncRunner>().WaitAsync();
        var status = await world.EventuallyAsync("/api/sync/wecom", s => s["finishedAt"] is not null && !s["running"]!.GetValue<bool>(), 60_000);
        Assert.Null(status["lastError"]);
        Assert.Equal(status["total"]!.GetValue<int>(), status["done"]!.GetValue<int>());

        var first = await CountAsync(world.Database);
        Assert.Equal(10_000, counts.Customers);
        Assert.Equal(counts.Customers, first.Customers);
        Assert.Equal(counts.Customers, first.Identities);
        Assert.Equal(counts.Relations, first.Relations);
        Assert.Equal(counts.Members, first.Employees);
        Assert.Equal(counts.Relations, status["done"]!.GetValue<int>());

        // A sample, compared field by field with what WeCom holds.
        await using (var db = world.Database.NewContext())
        {
            var sample = await db.CustomerIdentities.OrderBy(i => i.ExternalId).Take(400).ToListAsync();
            foreach (var identity in sample.Where((_, n) => n % 20 == 0))
            {
                JsonNode platform = world.Sandbox.WeCom.GetExternalContact(identity.ExternalId, null);
                var customer = await db.Customers.Include(c => c.Followers).ThenInclude(f => f.Employee)
                    .Include(c => c.Followers).ThenInclude(f => f.Tags).ThenInclude(t => t.Tag)
                    .SingleAsync(c => c.Id == identity.CustomerId);
                Assert.Equal(platform["external_contact"]!["name"]!.GetValue<string>(), customer.Name);
                var follows = platform["follow_user"]!.AsArray();
                Assert.Equal(follows.Count, customer.Followers.Count);
                foreach (var follow in follows)
                {
                    var relation = customer.Followers.Single(f => f.Employee!.WeComUserId == follow!["userid"]!.GetValue<string>());
                    Assert.Equal(NullIfEmpty(follow!["remark"]?.GetValue<string>()), relation.Remark);
                    var expectedTags = follow["tags"]!.AsArray().Select(t => t!["tag_name"]!.GetValue<string>()).Order(StringComparer.Ordinal);
                    Assert.Equal(expectedTags, relation.Tags.Select(t => t.Tag!.Name).Order(StringComparer.Ordinal));
                }
            }
        }

        // A second run over the same directory changes nothing.
        Assert.Equal(HttpStatusCode.Accepted, (await world.Api.PostAsync("/api/sync/wecom", null)).StatusCode);
        await world.App.Services.GetRequiredService<WeComSyncRunner>().WaitAsync();
        Assert.Equal(first, await CountAsync(world.Database));
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

using CrmChat.CrmCore;
using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Quartz;

namespace CrmChat.Scheduler.Tests;

/// <summary>Writes one row per execution: which trigger, for which scheduled time, on which instance.</summary>
public sealed class RecordingJob(DatabaseOptions database) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "INSERT INTO cluster_fires (trigger_name, scheduled_ms, instance_id) VALUES (@t, @s, @i)", connection);
        command.Parameters.AddWithValue("t", context.Trigger.Key.Name);
        command.Parameters.AddWithValue("s", (context.ScheduledFireTimeUtc ?? context.FireTimeUtc).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("i", context.Scheduler.SchedulerInstanceId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public sealed class ClusterTests
{
    private sealed record Fire(string Trigger, long ScheduledMs, string Instance);

    /// <summary>A CrmChat instance as Program.cs builds it, minus the web host: CrmCore and the scheduler.</summary>
    private static async Task<IHost> StartInstanceAsync(TestDatabase database)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(database.HostSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Quartz:Clustered"] = "true",
            ["Outbox:Enabled"] = "false",
        });
        builder.AddCrmCore();
        builder.AddScheduler();
        builder.Services.AddTransient<RecordingJob>();
        var host = builder.Build();
        await host.StartAsync();
        var scheduler = await SchedulerOf(host);
        await Eventually.TrueAsync(async () => (await scheduler.GetMetadata(CancellationToken.None)).RunningSince is not null,
            "the clustered scheduler runs", timeoutMs: 20_000);
        return host;
    }

    private static ValueTask<IScheduler> SchedulerOf(IHost host) => host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

    private static async Task<List<Fire>> FiresAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT trigger_name, scheduled_ms, instance_id FROM cluster_fires", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var fires = new List<Fire>();
        while (await reader.ReadAsync())
        {
            fires.Add(new Fire(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
        }
        return fires;
    }

    private static void AssertEachTriggerTimeFiredOnce(List<Fire> fires)
    {
        var twice = fires.GroupBy(f => (f.Trigger, f.ScheduledMs)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Trigger}@{g.Key.ScheduledMs} on {string.Join(", ", g.Select(f => f.Instance))}").ToList();
        Assert.True(twice.Count == 0, "Fired more than once: " + string.Join("; ", twice));
    }

    [Fact]
    public async Task Two_instances_on_one_PostgreSQL_fire_each_trigger_time_once_and_the_survivor_carries_on()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSql);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE cluster_fires (trigger_name text NOT NULL, scheduled_ms bigint NOT NULL, instance_id text NOT NULL)", connection);
            await create.ExecuteNonQueryAsync();
        }
        var first = await StartInstanceAsync(database);
        var second = await StartInstanceAsync(database);
        var running = new List<IHost> { first, second };
        try
        {
            var one = await SchedulerOf(first);
            var two = await SchedulerOf(second);
            var metadata = await one.GetMetadata(CancellationToken.None);
            Assert.True(metadata.JobStoreClustered);
            Assert.True(metadata.JobStorePersistent);
            Assert.NotEqual(one.SchedulerInstanceId, two.SchedulerInstanceId);

            var job = JobBuilder.Create<RecordingJob>().WithIdentity("record", "cluster-test").StoreDurably().Build();
            var triggers = new[] { "every-second-a", "every-second-b" }
                .Select(name => TriggerBuilder.Create().WithIdentity(name, "cluster-test").ForJob(job.Key).StartNow()
                    .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(1)).RepeatForever()).Build())
                .ToList();
            await one.ScheduleJob(job, triggers, cancellationToken: CancellationToken.None);

            // Both instances compete for the same triggers for a few seconds.
            await Task.Delay(TimeSpan.FromSeconds(6));
            var shared = await FiresAsync(database);
            AssertEachTriggerTimeFiredOnce(shared);
            Assert.All(new[] { "every-second-a", "every-second-b" }, t => Assert.True(shared.Count(f => f.Trigger == t) >= 4, $"{t} fired {shared.Count(f => f.Trigger == t)} times in 6 s"));

            // The instance that fired last goes away; the other one keeps both triggers going.
            var lastInstance = shared.MaxBy(f => f.ScheduledMs)!.Instance;
            var (leaving, staying) = lastInstance == one.SchedulerInstanceId ? (first, second) : (second, first);
            var stayingId = (await SchedulerOf(staying)).SchedulerInstanceId;
            running.Remove(leaving);
            await leaving.StopAsync();
            leaving.Dispose();
            var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

            // The survivor looks for work at least every idle wait (5 s).
            await Task.Delay(QuartzClusterStore.IdleWaitTime + TimeSpan.FromSeconds(3));
            var all = await FiresAsync(database);
            AssertEachTriggerTimeFiredOnce(all);
            foreach (var t in new[] { "every-second-a", "every-second-b" })
            {
                var after = all.Where(f => f.Trigger == t && f.ScheduledMs > stoppedAt).ToList();
                Assert.True(after.Count >= 2, $"{t} fired {after.Count} times in the 8 s after one instance stopped");
                Assert.All(after, f => Assert.Equal(stayingId, f.Instance));
            }
        }
        finally
        {
            foreach (var host in running)
            {
                await host.StopAsync();
                host.Dispose();
            }
        }
    }

    [Fact]
    public void A_clustered_scheduler_on_SQLite_stops_start_up_naming_both_keys()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["Quartz:Clustered"] = "true",
        });

        var error = Assert.Throws<ConfigurationException>(() => builder.AddScheduler());

        Assert.Equal("Quartz:Clustered", error.Key);
        Assert.Contains("Quartz:Clustered", error.Message, StringComparison.Ordinal);
        Assert.Contains("Database:Provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSql or SqlServer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Clustered_value_that_is_not_a_boolean_stops_start_up_with_the_key_named()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Quartz:Clustered"] = "yes" });

        var error = Assert.Throws<ConfigurationException>(() => builder.AddScheduler());

        Assert.Equal("Quartz:Clustered", error.Key);
    }
}

using System.Data.Common;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Team;
using CrmChat.Scheduler.Jobs;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.Time.Testing;
using static CrmChat.Scheduler.Tests.Jobs.JobsHost;

namespace CrmChat.Scheduler.Tests.Jobs;

/// <summary>The reminder job's cost follows what is due, not the size of the table.</summary>
public sealed class ReminderScaleTests
{
    private const int Rows = 100_000;
    private const int Due = 200;
    private const int Reps = 100;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Among_100000_follow_ups_the_job_reads_only_the_200_due_by_index_and_reminds_each_once(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(At(9));
        await using var host = await JobsHost.StartAsync(database, clock);
        var now = At(10);
        var reps = await SeedAsync(host, now);

        clock.SetUtcNow(now);
        host.Queries.Clear();
        var run = await host.Reminders.RunAsync(CancellationToken.None);

        Assert.Equal(new ReminderRun(Due, Due, Due, 0, 0), run);
        var scans = host.Queries.Queries
            .Where(q => q.Sql.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && q.Sql.Contains("FROM \"FollowUps\"", StringComparison.Ordinal))
            .ToList();
        Assert.True(Due == scans.Sum(q => q.RowsRead), string.Join("\n---\n", scans.Select(q => $"{q.RowsRead}: {q.Sql}")));
        var plan = await ExplainAsync(database, scans[0]);
        Assert.Contains("IX_FollowUps_Status_DueAt", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);

        await using var db = database.NewContext();
        var queued = await db.OutboxMessages.AsNoTracking().Select(m => new { m.Target, m.DedupeKey }).ToListAsync();
        Assert.Equal(Due, queued.Count);
        Assert.Equal(Due, queued.Select(m => m.DedupeKey).Distinct().Count());
        Assert.All(reps, rep => Assert.Equal(Due / Reps, queued.Count(m => m.Target == rep.WeComUserId)));
        Assert.Equal(Due, await db.FollowUps.CountAsync(f => f.RemindedAt == now));

        clock.SetUtcNow(At(10, 1));
        Assert.Equal(0, (await host.Reminders.RunAsync(CancellationToken.None)).Read);
    }

    /// <summary>
    /// 100 reps with two due follow-ups each, written through EF; the other 99,800 rows in one
    /// INSERT … SELECT over a generated series, half pending and due an hour or more later, half done
    /// and due before: only the (Status, DueAt) index tells the due ones apart cheaply.
    /// </summary>
    private static async Task<List<Employee>> SeedAsync(JobsHost host, DateTimeOffset now)
    {
        var team = await host.TeamAsync("华东销售");
        await using var db = host.Database.NewContext();
        var reps = Enumerable.Range(0, Reps)
            .Select(i => new Employee { Name = $"rep{i}", WeComUserId = $"rep{i}", TeamId = team.Id, CreatedAt = now, UpdatedAt = now })
            .ToList();
        db.Employees.AddRange(reps);
        db.FollowUps.AddRange(Enumerable.Range(0, Due).Select(i => new FollowUp
        {
            OwnerId = reps[i % Reps].Id, DueAt = now.AddMinutes(-i), Note = $"due {i}", CreatedAt = now.AddDays(-1),
        }));
        await db.SaveChangesAsync();

        var rest = Rows - Due;
        var owner = reps[0].Id;
        string sql;
        if (host.Database.Provider == DatabaseProvider.Sqlite)
        {
            var converter = new DateTimeOffsetToBinaryConverter();
            long Bin(DateTimeOffset t) => (long)converter.ConvertToProvider(t)!;
            var hour = Bin(now.AddHours(1)) - Bin(now);
            var n = Bin(now);
            sql = $"""
                WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {rest - 1})
                INSERT INTO "FollowUps" ("Id","CustomerId","OwnerId","DueAt","Note","Status","CreatedAt","ConcurrencyStamp")
                SELECT printf('%08X-0000-7000-8000-%012X', i, i), NULL, '{owner.ToString().ToUpperInvariant()}',
                  CASE WHEN i % 2 = 0 THEN {n} + (i + 1) * {hour} ELSE {n} - (i + 1) * {hour} END,
                  'later or done', CASE WHEN i % 2 = 0 THEN 'Pending' ELSE 'Done' END, {n}, printf('%08X-0000-7000-9000-%012X', i, i)
                FROM s;
                ANALYZE;
                """;
        }
        else
        {
            var at = now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            sql = $"""
                INSERT INTO "FollowUps" ("Id","CustomerId","OwnerId","DueAt","Note","Status","CreatedAt","ConcurrencyStamp")
                SELECT md5('f' || i)::uuid, NULL, '{owner}',
                  CASE WHEN i % 2 = 0 THEN TIMESTAMPTZ '{at}+00' + (i + 1) * INTERVAL '1 hour'
                       ELSE TIMESTAMPTZ '{at}+00' - (i + 1) * INTERVAL '1 hour' END,
                  'later or done', CASE WHEN i % 2 = 0 THEN 'Pending' ELSE 'Done' END, TIMESTAMPTZ '{at}+00', md5('s' || i)::uuid
                FROM generate_series(0, {rest - 1}) AS i;
                ANALYZE "FollowUps";
                """;
        }
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(2));
        await db.Database.ExecuteSqlRawAsync(sql);
        Assert.Equal(Rows, await db.FollowUps.CountAsync());
        return reps;
    }

    /// <summary>The plan the database makes for the captured query, with the same parameters.</summary>
    private static async Task<string> ExplainAsync(TestDatabase database, CapturedQuery query)
    {
        await using var db = database.NewContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = (database.Provider == DatabaseProvider.Sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + query.Sql;
        foreach (var (name, value) in query.Parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        var lines = new List<string>();
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            // SQLite: id, parent, notused, detail; PostgreSQL: one line of text.
            lines.Add(reader.GetString(reader.FieldCount - 1));
        }
        return string.Join('\n', lines);
    }
}

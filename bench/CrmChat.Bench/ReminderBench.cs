using System.Diagnostics;
using System.Globalization;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CrmChat.Bench;

/// <summary>
/// The reminder scan: find the 1,000 due follow-ups and mark them reminded (what enqueueing a
/// reminder does) in tables of 10k, 100k and 1M rows. Exactly 1,000 rows are due; of the rest,
/// half are pending and due later, half are done and were due in the past, so only the
/// (Status, DueAt) index keeps the cost at what is due.
/// </summary>
public static class ReminderBench
{
    private const int Due = 1000;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        Report.UseFile(args.String("results", ""));
        var provider = args.String("provider", "sqlite");
        var sizes = args.Ints("rows", args.Smoke ? "10000,30000" : "10000,100000,1000000");
        var iterations = args.Int("iterations", args.Smoke ? 3 : 15);
        var warmups = args.Int("warmups", args.Smoke ? 1 : 3);
        // Run on each scan's connection first, for A/B runs of a setting (e.g. "PRAGMA mmap_size=0").
        var pragma = args.String("pragma", "");
        var bench = $"reminders/{provider}";

        // Every size is seeded first, then the scans take turns across the sizes, so a change
        // in the machine's load falls on all sizes alike and the ratio is taken per round, as
        // the ingest benchmark does against bare Kestrel.
        var databases = new Dictionary<int, (BenchDatabase Database, DateTimeOffset Now)>();
        foreach (var rows in sizes)
        {
            var database = await BenchDatabase.CreateAsync(provider, $"reminders-{rows}");
            var seed = Stopwatch.StartNew();
            databases[rows] = (database, await SeedAsync(database, rows));
            Report.Note(bench, string.Create(CultureInfo.InvariantCulture, $"{rows} rows seeded in {seed.Elapsed.TotalSeconds:0.0} s"));
        }
        var times = sizes.ToDictionary(r => r, _ => new List<double>());
        var ratios = new List<double>();
        for (var i = 0; i < warmups + iterations; i++)
        {
            var round = new Dictionary<int, double>();
            foreach (var rows in sizes)
            {
                var (database, now) = databases[rows];
                await using (var reset = database.CreateContext())
                {
                    await reset.FollowUps.Where(f => f.RemindedAt != null).ExecuteUpdateAsync(s => s.SetProperty(f => f.RemindedAt, (DateTimeOffset?)null));
                }
                await using var db = database.CreateContext();
                await db.Database.OpenConnectionAsync();
                if (pragma.Length > 0)
                {
                    await db.Database.ExecuteSqlRawAsync(pragma);
                }
                var clock = Stopwatch.StartNew();
                var marked = await ScanAsync(db, now);
                round[rows] = clock.Elapsed.TotalMilliseconds;
                if (marked != Due)
                {
                    throw new BenchFailedException($"{bench}: the scan marked {marked} follow-ups, expected {Due}");
                }
            }
            if (i >= warmups)
            {
                foreach (var (rows, ms) in round)
                {
                    times[rows].Add(ms);
                }
                ratios.Add(round[sizes.Max()] / round[sizes.Min()]);
            }
        }
        foreach (var rows in sizes)
        {
            Report.Figure(bench, $"scan+mark {Due} due among {rows:N0} rows", IngestBench.Median(times[rows]), "ms",
                string.Create(CultureInfo.InvariantCulture, $"median of {iterations}, min {times[rows].Min():0.0} max {times[rows].Max():0.0}"));
        }
        Report.Figure(bench, $"largest / smallest table ({sizes.Max():N0} vs {sizes.Min():N0})", IngestBench.Median(ratios), "x",
            string.Create(CultureInfo.InvariantCulture, $"median of {iterations} per-round ratios, scans interleaved across sizes; target <= 2x"));
        return 0;
    }

    /// <summary>What the reminder job does: the due page by index, then one conditional update.</summary>
    public static async Task<int> ScanAsync(CrmChat.CrmCore.Data.CrmDbContext db, DateTimeOffset now)
    {
        var due = await db.FollowUps.AsNoTracking()
            .Where(f => f.Status == FollowUpStatus.Pending && f.DueAt <= now && f.RemindedAt == null)
            .OrderBy(f => f.DueAt)
            .Select(f => f.Id)
            .Take(Due)
            .ToListAsync();
        return await db.FollowUps
            .Where(f => due.Contains(f.Id) && f.RemindedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.RemindedAt, now));
    }

    /// <summary>Seeds in SQL (a generated series), so a million rows take seconds, not minutes.</summary>
    private static async Task<DateTimeOffset> SeedAsync(BenchDatabase database, int rows)
    {
        var now = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
        Guid customerId, ownerId;
        await using (var db = database.CreateContext())
        {
            await db.Database.MigrateAsync();
            var owner = new Employee { Name = "rep", CreatedAt = now };
            var customer = new Customer { Name = "customer", CreatedAt = now, UpdatedAt = now };
            db.AddRange(owner, customer);
            await db.SaveChangesAsync();
            (customerId, ownerId) = (customer.Id, owner.Id);
        }
        // Row i: i < 1000 due in the last 1000 minutes; then alternately pending in the future and done in the past.
        var rest = rows - Due;
        string sql;
        if (database.IsSqlite)
        {
            var converter = new DateTimeOffsetToBinaryConverter();
            long Bin(DateTimeOffset t) => (long)converter.ConvertToProvider(t)!;
            var minute = Bin(now.AddMinutes(1)) - Bin(now);
            if (Bin(now.AddMinutes(2)) - Bin(now) != 2 * minute)
            {
                throw new BenchFailedException("the SQLite DateTimeOffset encoding is not linear in time; the seed needs another approach");
            }
            var n = Bin(now);
            sql = $"""
                WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {rows - 1})
                INSERT INTO "FollowUps" ("Id","CustomerId","OwnerId","DueAt","Note","Status","CreatedAt","ConcurrencyStamp")
                SELECT printf('%08X-0000-7000-8000-%012X', i, i), '{customerId.ToString().ToUpperInvariant()}', '{ownerId.ToString().ToUpperInvariant()}',
                  CASE WHEN i < {Due} THEN {n} - (i + 1) * {minute}
                       WHEN i % 2 = 0 THEN {n} + (i % 100000 + 1) * {minute}
                       ELSE {n} - (i % 100000 + 1) * {minute} END,
                  'call back', CASE WHEN i < {Due} OR i % 2 = 0 THEN 'Pending' ELSE 'Done' END, {n}, printf('%08X-0000-7000-9000-%012X', i, i)
                FROM s
                """;
        }
        else
        {
            sql = $"""
                INSERT INTO "FollowUps" ("Id","CustomerId","OwnerId","DueAt","Note","Status","CreatedAt","ConcurrencyStamp")
                SELECT md5(i::text)::uuid, '{customerId}', '{ownerId}',
                  CASE WHEN i < {Due} THEN TIMESTAMPTZ '2026-11-23 09:00:00+00' - (i + 1) * INTERVAL '1 minute'
                       WHEN i % 2 = 0 THEN TIMESTAMPTZ '2026-11-23 09:00:00+00' + (i % 100000 + 1) * INTERVAL '1 minute'
                       ELSE TIMESTAMPTZ '2026-11-23 09:00:00+00' - (i % 100000 + 1) * INTERVAL '1 minute' END,
                  'call back', CASE WHEN i < {Due} OR i % 2 = 0 THEN 'Pending' ELSE 'Done' END, TIMESTAMPTZ '2026-11-23 09:00:00+00', md5('s' || i)::uuid
                FROM generate_series(0, {rows - 1}) AS i;
                ANALYZE "FollowUps";
                """;
        }
        await using (var db = database.CreateContext())
        {
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
            await db.Database.ExecuteSqlRawAsync(sql);
            if (database.IsSqlite)
            {
                await db.Database.ExecuteSqlRawAsync("ANALYZE");
            }
        }
        _ = rest;
        return now;
    }
}

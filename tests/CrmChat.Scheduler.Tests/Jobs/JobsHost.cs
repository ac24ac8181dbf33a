using System.Collections.Concurrent;
using System.Data.Common;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Scheduler.Jobs;
using CrmChat.Scheduler.OutboxDispatch;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Scheduler.Tests.Jobs;

/// <summary>A query the jobs ran: its SQL, its parameters and how many rows were read from it (when read to the end, as a list is).</summary>
internal sealed record CapturedQuery(string Sql, IReadOnlyList<(string Name, object? Value)> Parameters, int RowsRead);

/// <summary>Records every query's SQL and the rows read from it, as the database driver saw them.</summary>
internal sealed class QueryCapture : DbCommandInterceptor
{
    public ConcurrentQueue<CapturedQuery> Queries { get; } = new();

    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        var parameters = command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToList();
        // ReadCount counts calls to Read: a result read to its end took one more call, which found no row.
        Queries.Enqueue(new CapturedQuery(command.CommandText, parameters, Math.Max(0, eventData.ReadCount - 1)));
        return result;
    }

    public void Clear() => Queries.Clear();
}

/// <summary>
/// The Scheduler as CrmChat composes it (CrmCore, the jobs, the outbox dispatcher) on a real
/// database and a fake clock, with scripted WeCom and DingTalk channels standing in for the
/// platforms. Quartz's triggers are off: tests run a job's work directly at the minute they set.
/// </summary>
internal sealed class JobsHost : IAsyncDisposable
{
    /// <summary>2026-11-24, a Tuesday.</summary>
    public static readonly DateTimeOffset Day = new(2026, 11, 24, 0, 0, 0, TimeSpan.FromHours(8));

    private readonly IHost _host;
    private int _seenWeCom;
    private int _seenDingTalk;

    private JobsHost(IHost host, TestDatabase database, FakeTimeProvider clock, QueryCapture queries, ScriptedChannel weCom, ScriptedChannel dingTalk)
    {
        _host = host;
        Database = database;
        Clock = clock;
        Queries = queries;
        WeCom = weCom;
        DingTalk = dingTalk;
    }

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; }
    public QueryCapture Queries { get; }
    public ScriptedChannel WeCom { get; }
    public ScriptedChannel DingTalk { get; }
    public IServiceProvider Services => _host.Services;

    public FollowUpReminders Reminders => Services.GetRequiredService<FollowUpReminders>();
    public Escalations Escalations => Services.GetRequiredService<Escalations>();
    public TeamCalendar Calendar => Services.GetRequiredService<TeamCalendar>();

    /// <summary>Shanghai time on <see cref="Day"/> (or <paramref name="days"/> later), as the UTC instant a clock gives.</summary>
    public static DateTimeOffset At(int hour, int minute = 0, int days = 0) => Day.AddDays(days).AddHours(hour).AddMinutes(minute).ToUniversalTime();

    public static Task<JobsHost> StartAsync(TestDatabase database, FakeTimeProvider clock, params (string Key, string? Value)[] settings) =>
        StartAsync(database, clock, [], settings);

    public static async Task<JobsHost> StartAsync(TestDatabase database, FakeTimeProvider clock, IEnumerable<IReconciliation> reconciliations,
        params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(
        [
            .. database.HostSettings(),
            new("Jobs:Enabled", "false"),
            new("Outbox:Enabled", "false"),
            new("Crm:TimeZone", "Asia/Shanghai"),
        ]);
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        var queries = new QueryCapture();
        var (weCom, dingTalk) = (new ScriptedChannel(Platform.WeCom), new ScriptedChannel(Platform.DingTalk));
        builder.AddCrmCore();
        builder.AddScheduler();
        builder.Services.ConfigureDbContext<SqliteCrmDbContext>(o => o.AddInterceptors(queries));
        builder.Services.ConfigureDbContext<PostgreSqlCrmDbContext>(o => o.AddInterceptors(queries));
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton<IRandomSource>(new FixedRandom(0));
        builder.Services.AddSingleton<IChatChannel>(weCom);
        builder.Services.AddSingleton<IChatChannel>(dingTalk);
        foreach (var reconciliation in reconciliations)
        {
            builder.Services.AddSingleton(reconciliation);
        }
        var host = builder.Build();
        await host.StartAsync();
        return new JobsHost(host, database, clock, queries, weCom, dingTalk);
    }

    /// <summary>Sends everything queued until the outbox is empty; returns what the platforms took since the last call.</summary>
    public async Task<List<(ChatDelivery Delivery, string DedupeKey)>> DeliverAsync()
    {
        var dispatcher = Services.GetRequiredService<OutboxDispatcher>();
        while (await dispatcher.RunOnceAsync(CancellationToken.None) > 0)
        {
        }
        var weCom = WeCom.Accepted.ToList();
        var dingTalk = DingTalk.Accepted.ToList();
        var fresh = weCom.Skip(_seenWeCom).Concat(dingTalk.Skip(_seenDingTalk)).ToList();
        (_seenWeCom, _seenDingTalk) = (weCom.Count, dingTalk.Count);
        return fresh;
    }

    // ---- arranging the CRM --------------------------------------------------------------------------

    public async Task<SalesTeam> TeamAsync(string name, string zone = "Asia/Shanghai", params TeamChatTarget[] targets)
    {
        await using var db = Database.NewContext();
        var team = new SalesTeam { Name = name, TimeZone = zone, ChatTargets = [.. targets] };
        db.Teams.Add(team);
        await db.SaveChangesAsync();
        return team;
    }

    public async Task<Employee> EmployeeAsync(string name, SalesTeam? team, string? weCom = null, string? dingTalk = null, Employee? manager = null,
        EmployeeStatus status = EmployeeStatus.Active)
    {
        await using var db = Database.NewContext();
        var employee = new Employee
        {
            Name = name, WeComUserId = weCom, DingTalkUserId = dingTalk, TeamId = team?.Id, ManagerId = manager?.Id, Status = status,
            CreatedAt = Clock.GetUtcNow(), UpdatedAt = Clock.GetUtcNow(),
        };
        db.Employees.Add(employee);
        await db.SaveChangesAsync();
        return employee;
    }

    public async Task<CrmCore.Customers.Customer> CustomerAsync(string name, Employee? owner, DateTimeOffset createdAt,
        CrmCore.Customers.CustomerStage stage = CrmCore.Customers.CustomerStage.Lead)
    {
        await using var db = Database.NewContext();
        var customer = new CrmCore.Customers.Customer { Name = name, OwnerId = owner?.Id, Stage = stage, CreatedAt = createdAt, UpdatedAt = createdAt };
        db.Customers.Add(customer);
        await db.SaveChangesAsync();
        return customer;
    }

    public async Task<FollowUp> FollowUpAsync(Employee owner, DateTimeOffset dueAt, string note, CrmCore.Customers.Customer? customer = null,
        FollowUpStatus status = FollowUpStatus.Pending)
    {
        await using var db = Database.NewContext();
        var followUp = new FollowUp
        {
            OwnerId = owner.Id, CustomerId = customer?.Id, DueAt = dueAt.ToUniversalTime(), Note = note, Status = status, CreatedAt = Clock.GetUtcNow(),
        };
        db.FollowUps.Add(followUp);
        await db.SaveChangesAsync();
        return followUp;
    }

    public async Task<FollowUp> ReloadAsync(FollowUp followUp)
    {
        await using var db = Database.NewContext();
        return await db.FollowUps.AsNoTracking().SingleAsync(f => f.Id == followUp.Id);
    }

    /// <summary>What the bot does on a Snooze click: a new due time, to be reminded again.</summary>
    public async Task SnoozeAsync(FollowUp followUp, TimeSpan by)
    {
        await using var db = Database.NewContext();
        var row = await db.FollowUps.SingleAsync(f => f.Id == followUp.Id);
        row.DueAt = Clock.GetUtcNow() + by;
        row.RemindedAt = null;
        await db.SaveChangesAsync();
    }

    /// <summary>What the bot does on a Done click.</summary>
    public async Task CompleteAsync(FollowUp followUp)
    {
        await using var db = Database.NewContext();
        var row = await db.FollowUps.SingleAsync(f => f.Id == followUp.Id);
        row.Status = FollowUpStatus.Done;
        row.CompletedAt = Clock.GetUtcNow();
        await db.SaveChangesAsync();
    }

    public async Task<List<OutboxMessage>> OutboxAsync()
    {
        await using var db = Database.NewContext();
        return await db.OutboxMessages.AsNoTracking().OrderBy(m => m.CreatedAt).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>Everything a person reads on a card, on one line: headings, texts, facts and button titles.</summary>
    public static string Text(AdaptiveCard card) =>
        string.Join(" | ", card.AllElements().SelectMany(e => e switch
        {
            TextBlock t => [t.Text],
            FactSet f => f.Facts.Select(x => $"{x.Title}: {x.Value}"),
            _ => Array.Empty<string>(),
        }).Concat(card.AllActions().Select(a => "[" + a.Title + "]")));
}

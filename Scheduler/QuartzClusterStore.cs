using CrmChat.CrmCore;
using CrmChat.CrmCore.Data;
using Microsoft.Extensions.Configuration;
using Quartz;

namespace CrmChat.Scheduler;

/// <summary>
/// <c>Quartz:Clustered</c>: every CrmChat instance keeps its schedule in the CRM database
/// (AdoJobStore, tables from the CRM migrations), so each trigger fires once across the cluster and
/// a live instance takes over the work of one that died.
/// </summary>
public static class QuartzClusterStore
{
    public const string ClusteredKey = "Quartz:Clustered";

    /// <summary>Quartz's default prefix; the QuartzTables migration creates the tables under it.</summary>
    public const string TablePrefix = "qrtz_";

    /// <summary>Every instance shares this name: Quartz clusters the schedulers with the same name on one database.</summary>
    public const string SchedulerName = "CrmChat";

    /// <summary>
    /// How often an instance says it is alive, and how long after a missed check-in the others treat
    /// it as dead and recover its work. The threshold is above a long GC or VM pause, so a live
    /// instance is not written off; a dead one's work is taken over within about 30 s.
    /// </summary>
    public static readonly TimeSpan CheckinInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan CheckinMisfireThreshold = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long an instance with nothing due sleeps before it looks again. Another instance's
    /// schedule changes and a peer's graceful stop do not wake it, so this bounds how late it notices
    /// them; one cheap query per instance every few seconds.
    /// </summary>
    public static readonly TimeSpan IdleWaitTime = TimeSpan.FromSeconds(5);

    /// <summary>A trigger later than this (all instances busy or down) follows its misfire policy instead of firing late.</summary>
    public static readonly TimeSpan MisfireThreshold = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Reads <c>Quartz:Clustered</c>; when true, the database it clusters on. SQLite is refused: its
    /// file belongs to one process, so there is nothing for a second instance to share.
    /// </summary>
    public static DatabaseOptions? ReadClusterDatabase(IConfiguration configuration, string contentRoot)
    {
        var text = configuration[ClusteredKey];
        var clustered = false;
        if (!string.IsNullOrWhiteSpace(text) && !bool.TryParse(text, out clustered))
        {
            throw new ConfigurationException(ClusteredKey, $"'{text}' is not true or false.");
        }
        if (!clustered)
        {
            return null;
        }
        var database = DatabaseOptions.Read(configuration, contentRoot);
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            throw new ConfigurationException(ClusteredKey,
                "true needs a database the instances share, but Database:Provider is Sqlite. " +
                "Set Database:Provider to PostgreSql or SqlServer (with ConnectionStrings:Crm), or set Quartz:Clustered to false to run one instance with jobs in memory.");
        }
        return database;
    }

    /// <summary>AdoJobStore on the CRM database, clustered, instance id generated per process (AUTO).</summary>
    public static void UseClusteredStore(this IQuartzBuilder quartz, DatabaseOptions database)
    {
        quartz.ConfigureScheduler(s =>
        {
            s.InstanceName = SchedulerName;
            s.GenerateInstanceId = true;
            s.IdleWaitTime = IdleWaitTime;
        });
        quartz.UsePersistentStore(store =>
        {
            switch (database.Provider)
            {
                case DatabaseProvider.PostgreSql:
                    store.UsePostgres(database.ConnectionString);
                    break;
                case DatabaseProvider.SqlServer:
                    store.UseSqlServer(database.ConnectionString);
                    break;
                default:
                    throw new ConfigurationException(ClusteredKey, $"Database:Provider {database.Provider} cannot hold a clustered schedule.");
            }
            store.ConfigureStore(o =>
            {
                o.TablePrefix = TablePrefix;
                // Job data as strings: readable in the database and safe across CrmChat versions.
                o.StoreJobDataAsStrings = true;
                o.MisfireThreshold = MisfireThreshold;
            });
            store.UseClustering(c =>
            {
                c.CheckinInterval = CheckinInterval;
                c.CheckinMisfireThreshold = CheckinMisfireThreshold;
            });
            store.UseSystemTextJsonSerializer();
        });
    }
}

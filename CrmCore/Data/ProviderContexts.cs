using Microsoft.EntityFrameworkCore;
using CrmChat.CrmCore.Messaging;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CrmChat.CrmCore.Data;

public enum DatabaseProvider
{
    Sqlite = 1,
    PostgreSql = 2,
    SqlServer = 3,
}

public sealed class SqliteCrmDbContext(DbContextOptions<SqliteCrmDbContext> options) : CrmDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        // SQLite cannot compare or sort DateTimeOffset text; every time CrmChat stores is UTC,
        // so a binary (ticks) column keeps "due before now" queries and ORDER BY in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

public sealed class PostgreSqlCrmDbContext(DbContextOptions<PostgreSqlCrmDbContext> options) : CrmDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.PostgreSql;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // The inbox takes every callback and answers only after its commit. Autovacuum at its
        // default pace (2 ms between cost rounds) dirtied and wrote back the whole table in a few
        // seconds, and the commits queued behind its WAL flushes: callbacks waited 100-200 ms.
        // Ten times gentler, a vacuum of the inbox takes longer and the webhook does not notice.
        modelBuilder.Entity<InboxEvent>().HasStorageParameter("autovacuum_vacuum_cost_delay", 20);
    }
}

public sealed class SqlServerCrmDbContext(DbContextOptions<SqlServerCrmDbContext> options) : CrmDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.SqlServer;
}

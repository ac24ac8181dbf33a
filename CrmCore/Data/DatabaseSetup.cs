using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CrmChat.CrmCore.Data;

public static class DatabaseSetup
{
    /// <summary>Registers <see cref="CrmDbContext"/> on the configured provider.</summary>
    public static IServiceCollection AddCrmDatabase(this IServiceCollection services, DatabaseOptions options)
    {
        services.AddSingleton(options);
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                services.AddDbContext<CrmDbContext, SqliteCrmDbContext>(o => UseProvider(o, options));
                break;
            case DatabaseProvider.PostgreSql:
                services.AddDbContext<CrmDbContext, PostgreSqlCrmDbContext>(o => UseProvider(o, options));
                break;
            case DatabaseProvider.SqlServer:
                services.AddDbContext<CrmDbContext, SqlServerCrmDbContext>(o => UseProvider(o, options));
                break;
            default:
                throw new ConfigurationException("Database:Provider", $"{options.Provider} is not supported.");
        }
        return services;
    }

    public static void UseProvider(DbContextOptionsBuilder builder, DatabaseOptions options)
    {
        // A failed command also throws, and the code that catches it decides how loud it is:
        // a duplicate delivery racing into the inbox's unique key is normal, not an error.
        builder.ConfigureWarnings(w => w.Log((RelationalEventId.CommandError, LogLevel.Debug)));
        // One method per provider: compiling a method that names all three would load all
        // three providers' assemblies (and their code) into every host.
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                UseSqlite(builder, options.ConnectionString);
                break;
            case DatabaseProvider.PostgreSql:
                UsePostgreSql(builder, options.ConnectionString);
                break;
            case DatabaseProvider.SqlServer:
                UseSqlServer(builder, options.ConnectionString);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UseSqlite(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlite(connectionString).AddInterceptors(SqlitePragmas.Instance);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UsePostgreSql(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UseSqlServer(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlServer(connectionString);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CreateSqliteFolder(string connectionString)
    {
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var folder = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
    }

    /// <summary>Creates a context outside dependency injection (tools, tests, the CLI).</summary>
    public static CrmDbContext CreateContext(DatabaseOptions options)
    {
        return options.Provider switch
        {
            DatabaseProvider.Sqlite => new SqliteCrmDbContext(Build<SqliteCrmDbContext>(options)),
            DatabaseProvider.PostgreSql => new PostgreSqlCrmDbContext(Build<PostgreSqlCrmDbContext>(options)),
            DatabaseProvider.SqlServer => new SqlServerCrmDbContext(Build<SqlServerCrmDbContext>(options)),
            _ => throw new ConfigurationException("Database:Provider", $"{options.Provider} is not supported."),
        };
    }

    private static DbContextOptions<T> Build<T>(DatabaseOptions options)
        where T : DbContext
    {
        var builder = new DbContextOptionsBuilder<T>();
        UseProvider(builder, options);
        return builder.Options;
    }

    /// <summary>
    /// Brings the schema up to date where the configuration allows it: SQLite always (its file
    /// and folder are created on first run), the servers only with Database:MigrateOnStart.
    /// </summary>
    public static async Task MigrateIfConfiguredAsync(CrmDbContext db, DatabaseOptions options, ILogger logger, CancellationToken ct)
    {
        if (!options.ShouldMigrateOnStart)
        {
            logger.LogInformation("Database {Provider}: migrations are not applied on start (Database:MigrateOnStart is false)", options.Provider);
            return;
        }
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            CreateSqliteFolder(options.ConnectionString);
        }
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Database {Provider}: applying {Count} migration(s)", options.Provider, pending.Count);
            await db.Database.MigrateAsync(ct);
        }
    }
}

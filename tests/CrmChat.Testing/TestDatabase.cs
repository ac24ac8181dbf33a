using CrmChat.CrmCore.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace CrmChat.Testing;

/// <summary>
/// A fresh, migrated CRM database for one test, on a real engine: a SQLite file, or a
/// database on the PostgreSQL server that ./test.sh starts (CRMCHAT_TEST_POSTGRES).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "CRMCHAT_TEST_POSTGRES";
    public const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Timeout=15";

    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? _template;
    private readonly string? _postgresDatabase;
    private readonly string? _sqliteFolder;

    private TestDatabase(DatabaseOptions options, string? postgresDatabase, string? sqliteFolder)
    {
        Options = options;
        _postgresDatabase = postgresDatabase;
        _sqliteFolder = sqliteFolder;
    }

    public DatabaseOptions Options { get; }
    public DatabaseProvider Provider => Options.Provider;
    public string ConnectionString => Options.ConnectionString;

    /// <summary>The providers every data test runs on.</summary>
    public static TheoryData<DatabaseProvider> Providers => new(DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql);

    public static string PostgresServer =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } s ? s : DefaultPostgres;

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var folder = Directory.CreateTempSubdirectory("crmchat-test-").FullName;
                var sqlite = OptionsFor(provider, $"Data Source={Path.Combine(folder, "crm.db")};Pooling=False");
                await using (var db = DatabaseSetup.CreateContext(sqlite))
                {
                    await DatabaseSetup.MigrateIfConfiguredAsync(db, sqlite, NullLogger.Instance, CancellationToken.None);
                }
                return new TestDatabase(sqlite, null, folder);
            case DatabaseProvider.PostgreSql:
                var template = await EnsurePostgresTemplateAsync();
                var name = "crmchat_t_" + Guid.NewGuid().ToString("N")[..16];
                await ExecuteOnServerAsync($"CREATE DATABASE {name} TEMPLATE {template}");
                return new TestDatabase(OptionsFor(provider, WithDatabase(name)), name, null);
            default:
                throw new NotSupportedException($"{provider} has no server on the build machines.");
        }
    }

    public CrmDbContext NewContext() => DatabaseSetup.CreateContext(Options);

    /// <summary>Configuration a CrmChat host needs to run on this database.</summary>
    public IEnumerable<KeyValuePair<string, string?>> HostSettings() =>
    [
        new("Database:Provider", Provider.ToString()),
        new("Database:MigrateOnStart", "true"),
        new("ConnectionStrings:Crm", ConnectionString),
    ];

    public async ValueTask DisposeAsync()
    {
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {_postgresDatabase} WITH (FORCE)");
        }
        if (_sqliteFolder is not null)
        {
            try
            {
                Directory.Delete(_sqliteFolder, recursive: true);
            }
            catch (IOException)
            {
                // A host still closing its file; the temp folder is cleaned by the OS.
            }
        }
    }

    private static DatabaseOptions OptionsFor(DatabaseProvider provider, string connectionString) => new()
    {
        Provider = provider,
        MigrateOnStart = true,
        ConnectionString = connectionString,
    };

    private static string WithDatabase(string database) =>
        new NpgsqlConnectionStringBuilder(PostgresServer) { Database = database }.ConnectionString;

    /// <summary>Migrates once per test process; each test then clones it, which takes milliseconds.</summary>
    private static async Task<string> EnsurePostgresTemplateAsync()
    {
        await TemplateLock.WaitAsync();
        try
        {
            if (_template is not null)
            {
                return _template;
            }
            var name = "crmchat_tpl_" + Guid.NewGuid().ToString("N")[..16];
            await ExecuteOnServerAsync($"CREATE DATABASE {name}");
            var options = OptionsFor(DatabaseProvider.PostgreSql, WithDatabase(name));
            await using (var db = DatabaseSetup.CreateContext(options))
            {
                await db.Database.MigrateAsync();
            }
            NpgsqlConnection.ClearAllPools();
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)").GetAwaiter().GetResult();
            _template = name;
            return name;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    private static async Task ExecuteOnServerAsync(string sql)
    {
        // Generous limits: creating a database from a template is slow on a busy 2-core machine.
        var server = new NpgsqlConnectionStringBuilder(PostgresServer)
        {
            Database = "postgres", Pooling = false, Timeout = 30, CommandTimeout = 120,
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(server.ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                if (attempt < 3 && ex is NpgsqlException { IsTransient: true } or TimeoutException)
                {
                    await Task.Delay(TimeSpan.FromSeconds(attempt));
                    continue;
                }
                throw new InvalidOperationException(
                    $"PostgreSQL is not reachable at {server.Host}:{server.Port} ({ex.Message}). " +
                    $"Run ./test.sh, which installs and starts it, or set {PostgresVariable}.", ex);
            }
        }
    }
}

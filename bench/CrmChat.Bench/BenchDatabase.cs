using CrmChat.CrmCore.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrmChat.Bench;

/// <summary>A fresh, empty database for one benchmark: a SQLite file or a PostgreSQL database.</summary>
public sealed class BenchDatabase
{
    private BenchDatabase(string provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
    }

    /// <summary>"Sqlite" or "PostgreSql", as Database:Provider spells it.</summary>
    public string Provider { get; }
    public string ConnectionString { get; }
    public bool IsSqlite => Provider == "Sqlite";

    public static string PostgresServer =>
        Environment.GetEnvironmentVariable("CRMCHAT_BENCH_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Timeout=10";

    public static async Task<BenchDatabase> CreateAsync(string provider, string name)
    {
        // Engineers benchmarking side by side on one machine set different suffixes, so one
        // run does not delete the other's SQLite file or drop its PostgreSQL database.
        name += Environment.GetEnvironmentVariable("CRMCHAT_BENCH_DB_SUFFIX") ?? "";
        if (provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var folder = Path.Combine(Path.GetTempPath(), "crmchat-bench");
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, name + ".db");
            foreach (var f in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(f);
            }
            SqliteConnection.ClearAllPools();
            return new BenchDatabase("Sqlite", $"Data Source={file}");
        }
        if (provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            var database = "crmchat_bench_" + name.Replace('-', '_');
            // Pooled connections to a database dropped WITH (FORCE) are dead.
            NpgsqlConnection.ClearAllPools();
            await using (var admin = new NpgsqlConnection(PostgresServer + ";Database=postgres"))
            {
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }
            return new BenchDatabase("PostgreSql", PostgresServer + $";Database={database}");
        }
        throw new BenchFailedException($"unknown provider '{provider}' (sqlite or postgres)");
    }

    public DatabaseOptions Options => new()
    {
        Provider = IsSqlite ? DatabaseProvider.Sqlite : DatabaseProvider.PostgreSql,
        MigrateOnStart = true,
        ConnectionString = ConnectionString,
    };

    public CrmDbContext CreateContext() => DatabaseSetup.CreateContext(Options);

    /// <summary>Runs a scalar query with plain ADO.NET (no EF in the measured numbers).</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var context = CreateContext();
        var connection = context.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

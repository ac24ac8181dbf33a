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

    /// <summary>
    /// The database is named after the benchmark and this process, so two bench runs on one machine
    /// (a CI smoke run beside someone's full run) never share or drop each other's database; those
    /// left by bench processes that are gone are removed first.
    /// </summary>
    public static async Task<BenchDatabase> CreateAsync(string provider, string name)
    {
        var prefix = name.Replace('-', '_') + "_";
        var own = prefix + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var folder = Path.Combine(Path.GetTempPath(), "crmchat-bench");
            Directory.CreateDirectory(folder);
            SqliteConnection.ClearAllPools();
            foreach (var stale in Directory.GetFiles(folder, prefix + "*"))
            {
                var owner = Path.GetFileName(stale)[prefix.Length..].Split('.')[0];
                if (owner.Length > 0 && owner.All(char.IsAsciiDigit) && (!IsRunning(owner) || owner == own[prefix.Length..]))
                {
                    File.Delete(stale);
                }
            }
            return new BenchDatabase("Sqlite", $"Data Source={Path.Combine(folder, own + ".db")}");
        }
        if (provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            var database = "crmchat_bench_" + own;
            // Pooled connections to a database dropped WITH (FORCE) are dead.
            NpgsqlConnection.ClearAllPools();
            await using (var admin = new NpgsqlConnection(PostgresServer + ";Database=postgres"))
            {
                await admin.OpenAsync();
                var existing = new List<string>();
                await using (var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE @p", admin))
                {
                    list.Parameters.AddWithValue("p", "crmchat_bench_" + prefix.Replace("_", "\\_", StringComparison.Ordinal) + "%");
                    await using var reader = await list.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        existing.Add(reader.GetString(0));
                    }
                }
                foreach (var stale in existing.Where(d => d == database || IsLeftOver(d[("crmchat_bench_" + prefix).Length..])))
                {
                    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {stale} WITH (FORCE)", admin);
                    await drop.ExecuteNonQueryAsync();
                }
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }
            return new BenchDatabase("PostgreSql", PostgresServer + $";Database={database}");
        }
        throw new BenchFailedException($"unknown provider '{provider}' (sqlite or postgres)");
    }

    private static bool IsLeftOver(string pid) => pid.Length > 0 && pid.All(char.IsAsciiDigit) && !IsRunning(pid);

    /// <summary>True when <paramref name="pid"/> names a process alive on this machine (another bench run).</summary>
    private static bool IsRunning(string pid)
    {
        if (!int.TryParse(pid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return false;
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(id);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
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

using Microsoft.Extensions.Configuration;

namespace CrmChat.CrmCore.Data;

/// <summary>The <c>Database</c> section and <c>ConnectionStrings:Crm</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; init; } = DatabaseProvider.Sqlite;
    /// <summary>PostgreSQL and SQL Server migrate on start only when asked; SQLite always does.</summary>
    public bool MigrateOnStart { get; init; }
    /// <summary>Where the embedded SQLite file lives when no connection string is given.</summary>
    public string DataFolder { get; init; } = "data";
    public required string ConnectionString { get; init; }

    public bool ShouldMigrateOnStart => Provider == DatabaseProvider.Sqlite || MigrateOnStart;

    /// <summary>
    /// Reads and checks the database settings. They are needed while services are being
    /// registered, before options validation runs, so errors are raised here with the key.
    /// </summary>
    public static DatabaseOptions Read(IConfiguration configuration, string contentRoot)
    {
        var section = configuration.GetSection(Section);
        var providerText = section["Provider"];
        var provider = DatabaseProvider.Sqlite;
        if (!string.IsNullOrWhiteSpace(providerText)
            && (!Enum.TryParse(providerText, ignoreCase: true, out provider) || !Enum.IsDefined(provider)))
        {
            throw new ConfigurationException("Database:Provider",
                $"'{providerText}' is not a database provider; use Sqlite, PostgreSql or SqlServer.");
        }

        var migrateText = section["MigrateOnStart"];
        var migrate = false;
        if (!string.IsNullOrWhiteSpace(migrateText) && !bool.TryParse(migrateText, out migrate))
        {
            throw new ConfigurationException("Database:MigrateOnStart", $"'{migrateText}' is not true or false.");
        }

        var dataFolder = section["DataFolder"];
        if (string.IsNullOrWhiteSpace(dataFolder))
        {
            dataFolder = "data";
        }
        dataFolder = Path.GetFullPath(dataFolder, contentRoot);

        var connectionString = configuration.GetConnectionString("Crm");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider != DatabaseProvider.Sqlite)
            {
                throw new ConfigurationException("ConnectionStrings:Crm",
                    $"is required when Database:Provider is {provider}.");
            }
            connectionString = $"Data Source={Path.Combine(dataFolder, "crmchat.db")}";
        }
        if (provider == DatabaseProvider.PostgreSql)
        {
            connectionString = LoopbackPostgreSql.Adjust(connectionString);
        }

        return new DatabaseOptions
        {
            Provider = provider,
            MigrateOnStart = migrate,
            DataFolder = dataFolder,
            ConnectionString = connectionString,
        };
    }
}

using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace CrmChat.CrmCore.Tests;

public sealed class QuartzTablesMigrationTests
{
    private static Task<int> QuartzTableCountAsync(CrmDbContext db) =>
        db.Database.SqlQueryRaw<int>(
            "SELECT count(*)::int AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'qrtz\\_%'")
            .SingleAsync();

    [Fact]
    public async Task The_PostgreSQL_migrations_create_the_Quartz_tables_and_reverting_drops_them()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSql);
        await using var db = database.NewContext();
        Assert.Equal(12, await QuartzTableCountAsync(db));

        var migrations = db.Database.GetMigrations().ToList();
        var quartz = migrations.FindIndex(m => m.EndsWith("_QuartzTables", StringComparison.Ordinal));
        var migrator = db.GetInfrastructure().GetRequiredService<IMigrator>();
        await migrator.MigrateAsync(migrations[quartz - 1]);
        Assert.Equal(0, await QuartzTableCountAsync(db));

        await migrator.MigrateAsync();
        Assert.Equal(12, await QuartzTableCountAsync(db));
    }
}

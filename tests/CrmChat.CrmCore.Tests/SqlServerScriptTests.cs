using CrmChat.CrmCore.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace CrmChat.CrmCore.Tests;

/// <summary>No SQL Server runs here, so its migrations are checked as the script a DBA would run.</summary>
public sealed class SqlServerScriptTests
{
    // Generating the script builds the whole SQL Server model: once per run is enough.
    private static readonly Lazy<string> Script = new(Generate);

    private static string IdempotentScript() => Script.Value;

    private static string Generate()
    {
        using var db = DatabaseSetup.CreateContext(new DatabaseOptions
        {
            Provider = DatabaseProvider.SqlServer,
            ConnectionString = "Server=unused;Database=crmchat;TrustServerCertificate=true",
        });
        var migrator = db.GetInfrastructure().GetRequiredService<IMigrator>();
        return migrator.GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
    }

    [Fact]
    public void The_SQL_Server_script_creates_every_table()
    {
        var script = IdempotentScript();
        string[] tables =
        [
            "Employees", "Teams", "TeamChatTarget", "Customers", "CustomerPhones", "CustomerIdentities", "FollowRelations",
            "MergeCandidates", "TagGroups", "Tags", "CustomerTags", "FollowRelationTags", "FollowUps", "Activities", "Deals",
            "Contracts", "ApprovalRequests", "ApprovalSteps", "ApprovalStepApprover", "ApprovalDecisions", "Inbox", "Outbox",
            "SyncCheckpoints", "AuditEntries",
        ];
        foreach (var table in tables)
        {
            Assert.Contains($"CREATE TABLE [{table}]", script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_SQL_Server_script_creates_the_Quartz_tables_a_clustered_scheduler_needs()
    {
        var script = IdempotentScript();
        string[] tables =
        [
            "JOB_DETAILS", "TRIGGERS", "SIMPLE_TRIGGERS", "CRON_TRIGGERS", "SIMPROP_TRIGGERS", "BLOB_TRIGGERS", "CALENDARS",
            "PAUSED_TRIGGER_GRPS", "PAUSED_JOB_GRPS", "FIRED_TRIGGERS", "SCHEDULER_STATE", "LOCKS",
        ];
        foreach (var table in tables)
        {
            // Inside the idempotent script's EXEC(N'...'): the prefix Quartz expects and the names it queries.
            Assert.Contains($"CREATE TABLE [qrtz_{table}]", script, StringComparison.Ordinal);
        }
        Assert.Contains("CREATE INDEX [IDX_qrtz_T_NFT_ST] ON [qrtz_TRIGGERS] (SCHED_NAME, TRIGGER_STATE, NEXT_FIRE_TIME ASC, PRIORITY DESC, MISFIRE_INSTR)", script, StringComparison.Ordinal);
        Assert.Contains("_QuartzTables'", script, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IX_CustomerIdentities_Platform_ExternalId", "[CustomerIdentities] ([Platform], [ExternalId])")]
    [InlineData("IX_FollowRelations_CustomerId_EmployeeId", "[FollowRelations] ([CustomerId], [EmployeeId])")]
    [InlineData("IX_Inbox_DedupeKey", "[Inbox] ([DedupeKey])")]
    [InlineData("IX_Outbox_DedupeKey", "[Outbox] ([DedupeKey])")]
    [InlineData("IX_ApprovalDecisions_StepId_ApproverId", "[ApprovalDecisions] ([StepId], [ApproverId])")]
    public void The_SQL_Server_script_has_the_unique_indexes_that_keep_data_clean(string index, string columns)
    {
        var script = IdempotentScript();
        Assert.Contains($"CREATE UNIQUE INDEX [{index}] ON {columns}", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Optional_platform_ids_are_unique_only_where_present_on_SQL_Server()
    {
        // SQL Server treats NULLs as equal in a unique index: without a filter, two employees
        // without a WeCom id would clash.
        var script = IdempotentScript();
        Assert.Contains("CREATE UNIQUE INDEX [IX_Employees_WeComUserId] ON [Employees] ([WeComUserId]) WHERE [WeComUserId] IS NOT NULL", script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_SQL_Server_script_is_idempotent()
    {
        var script = IdempotentScript();
        Assert.Contains("IF NOT EXISTS", script, StringComparison.Ordinal);
        Assert.Contains("__EFMigrationsHistory", script, StringComparison.Ordinal);
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmChat.CrmCore.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class QuartzTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Quartz.NET 4.x AdoJobStore tables (Quartz:Clustered), as Quartz's schema documents them,
            // under its default prefix qrtz_ and the upper-case names its SQL Server statements use.
            // Quartz validates them at start, the 4.x columns included.
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_JOB_DETAILS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    JOB_NAME nvarchar(150) NOT NULL,
                    JOB_GROUP nvarchar(150) NOT NULL,
                    DESCRIPTION nvarchar(250) NULL,
                    JOB_CLASS_NAME nvarchar(250) NOT NULL,
                    IS_DURABLE bit NOT NULL,
                    IS_NONCONCURRENT bit NOT NULL,
                    IS_UPDATE_DATA bit NOT NULL,
                    REQUESTS_RECOVERY bit NOT NULL,
                    JOB_DATA varbinary(MAX) NULL,
                    CONSTRAINT PK_qrtz_JOB_DETAILS PRIMARY KEY (SCHED_NAME, JOB_NAME, JOB_GROUP));
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_TRIGGERS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    TRIGGER_NAME nvarchar(150) NOT NULL,
                    TRIGGER_GROUP nvarchar(150) NOT NULL,
                    JOB_NAME nvarchar(150) NOT NULL,
                    JOB_GROUP nvarchar(150) NOT NULL,
                    DESCRIPTION nvarchar(250) NULL,
                    NEXT_FIRE_TIME bigint NULL,
                    PREV_FIRE_TIME bigint NULL,
                    PRIORITY int NULL,
                    TRIGGER_STATE nvarchar(16) NOT NULL,
                    TRIGGER_TYPE nvarchar(8) NOT NULL,
                    START_TIME bigint NOT NULL,
                    END_TIME bigint NULL,
                    CALENDAR_NAME nvarchar(200) NULL,
                    MISFIRE_INSTR int NULL,
                    MISFIRE_ORIG_FIRE_TIME bigint NULL,
                    EXECUTION_GROUP nvarchar(200) NULL,
                    PREFERRED_NODE nvarchar(200) NULL,
                    PREFERRED_NODE_AUTO bit NOT NULL DEFAULT 0,
                    RETRY_POLICY nvarchar(250) NULL,
                    RETRY_ATTEMPT int NULL,
                    CONTINUES_TRIGGER_NAME nvarchar(150) NULL,
                    CONTINUES_TRIGGER_GROUP nvarchar(150) NULL,
                    CONTINUATION_CONDITION int NULL,
                    OVERLAP_POLICY int NULL,
                    PAUSE_REASON nvarchar(250) NULL,
                    PAUSED_BY nvarchar(200) NULL,
                    PAUSED_AT bigint NULL,
                    MISFIRE_THRESHOLD bigint NULL,
                    FIXED_DELAY bit NULL,
                    JOB_DATA varbinary(MAX) NULL,
                    CONSTRAINT PK_qrtz_TRIGGERS PRIMARY KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP),
                    CONSTRAINT FK_qrtz_TRIGGERS_JOB_DETAILS FOREIGN KEY (SCHED_NAME, JOB_NAME, JOB_GROUP)
                        REFERENCES [qrtz_JOB_DETAILS] (SCHED_NAME, JOB_NAME, JOB_GROUP));
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_SIMPLE_TRIGGERS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    TRIGGER_NAME nvarchar(150) NOT NULL,
                    TRIGGER_GROUP nvarchar(150) NOT NULL,
                    REPEAT_COUNT bigint NOT NULL,
                    REPEAT_INTERVAL bigint NOT NULL,
                    TIMES_TRIGGERED bigint NOT NULL,
                    CONSTRAINT PK_qrtz_SIMPLE_TRIGGERS PRIMARY KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP),
                    CONSTRAINT FK_qrtz_SIMPLE_TRIGGERS_TRIGGERS FOREIGN KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP)
                        REFERENCES [qrtz_TRIGGERS] (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP) ON DELETE CASCADE);
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_CRON_TRIGGERS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    TRIGGER_NAME nvarchar(150) NOT NULL,
                    TRIGGER_GROUP nvarchar(150) NOT NULL,
                    CRON_EXPRESSION nvarchar(120) NOT NULL,
                    TIME_ZONE_ID nvarchar(80) NULL,
                    CONSTRAINT PK_qrtz_CRON_TRIGGERS PRIMARY KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP),
                    CONSTRAINT FK_qrtz_CRON_TRIGGERS_TRIGGERS FOREIGN KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP)
                        REFERENCES [qrtz_TRIGGERS] (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP) ON DELETE CASCADE);
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_SIMPROP_TRIGGERS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    TRIGGER_NAME nvarchar(150) NOT NULL,
                    TRIGGER_GROUP nvarchar(150) NOT NULL,
                    STR_PROP_1 nvarchar(512) NULL,
                    STR_PROP_2 nvarchar(512) NULL,
                    STR_PROP_3 nvarchar(512) NULL,
                    INT_PROP_1 int NULL,
                    INT_PROP_2 int NULL,
                    LONG_PROP_1 bigint NULL,
                    LONG_PROP_2 bigint NULL,
                    DEC_PROP_1 numeric(13,4) NULL,
                    DEC_PROP_2 numeric(13,4) NULL,
                    BOOL_PROP_1 bit NULL,
                    BOOL_PROP_2 bit NULL,
                    TIME_ZONE_ID nvarchar(80) NULL,
                    CONSTRAINT PK_qrtz_SIMPROP_TRIGGERS PRIMARY KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP),
                    CONSTRAINT FK_qrtz_SIMPROP_TRIGGERS_TRIGGERS FOREIGN KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP)
                        REFERENCES [qrtz_TRIGGERS] (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP) ON DELETE CASCADE);
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_BLOB_TRIGGERS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    TRIGGER_NAME nvarchar(150) NOT NULL,
                    TRIGGER_GROUP nvarchar(150) NOT NULL,
                    BLOB_DATA varbinary(MAX) NULL,
                    CONSTRAINT PK_qrtz_BLOB_TRIGGERS PRIMARY KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP),
                    CONSTRAINT FK_qrtz_BLOB_TRIGGERS_TRIGGERS FOREIGN KEY (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP)
                        REFERENCES [qrtz_TRIGGERS] (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP) ON DELETE CASCADE);
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_CALENDARS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    CALENDAR_NAME nvarchar(200) NOT NULL,
                    CALENDAR varbinary(MAX) NOT NULL,
                    CONSTRAINT PK_qrtz_CALENDARS PRIMARY KEY (SCHED_NAME, CALENDAR_NAME));
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_PAUSED_TRIGGER_GRPS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    TRIGGER_GROUP nvarchar(150) NOT NULL,
                    PAUSE_REASON nvarchar(250) NULL,
                    PAUSED_BY nvarchar(200) NULL,
                    PAUSED_AT bigint NULL,
                    CONSTRAINT PK_qrtz_PAUSED_TRIGGER_GRPS PRIMARY KEY (SCHED_NAME, TRIGGER_GROUP));
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_PAUSED_JOB_GRPS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    JOB_GROUP nvarchar(150) NOT NULL,
                    PAUSE_REASON nvarchar(250) NULL,
                    PAUSED_BY nvarchar(200) NULL,
                    PAUSED_AT bigint NULL,
                    CONSTRAINT PK_qrtz_PAUSED_JOB_GRPS PRIMARY KEY (SCHED_NAME, JOB_GROUP));
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_FIRED_TRIGGERS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    ENTRY_ID nvarchar(140) NOT NULL,
                    TRIGGER_NAME nvarchar(150) NOT NULL,
                    TRIGGER_GROUP nvarchar(150) NOT NULL,
                    INSTANCE_NAME nvarchar(200) NOT NULL,
                    FIRED_TIME bigint NOT NULL,
                    SCHED_TIME bigint NOT NULL,
                    PRIORITY int NOT NULL,
                    STATE nvarchar(16) NOT NULL,
                    JOB_NAME nvarchar(150) NULL,
                    JOB_GROUP nvarchar(150) NULL,
                    IS_NONCONCURRENT bit NOT NULL,
                    REQUESTS_RECOVERY bit NULL,
                    EXECUTION_GROUP nvarchar(200) NULL,
                    PROGRESS int NULL,
                    PROGRESS_MESSAGE nvarchar(250) NULL,
                    INTERRUPT_REQUESTED_TIME bigint NULL,
                    CONSTRAINT PK_qrtz_FIRED_TRIGGERS PRIMARY KEY (SCHED_NAME, ENTRY_ID));
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_SCHEDULER_STATE] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    INSTANCE_NAME nvarchar(200) NOT NULL,
                    LAST_CHECKIN_TIME bigint NOT NULL,
                    CHECKIN_INTERVAL bigint NOT NULL,
                    QUARTZ_VERSION nvarchar(20) NULL,
                    CONSTRAINT PK_qrtz_SCHEDULER_STATE PRIMARY KEY (SCHED_NAME, INSTANCE_NAME));
                """);
            migrationBuilder.Sql("""
                CREATE TABLE [qrtz_LOCKS] (
                    SCHED_NAME nvarchar(120) NOT NULL,
                    LOCK_NAME nvarchar(40) NOT NULL,
                    CONSTRAINT PK_qrtz_LOCKS PRIMARY KEY (SCHED_NAME, LOCK_NAME));
                """);
            migrationBuilder.Sql("CREATE INDEX [IDX_qrtz_J_G_N] ON [qrtz_JOB_DETAILS] (SCHED_NAME, JOB_GROUP, JOB_NAME);");
            migrationBuilder.Sql("CREATE INDEX [IDX_qrtz_T_J] ON [qrtz_TRIGGERS] (SCHED_NAME, JOB_NAME, JOB_GROUP);");
            migrationBuilder.Sql("CREATE INDEX [IDX_qrtz_T_G_N] ON [qrtz_TRIGGERS] (SCHED_NAME, TRIGGER_GROUP, TRIGGER_NAME);");
            migrationBuilder.Sql("CREATE INDEX [IDX_qrtz_T_C] ON [qrtz_TRIGGERS] (SCHED_NAME, CALENDAR_NAME);");
            // Trigger acquisition: the next due triggers in a state, by time then priority.
            migrationBuilder.Sql("CREATE INDEX [IDX_qrtz_T_NFT_ST] ON [qrtz_TRIGGERS] (SCHED_NAME, TRIGGER_STATE, NEXT_FIRE_TIME ASC, PRIORITY DESC, MISFIRE_INSTR);");
            migrationBuilder.Sql("CREATE INDEX [IDX_qrtz_FT_INST_JOB_REQ_RCVRY] ON [qrtz_FIRED_TRIGGERS] (SCHED_NAME, INSTANCE_NAME, REQUESTS_RECOVERY);");
            migrationBuilder.Sql("CREATE INDEX [IDX_qrtz_FT_J_G] ON [qrtz_FIRED_TRIGGERS] (SCHED_NAME, JOB_NAME, JOB_GROUP);");
            migrationBuilder.Sql("CREATE INDEX [IDX_qrtz_FT_T_G] ON [qrtz_FIRED_TRIGGERS] (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Children before the tables their keys point at.
            foreach (var table in new[]
            {
                "qrtz_FIRED_TRIGGERS", "qrtz_PAUSED_JOB_GRPS", "qrtz_PAUSED_TRIGGER_GRPS", "qrtz_SCHEDULER_STATE", "qrtz_LOCKS",
                "qrtz_SIMPLE_TRIGGERS", "qrtz_CRON_TRIGGERS", "qrtz_SIMPROP_TRIGGERS", "qrtz_BLOB_TRIGGERS", "qrtz_TRIGGERS",
                "qrtz_JOB_DETAILS", "qrtz_CALENDARS",
            })
            {
                migrationBuilder.Sql($"DROP TABLE [{table}];");
            }
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmChat.CrmCore.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class InboxGentleVacuum : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "Inbox")
                .Annotation("Npgsql:StorageParameter:autovacuum_vacuum_cost_delay", 20);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "Inbox")
                .OldAnnotation("Npgsql:StorageParameter:autovacuum_vacuum_cost_delay", 20);
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmChat.CrmCore.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class QuartzTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Quartz runs in memory on SQLite (Quartz:Clustered is refused there): nothing to create.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing was created.
        }
    }
}

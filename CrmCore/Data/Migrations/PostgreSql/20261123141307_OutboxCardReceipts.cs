using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmChat.CrmCore.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class OutboxCardReceipts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CardId",
                table: "Outbox",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PlatformMessageId",
                table: "Outbox",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UpdateToken",
                table: "Outbox",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_CardId",
                table: "Outbox",
                column: "CardId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Outbox_CardId",
                table: "Outbox");

            migrationBuilder.DropColumn(
                name: "CardId",
                table: "Outbox");

            migrationBuilder.DropColumn(
                name: "PlatformMessageId",
                table: "Outbox");

            migrationBuilder.DropColumn(
                name: "UpdateToken",
                table: "Outbox");
        }
    }
}

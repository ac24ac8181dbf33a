using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Npgsql;

namespace CrmChat.CrmCore.Tests;

/// <summary>A PostgreSQL on the same machine is reached without TLS unless the operator asks for it.</summary>
public sealed class LoopbackPostgreSqlTests
{
    [Theory]
    [InlineData("Host=127.0.0.1;Username=crm;Password=p")]
    [InlineData("Host=localhost:5433;Username=crm;Password=p")]
    [InlineData("Host=[::1]:5432;Username=crm;Password=p")]
    [InlineData("Host=/var/run/postgresql;Username=crm")]
    [InlineData("Server=127.0.0.2,localhost;User ID=crm;Password=p")]
    public void A_local_server_is_reached_without_encryption(string connectionString)
    {
        var adjusted = new NpgsqlConnectionStringBuilder(LoopbackPostgreSql.Adjust(connectionString));
        Assert.Equal((SslMode.Disable, GssEncryptionMode.Disable), (adjusted.SslMode, adjusted.GssEncryptionMode));
        var original = new NpgsqlConnectionStringBuilder(connectionString);
        Assert.Equal((original.Host, original.Username, original.Password), (adjusted.Host, adjusted.Username, adjusted.Password));
    }

    [Theory]
    [InlineData("Host=db.example.com;Username=crm;Password=p")]
    [InlineData("Host=10.0.0.5;Username=crm;Password=p")]
    [InlineData("Host=127.0.0.1,db.example.com;Username=crm;Password=p")]
    public void A_server_elsewhere_keeps_the_connection_string_as_written(string connectionString)
    {
        Assert.Equal(connectionString, LoopbackPostgreSql.Adjust(connectionString));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;SSL Mode=Require", SslMode.Require, GssEncryptionMode.Disable)]
    [InlineData("Host=127.0.0.1;sslmode=VerifyFull", SslMode.VerifyFull, GssEncryptionMode.Disable)]
    [InlineData("Host=localhost;GSS Encryption Mode=Require", SslMode.Disable, GssEncryptionMode.Require)]
    [InlineData("Host=localhost;SslMode=Prefer;GssEncryptionMode=Prefer", SslMode.Prefer, GssEncryptionMode.Prefer)]
    public void A_mode_the_operator_wrote_is_kept(string connectionString, SslMode ssl, GssEncryptionMode gss)
    {
        var adjusted = new NpgsqlConnectionStringBuilder(LoopbackPostgreSql.Adjust(connectionString));
        Assert.Equal((ssl, gss), (adjusted.SslMode, adjusted.GssEncryptionMode));
    }

    [Fact]
    public void A_connection_string_Npgsql_cannot_read_stops_start_up_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => LoopbackPostgreSql.Adjust("Host=127.0.0.1;Colour=blue"));
        Assert.Contains("ConnectionStrings:Crm", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_the_test_server_the_adjusted_connection_is_plain_and_an_explicit_Require_is_encrypted()
    {
        var server = TestDatabase.PostgresServer;
        Assert.True(await SslAsync(LoopbackPostgreSql.Adjust(server)) is false, "a loopback connection without SSL Mode set should not use TLS");
        await using var probe = new NpgsqlConnection(server);
        await probe.OpenAsync();
        await using var show = new NpgsqlCommand("SHOW ssl", probe);
        if ((string)(await show.ExecuteScalarAsync())! == "on")
        {
            // Debian's cluster offers TLS (as on CI): Npgsql's default would take it, and asked for, it is used.
            Assert.True(await SslAsync(server));
            Assert.True(await SslAsync(LoopbackPostgreSql.Adjust(server + ";SSL Mode=Require")));
        }
    }

    private static async Task<bool> SslAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}

using System.Data.Common;
using System.Net;
using Npgsql;

namespace CrmChat.CrmCore.Data;

/// <summary>
/// PostgreSQL on the same machine needs no encryption: the bytes never leave it. Npgsql's
/// defaults (SSL Mode and GSS Encryption Mode "Prefer") still negotiate TLS and GSSAPI with a
/// server that offers them, as Debian's cluster does (<c>ssl = on</c>), which costs a
/// handshake per physical connection, encryption on every command and the TLS and Kerberos
/// libraries in memory. So for a connection string whose every host is loopback or a Unix
/// socket, and which says nothing about either mode, both are turned off. Whatever the
/// operator writes for either mode is kept.
/// </summary>
public static class LoopbackPostgreSql
{
    public static string Adjust(string connectionString)
    {
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException("ConnectionStrings:Crm", $"is not a PostgreSQL connection string: {e.Message}");
        }
        if (string.IsNullOrWhiteSpace(parsed.Host) || !parsed.Host.Split(',').All(IsLocal))
        {
            return connectionString;
        }
        var keys = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()).ToHashSet();
        if (!keys.Contains("sslmode"))
        {
            parsed.SslMode = SslMode.Disable;
        }
        if (!keys.Contains("gssencryptionmode") && !keys.Contains("gssencmode"))
        {
            parsed.GssEncryptionMode = GssEncryptionMode.Disable;
        }
        return parsed.ConnectionString;
    }

    /// <summary>"localhost", a loopback address (with or without a port), or a socket directory.</summary>
    private static bool IsLocal(string host)
    {
        host = host.Trim();
        if (host.StartsWith('/') || host.StartsWith('@'))
        {
            return true;
        }
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            host = close > 0 ? host[1..close] : host;
        }
        else if (host.Count(c => c == ':') == 1)
        {
            host = host[..host.IndexOf(':', StringComparison.Ordinal)];
        }
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}

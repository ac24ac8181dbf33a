using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmChat.CrmCore.Data;

/// <summary>
/// Puts every SQLite connection in WAL mode with synchronous=FULL and a busy timeout, once per
/// physical connection. WAL lets readers and the writer work side by side; FULL syncs the log
/// on every commit, so an event CrmChat acknowledged survives even a power cut. With the
/// inbox's group commit that is one sync per batch of callbacks, not one per callback.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    public const string Statements = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;";

    // Keyed by the native handle, which the connection pool reuses across SqliteConnection objects.
    private readonly ConditionalWeakTable<object, object> _applied = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } sqlite || _applied.TryGetValue(handle, out _))
        {
            return;
        }
        using var command = sqlite.CreateCommand();
        command.CommandText = Statements;
        command.ExecuteNonQuery();
        _applied.AddOrUpdate(handle, this);
    }
}

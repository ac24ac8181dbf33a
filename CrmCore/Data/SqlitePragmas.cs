using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmChat.CrmCore.Data;

/// <summary>
/// Puts every SQLite connection in WAL mode with synchronous=NORMAL and a busy timeout, once
/// per physical connection. The default (rollback journal, synchronous=FULL) syncs the disk
/// several times per commit and makes readers and the writer block each other, which held
/// the webhook to a few hundred callbacks a second. WAL with NORMAL syncs at checkpoints: a
/// commit survives a crash of CrmChat, and only an OS crash or power cut can take back the
/// last commits, which the platforms' retries and the nightly reconciliation then restore.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    public const string Statements = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";

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

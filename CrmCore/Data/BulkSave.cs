using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CrmChat.CrmCore.Data;

/// <summary>Rows a unit of work wrote without the change tracker: new, changed (loaded and modified) and removed entities.</summary>
internal sealed class RowChanges
{
    public List<object> Inserts { get; } = [];
    public HashSet<object> Updates { get; } = new(ReferenceEqualityComparer.Instance);
    public List<object> Deletes { get; } = [];
}

/// <summary>
/// Writes a large unit of work that is mostly new rows, without EF Core's change tracker:
/// removed entities go first as single-row DELETEs, new ones a table at a time in foreign-key
/// order (binary COPY on PostgreSQL, prepared single-row INSERTs on SQLite, multi-row INSERTs
/// elsewhere), changed ones as single-row UPDATEs that check the concurrency
/// token as SaveChanges does; then whatever the context tracks is saved, all in one
/// transaction. Tracking, change detection and SaveChanges' per-row command planning cost more
/// than the database's own work for the thousands of rows of a sync page.
/// </summary>
internal static class BulkSave
{
    // SQL Server allows 2,100 parameters a command, PostgreSQL far more.
    private const int MaxParameters = 2000;
    private const int MaxRows = 1000;

    private static readonly ConditionalWeakTable<IModel, List<IEntityType>> InsertOrders = [];

    public static async Task WriteAsync(CrmDbContext db, RowChanges rows, CancellationToken ct)
    {
        var owned = db.Database.CurrentTransaction is null;
        var transaction = db.Database.CurrentTransaction ?? await db.Database.BeginTransactionAsync(ct);
        try
        {
            using var writer = new Writer(db, transaction.GetDbTransaction());
            var order = InsertOrder(db.Model);
            // Removals first, dependents before principals, so a key removed and added again is free.
            foreach (var entity in rows.Deletes.OrderByDescending(e => order.IndexOf(Type(db, e))))
            {
                await writer.DeleteAsync(Type(db, entity), entity, ct);
            }
            var inserts = rows.Inserts.GroupBy(e => Type(db, e)).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var type in order)
            {
                if (inserts.TryGetValue(type, out var entities))
                {
                    await writer.InsertAsync(type, entities, ct);
                }
            }
            var inserted = new HashSet<object>(rows.Inserts, ReferenceEqualityComparer.Instance);
            foreach (var entity in rows.Updates.Where(e => !inserted.Contains(e)))
            {
                await writer.UpdateAsync(Type(db, entity), entity, ct);
            }
            await db.SaveChangesAsync(ct);
            if (owned)
            {
                await transaction.CommitAsync(ct);
            }
        }
        finally
        {
            if (owned)
            {
                await transaction.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Inserts the rows whose <paramref name="uniqueProperty"/> is not taken yet and returns the
    /// values of those it stored; the others are left as they are (ON CONFLICT DO NOTHING), in
    /// one transaction. SQLite and PostgreSQL only: the caller checks <see cref="SupportsInsertIgnoringDuplicates"/>.
    /// </summary>
    public static async Task<HashSet<string>> InsertIgnoringDuplicatesAsync<T>(CrmDbContext db, IReadOnlyList<T> entities, string uniqueProperty, CancellationToken ct)
        where T : class
    {
        var type = db.Model.FindEntityType(typeof(T))!;
        var unique = type.FindProperty(uniqueProperty)!;
        var stored = new HashSet<string>(StringComparer.Ordinal);
        if (entities.Count == 0)
        {
            return stored;
        }
        var owned = db.Database.CurrentTransaction is null;
        var transaction = db.Database.CurrentTransaction ?? await db.Database.BeginTransactionAsync(ct);
        try
        {
            using var writer = new Writer(db, transaction.GetDbTransaction());
            await writer.InsertIgnoringDuplicatesAsync(type, entities, unique, stored, ct);
            if (owned)
            {
                await transaction.CommitAsync(ct);
            }
        }
        finally
        {
            if (owned)
            {
                await transaction.DisposeAsync();
            }
        }
        return stored;
    }

    public static bool SupportsInsertIgnoringDuplicates(CrmDbContext db) =>
        db.Provider is DatabaseProvider.Sqlite or DatabaseProvider.PostgreSql;

    private static IEntityType Type(CrmDbContext db, object entity)
    {
        var type = db.Model.FindEntityType(entity.GetType());
        if (type is null || type.GetTableName() is null || type.IsOwned() || type.GetProperties().Any(p => p.IsShadowProperty()))
        {
            throw new InvalidOperationException($"{nameof(BulkSave)} writes plain table-mapped entities only, not {entity.GetType().Name}.");
        }
        return type;
    }

    private sealed class Writer(CrmDbContext db, DbTransaction transaction) : IDisposable
    {
        private readonly DbConnection _connection = db.Database.GetDbConnection();
        private readonly ISqlGenerationHelper _sql = db.GetService<ISqlGenerationHelper>();
        // Only makes parameters; never executed. Disposed with the writer: a SQLite connection
        // keeps a list of its undisposed commands, which grows on a connection kept open.
        private readonly DbCommand _scratch = db.Database.GetDbConnection().CreateCommand();

        public void Dispose() => _scratch.Dispose();

        public async Task InsertAsync(IEntityType type, List<object> entities, CancellationToken ct)
        {
            var insert = new InsertShape(this, type);
            if (db.Provider == DatabaseProvider.Sqlite)
            {
                // In process there is no round trip to save: one prepared single-row statement,
                // run once per row, beats parsing and binding a long multi-row one.
                await using var single = insert.PrepareRow(tail: "");
                foreach (var entity in entities)
                {
                    insert.Bind(single, entity);
                    await single.ExecuteNonQueryAsync(ct);
                }
                return;
            }
            if (_connection is NpgsqlConnection npgsql)
            {
                // A multi-row INSERT is parsed and planned anew for every 2,000 parameters, and
                // that was most of the server's time in a sync; COPY streams the rows unparsed.
                await insert.CopyAsync(npgsql, entities, ct);
                return;
            }
            for (var start = 0; start < entities.Count; start += insert.RowsPerCommand)
            {
                await using var command = insert.Rows(entities, start, tail: "");
                await command.ExecuteNonQueryAsync(ct);
            }
        }

        public async Task InsertIgnoringDuplicatesAsync<T>(IEntityType type, IReadOnlyList<T> entities, IProperty unique, HashSet<string> stored, CancellationToken ct)
            where T : class
        {
            var insert = new InsertShape(this, type);
            var uniqueGetter = unique.GetGetter();
            var onConflict = $" ON CONFLICT ({Column(unique, insert.Table)}) DO NOTHING";
            if (db.Provider == DatabaseProvider.Sqlite)
            {
                // As for InsertAsync: one prepared statement per row; a row that conflicted affects none.
                await using var single = insert.PrepareRow(onConflict);
                foreach (var entity in entities)
                {
                    insert.Bind(single, entity);
                    if (await single.ExecuteNonQueryAsync(ct) == 1)
                    {
                        stored.Add((string)uniqueGetter.GetClrValueUsingContainingEntity(entity)!);
                    }
                }
                return;
            }
            var returning = onConflict + " RETURNING " + Column(unique, insert.Table);
            if (db.Provider == DatabaseProvider.PostgreSql)
            {
                // Each column as one array, unnested into rows: the statement reads the same for
                // every batch size, so PostgreSQL parses and plans it once per connection
                // (prepared) and the host binds one parameter a column instead of one a value.
                await using var command = insert.Unnest(entities, returning);
                await command.PrepareAsync(ct);
                await ReadStoredAsync(command, stored, ct);
                return;
            }
            for (var start = 0; start < entities.Count; start += insert.RowsPerCommand)
            {
                await using var command = insert.Rows(entities, start, returning);
                await ReadStoredAsync(command, stored, ct);
            }
        }

        private static async Task ReadStoredAsync(DbCommand command, HashSet<string> stored, CancellationToken ct)
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                stored.Add(reader.GetString(0));
            }
        }

        /// <summary>An INSERT of every column of one table: as one prepared single-row statement, or as multi-row statements.</summary>
        private sealed class InsertShape
        {
            private readonly Writer _writer;
            private readonly List<IProperty> _properties;
            private readonly List<IClrPropertyGetter> _getters;
            private readonly List<RelationalTypeMapping> _mappings;
            private readonly string _columns;
            private readonly string _into;
            private readonly string _head;

            public InsertShape(Writer writer, IEntityType type)
            {
                _writer = writer;
                Table = Writer.Table(type);
                _properties = type.GetProperties().ToList();
                _getters = _properties.Select(p => p.GetGetter()).ToList();
                _mappings = _properties.Select(p => p.GetRelationalTypeMapping()).ToList();
                _columns = string.Join(", ", _properties.Select(p => writer.Column(p, Table)));
                _into = $"INSERT INTO {writer.Name(Table)} ({_columns}) ";
                _head = _into + "VALUES ";
                RowsPerCommand = Math.Max(1, Math.Min(MaxRows, MaxParameters / _properties.Count));
            }

            public StoreObjectIdentifier Table { get; }

            public int RowsPerCommand { get; }

            /// <summary>
            /// Writes the rows with PostgreSQL's binary COPY, on the connection's open transaction.
            /// Each value goes with its column's store type: binary COPY carries no types, so a
            /// value written as another type (an int into a bigint) would be misread, not refused.
            /// </summary>
            public async Task CopyAsync(NpgsqlConnection connection, List<object> entities, CancellationToken ct)
            {
                // Awaited as a plain Task: an awaiter of Task<NpgsqlBinaryImporter> is a struct
                // over an Npgsql type inside this state machine, and EF's migration lookup, which
                // loads every type of this assembly, would then load Npgsql into SQLite hosts.
                var starting = connection.BeginBinaryImportAsync($"COPY {_writer.Name(Table)} ({_columns}) FROM STDIN (FORMAT BINARY)", ct);
                await (Task)starting;
                await using var copy = starting.Result;
                foreach (var entity in entities)
                {
                    await copy.StartRowAsync(ct);
                    for (var column = 0; column < _properties.Count; column++)
                    {
                        if (ProviderValue(column, entity) is { } value)
                        {
                            await copy.WriteAsync(value, _mappings[column].StoreType, ct);
                        }
                        else
                        {
                            await copy.WriteNullAsync(ct);
                        }
                    }
                }
                await copy.CompleteAsync(ct);
            }

            /// <summary>The column's value as the database stores it: EF's value converter applied, as for a parameter.</summary>
            private object? ProviderValue(int column, object entity)
            {
                var value = _getters[column].GetClrValueUsingContainingEntity(entity);
                return value is not null && _mappings[column].Converter is { } converter ? converter.ConvertToProvider(value) : value;
            }

            public DbCommand PrepareRow(string tail)
            {
                var single = _writer.NewCommand();
                single.CommandText = _head + "(" + string.Join(", ", _properties.Select(p => _writer.Parameter(single, p, null))) + ")" + tail;
                single.Prepare();
                return single;
            }

            public void Bind(DbCommand single, object entity)
            {
                for (var column = 0; column < _properties.Count; column++)
                {
                    single.Parameters[column].Value = _writer.Parameter(_properties[column], _getters[column].GetClrValueUsingContainingEntity(entity));
                }
            }

            /// <summary>Up to <see cref="RowsPerCommand"/> rows from <paramref name="start"/>, in one statement ending with <paramref name="tail"/>.</summary>
            public DbCommand Rows<T>(IReadOnlyList<T> entities, int start, string tail)
                where T : class
            {
                var count = Math.Min(RowsPerCommand, entities.Count - start);
                var command = _writer.NewCommand();
                var text = new StringBuilder(_head, _head.Length + (count * _properties.Count * 8));
                for (var row = 0; row < count; row++)
                {
                    var entity = entities[start + row];
                    text.Append(row == 0 ? "(" : ", (");
                    for (var column = 0; column < _properties.Count; column++)
                    {
                        text.Append(column == 0 ? "" : ", ")
                            .Append(_writer.Parameter(command, _properties[column], _getters[column].GetClrValueUsingContainingEntity(entity)));
                    }
                    text.Append(')');
                }
                command.CommandText = text.Append(tail).ToString();
                return command;
            }

            /// <summary>
            /// PostgreSQL: every row in one statement whose text depends only on the table, each
            /// column bound as one typed array of the provider's values (converters applied) and
            /// cast to its column's type.
            /// </summary>
            public DbCommand Unnest<T>(IReadOnlyList<T> entities, string tail)
                where T : class
            {
                var command = _writer.NewCommand();
                var arrays = new List<string>(_properties.Count);
                for (var column = 0; column < _properties.Count; column++)
                {
                    var mapping = _mappings[column];
                    var type = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
                    if (type.IsValueType && Nullable.GetUnderlyingType(type) is null && _properties[column].IsNullable)
                    {
                        type = typeof(Nullable<>).MakeGenericType(type);
                    }
                    var values = Array.CreateInstance(type, entities.Count);
                    for (var row = 0; row < entities.Count; row++)
                    {
                        values.SetValue(ProviderValue(column, entities[row]), row);
                    }
                    var name = "p" + column.ToString(CultureInfo.InvariantCulture);
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = values;
                    command.Parameters.Add(parameter);
                    arrays.Add($"@{name}::{mapping.StoreType}[]");
                }
                command.CommandText = $"{_into}SELECT * FROM unnest({string.Join(", ", arrays)}){tail}";
                return command;
            }
        }

        /// <summary>Writes every column; the row must still carry the concurrency stamp it was read with.</summary>
        public async Task UpdateAsync(IEntityType type, object entity, CancellationToken ct)
        {
            var table = Table(type);
            var key = type.FindPrimaryKey()!.Properties;
            await using var command = NewCommand();
            var where = Where(command, type, entity, table);
            if (entity is IConcurrencyStamped stamped)
            {
                // As CrmDbContext.SaveChanges does: every save of a stamped row renews its stamp.
                stamped.ConcurrencyStamp = Guid.NewGuid();
            }
            var set = type.GetProperties().Where(p => !key.Contains(p))
                .Select(p => $"{Column(p, table)} = {Parameter(command, p, p.GetGetter().GetClrValueUsingContainingEntity(entity))}");
            command.CommandText = $"UPDATE {Name(table)} SET {string.Join(", ", set)} WHERE {where}";
            await ExpectOneRowAsync(command, type, ct);
        }

        public async Task DeleteAsync(IEntityType type, object entity, CancellationToken ct)
        {
            var table = Table(type);
            await using var command = NewCommand();
            command.CommandText = $"DELETE FROM {Name(table)} WHERE {Where(command, type, entity, table)}";
            await ExpectOneRowAsync(command, type, ct);
        }

        private string Where(DbCommand command, IEntityType type, object entity, StoreObjectIdentifier table)
        {
            var key = type.FindPrimaryKey()!.Properties;
            var tokens = type.GetProperties().Where(p => p.IsConcurrencyToken && !key.Contains(p));
            return string.Join(" AND ", key.Concat(tokens).Select(p =>
                p.GetGetter().GetClrValueUsingContainingEntity(entity) is { } value
                    ? $"{Column(p, table)} = {Parameter(command, p, value)}"
                    : $"{Column(p, table)} IS NULL"));
        }

        private static async Task ExpectOneRowAsync(DbCommand command, IEntityType type, CancellationToken ct)
        {
            if (await command.ExecuteNonQueryAsync(ct) != 1)
            {
                throw new DbUpdateConcurrencyException($"The {type.DisplayName()} row was changed or removed by someone else since it was read.");
            }
        }

        private DbCommand NewCommand()
        {
            var command = _connection.CreateCommand();
            command.Transaction = transaction;
            return command;
        }

        /// <summary>The value as the provider stores it (converters and enum handling applied, as for any EF parameter).</summary>
        private object Parameter(IProperty property, object? value) =>
            property.GetRelationalTypeMapping().CreateParameter(_scratch, "p", value, property.IsNullable).Value ?? DBNull.Value;

        private string Parameter(DbCommand command, IProperty property, object? value)
        {
            var name = "p" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            command.Parameters.Add(property.GetRelationalTypeMapping().CreateParameter(command, _sql.GenerateParameterName(name), value, property.IsNullable));
            return _sql.GenerateParameterNamePlaceholder(name);
        }

        private string Name(StoreObjectIdentifier table) => _sql.DelimitIdentifier(table.Name, table.Schema);

        private string Column(IProperty property, StoreObjectIdentifier table) => _sql.DelimitIdentifier(property.GetColumnName(table)!);

        private static StoreObjectIdentifier Table(IEntityType type) => StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
    }

    /// <summary>Entity types with principals before dependents, so every foreign key finds its row.</summary>
    private static List<IEntityType> InsertOrder(IModel model) => InsertOrders.GetValue(model, static m =>
    {
        var order = new List<IEntityType>();
        var visiting = new HashSet<IEntityType>();
        void Visit(IEntityType type)
        {
            if (order.Contains(type))
            {
                return;
            }
            if (!visiting.Add(type))
            {
                throw new InvalidOperationException($"Foreign keys form a cycle through {type.DisplayName()}; {nameof(BulkSave)} cannot order its inserts.");
            }
            foreach (var key in type.GetForeignKeys().Where(k => k.PrincipalEntityType != type))
            {
                Visit(key.PrincipalEntityType);
            }
            order.Add(type);
        }
        foreach (var type in m.GetEntityTypes())
        {
            Visit(type);
        }
        return order;
    });
}

using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GcmActors.Benchmarks;

/// <summary>One row of the Orleans grain-state table, as the host wrote it.</summary>
internal sealed record StateRow(
    int GrainIdHash, long GrainIdN0, long GrainIdN1, int GrainTypeHash, string GrainTypeString, string? GrainIdExtensionString,
    string ServiceId, byte[] Payload, int? Version);

/// <summary>What the comparator does with a column of the history table when it appends a row.</summary>
internal enum ColumnUse
{
    /// <summary>The value of the host's latest row, as is.</summary>
    Copy,

    /// <summary>An integer of a unique key: a fresh number per row.</summary>
    Counter,

    /// <summary>A text-only unique key: a fresh GUID per row.</summary>
    Unique,

    /// <summary>Assigned by the database (rowid alias, identity, sequence default): left out of the INSERT.</summary>
    Omit,
}

internal sealed record HistoryColumn(string Name, string Type, ColumnUse Use);

/// <summary>
/// The host's append-only history table as the comparator copies it: its columns, and the host's most recent row as the
/// template of every appended row (so the bytes match), with fresh values where a unique key needs them.
/// </summary>
internal sealed record HistoryShape(string Table, HistoryColumn[] Columns, object?[] Template, long Rows)
{
    /// <summary>Bytes of text and blob values in the template row (integers count 8).</summary>
    public int TemplateBytes => Template.Sum(v => v switch
    {
        byte[] b => b.Length,
        string s => System.Text.Encoding.UTF8.GetByteCount(s),
        null or DBNull => 0,
        _ => 8,
    });

    public string InsertSql(bool postgres)
    {
        var used = Columns.Select((c, i) => (c, i)).Where(x => x.c.Use != ColumnUse.Omit).ToArray();
        var names = string.Join(", ", used.Select(x => x.c.Name));
        var values = string.Join(", ", used.Select(x => postgres ? $"@h{x.i}::{x.c.Type}" : $"@h{x.i}"));
        return $"INSERT INTO {Table} ({names}) VALUES ({values})";
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Table}({string.Join(", ", Columns.Select(c => c.Name + (c.Use == ColumnUse.Copy ? "" : " [" + c.Use.ToString().ToLowerInvariant() + "]")))}), "
        + $"template row {TemplateBytes} bytes, {Rows} rows in the host's table");
}

/// <summary>
/// Reads the host's database while it runs (a SQLite file in WAL mode, or PostgreSQL): the sizes of the rows it writes
/// and the shape of its history table, so that the raw comparators write the same bytes and the report can say how
/// big a review's or a region's row is.
/// </summary>
internal sealed class HostStore
{
    private readonly Func<DbConnection> _open;

    private HostStore(Func<DbConnection> open, bool postgres)
    {
        _open = open;
        IsPostgres = postgres;
    }

    public bool IsPostgres { get; }

    public static HostStore Sqlite(string file) =>
        new(() => new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()), postgres: false);

    public static HostStore Postgres(string connectionString) => new(() => new NpgsqlConnection(connectionString), postgres: true);

    /// <summary>Grain-state rows of one grain type (null: any) whose key starts with <paramref name="keyPrefix"/>, ordered by key.</summary>
    public async Task<StateRow[]> StateRowsAsync(string? grainType, string keyPrefix)
    {
        await using var connection = _open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, Version
              FROM OrleansStorage
             WHERE {(grainType is null ? "" : "GrainTypeString = @type AND ")}GrainIdExtensionString LIKE @prefix
             ORDER BY GrainIdExtensionString
            """;
        if (grainType is not null)
        {
            Add(command, "type", grainType);
        }

        Add(command, "prefix", keyPrefix + "%");
        var rows = new List<StateRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new StateRow(
                Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture),
                Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetString(6),
                reader.IsDBNull(7) ? [] : (byte[])reader.GetValue(7),
                reader.IsDBNull(8) ? null : Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture)));
        }

        return [.. rows];
    }

    /// <summary>Length of one grain's PayloadBinary (the grain-state row of that key), or -1 when it has no row.</summary>
    public async Task<long> PayloadLengthAsync(string key)
    {
        var rows = await StateRowsAsync(null, key);
        return rows.FirstOrDefault(r => r.GrainIdExtensionString == key)?.Payload.Length ?? -1;
    }

    /// <summary>
    /// The history table (its name ends in ReviewHistory, in any case), with the latest row of a review whose key starts
    /// with <paramref name="keyPrefix"/> as the template; null when the schema has no such table.
    /// </summary>
    public async Task<HistoryShape?> HistoryShapeAsync(string keyPrefix)
    {
        await using var connection = _open();
        await connection.OpenAsync();
        var table = (string?)await ScalarAsync(connection, IsPostgres
            ? "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND lower(table_name) LIKE '%reviewhistory'"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND lower(name) LIKE '%reviewhistory'");
        if (table is null)
        {
            return null;
        }

        var columns = new List<(string Name, string Type, bool Generated, int PrimaryKey)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = IsPostgres
                ? """
                  SELECT column_name::text, udt_name::text,
                         (is_identity = 'YES' OR coalesce(column_default, '') LIKE 'nextval(%'), 0
                    FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = @table
                   ORDER BY ordinal_position
                  """
                : "SELECT name, type, 0, pk FROM pragma_table_info(@table) ORDER BY cid";
            Add(command, "table", table);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), Convert.ToBoolean(reader.GetValue(2), CultureInfo.InvariantCulture),
                    Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture)));
            }
        }

        // Unique keys: primary key and unique indexes, as sets of column names.
        var uniqueSets = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = IsPostgres
                ? """
                  SELECT i.indexrelid::regclass::text, a.attname::text
                    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                   WHERE i.indrelid = @table::regclass AND i.indisunique
                  """
                : """SELECT il.name, ii.name FROM pragma_index_list(@table) AS il, pragma_index_info(il.name) AS ii WHERE il."unique" = 1""";
            Add(command, "table", table);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (!reader.IsDBNull(1))
                {
                    var set = uniqueSets.TryGetValue(reader.GetString(0), out var s) ? s : uniqueSets[reader.GetString(0)] = [];
                    set.Add(reader.GetString(1));
                }
            }
        }

        var primaryKey = columns.Where(c => c.PrimaryKey > 0).Select(c => c.Name).ToList();
        if (primaryKey.Count > 0)
        {
            uniqueSets["(primary key)"] = primaryKey;
        }

        // The template: the latest entry (highest integer of the key) of one of the writers' reviews (a text column holds its key).
        var textColumns = columns.Where(c => IsText(c.Type)).Select(c => c.Name).ToArray();
        var order = primaryKey.Concat(uniqueSets.Values.SelectMany(v => v))
            .FirstOrDefault(n => columns.Any(c => c.Name.Equals(n, StringComparison.OrdinalIgnoreCase) && IsInteger(c.Type)));
        object?[] template;
        await using (var command = connection.CreateCommand())
        {
            var filter = textColumns.Length == 0 ? "" : "WHERE " + string.Join(" OR ", textColumns.Select(c => $"{c} LIKE @prefix"));
            command.CommandText = $"SELECT * FROM {table} {filter} {(order is null ? "" : $"ORDER BY {order} DESC")} LIMIT 1";
            Add(command, "prefix", keyPrefix + "%");
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                throw new InvalidOperationException($"the host's {table} has no entry of a review {keyPrefix}...: nothing to copy the row size from");
            }

            template = new object?[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++)
            {
                template[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
        }

        var rows = Convert.ToInt64(await ScalarAsync(connection, $"SELECT count(*) FROM {table}"), CultureInfo.InvariantCulture);
        var uses = columns.Select(c => ColumnUse.Copy).ToArray();
        for (var i = 0; i < columns.Count; i++)
        {
            var (name, type, generated, pk) = columns[i];
            // SQLite: a lone INTEGER PRIMARY KEY is the rowid; PostgreSQL: identity or serial. The database numbers those.
            var rowid = !IsPostgres && pk == 1 && primaryKey.Count == 1 && type.Equals("INTEGER", StringComparison.OrdinalIgnoreCase);
            if (generated || rowid)
            {
                uses[i] = ColumnUse.Omit;
            }
        }

        foreach (var set in uniqueSets.Values)
        {
            var indexes = set.Select(n => columns.FindIndex(c => c.Name.Equals(n, StringComparison.OrdinalIgnoreCase))).Where(i => i >= 0).ToArray();
            if (indexes.Any(i => uses[i] == ColumnUse.Omit))
            {
                continue;
            }

            var integers = indexes.Where(i => template[i] is long or int or short).ToArray();
            foreach (var i in integers.Length > 0 ? integers : indexes.Where(i => template[i] is string))
            {
                uses[i] = integers.Length > 0 ? ColumnUse.Counter : ColumnUse.Unique;
            }
        }

        return new HistoryShape(table, [.. columns.Select((c, i) => new HistoryColumn(c.Name, c.Type, uses[i]))], template, rows);
    }

    private static bool IsInteger(string type) => type.Contains("INT", StringComparison.OrdinalIgnoreCase);

    private static bool IsText(string type) =>
        type.Contains("CHAR", StringComparison.OrdinalIgnoreCase) || type.Contains("TEXT", StringComparison.OrdinalIgnoreCase)
                                                                  || type.Contains("CLOB", StringComparison.OrdinalIgnoreCase);

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    internal static void Add(DbCommand command, string name, object? value, DbType? type = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        if (type is { } t)
        {
            parameter.DbType = t;
        }

        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}

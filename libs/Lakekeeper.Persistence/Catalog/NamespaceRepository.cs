using System.Text.Json;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

public enum NamespaceCreateOutcome
{
    Created,
    AlreadyExists,
    ParentMissing,

    /// <summary>The warehouse was deleted (a caller may still have had it cached).</summary>
    WarehouseMissing,
}

public enum NamespaceDropOutcome
{
    Dropped,
    NotFound,
    NotEmpty,
}

/// <summary>What keeps a namespace from being dropped.</summary>
public sealed record NamespaceContents(long Namespaces, long Tables, long Views)
{
    public bool IsEmpty => Namespaces == 0 && Tables == 0 && Views == 0;
}

public sealed class NamespaceRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "namespace_id, warehouse_id, parent_id, name, properties::text, version";

    public async Task<NamespaceRecord?> GetAsync(WarehouseId warehouse, IReadOnlyList<string> levels, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"SELECT {Columns} FROM namespace WHERE warehouse_id = $1 AND name_key = $2", warehouse.Value, NameKey.Of(levels));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public static async Task<NamespaceRecord?> GetForUpdateAsync(DbTransaction tx, WarehouseId warehouse, IReadOnlyList<string> levels, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            $"SELECT {Columns} FROM namespace WHERE warehouse_id = $1 AND name_key = $2 FOR UPDATE", warehouse.Value, NameKey.Of(levels));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// Children of <paramref name="parent"/> (null: top level) after <paramref name="afterKey"/>, in
    /// name order; at most <paramref name="limit"/> rows.
    /// </summary>
    public async Task<IReadOnlyList<(IReadOnlyList<string> Name, string Key)>> ListAsync(
        WarehouseId warehouse, NamespaceId? parent, string? afterKey, int limit, CancellationToken cancellationToken)
    {
        var sql = parent is null
            ? "SELECT name, name_key FROM namespace WHERE warehouse_id = $1 AND parent_id IS NULL AND name_key > $2 ORDER BY name_key LIMIT $3"
            : "SELECT name, name_key FROM namespace WHERE warehouse_id = $1 AND parent_id = $4 AND name_key > $2 ORDER BY name_key LIMIT $3";
        await using var command = parent is null
            ? Sql.Command(dataSource, sql, warehouse.Value, afterKey ?? string.Empty, limit)
            : Sql.Command(dataSource, sql, warehouse.Value, afterKey ?? string.Empty, limit, parent.Value.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(IReadOnlyList<string>, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((reader.GetFieldValue<string[]>(0), reader.GetString(1)));
        }

        return list;
    }

    public static async Task<(NamespaceCreateOutcome Outcome, NamespaceRecord? Namespace)> CreateAsync(
        DbTransaction tx, WarehouseId warehouse, IReadOnlyList<string> levels, IReadOnlyDictionary<string, string> properties,
        CancellationToken cancellationToken)
    {
        Guid? parentId = null;
        if (levels.Count > 1)
        {
            // FOR KEY SHARE keeps the parent from being dropped until this transaction ends.
            await using var parent = tx.Command(
                "SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name_key = $2 FOR KEY SHARE",
                warehouse.Value, NameKey.Of(levels.Take(levels.Count - 1).ToList()));
            if (await parent.ExecuteScalarAsync(cancellationToken) is not Guid found)
            {
                return (NamespaceCreateOutcome.ParentMissing, null);
            }

            parentId = found;
        }

        var id = NamespaceId.New();
        await using var insert = tx.Command(
            """
            INSERT INTO namespace (namespace_id, warehouse_id, parent_id, name, name_key, properties)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (warehouse_id, name_key) DO NOTHING
            """,
            id.Value, warehouse.Value, parentId, levels.ToArray(), NameKey.Of(levels), new Json(JsonSerializer.Serialize(properties)));
        try
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return (NamespaceCreateOutcome.AlreadyExists, null);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation && parentId is null)
        {
            return (NamespaceCreateOutcome.WarehouseMissing, null);
        }

        return (NamespaceCreateOutcome.Created,
            new NamespaceRecord(id, warehouse, parentId is { } p ? new NamespaceId(p) : null, levels, properties, 0));
    }

    public static async Task<NamespaceContents> CountContentsAsync(DbTransaction tx, NamespaceId id, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            """
            SELECT (SELECT count(*) FROM namespace WHERE parent_id = $1),
                   (SELECT count(*) FROM tabular WHERE namespace_id = $1 AND typ = 'table'),
                   (SELECT count(*) FROM tabular WHERE namespace_id = $1 AND typ = 'view')
            """, id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new NamespaceContents(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public static async Task DeleteAsync(DbTransaction tx, NamespaceId id, CancellationToken cancellationToken)
    {
        await using var command = tx.Command("DELETE FROM namespace WHERE namespace_id = $1", id.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task UpdatePropertiesAsync(DbTransaction tx, NamespaceId id, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            "UPDATE namespace SET properties = $2, version = version + 1, updated_at = now() WHERE namespace_id = $1",
            id.Value, new Json(JsonSerializer.Serialize(properties)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NamespaceRecord Read(NpgsqlDataReader reader) => new(
        new NamespaceId(reader.GetGuid(0)),
        new WarehouseId(reader.GetGuid(1)),
        reader.IsDBNull(2) ? null : new NamespaceId(reader.GetGuid(2)),
        reader.GetFieldValue<string[]>(3),
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? [],
        reader.GetInt64(5));
}

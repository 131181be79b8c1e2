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

/// <summary>What keeps a namespace from being dropped (<see cref="Dropped"/>: soft-deleted tables and views among them).</summary>
public sealed record NamespaceContents(long Namespaces, long Tables, long Views, long Dropped = 0)
{
    public bool IsEmpty => Namespaces == 0 && Tables == 0 && Views == 0;
}

/// <summary>A namespace of a subtree about to be dropped.</summary>
public sealed record SubtreeNamespace(NamespaceId Id, IReadOnlyList<string> Name, bool Protected);

/// <summary>A table or view (live or soft-deleted) of a subtree about to be dropped; <see cref="Metadata"/> only when asked for.</summary>
public sealed record SubtreeTabular(
    TabularId Id, NamespaceId NamespaceId, IReadOnlyList<string> Namespace, string Name, TabularType Type, bool Protected, bool Dropped,
    string Location, string MetadataLocation, byte[]? Metadata, string? SoftDeletionPayload);

public enum NamespaceMoveOutcome
{
    Moved,

    /// <summary>The destination is the namespace's current name: nothing to do.</summary>
    Unchanged,
    HasChildren,
    NameTaken,
    ParentMissing,

    /// <summary>The destination lies inside the namespace itself.</summary>
    IntoItself,

    /// <summary>The namespace is protected and the move did not say force.</summary>
    Protected,
}

/// <summary>A page row of a namespace listing: the name, its key (for paging), the id and the protection flag.</summary>
public sealed record NamespaceListItem(IReadOnlyList<string> Name, string Key, NamespaceId Id, bool Protected);

public sealed class NamespaceRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "namespace_id, warehouse_id, parent_id, name, properties::text, version, protected";

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
    public async Task<IReadOnlyList<NamespaceListItem>> ListAsync(
        WarehouseId warehouse, NamespaceId? parent, string? afterKey, int limit, CancellationToken cancellationToken)
    {
        var sql = parent is null
            ? "SELECT name, name_key, namespace_id, protected FROM namespace WHERE warehouse_id = $1 AND parent_id IS NULL AND name_key > $2 ORDER BY name_key LIMIT $3"
            : "SELECT name, name_key, namespace_id, protected FROM namespace WHERE warehouse_id = $1 AND parent_id = $4 AND name_key > $2 ORDER BY name_key LIMIT $3";
        await using var command = parent is null
            ? Sql.Command(dataSource, sql, warehouse.Value, afterKey ?? string.Empty, limit)
            : Sql.Command(dataSource, sql, warehouse.Value, afterKey ?? string.Empty, limit, parent.Value.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<NamespaceListItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new NamespaceListItem(reader.GetFieldValue<string[]>(0), reader.GetString(1), new NamespaceId(reader.GetGuid(2)), reader.GetBoolean(3)));
        }

        return list;
    }

    /// <summary>A namespace of <paramref name="warehouse"/> by id (the management API addresses namespaces so).</summary>
    public async Task<NamespaceRecord?> GetByIdAsync(WarehouseId warehouse, NamespaceId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"SELECT {Columns} FROM namespace WHERE warehouse_id = $1 AND namespace_id = $2", warehouse.Value, id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// The ids of a namespace and its ancestors, top level first (the parent chain as it is now);
    /// empty when the namespace no longer exists.
    /// </summary>
    public async Task<IReadOnlyList<NamespaceId>> GetPathIdsAsync(WarehouseId warehouse, NamespaceId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, """
            WITH RECURSIVE chain AS (
                SELECT namespace_id, parent_id, 0 AS depth FROM namespace WHERE warehouse_id = $1 AND namespace_id = $2
                UNION ALL
                SELECT n.namespace_id, n.parent_id, c.depth + 1 FROM namespace n JOIN chain c ON n.namespace_id = c.parent_id
                WHERE c.depth < 1000)
            SELECT namespace_id FROM chain ORDER BY depth DESC
            """, warehouse.Value, id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<NamespaceId>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(new NamespaceId(reader.GetGuid(0)));
        }

        return ids;
    }

    public static async Task<NamespaceRecord?> GetByIdForUpdateAsync(DbTransaction tx, WarehouseId warehouse, NamespaceId id, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            $"SELECT {Columns} FROM namespace WHERE warehouse_id = $1 AND namespace_id = $2 FOR UPDATE", warehouse.Value, id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Sets the protection flag; the namespace after the change, or null when it does not exist.</summary>
    public async Task<(bool Protected, DateTimeOffset? UpdatedAt)?> SetProtectionAsync(
        WarehouseId warehouse, NamespaceId id, bool isProtected, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "UPDATE namespace SET protected = $3, updated_at = now() WHERE warehouse_id = $1 AND namespace_id = $2 RETURNING protected, updated_at",
            warehouse.Value, id.Value, isProtected);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetBoolean(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    /// <summary>The protection flag and when the namespace last changed, or null when it does not exist.</summary>
    public async Task<(bool Protected, DateTimeOffset? UpdatedAt)?> GetProtectionAsync(WarehouseId warehouse, NamespaceId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT protected, updated_at FROM namespace WHERE warehouse_id = $1 AND namespace_id = $2", warehouse.Value, id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    /// <summary>
    /// Locks a namespace's whole subtree (the namespace, every namespace below it, and their tables and
    /// views, soft-deleted ones included) and returns it, deepest namespaces first. The metadata
    /// document comes with the tables to purge: all when <paramref name="purge"/>, else those dropped
    /// with purge and still pending their expiration.
    /// </summary>
    public static async Task<(IReadOnlyList<SubtreeNamespace> Namespaces, IReadOnlyList<SubtreeTabular> Tabulars)> LockSubtreeAsync(
        DbTransaction tx, NamespaceId root, bool purge, CancellationToken cancellationToken)
    {
        var namespaces = new List<SubtreeNamespace>();
        await using (var command = tx.Command(
            """
            SELECT namespace_id, name, protected FROM namespace
            WHERE namespace_id IN (
                WITH RECURSIVE below (id) AS (
                    SELECT $1::uuid
                    UNION ALL
                    SELECT n.namespace_id FROM namespace n JOIN below b ON n.parent_id = b.id)
                SELECT id FROM below)
            ORDER BY cardinality(name) DESC, name_key
            FOR UPDATE
            """, root.Value))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                namespaces.Add(new SubtreeNamespace(new NamespaceId(reader.GetGuid(0)), reader.GetFieldValue<string[]>(1), reader.GetBoolean(2)));
            }
        }

        // Pending expirations first: the expiry worker locks its task, then the table (the same order here).
        var ids = namespaces.Select(n => n.Id.Value).ToArray();
        await using (var lockTasks = tx.Command(
            """
            SELECT k.task_id FROM task k JOIN tabular t ON t.tabular_id = k.entity_id
            WHERE k.queue = 'soft_deletion' AND t.namespace_id = ANY($1)
            ORDER BY k.task_id
            FOR UPDATE OF k
            """, ids))
        {
            await lockTasks.ExecuteNonQueryAsync(cancellationToken);
        }

        var tabulars = new List<SubtreeTabular>();
        await using (var command = tx.Command(
            """
            SELECT t.tabular_id, t.namespace_id, n.name, t.name, t.typ, t.protected, t.deleted_at IS NOT NULL, t.location, t.metadata_location,
                   CASE WHEN $2 OR k.payload ->> 'deletion-kind' = 'purge' THEN t.metadata END, k.payload::text
            FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id
            LEFT JOIN task k ON k.queue = 'soft_deletion' AND k.entity_id = t.tabular_id
            WHERE t.namespace_id = ANY($1)
            ORDER BY t.tabular_id
            FOR UPDATE OF t
            """, ids, purge))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tabulars.Add(new SubtreeTabular(
                    new TabularId(reader.GetGuid(0)), new NamespaceId(reader.GetGuid(1)), reader.GetFieldValue<string[]>(2), reader.GetString(3),
                    TabularRepository.ParseType(reader.GetString(4)), reader.GetBoolean(5), reader.GetBoolean(6), reader.GetString(7), reader.GetString(8),
                    reader.IsDBNull(9) ? null : reader.GetFieldValue<byte[]>(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
            }
        }

        return (namespaces, tabulars);
    }

    /// <summary>
    /// Removes a locked subtree (<see cref="LockSubtreeAsync"/>): the pending expirations of its
    /// soft-deleted tables and views (logged as cancelled), the tables and views, then the namespaces,
    /// deepest first.
    /// </summary>
    public static async Task DeleteSubtreeAsync(
        DbTransaction tx, IReadOnlyList<SubtreeNamespace> namespaces, CancellationToken cancellationToken)
    {
        var ids = namespaces.Select(n => n.Id.Value).ToArray();
        await using (var log = tx.Command(
            """
            INSERT INTO task_log (task_id, attempt, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, payload, scheduled_for,
                                  started_at, task_created_at, progress, execution_details, parent_task_id, outcome, message)
            SELECT k.task_id, k.attempt + 1, k.queue, k.project_id, k.warehouse_id, k.entity_id, k.entity_type, k.entity_name, k.payload, k.scheduled_for,
                   k.picked_up_at, k.created_at, k.progress, k.execution_details, k.parent_task_id, 'cancelled', 'Its namespace was dropped recursively'
            FROM task k JOIN tabular t ON t.tabular_id = k.entity_id
            WHERE k.queue = 'soft_deletion' AND t.namespace_id = ANY($1)
            ON CONFLICT DO NOTHING
            """, ids))
        {
            await log.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var cancel = tx.Command(
            "DELETE FROM task k USING tabular t WHERE k.queue = 'soft_deletion' AND t.tabular_id = k.entity_id AND t.namespace_id = ANY($1)", ids))
        {
            await cancel.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var tabulars = tx.Command("DELETE FROM tabular WHERE namespace_id = ANY($1)", ids))
        {
            await tabulars.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var ns in namespaces)
        {
            await DeleteAsync(tx, ns.Id, cancellationToken);
        }
    }

    /// <summary>
    /// Moves or renames a namespace without children: its levels become <paramref name="destination"/>
    /// (its parent is the namespace named by all levels but the last; one level: the warehouse root). The caller holds the row lock.
    /// </summary>
    public static async Task<NamespaceMoveOutcome> MoveAsync(
        DbTransaction tx, NamespaceRecord ns, IReadOnlyList<string> destination, bool force, CancellationToken cancellationToken)
    {
        if (destination.SequenceEqual(ns.Name, StringComparer.Ordinal))
        {
            return NamespaceMoveOutcome.Unchanged;
        }

        if (ns.Protected && !force)
        {
            return NamespaceMoveOutcome.Protected;
        }

        await using (var children = tx.Command("SELECT EXISTS (SELECT 1 FROM namespace WHERE parent_id = $1)", ns.Id.Value))
        {
            if ((bool)(await children.ExecuteScalarAsync(cancellationToken))!)
            {
                return NamespaceMoveOutcome.HasChildren;
            }
        }

        Guid? parentId = null;
        if (destination.Count > 1)
        {
            // FOR KEY SHARE keeps the new parent from being dropped until this transaction ends.
            await using var parent = tx.Command(
                "SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name_key = $2 FOR KEY SHARE",
                ns.WarehouseId.Value, NameKey.Of(destination.Take(destination.Count - 1).ToList()));
            if (await parent.ExecuteScalarAsync(cancellationToken) is not Guid found)
            {
                return NamespaceMoveOutcome.ParentMissing;
            }

            parentId = found;
            if (found == ns.Id.Value)
            {
                return NamespaceMoveOutcome.IntoItself;
            }
        }

        await using var update = tx.Command(
            """
            UPDATE namespace SET name = $2, name_key = $3, parent_id = $4, version = version + 1, updated_at = now()
            WHERE namespace_id = $1
            AND NOT EXISTS (SELECT 1 FROM namespace o WHERE o.warehouse_id = $5 AND o.name_key = $3 AND o.namespace_id <> $1)
            """,
            ns.Id.Value, destination.ToArray(), NameKey.Of(destination), parentId, ns.WarehouseId.Value);
        try
        {
            return await update.ExecuteNonQueryAsync(cancellationToken) == 1 ? NamespaceMoveOutcome.Moved : NamespaceMoveOutcome.NameTaken;
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.UniqueViolation)
        {
            return NamespaceMoveOutcome.NameTaken;
        }
    }

    /// <summary>The id of a namespace by its levels (inside a transaction), or null.</summary>
    public static async Task<NamespaceId?> IdOfAsync(DbTransaction tx, WarehouseId warehouse, IReadOnlyList<string> levels, CancellationToken cancellationToken)
    {
        await using var command = tx.Command("SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name_key = $2", warehouse.Value, NameKey.Of(levels));
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? new NamespaceId(id) : null;
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
                   (SELECT count(*) FROM tabular WHERE namespace_id = $1 AND typ = 'view'),
                   (SELECT count(*) FROM tabular WHERE namespace_id = $1 AND deleted_at IS NOT NULL)
            """, id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new NamespaceContents(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
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
        reader.GetInt64(5),
        reader.GetBoolean(6));
}

using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>A soft-deleted table or view; <see cref="ExpiresAt"/> is when its expiration task removes it (null: none is pending).</summary>
public sealed record DeletedTabular(
    TabularId Id,
    WarehouseId WarehouseId,
    NamespaceId NamespaceId,
    IReadOnlyList<string> Namespace,
    string Name,
    TabularType Type,
    DateTimeOffset CreatedAt,
    DateTimeOffset DeletedAt,
    DateTimeOffset? ExpiresAt);

/// <summary>Where a listing of soft-deleted tables and views continues: after this drop time and id.</summary>
public readonly record struct DeletedPagePosition(DateTimeOffset DeletedAt, Guid Id);

/// <summary>A table or view to undrop, by id and type.</summary>
public sealed record UndropTarget(TabularId Id, TabularType Type);

/// <summary>What a soft-deletion expiry removed, for the purge that may follow.</summary>
public sealed record ExpiredTabular(TabularId Id, TabularType Type, NamespaceId NamespaceId, string Location, string MetadataLocation, byte[] Metadata);

/// <summary>
/// Soft-deleted tables and views: listing them, undropping them (the pending expiration is cancelled
/// in the same transaction) and removing them for real when their expiration comes.
/// </summary>
public sealed class DeletedTabularRepository(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "t.tabular_id, t.warehouse_id, t.namespace_id, n.name, t.name, t.typ, t.created_at, t.deleted_at, k.scheduled_for";

    /// <summary>Soft-deleted tables and views of a warehouse (optionally one namespace), oldest drop first, after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<DeletedTabular>> ListAsync(
        WarehouseId warehouse, NamespaceId? ns, DeletedPagePosition? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"""
            SELECT {Columns}
            FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id
            LEFT JOIN task k ON k.queue = 'soft_deletion' AND k.entity_id = t.tabular_id
            WHERE t.warehouse_id = $1 AND t.deleted_at IS NOT NULL
              AND ($2::uuid IS NULL OR t.namespace_id = $2)
              AND ($3::timestamptz IS NULL OR (t.deleted_at, t.tabular_id) > ($3, $4::uuid))
            ORDER BY t.deleted_at, t.tabular_id
            LIMIT $5
            """,
            warehouse.Value, ns?.Value, after?.DeletedAt, after?.Id, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DeletedTabular>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>
    /// Undrops every target or none: their pending expirations are cancelled (logged) and they are
    /// live again under their old names. Returns the undropped tables and views, or the first target
    /// that is not a soft-deleted table or view of this warehouse (then nothing changed).
    /// </summary>
    public static async Task<(IReadOnlyList<DeletedTabular> Undropped, UndropTarget? Missing)> UndropAsync(
        DbTransaction tx, WarehouseId warehouse, IReadOnlyList<UndropTarget> targets, CancellationToken cancellationToken)
    {
        var ids = targets.Select(t => t.Id.Value).Distinct().ToArray();

        // Locks in the order the expiry worker takes them (task, then table), so the two never deadlock.
        await using (var lockTasks = tx.Command(
            "SELECT task_id FROM task WHERE queue = 'soft_deletion' AND entity_id = ANY($1) ORDER BY task_id FOR UPDATE", ids))
        {
            await lockTasks.ExecuteNonQueryAsync(cancellationToken);
        }

        var found = new Dictionary<Guid, DeletedTabular>();
        await using (var select = tx.Command(
            $"""
            SELECT {Columns}
            FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id
            LEFT JOIN task k ON k.queue = 'soft_deletion' AND k.entity_id = t.tabular_id
            WHERE t.warehouse_id = $1 AND t.tabular_id = ANY($2) AND t.deleted_at IS NOT NULL
            ORDER BY t.tabular_id
            FOR UPDATE OF t
            """, warehouse.Value, ids))
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = Read(reader);
                found[row.Id.Value] = row;
            }
        }

        foreach (var target in targets)
        {
            if (!found.TryGetValue(target.Id.Value, out var row) || row.Type != target.Type)
            {
                return ([], target);
            }
        }

        await using (var log = tx.Command(
            """
            INSERT INTO task_log (task_id, attempt, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, payload, scheduled_for,
                                  started_at, task_created_at, progress, execution_details, parent_task_id, outcome, message)
            SELECT task_id, attempt + 1, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, payload, scheduled_for,
                   picked_up_at, created_at, progress, execution_details, parent_task_id, 'cancelled', 'The table or view was undropped'
            FROM task WHERE queue = 'soft_deletion' AND entity_id = ANY($1)
            ON CONFLICT DO NOTHING
            """, ids))
        {
            await log.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var cancel = tx.Command("DELETE FROM task WHERE queue = 'soft_deletion' AND entity_id = ANY($1)", ids))
        {
            await cancel.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var undrop = tx.Command(
            "UPDATE tabular SET deleted_at = NULL, version = version + 1, updated_at = now() WHERE tabular_id = ANY($1)", ids))
        {
            await undrop.ExecuteNonQueryAsync(cancellationToken);
        }

        return ([.. ids.Select(id => found[id])], null);
    }

    /// <summary>Removes a soft-deleted table or view for real (its expiration came); null when it is no longer soft-deleted.</summary>
    public static async Task<ExpiredTabular?> ExpireAsync(DbTransaction tx, TabularId id, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            "DELETE FROM tabular WHERE tabular_id = $1 AND deleted_at IS NOT NULL RETURNING typ, namespace_id, location, metadata_location, metadata", id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ExpiredTabular(id, TabularRepository.ParseType(reader.GetString(0)), new NamespaceId(reader.GetGuid(1)), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4))
            : null;
    }

    private static DeletedTabular Read(NpgsqlDataReader reader) => new(
        new TabularId(reader.GetGuid(0)),
        new WarehouseId(reader.GetGuid(1)),
        new NamespaceId(reader.GetGuid(2)),
        reader.GetFieldValue<string[]>(3),
        reader.GetString(4),
        TabularRepository.ParseType(reader.GetString(5)),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetFieldValue<DateTimeOffset>(7),
        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8));
}

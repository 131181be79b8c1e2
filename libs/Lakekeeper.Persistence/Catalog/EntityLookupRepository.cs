using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>Whether a namespace, table or view exists in a warehouse, by id (the management API addresses them so).</summary>
public sealed class EntityLookupRepository(NpgsqlDataSource dataSource)
{
    public async Task<bool> NamespaceExistsAsync(WarehouseId warehouse, NamespaceId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT EXISTS (SELECT 1 FROM namespace WHERE warehouse_id = $1 AND namespace_id = $2)", warehouse.Value, id.Value);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The type of the live table or view with this id, or null.</summary>
    public async Task<TabularType?> TabularTypeAsync(WarehouseId warehouse, TabularId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT typ FROM tabular WHERE warehouse_id = $1 AND tabular_id = $2 AND deleted_at IS NULL", warehouse.Value, id.Value);
        return await command.ExecuteScalarAsync(cancellationToken) is string typ ? TabularRepository.ParseType(typ) : null;
    }

    /// <summary>The id of the namespace with these levels, or null.</summary>
    public async Task<NamespaceId?> NamespaceIdAsync(WarehouseId warehouse, IReadOnlyList<string> levels, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name_key = $2", warehouse.Value, NameKey.Of(levels));
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? new NamespaceId(id) : null;
    }

    /// <summary>The id and type of the live table or view with this name, or null.</summary>
    public async Task<(TabularId Id, TabularType Type)?> TabularIdAsync(
        WarehouseId warehouse, IReadOnlyList<string> levels, string name, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            SELECT t.tabular_id, t.typ FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id
            WHERE n.warehouse_id = $1 AND n.name_key = $2 AND t.name_key = $3 AND t.deleted_at IS NULL
            """,
            warehouse.Value, NameKey.Of(levels), NameKey.Of(name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (new TabularId(reader.GetGuid(0)), TabularRepository.ParseType(reader.GetString(1)))
            : null;
    }
}

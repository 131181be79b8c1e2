using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>A table or view row. <see cref="Metadata"/> is null when the query did not ask for it.</summary>
public sealed record TabularRow(
    TabularId Id,
    NamespaceId NamespaceId,
    string Name,
    TabularType Type,
    string MetadataLocation,
    byte[]? Metadata,
    string Location,
    int FormatVersion,
    bool Protected = false);

/// <summary>A page row of a table or view listing: the name, its key (for paging), the id and the protection flag.</summary>
public sealed record TabularListItem(string Name, string Key, TabularId Id, bool Protected);

/// <summary>The row to insert for a new table or view.</summary>
public sealed record NewTabular(
    TabularId Id,
    WarehouseId WarehouseId,
    NamespaceId NamespaceId,
    string Name,
    TabularType Type,
    string MetadataLocation,
    byte[] Metadata,
    string Location,
    int FormatVersion);

public enum TabularInsertOutcome
{
    Inserted,
    NameTaken,
}

public enum TabularRenameOutcome
{
    Renamed,
    NameTaken,
}

/// <summary>What holds a name in a namespace: a live table or view, or a dropped one (<see cref="DeletedAt"/>) kept for undrop.</summary>
public sealed record TabularNameHolder(TabularType Type, DateTimeOffset? DeletedAt, DateTimeOffset? ExpiresAt)
{
    public bool IsDropped => DeletedAt is not null;
}

/// <summary>Which existing table or view uses a name or overlaps a location.</summary>
public sealed record TabularConflict(string Name, TabularType Type, IReadOnlyList<string> Namespace, string Location);

public sealed class TabularRepository(NpgsqlDataSource dataSource)
{
    private const string RowColumns =
        "t.tabular_id, t.namespace_id, t.name, t.typ, t.metadata_location, t.location, t.format_version, t.protected";

    /// <summary>
    /// The one indexed read behind loadTable/loadView: the live table or view with this name, and
    /// (when <paramref name="withMetadata"/>) its stored metadata document.
    /// </summary>
    public async Task<TabularRow?> GetAsync(
        WarehouseId warehouse, IReadOnlyList<string> namespaceLevels, string name, bool withMetadata, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            withMetadata
                ? $"SELECT {RowColumns}, t.metadata FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id WHERE n.warehouse_id = $1 AND n.name_key = $2 AND t.name_key = $3 AND t.deleted_at IS NULL"
                : $"SELECT {RowColumns} FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id WHERE n.warehouse_id = $1 AND n.name_key = $2 AND t.name_key = $3 AND t.deleted_at IS NULL",
            warehouse.Value, NameKey.Of(namespaceLevels), NameKey.Of(name));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, withMetadata) : null;
    }

    /// <summary>The same read inside a transaction, locking the row against concurrent drop/rename.</summary>
    public static async Task<TabularRow?> GetForUpdateAsync(
        DbTransaction tx, WarehouseId warehouse, IReadOnlyList<string> namespaceLevels, string name, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            $"SELECT {RowColumns}, t.metadata FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id WHERE n.warehouse_id = $1 AND n.name_key = $2 AND t.name_key = $3 AND t.deleted_at IS NULL FOR UPDATE OF t",
            warehouse.Value, NameKey.Of(namespaceLevels), NameKey.Of(name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, withMetadata: true) : null;
    }

    public async Task<IReadOnlyList<TabularListItem>> ListAsync(
        NamespaceId ns, TabularType type, string? afterKey, int limit, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT name, name_key, tabular_id, protected FROM tabular WHERE namespace_id = $1 AND typ = $2 AND deleted_at IS NULL AND name_key > $3 ORDER BY name_key LIMIT $4",
            ns.Value, TypeName(type), afterKey ?? string.Empty, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<TabularListItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new TabularListItem(reader.GetString(0), reader.GetString(1), new TabularId(reader.GetGuid(2)), reader.GetBoolean(3)));
        }

        return list;
    }

    /// <summary>The protection flag of a live table or view and when it last changed, or null when there is none with that id and type.</summary>
    public async Task<(bool Protected, DateTimeOffset? UpdatedAt)?> GetProtectionAsync(
        WarehouseId warehouse, TabularId id, TabularType type, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT protected, updated_at FROM tabular WHERE warehouse_id = $1 AND tabular_id = $2 AND typ = $3 AND deleted_at IS NULL",
            warehouse.Value, id.Value, TypeName(type));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    /// <summary>Sets the protection flag of a live table or view; null when there is none with that id and type.</summary>
    public async Task<(bool Protected, DateTimeOffset? UpdatedAt)?> SetProtectionAsync(
        WarehouseId warehouse, TabularId id, TabularType type, bool isProtected, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            UPDATE tabular SET protected = $4, updated_at = now()
            WHERE warehouse_id = $1 AND tabular_id = $2 AND typ = $3 AND deleted_at IS NULL
            RETURNING protected, updated_at
            """,
            warehouse.Value, id.Value, TypeName(type), isProtected);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetBoolean(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    public static async Task<TabularInsertOutcome> InsertAsync(DbTransaction tx, NewTabular row, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            """
            INSERT INTO tabular (tabular_id, warehouse_id, namespace_id, name, name_key, typ, metadata_location, metadata, location, format_version)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (namespace_id, name_key) DO NOTHING
            """,
            row.Id.Value, row.WarehouseId.Value, row.NamespaceId.Value, row.Name, NameKey.Of(row.Name), TypeName(row.Type),
            row.MetadataLocation, row.Metadata, row.Location, row.FormatVersion);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1
            ? TabularInsertOutcome.Inserted
            : TabularInsertOutcome.NameTaken;
    }

    /// <summary>
    /// Compare-and-swap of the metadata pointer: succeeds only if the row still points at
    /// <paramref name="expectedMetadataLocation"/>. False means a concurrent commit won (or the
    /// table was dropped).
    /// </summary>
    public static async Task<bool> SwapMetadataAsync(
        DbTransaction tx, TabularId id, string expectedMetadataLocation, string newMetadataLocation, byte[] metadata,
        string location, int formatVersion, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            """
            UPDATE tabular SET metadata_location = $3, metadata = $4, location = $5, format_version = $6,
                               version = version + 1, updated_at = now()
            WHERE tabular_id = $1 AND metadata_location = $2 AND deleted_at IS NULL
            """,
            id.Value, expectedMetadataLocation, newMetadataLocation, metadata, location, formatVersion);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public static async Task<bool> DeleteAsync(DbTransaction tx, TabularId id, CancellationToken cancellationToken)
    {
        await using var command = tx.Command("DELETE FROM tabular WHERE tabular_id = $1", id.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public static async Task<TabularRenameOutcome> RenameAsync(
        DbTransaction tx, TabularId id, NamespaceId targetNamespace, string targetName, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            """
            UPDATE tabular SET namespace_id = $2, name = $3, name_key = $4, version = version + 1, updated_at = now()
            WHERE tabular_id = $1
            AND NOT EXISTS (SELECT 1 FROM tabular o WHERE o.namespace_id = $2 AND o.name_key = $4 AND o.tabular_id <> $1)
            """,
            id.Value, targetNamespace.Value, targetName, NameKey.Of(targetName));
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1
                ? TabularRenameOutcome.Renamed
                : TabularRenameOutcome.NameTaken;
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.UniqueViolation)
        {
            return TabularRenameOutcome.NameTaken;
        }
    }

    /// <summary>What a name in a namespace is taken by, including dropped entries that keep it reserved.</summary>
    public static async Task<TabularNameHolder?> NameTakenByAsync(DbTransaction tx, NamespaceId ns, string name, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            """
            SELECT t.typ, t.deleted_at, k.scheduled_for FROM tabular t
            LEFT JOIN task k ON k.queue = 'soft_deletion' AND k.entity_id = t.tabular_id
            WHERE t.namespace_id = $1 AND t.name_key = $2
            """, ns.Value, NameKey.Of(name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TabularNameHolder(ParseType(reader.GetString(0)),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    /// <summary>
    /// Soft-deletes a live table or view: hidden from the catalog API from now on, its name and
    /// location still reserved. Returns when it was deleted, or null when it was not live.
    /// </summary>
    public static async Task<DateTimeOffset?> SoftDeleteAsync(DbTransaction tx, TabularId id, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            "UPDATE tabular SET deleted_at = now(), version = version + 1, updated_at = now() WHERE tabular_id = $1 AND deleted_at IS NULL RETURNING deleted_at",
            id.Value);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime deleted ? new DateTimeOffset(deleted, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// A table or view (or a location reserved by a pending purge) whose location equals, contains or
    /// lies inside <paramref name="location"/>. <paramref name="ancestors"/> are the location's parent
    /// locations (each without a trailing slash).
    /// </summary>
    public static async Task<TabularConflict?> FindOverlapAsync(
        DbTransaction tx, WarehouseId warehouse, string location, IReadOnlyList<string> ancestors, TabularId? except, CancellationToken cancellationToken) =>
        await FindAsync(tx, warehouse, location, ancestors, except, includeBelow: true, cancellationToken);

    /// <summary>
    /// A table or view (or a pending purge) whose location equals or contains <paramref name="location"/>,
    /// i.e. the owner of the files a write there would put inside someone else's folder.
    /// </summary>
    public static async Task<TabularConflict?> FindContainingAsync(
        DbTransaction tx, WarehouseId warehouse, string location, IReadOnlyList<string> ancestors, TabularId? except, CancellationToken cancellationToken) =>
        await FindAsync(tx, warehouse, location, ancestors, except, includeBelow: false, cancellationToken);

    private static async Task<TabularConflict?> FindAsync(
        DbTransaction tx, WarehouseId warehouse, string location, IReadOnlyList<string> ancestors, TabularId? except, bool includeBelow,
        CancellationToken cancellationToken)
    {
        var candidates = new List<string>(ancestors) { location };
        // With includeBelow false the LIKE pattern matches nothing (an empty string is no location).
        var below = includeBelow ? EscapeLike(location) + "/%" : string.Empty;
        await using var command = tx.Command(
            """
            SELECT t.name, t.typ, n.name, t.location FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id
            WHERE t.warehouse_id = $1 AND (t.location = ANY($2) OR t.location LIKE $3) AND t.tabular_id IS DISTINCT FROM $4
            UNION ALL
            SELECT '(pending purge)', 'table', ARRAY[]::text[], k.location FROM task k
            WHERE k.warehouse_id = $1 AND k.location IS NOT NULL AND (k.location = ANY($2) OR k.location LIKE $3)
            LIMIT 1
            """,
            warehouse.Value, candidates.ToArray(), below, except?.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TabularConflict(reader.GetString(0), ParseType(reader.GetString(1)), reader.GetFieldValue<string[]>(2), reader.GetString(3))
            : null;
    }

    /// <summary>The live table or view with this id in the warehouse (without its document), or null.</summary>
    public async Task<TabularRow?> GetByIdAsync(WarehouseId warehouse, TabularId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"SELECT {RowColumns} FROM tabular t WHERE t.warehouse_id = $1 AND t.tabular_id = $2 AND t.deleted_at IS NULL",
            warehouse.Value, id.Value);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, withMetadata: false) : null;
    }

    /// <summary>
    /// The live table or view whose location is one of <paramref name="locations"/> (a location and its
    /// parent locations, each without a trailing slash): the owner of the files at the deepest of them.
    /// The longest match wins.
    /// </summary>
    public async Task<TabularRow?> FindByLocationAsync(WarehouseId warehouse, IReadOnlyList<string> locations, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"SELECT {RowColumns} FROM tabular t WHERE t.warehouse_id = $1 AND t.location = ANY($2) AND t.deleted_at IS NULL ORDER BY length(t.location) DESC LIMIT 1",
            warehouse.Value, locations.ToArray());
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, withMetadata: false) : null;
    }

    public static string TypeName(TabularType type) => type == TabularType.Table ? "table" : "view";

    public static TabularType ParseType(string typ) => typ == "view" ? TabularType.View : TabularType.Table;

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static TabularRow Read(NpgsqlDataReader reader, bool withMetadata) => new(
        new TabularId(reader.GetGuid(0)),
        new NamespaceId(reader.GetGuid(1)),
        reader.GetString(2),
        ParseType(reader.GetString(3)),
        reader.GetString(4),
        withMetadata ? reader.GetFieldValue<byte[]>(8) : null,
        reader.GetString(5),
        reader.GetInt32(6),
        reader.GetBoolean(7));
}

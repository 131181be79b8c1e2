using Lakekeeper.Persistence.Model;
using Npgsql;

namespace Lakekeeper.Persistence.Repositories;

public enum WarehouseCreateOutcome
{
    Created,
    NameTaken,
    IdTaken,
    ProjectNotFound,
}

public enum WarehouseDeleteOutcome
{
    Deleted,
    NotFound,
    NotEmpty,
    Protected,
}

public enum WarehouseRenameOutcome
{
    Renamed,
    NotFound,
    NameTaken,
}

/// <summary>What a new warehouse is made of; the credential is already encrypted and bound to <see cref="Id"/>.</summary>
public sealed record NewWarehouse(
    WarehouseId Id,
    ProjectId Project,
    string Name,
    string StorageProfileJson,
    byte[]? StorageSecret,
    string DeleteProfileJson,
    IReadOnlyList<int>? AllowedFormatVersions = null,
    int? DefaultFormatVersion = null,
    string ManagedBy = WarehouseRecord.SelfManaged);

/// <summary>
/// Warehouses. Every change bumps <c>version</c> (which the catalog's ETags and caches follow) and
/// tells <see cref="Changed"/> subscribers of this process, so that in the standalone topology a
/// deactivation or a new credential takes effect at once; other processes see it when their cache
/// expires.
/// </summary>
public sealed class WarehouseRepository(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "warehouse_id, project_id, name, status, storage_profile::text, storage_secret, delete_profile::text, version, created_at, " +
        "protected, allowed_format_versions, default_format_version, updated_at, managed_by";

    /// <summary>Raised after a warehouse changed or was deleted (in this process).</summary>
    public event Action<WarehouseId>? Changed;

    public async Task<(WarehouseCreateOutcome Outcome, WarehouseRecord? Warehouse)> CreateAsync(
        NewWarehouse warehouse, CancellationToken cancellationToken, Catalog.AuthzTupleChanges? tuples = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        WarehouseRecord created;
        try
        {
            await using var command = Sql.Command(connection, transaction,
                $"""
                INSERT INTO warehouse (warehouse_id, project_id, name, name_key, storage_profile, storage_secret, delete_profile,
                                       allowed_format_versions, default_format_version, managed_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                RETURNING {Columns}
                """,
                warehouse.Id.Value, warehouse.Project.Value, warehouse.Name, NameKey.Of(warehouse.Name), new Json(warehouse.StorageProfileJson),
                warehouse.StorageSecret, new Json(warehouse.DeleteProfileJson), (warehouse.AllowedFormatVersions ?? FormatVersionPolicy.All).ToArray(), warehouse.DefaultFormatVersion,
                warehouse.ManagedBy);
            created = (await ReadSingleAsync(command, cancellationToken))!;
        }
        catch (PostgresException ex) when (Sql.IsUniqueViolation(ex, "warehouse_pkey"))
        {
            return (WarehouseCreateOutcome.IdTaken, null);
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.UniqueViolation)
        {
            return (WarehouseCreateOutcome.NameTaken, null);
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.ForeignKeyViolation)
        {
            return (WarehouseCreateOutcome.ProjectNotFound, null);
        }

        // The statistics start at zero, so that the first hour has a row even without tables.
        await using (var statistics = Sql.Command(connection, transaction,
            """
            INSERT INTO warehouse_statistics (warehouse_id, "timestamp", number_of_tables, number_of_views)
            VALUES ($1, date_trunc('hour', now()) + interval '1 hour', 0, 0) ON CONFLICT DO NOTHING
            """, warehouse.Id.Value))
        {
            await statistics.ExecuteNonQueryAsync(cancellationToken);
        }

        // The authz outbox row (ownership, hierarchy) commits with the warehouse: both or neither.
        await Catalog.AuthzOutboxRepository.AddAsync(connection, transaction, tuples ?? Catalog.AuthzTupleChanges.None, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (WarehouseCreateOutcome.Created, created);
    }

    public async Task<WarehouseRecord?> GetAsync(WarehouseId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, $"SELECT {Columns} FROM warehouse WHERE warehouse_id = $1", id.Value);
        return await ReadSingleAsync(command, cancellationToken);
    }

    public async Task<WarehouseRecord?> GetByNameAsync(ProjectId project, string name, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"SELECT {Columns} FROM warehouse WHERE project_id = $1 AND name_key = $2", project.Value, NameKey.Of(name));
        return await ReadSingleAsync(command, cancellationToken);
    }

    /// <summary>The project's warehouses, by name; <paramref name="statuses"/> filters (null: all).</summary>
    public async Task<IReadOnlyList<WarehouseRecord>> ListAsync(ProjectId project, CancellationToken cancellationToken, IReadOnlyCollection<string>? statuses = null)
    {
        await using var command = Sql.Command(dataSource,
            $"SELECT {Columns} FROM warehouse WHERE project_id = $1 AND ($2::text[] IS NULL OR status = ANY ($2)) ORDER BY name_key, warehouse_id",
            project.Value, statuses?.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<WarehouseRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>Every warehouse's id and storage profile (for the check that locations do not overlap).</summary>
    public async Task<IReadOnlyList<(WarehouseId Id, string StorageProfileJson)>> ListProfilesAsync(CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "SELECT warehouse_id, storage_profile::text FROM warehouse");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(WarehouseId, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((new WarehouseId(reader.GetGuid(0)), reader.GetString(1)));
        }

        return list;
    }

    /// <summary><c>active</c> or <c>inactive</c>; null when the warehouse does not exist.</summary>
    public Task<WarehouseRecord?> SetStatusAsync(WarehouseId id, string status, CancellationToken cancellationToken) =>
        UpdateAsync(id, "status = $2", cancellationToken, status);

    public Task<WarehouseRecord?> SetProtectionAsync(WarehouseId id, bool isProtected, CancellationToken cancellationToken) =>
        UpdateAsync(id, "protected = $2", cancellationToken, isProtected);

    /// <summary>Lakekeeper's managed-by marker (<c>self-managed</c> or <c>instance-admin</c>); null when the warehouse does not exist.</summary>
    public Task<WarehouseRecord?> SetManagedByAsync(WarehouseId id, string managedBy, CancellationToken cancellationToken) =>
        UpdateAsync(id, "managed_by = $2", cancellationToken, managedBy);

    public Task<WarehouseRecord?> SetDeleteProfileAsync(WarehouseId id, string deleteProfileJson, CancellationToken cancellationToken) =>
        UpdateAsync(id, "delete_profile = $2", cancellationToken, new Json(deleteProfileJson));

    /// <param name="defaultVersion">Must be one of <paramref name="allowed"/> (checked by the caller and by the table).</param>
    public Task<WarehouseRecord?> SetFormatVersionPolicyAsync(WarehouseId id, IReadOnlyList<int> allowed, int? defaultVersion, CancellationToken cancellationToken) =>
        UpdateAsync(id, "allowed_format_versions = $2, default_format_version = $3", cancellationToken, allowed.ToArray(), defaultVersion);

    /// <summary>
    /// Replaces the storage profile and credential (already encrypted, bound to <paramref name="id"/>)
    /// and bumps the version, which the catalog's ETags and credential cache follow. Null when the
    /// warehouse does not exist.
    /// </summary>
    public Task<WarehouseRecord?> UpdateStorageAsync(WarehouseId id, string storageProfileJson, byte[]? storageSecret, CancellationToken cancellationToken) =>
        UpdateAsync(id, "storage_profile = $2, storage_secret = $3", cancellationToken, new Json(storageProfileJson), storageSecret);

    /// <summary>
    /// Replaces the credential only. The previous envelope is overwritten in the same row (and the
    /// superseded row version is gone once Postgres vacuums it); null removes the credential.
    /// </summary>
    public Task<WarehouseRecord?> UpdateCredentialAsync(WarehouseId id, byte[]? storageSecret, CancellationToken cancellationToken) =>
        UpdateAsync(id, "storage_secret = $2", cancellationToken, storageSecret);

    public async Task<(WarehouseRenameOutcome Outcome, WarehouseRecord? Warehouse)> RenameAsync(WarehouseId id, string name, CancellationToken cancellationToken)
    {
        try
        {
            var renamed = await UpdateAsync(id, "name = $2, name_key = $3", cancellationToken, name, NameKey.Of(name));
            return renamed is null ? (WarehouseRenameOutcome.NotFound, null) : (WarehouseRenameOutcome.Renamed, renamed);
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.UniqueViolation)
        {
            return (WarehouseRenameOutcome.NameTaken, null);
        }
    }

    /// <summary>
    /// Deletes a warehouse with everything the catalog holds for it: its row and credential,
    /// statistics, tasks, metrics reports, idempotency records. Without <paramref name="force"/> a
    /// protected warehouse or one that still has namespaces, tables or views is refused; with it,
    /// those go too (their catalog rows; files on storage stay).
    /// </summary>
    public async Task<WarehouseDeleteOutcome> DeleteAsync(
        WarehouseId id, bool force, CancellationToken cancellationToken, Catalog.AuthzTupleChanges? tuples = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockRow = Sql.Command(connection, transaction,
            "SELECT protected, EXISTS (SELECT 1 FROM namespace WHERE warehouse_id = $1) OR EXISTS (SELECT 1 FROM tabular WHERE warehouse_id = $1) FROM warehouse WHERE warehouse_id = $1 FOR UPDATE",
            id.Value))
        {
            await using var reader = await lockRow.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return WarehouseDeleteOutcome.NotFound;
            }

            if (!force && reader.GetBoolean(0))
            {
                return WarehouseDeleteOutcome.Protected;
            }

            if (!force && reader.GetBoolean(1))
            {
                return WarehouseDeleteOutcome.NotEmpty;
            }
        }

        await DeleteWarehousesAsync(connection, transaction, "warehouse_id = $1", id.Value, cancellationToken);
        await Catalog.AuthzOutboxRepository.AddAsync(connection, transaction, tuples ?? Catalog.AuthzTupleChanges.None, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Changed?.Invoke(id);
        return WarehouseDeleteOutcome.Deleted;
    }

    /// <summary>
    /// Deletes the warehouses matching <paramref name="where"/> (over <c>warehouse</c>, one parameter)
    /// and what hangs off them, inside the caller's transaction. Tables and views go before
    /// namespaces, children before parents (their foreign keys restrict). Every tuple of what was
    /// deleted (the warehouses, their namespaces, tables and views, soft-deleted ones included) is
    /// purged through the authz outbox in the same transaction. Returns the deleted ids.
    /// </summary>
    internal static async Task<IReadOnlyList<WarehouseId>> DeleteWarehousesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string where, object parameter, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        await using (var select = Sql.Command(connection, transaction, $"SELECT warehouse_id FROM warehouse WHERE {where} FOR UPDATE", parameter))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetGuid(0));
            }
        }

        if (ids.Count == 0)
        {
            return [];
        }

        var array = ids.ToArray();
        var purges = new List<Catalog.ObjectRow>();
        string[] statements =
        [
            "DELETE FROM tabular WHERE warehouse_id = ANY ($1) RETURNING CASE typ WHEN 'view' THEN 'lakekeeper_view' ELSE 'lakekeeper_table' END, tabular_id::text",
            // Leaves first: a namespace's parent restricts while it has children.
            "DELETE FROM namespace n WHERE n.warehouse_id = ANY ($1) AND NOT EXISTS (SELECT 1 FROM namespace c WHERE c.parent_id = n.namespace_id) RETURNING 'namespace', n.namespace_id::text",
            "DELETE FROM idempotency_record WHERE scope = ANY ($1::text[])",
            "DELETE FROM warehouse WHERE warehouse_id = ANY ($1)",
            "DELETE FROM warehouse_statistics WHERE warehouse_id = ANY ($1)",
            "DELETE FROM endpoint_statistics WHERE warehouse_id = ANY ($1)",
        ];
        foreach (var statement in statements)
        {
            object value = statement.Contains("::text[]", StringComparison.Ordinal) ? array.Select(g => g.ToString()).ToArray() : array;
            if (statement.StartsWith("DELETE FROM namespace", StringComparison.Ordinal))
            {
                // One level per round: leaves first, until none is left.
                int deleted;
                do
                {
                    deleted = await DeleteReturningAsync(statement, value);
                }
                while (deleted > 0);

                continue;
            }

            if (statement.Contains("RETURNING", StringComparison.Ordinal))
            {
                await DeleteReturningAsync(statement, value);
                continue;
            }

            await using var command = Sql.Command(connection, transaction, statement, value);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        purges.AddRange(ids.Select(g => new Catalog.ObjectRow("warehouse", g.ToString())));
        await Catalog.AuthzOutboxRepository.AddAsync(connection, transaction, new Catalog.AuthzTupleChanges([], [], purges), cancellationToken);
        return [.. ids.Select(g => new WarehouseId(g))];

        // Deletes and remembers the (type, id) of every deleted row for the purge.
        async Task<int> DeleteReturningAsync(string statement, object value)
        {
            await using var command = Sql.Command(connection, transaction, statement, value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var count = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                purges.Add(new Catalog.ObjectRow(reader.GetString(0), reader.GetString(1)));
                count++;
            }

            return count;
        }
    }

    /// <summary>Table and view counts, latest first, a page of hourly rows at a time.</summary>
    public async Task<IReadOnlyList<WarehouseStatisticsRecord>> StatisticsAsync(
        WarehouseId id, DateTimeOffset? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            SELECT "timestamp", number_of_tables, number_of_views, coalesce(updated_at, created_at)
            FROM warehouse_statistics WHERE warehouse_id = $1 AND ($2::timestamptz IS NULL OR "timestamp" < $2)
            ORDER BY "timestamp" DESC LIMIT $3
            """,
            id.Value, before, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<WarehouseStatisticsRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new WarehouseStatisticsRecord(
                reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return rows;
    }

    private async Task<WarehouseRecord?> UpdateAsync(WarehouseId id, string set, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = Sql.Command(dataSource,
            $"UPDATE warehouse SET {set}, version = version + 1, updated_at = now() WHERE warehouse_id = $1 RETURNING {Columns}",
            [id.Value, .. values]);
        var updated = await ReadSingleAsync(command, cancellationToken);
        if (updated is not null)
        {
            Changed?.Invoke(id);
        }

        return updated;
    }

    private static async Task<WarehouseRecord?> ReadSingleAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static WarehouseRecord Read(NpgsqlDataReader reader) => new(
        new WarehouseId(reader.GetGuid(0)),
        new ProjectId(reader.GetGuid(1)),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5),
        reader.GetString(6),
        reader.GetInt64(7),
        reader.GetFieldValue<DateTimeOffset>(8),
        reader.GetBoolean(9),
        reader.GetFieldValue<int[]>(10),
        reader.IsDBNull(11) ? null : reader.GetInt32(11),
        reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
        reader.GetString(13));
}

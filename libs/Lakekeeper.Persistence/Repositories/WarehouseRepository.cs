using Lakekeeper.Persistence.Model;
using Npgsql;

namespace Lakekeeper.Persistence.Repositories;

public enum WarehouseCreateOutcome
{
    Created,
    NameTaken,
    ProjectNotFound,
}

public enum WarehouseDeleteOutcome
{
    Deleted,
    NotFound,
    NotEmpty,
}

public sealed class WarehouseRepository(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "warehouse_id, project_id, name, status, storage_profile::text, storage_secret, delete_profile::text, version, created_at";

    /// <param name="storageSecret">The credential, already encrypted and bound to <paramref name="id"/> (or null: none).</param>
    public async Task<(WarehouseCreateOutcome Outcome, WarehouseRecord? Warehouse)> CreateAsync(
        WarehouseId id, ProjectId project, string name, string storageProfileJson, byte[]? storageSecret,
        string deleteProfileJson, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = Sql.Command(dataSource,
                $"""
                INSERT INTO warehouse (warehouse_id, project_id, name, name_key, storage_profile, storage_secret, delete_profile)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                RETURNING {Columns}
                """,
                id.Value, project.Value, name, NameKey.Of(name), new Json(storageProfileJson), storageSecret, new Json(deleteProfileJson));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return (WarehouseCreateOutcome.Created, Read(reader));
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.UniqueViolation)
        {
            return (WarehouseCreateOutcome.NameTaken, null);
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.ForeignKeyViolation)
        {
            return (WarehouseCreateOutcome.ProjectNotFound, null);
        }
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

    public async Task<IReadOnlyList<WarehouseRecord>> ListAsync(ProjectId project, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"SELECT {Columns} FROM warehouse WHERE project_id = $1 ORDER BY name_key, warehouse_id", project.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<WarehouseRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>
    /// Replaces the storage profile and credential (already encrypted, bound to <paramref name="id"/>)
    /// and bumps the version, which the catalog's ETags and credential cache follow. Null when the
    /// warehouse does not exist.
    /// </summary>
    public async Task<WarehouseRecord?> UpdateStorageAsync(WarehouseId id, string storageProfileJson, byte[]? storageSecret, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"""
            UPDATE warehouse SET storage_profile = $2, storage_secret = $3, version = version + 1, updated_at = now()
            WHERE warehouse_id = $1
            RETURNING {Columns}
            """,
            id.Value, new Json(storageProfileJson), storageSecret);
        return await ReadSingleAsync(command, cancellationToken);
    }

    /// <summary>Deletes a warehouse that holds no namespaces, tables or views.</summary>
    public async Task<WarehouseDeleteOutcome> DeleteAsync(WarehouseId id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockRow = Sql.Command(connection, transaction, "SELECT 1 FROM warehouse WHERE warehouse_id = $1 FOR UPDATE", id.Value))
        {
            if (await lockRow.ExecuteScalarAsync(cancellationToken) is null)
            {
                return WarehouseDeleteOutcome.NotFound;
            }
        }

        await using (var contents = Sql.Command(connection, transaction,
            "SELECT EXISTS (SELECT 1 FROM namespace WHERE warehouse_id = $1) OR EXISTS (SELECT 1 FROM tabular WHERE warehouse_id = $1)", id.Value))
        {
            if ((bool)(await contents.ExecuteScalarAsync(cancellationToken))!)
            {
                return WarehouseDeleteOutcome.NotEmpty;
            }
        }

        await using (var delete = Sql.Command(connection, transaction, "DELETE FROM warehouse WHERE warehouse_id = $1", id.Value))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return WarehouseDeleteOutcome.Deleted;
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
        reader.GetFieldValue<DateTimeOffset>(8));
}

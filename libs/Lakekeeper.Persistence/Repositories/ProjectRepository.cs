using Lakekeeper.Persistence.Model;
using Npgsql;

namespace Lakekeeper.Persistence.Repositories;

public enum ProjectDeleteOutcome
{
    Deleted,
    NotFound,
    HasWarehouses,
}

public sealed class ProjectRepository(NpgsqlDataSource dataSource)
{
    /// <returns>The new project, or null when the id is taken.</returns>
    public async Task<ProjectRecord?> CreateAsync(ProjectId id, string name, CancellationToken cancellationToken, Catalog.AuthzTupleChanges? tuples = null)
    {
        // The authz outbox row goes in with the project, by the same statement, only when the project does.
        await using var command = Sql.Command(dataSource,
            $"""
            WITH created AS (INSERT INTO project (project_id, name) VALUES ($1, $2) ON CONFLICT (project_id) DO NOTHING RETURNING created_at),
            tuples AS ({Catalog.AuthzOutboxRepository.InsertSql(3, "created")})
            SELECT created_at FROM created
            """,
            [id.Value, name, .. Catalog.AuthzOutboxRepository.InsertParameters(tuples ?? Catalog.AuthzTupleChanges.None)]);
        var created = await command.ExecuteScalarAsync(cancellationToken);
        return created is DateTime at ? new ProjectRecord(id, name, new DateTimeOffset(at, TimeSpan.Zero)) : null;
    }

    public async Task<ProjectRecord?> GetAsync(ProjectId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "SELECT project_id, name, created_at FROM project WHERE project_id = $1", id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<ProjectRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "SELECT project_id, name, created_at FROM project ORDER BY name, project_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var projects = new List<ProjectRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            projects.Add(Read(reader));
        }

        return projects;
    }

    /// <returns>False when the project does not exist.</returns>
    public async Task<bool> RenameAsync(ProjectId id, string name, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "UPDATE project SET name = $2, updated_at = now() WHERE project_id = $1", id.Value, name);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Deletes a project. A project that still has warehouses is refused unless <paramref name="force"/>:
    /// then its warehouses go too, with everything the catalog holds for them (see
    /// <see cref="WarehouseRepository.DeleteAsync"/>), and its endpoint statistics; all in one
    /// transaction. <paramref name="deletedWarehouses"/> receives the warehouses deleted.
    /// </summary>
    public async Task<ProjectDeleteOutcome> DeleteAsync(
        ProjectId id, bool force, List<WarehouseId> deletedWarehouses, CancellationToken cancellationToken,
        Catalog.AuthzTupleChanges? tuples = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockRow = Sql.Command(connection, transaction,
            "SELECT EXISTS (SELECT 1 FROM warehouse WHERE project_id = $1) FROM project WHERE project_id = $1 FOR UPDATE", id.Value))
        {
            var hasWarehouses = await lockRow.ExecuteScalarAsync(cancellationToken);
            if (hasWarehouses is not bool has)
            {
                return ProjectDeleteOutcome.NotFound;
            }

            if (has && !force)
            {
                return ProjectDeleteOutcome.HasWarehouses;
            }
        }

        deletedWarehouses.AddRange(await WarehouseRepository.DeleteWarehousesAsync(connection, transaction, "project_id = $1", id.Value, cancellationToken));

        // The project's roles go with it (cascade): their tuples are purged through the outbox with the delete.
        var roles = new List<Catalog.ObjectRow>();
        await using (var select = Sql.Command(connection, transaction, "SELECT role_id::text FROM role WHERE project_id = $1", id.Value))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                roles.Add(new Catalog.ObjectRow("role", reader.GetString(0)));
            }
        }

        await Catalog.AuthzOutboxRepository.AddAsync(connection, transaction, new Catalog.AuthzTupleChanges([], [], roles), cancellationToken);
        foreach (var statement in new[] { "DELETE FROM endpoint_statistics WHERE project_id = $1", "DELETE FROM project WHERE project_id = $1" })
        {
            await using var command = Sql.Command(connection, transaction, statement, id.Value);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await Catalog.AuthzOutboxRepository.AddAsync(connection, transaction, tuples ?? Catalog.AuthzTupleChanges.None, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ProjectDeleteOutcome.Deleted;
    }

    private static ProjectRecord Read(NpgsqlDataReader reader) =>
        new(new ProjectId(reader.GetGuid(0)), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
}

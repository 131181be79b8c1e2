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
    public async Task<ProjectRecord?> CreateAsync(ProjectId id, string name, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "INSERT INTO project (project_id, name) VALUES ($1, $2) ON CONFLICT (project_id) DO NOTHING RETURNING created_at",
            id.Value, name);
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

    public async Task<bool> RenameAsync(ProjectId id, string name, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "UPDATE project SET name = $2, updated_at = now() WHERE project_id = $1", id.Value, name);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<ProjectDeleteOutcome> DeleteAsync(ProjectId id, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = Sql.Command(dataSource, "DELETE FROM project WHERE project_id = $1", id.Value);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1
                ? ProjectDeleteOutcome.Deleted
                : ProjectDeleteOutcome.NotFound;
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.ForeignKeyViolation)
        {
            return ProjectDeleteOutcome.HasWarehouses;
        }
    }

    private static ProjectRecord Read(NpgsqlDataReader reader) =>
        new(new ProjectId(reader.GetGuid(0)), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
}

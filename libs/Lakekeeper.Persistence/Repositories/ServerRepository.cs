using Lakekeeper.Persistence.Model;
using Npgsql;

namespace Lakekeeper.Persistence.Repositories;

public sealed class ServerRepository(NpgsqlDataSource dataSource)
{
    public async Task<ServerRecord?> GetAsync(CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "SELECT server_id, bootstrapped_at, terms_accepted, bootstrapped_by, bootstrapped_as FROM server");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ServerRecord(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4))
            : null;
    }

    /// <summary>
    /// Bootstraps the server once: records its id, creates the default project (when
    /// <paramref name="defaultProject"/> is given) and records who did it:
    /// <paramref name="bootstrappedBy"/> (a user id, or null when anonymous) as
    /// <paramref name="bootstrappedAs"/> (<c>admin</c> or <c>operator</c>). Returns false if it was
    /// bootstrapped before (nothing changes then).
    /// </summary>
    public async Task<bool> BootstrapAsync(
        Guid serverId, string defaultProjectName, ProjectId? defaultProject, string? bootstrappedBy, string? bootstrappedAs, CancellationToken cancellationToken,
        Catalog.AuthzTupleChanges? tuples = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = Sql.Command(connection, transaction,
            "INSERT INTO server (server_id, terms_accepted, bootstrapped_by, bootstrapped_as) VALUES ($1, true, $2, $3) ON CONFLICT (singleton) DO NOTHING",
            serverId, bootstrappedBy, bootstrappedAs))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        if (defaultProject is { } id)
        {
            await using var project = Sql.Command(connection, transaction,
                "INSERT INTO project (project_id, name) VALUES ($1, $2) ON CONFLICT (project_id) DO NOTHING", id.Value, defaultProjectName);
            await project.ExecuteNonQueryAsync(cancellationToken);
        }

        if (tuples is { IsEmpty: false })
        {
            await using var outbox = Sql.Command(connection, transaction, Catalog.AuthzOutboxRepository.InsertSql(1), Catalog.AuthzOutboxRepository.InsertParameters(tuples));
            await outbox.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}

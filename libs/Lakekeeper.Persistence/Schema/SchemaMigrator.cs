using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakekeeper.Persistence.Schema;

public sealed record SchemaStatus(int CurrentVersion, int RequiredVersion)
{
    public bool IsCurrent => CurrentVersion >= RequiredVersion;
}

/// <summary>
/// Applies the embedded migrations under a Postgres advisory lock, each in its own transaction
/// together with its row in <c>lakekeeper_schema_version</c>. Concurrent runs are safe: the second
/// waits for the lock and then finds nothing to do.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // An arbitrary constant that identifies "the Lakekeeper migration" lock in pg_locks.
    private const long AdvisoryLockKey = 0x4C414B454B454550; // "LAKEKEEP"

    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS lakekeeper_schema_version (
            version     integer PRIMARY KEY,
            name        text        NOT NULL,
            checksum    text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )
        """;

    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", AdvisoryLockKey));
        try
        {
            await ExecuteAsync(connection, null, CreateVersionTable, cancellationToken);
            var applied = await ReadAppliedAsync(connection, cancellationToken);
            var done = new List<Migration>();
            foreach (var migration in EmbeddedMigrations.List)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Version} ({migration.Name}) differs from the one applied to this database. Applied migrations must never change.");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO lakekeeper_schema_version (version, name, checksum) VALUES (@v, @n, @c)", cancellationToken,
                    ("v", migration.Version), ("n", migration.Name), ("c", migration.Checksum));
                await transaction.CommitAsync(cancellationToken);
                LogApplied(logger, migration.Version, migration.Name);
                done.Add(migration);
            }

            return done;
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
        }
    }

    public async Task<SchemaStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Two statements: a query naming a table that does not exist fails at parse time.
        await using var exists = new NpgsqlCommand("SELECT to_regclass('lakekeeper_schema_version') IS NOT NULL", connection);
        var current = 0;
        if ((bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
        {
            await using var max = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM lakekeeper_schema_version", connection);
            current = (int)(await max.ExecuteScalarAsync(cancellationToken))!;
        }

        return new SchemaStatus(current, EmbeddedMigrations.LatestVersion);
    }

    private static async Task<Dictionary<int, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, string>();
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM lakekeeper_schema_version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}

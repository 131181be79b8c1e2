using System.Text.Json;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>One relationship tuple as the outbox stores it: <c>object_type:object_id#relation@subject_type:subject_id[#subject_relation]</c>.</summary>
public sealed record TupleRow(string ObjectType, string ObjectId, string Relation, string SubjectType, string SubjectId, string? SubjectRelation = null);

/// <summary>An object (<c>type:id</c>) all of whose tuples are to be removed.</summary>
public sealed record ObjectRow(string Type, string Id);

/// <summary>
/// Tuple changes that follow a change of the catalog or of management, applied in this order:
/// deletes, purges (every tuple on the object), writes.
/// </summary>
public sealed record AuthzTupleChanges(IReadOnlyList<TupleRow> Writes, IReadOnlyList<TupleRow> Deletes, IReadOnlyList<ObjectRow> Purges)
{
    public static AuthzTupleChanges None { get; } = new([], [], []);

    public bool IsEmpty => Writes.Count == 0 && Deletes.Count == 0 && Purges.Count == 0;

    internal Json WritesJson => new(JsonSerializer.Serialize(Writes, OutboxJson.Default.IReadOnlyListTupleRow));

    internal Json DeletesJson => new(JsonSerializer.Serialize(Deletes, OutboxJson.Default.IReadOnlyListTupleRow));

    internal Json PurgesJson => new(JsonSerializer.Serialize(Purges, OutboxJson.Default.IReadOnlyListObjectRow));
}

/// <summary>
/// Delivers the authz outbox now, for code that records tuple changes without owning the outbox (the
/// roles of a token, synced by the identity library). Registered by modules that run the outbox; where
/// none is registered, the outbox worker of a catalog or management process delivers within seconds.
/// </summary>
public interface IAuthzOutboxDelivery
{
    Task DeliverAsync(CancellationToken cancellationToken);
}

/// <summary>A pending row of the authz outbox.</summary>
public sealed record AuthzOutboxEntry(long Id, AuthzTupleChanges Changes, int Attempts);

/// <summary>
/// The authz outbox (migration 0003, <c>authz_outbox</c>): tuple changes are inserted in the transaction
/// of the change they follow, so they cannot be lost, and are delivered afterwards in id order by one
/// deliverer at a time (a session advisory lock), so a later change never overtakes an earlier one.
/// </summary>
public sealed class AuthzOutboxRepository(NpgsqlDataSource dataSource)
{
    /// <summary>The advisory lock key of the deliverer ("authzobx").</summary>
    private const long DelivererLock = 0x617574687a6f6278;

    public static async Task AddAsync(DbTransaction tx, AuthzTupleChanges changes, CancellationToken cancellationToken)
    {
        if (changes.IsEmpty)
        {
            return;
        }

        await using var command = tx.Command(InsertSql(1), InsertParameters(changes));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records <paramref name="changes"/> in a transaction of another repository (nothing when empty).</summary>
    internal static async Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuthzTupleChanges changes, CancellationToken cancellationToken)
    {
        if (changes.IsEmpty)
        {
            return;
        }

        await using var command = Sql.Command(connection, transaction, InsertSql(1), InsertParameters(changes));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The SQL that inserts an outbox row inside a statement of another repository, once per row of
    /// <paramref name="from"/> (a CTE of that statement; null: once), and not at all when the changes are empty.
    /// Parameters <c>$n</c> .. <c>$n+2</c> are <see cref="InsertParameters"/>.
    /// </summary>
    internal static string InsertSql(int firstParameter, string? from = null)
    {
        var (w, d, p) = ($"${firstParameter}::jsonb", $"${firstParameter + 1}::jsonb", $"${firstParameter + 2}::jsonb");
        return $"INSERT INTO authz_outbox (writes, deletes, purges) SELECT {w}, {d}, {p}{(from is null ? "" : " FROM " + from)} "
            + $"WHERE jsonb_array_length({w}) + jsonb_array_length({d}) + jsonb_array_length({p}) > 0";
    }

    internal static object[] InsertParameters(AuthzTupleChanges changes) => [changes.WritesJson, changes.DeletesJson, changes.PurgesJson];

    /// <summary>Records changes that follow a change made elsewhere (in a transaction this module does not own).</summary>
    public async Task AddAsync(AuthzTupleChanges changes, CancellationToken cancellationToken)
    {
        if (changes.IsEmpty)
        {
            return;
        }

        await using var command = Sql.Command(dataSource, InsertSql(1), InsertParameters(changes));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How many rows wait for delivery.</summary>
    public async Task<long> PendingAsync(CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "SELECT count(*) FROM authz_outbox");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Delivers pending rows in id order while holding the deliverer lock; each delivered row is deleted.
    /// Stops at the first failure, which is recorded on the row and rethrown. With <paramref name="wait"/>,
    /// waits for another deliverer to finish (so that every row committed before the call is delivered when
    /// it returns); without, returns -1 at once when another deliverer is at work.
    /// </summary>
    /// <returns>The number of rows delivered, or -1 when the lock was taken and <paramref name="wait"/> is false.</returns>
    public async Task<int> DrainAsync(
        Func<AuthzTupleChanges, CancellationToken, Task> deliver, bool wait, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = Sql.Command(connection, null, wait ? "SELECT pg_advisory_lock($1)" : "SELECT pg_try_advisory_lock($1)", DelivererLock))
        {
            var taken = await take.ExecuteScalarAsync(cancellationToken);
            if (!wait && taken is false)
            {
                return -1;
            }
        }

        var delivered = 0;
        try
        {
            while (true)
            {
                var batch = await ReadAsync(connection, cancellationToken);
                if (batch.Count == 0)
                {
                    return delivered;
                }

                foreach (var entry in batch)
                {
                    try
                    {
                        await deliver(entry.Changes, cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        await using var failed = Sql.Command(connection, null,
                            "UPDATE authz_outbox SET attempts = attempts + 1, last_error = $2 WHERE outbox_id = $1", entry.Id, ex.GetType().Name);
                        await failed.ExecuteNonQueryAsync(CancellationToken.None);
                        throw;
                    }

                    await using var done = Sql.Command(connection, null, "DELETE FROM authz_outbox WHERE outbox_id = $1", entry.Id);
                    await done.ExecuteNonQueryAsync(CancellationToken.None);
                    delivered++;
                }
            }
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var release = Sql.Command(connection, null, "SELECT pg_advisory_unlock($1)", DelivererLock);
                await release.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Every project, warehouse, namespace, table and view with its parent in the authorization model
    /// (projects hang below the server <c>lakekeeper</c>), for <c>reconcile</c>.
    /// </summary>
    public async Task<IReadOnlyList<(ObjectRow Object, ObjectRow Parent)>> CatalogObjectsAsync(CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            SELECT 'project', project_id::text, 'server', 'lakekeeper' FROM project
            UNION ALL SELECT 'warehouse', warehouse_id::text, 'project', project_id::text FROM warehouse
            UNION ALL SELECT 'namespace', namespace_id::text,
                CASE WHEN parent_id IS NULL THEN 'warehouse' ELSE 'namespace' END, COALESCE(parent_id, warehouse_id)::text FROM namespace
            UNION ALL SELECT CASE typ WHEN 'table' THEN 'lakekeeper_table' ELSE 'lakekeeper_view' END, tabular_id::text, 'namespace', namespace_id::text
                FROM tabular WHERE typ IN ('table', 'view')
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(ObjectRow, ObjectRow)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((new ObjectRow(reader.GetString(0), reader.GetString(1)), new ObjectRow(reader.GetString(2), reader.GetString(3))));
        }

        return list;
    }

    private static async Task<List<AuthzOutboxEntry>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, null,
            "SELECT outbox_id, writes::text, deletes::text, purges::text, attempts FROM authz_outbox ORDER BY outbox_id LIMIT 100");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<AuthzOutboxEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var changes = new AuthzTupleChanges(
                JsonSerializer.Deserialize(reader.GetString(1), OutboxJson.Default.IReadOnlyListTupleRow) ?? [],
                JsonSerializer.Deserialize(reader.GetString(2), OutboxJson.Default.IReadOnlyListTupleRow) ?? [],
                JsonSerializer.Deserialize(reader.GetString(3), OutboxJson.Default.IReadOnlyListObjectRow) ?? []);
            list.Add(new AuthzOutboxEntry(reader.GetInt64(0), changes, reader.GetInt32(4)));
        }

        return list;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<TupleRow>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<ObjectRow>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class OutboxJson : System.Text.Json.Serialization.JsonSerializerContext;

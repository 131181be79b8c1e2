using Lakekeeper.Fga;
using Npgsql;
using NpgsqlTypes;

namespace Lakekeeper.Authz.Fga;

/// <summary>A stored tuple and when it was written.</summary>
internal readonly record struct StoredTuple(FgaTuple Tuple, DateTimeOffset InsertedAt);

/// <summary>One applied change, for caches catching up.</summary>
internal readonly record struct TupleChange(long Revision, bool IsWrite, FgaTuple Tuple);

/// <summary>What a read asks for: any combination of object type, object id, relation and user.</summary>
internal sealed record TupleFilter(string? ObjectType, string? ObjectId, string? Relation, FgaUser? User);

/// <summary>How a write treats tuples that already exist and deletes of tuples that do not.</summary>
internal enum ConflictMode
{
    Error,
    Ignore,
}

/// <summary>
/// Tuples in Postgres (<c>authz_tuple</c>). A write call is one transaction: it locks the store row
/// (serialising writers of one store), applies deletes then writes and, when anything changed, bumps
/// the store's revision by one, records the changes under it in <c>authz_tuple_change</c> and notifies
/// <c>lakekeeper_authz</c> with <c>store_id:revision</c>, delivered when it commits. So every revision
/// has at least one recorded change, and a reader can tell a pruned history from a quiet one.
/// </summary>
internal sealed class FgaTupleRepository(NpgsqlDataSource dataSource)
{
    public const string NotifyChannel = "lakekeeper_authz";

    private const string Columns = "object_type, object_id, relation, user_type, user_id, user_relation";

    /// <returns>The store's revision after the call, or null when the store does not exist.</returns>
    public async Task<long?> WriteAsync(
        string storeId,
        IReadOnlyList<FgaTuple> deletes,
        IReadOnlyList<FgaTuple> writes,
        ConflictMode onMissing,
        ConflictMode onDuplicate,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long revision;
        await using (var lockStore = new NpgsqlCommand(
            "SELECT revision FROM authz_store WHERE store_id = $1 AND deleted_at IS NULL FOR UPDATE", connection, transaction))
        {
            lockStore.Parameters.Add(new NpgsqlParameter { Value = storeId });
            if (await lockStore.ExecuteScalarAsync(cancellationToken) is not long current)
            {
                return null;
            }

            revision = current;
        }

        var changes = new List<(bool IsWrite, FgaTuple Tuple)>();
        if (deletes.Count > 0)
        {
            var deleted = await ApplyAsync(connection, transaction,
                $"""
                DELETE FROM authz_tuple t USING unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS d(ot, oi, r, ut, ui, ur)
                WHERE t.store_id = $1 AND t.object_type = d.ot AND t.object_id = d.oi AND t.relation = d.r
                  AND t.user_type = d.ut AND t.user_id = d.ui AND t.user_relation = d.ur
                RETURNING t.object_type, t.object_id, t.relation, t.user_type, t.user_id, t.user_relation
                """, storeId, deletes, cancellationToken);
            if (onMissing == ConflictMode.Error && deleted.Count < deletes.Count)
            {
                var missing = deletes.First(t => !deleted.Contains(t));
                throw new FgaException(FgaErrorCodes.WriteFailedDueToInvalidInput,
                    $"cannot delete a tuple which does not exist: user: '{missing.User}', relation: '{missing.Relation}', object: '{missing.Object}': invalid write input");
            }

            changes.AddRange(deletes.Where(deleted.Contains).Select(static t => (false, t)));
        }

        if (writes.Count > 0)
        {
            var written = await ApplyAsync(connection, transaction,
                $"""
                INSERT INTO authz_tuple (store_id, {Columns})
                SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                ON CONFLICT DO NOTHING
                RETURNING {Columns}
                """, storeId, writes, cancellationToken);
            if (onDuplicate == ConflictMode.Error && written.Count < writes.Count)
            {
                var duplicate = writes.First(t => !written.Contains(t));
                throw new FgaException(FgaErrorCodes.WriteFailedDueToInvalidInput,
                    $"cannot write a tuple which already exists: user: '{duplicate.User}', relation: '{duplicate.Relation}', object: '{duplicate.Object}': invalid write input");
            }

            changes.AddRange(writes.Where(written.Contains).Select(static t => (true, t)));
        }

        if (changes.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return revision;
        }

        revision++;
        await using (var bump = new NpgsqlCommand("UPDATE authz_store SET revision = $2, updated_at = now() WHERE store_id = $1", connection, transaction))
        {
            bump.Parameters.Add(new NpgsqlParameter { Value = storeId });
            bump.Parameters.Add(new NpgsqlParameter { Value = revision });
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }

        {
            await using var record = new NpgsqlCommand(
                $"""
                INSERT INTO authz_tuple_change (store_id, revision, position, operation, {Columns})
                SELECT $1, $2, ordinality::integer, op, ot, oi, r, ut, ui, ur
                FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS c(op, ot, oi, r, ut, ui, ur)
                """, connection, transaction);
            record.Parameters.Add(new NpgsqlParameter { Value = storeId });
            record.Parameters.Add(new NpgsqlParameter { Value = revision });
            record.Parameters.Add(new NpgsqlParameter { Value = changes.Select(static c => c.IsWrite ? "write" : "delete").ToArray() });
            AddColumns(record, changes.Select(static c => c.Tuple).ToList());
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        if (revision % 256 == 0)
        {
            await using var prune = new NpgsqlCommand(
                "DELETE FROM authz_tuple_change WHERE changed_at < now() - interval '1 day'", connection, transaction);
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection, transaction))
        {
            notify.Parameters.Add(new NpgsqlParameter { Value = NotifyChannel });
            notify.Parameters.Add(new NpgsqlParameter { Value = storeId + ":" + revision.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return revision;
    }

    /// <summary>A page of tuples matching the filter, in key order.</summary>
    public async Task<(IReadOnlyList<StoredTuple> Tuples, string? Next)> ReadAsync(
        string storeId, TupleFilter filter, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var sql = new System.Text.StringBuilder($"SELECT {Columns}, inserted_at FROM authz_tuple WHERE store_id = $1");
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter { Value = storeId });
        void Where(string column, string value)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            sql.Append(System.Globalization.CultureInfo.InvariantCulture, $" AND {column} = ${command.Parameters.Count}");
        }

        if (filter.ObjectType is { } objectType)
        {
            Where("object_type", objectType);
        }

        if (filter.ObjectId is { } objectId)
        {
            Where("object_id", objectId);
        }

        if (filter.Relation is { } relation)
        {
            Where("relation", relation);
        }

        if (filter.User is { } user)
        {
            Where("user_type", user.Type);
            Where("user_id", user.Id);
            Where("user_relation", user.Relation);
        }

        if (continuationToken is { Length: > 0 })
        {
            var after = PageToken.Decode(continuationToken, "tuples");
            if (after.Length != 6)
            {
                throw new FgaException(FgaErrorCodes.InvalidContinuationToken, "Invalid continuation token");
            }

            var first = command.Parameters.Count + 1;
            foreach (var part in after)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = part });
            }

            sql.Append(System.Globalization.CultureInfo.InvariantCulture,
                $" AND ({Columns}) > (${first}, ${first + 1}, ${first + 2}, ${first + 3}, ${first + 4}, ${first + 5})");
        }

        command.Parameters.Add(new NpgsqlParameter { Value = pageSize + 1 });
        sql.Append(System.Globalization.CultureInfo.InvariantCulture, $" ORDER BY {Columns} LIMIT ${command.Parameters.Count}");
        command.CommandText = sql.ToString();
        var tuples = new List<StoredTuple>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tuples.Add(new StoredTuple(ReadTuple(reader, 0), reader.GetFieldValue<DateTimeOffset>(6)));
            }
        }

        if (tuples.Count <= pageSize)
        {
            return (tuples, null);
        }

        tuples.RemoveAt(tuples.Count - 1);
        var last = tuples[^1].Tuple;
        return (tuples, PageToken.Encode("tuples", last.Object.Type, last.Object.Id, last.Relation, last.User.Type, last.User.Id, last.User.Relation));
    }

    /// <summary>Every tuple of the store and the revision they belong to (one consistent snapshot).</summary>
    public async Task<(long Revision, List<FgaTuple> Tuples)?> LoadAsync(string storeId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long revision;
        await using (var head = new NpgsqlCommand("SELECT revision FROM authz_store WHERE store_id = $1 AND deleted_at IS NULL", connection, transaction))
        {
            head.Parameters.Add(new NpgsqlParameter { Value = storeId });
            if (await head.ExecuteScalarAsync(cancellationToken) is not long current)
            {
                return null;
            }

            revision = current;
        }

        var tuples = new List<FgaTuple>();
        await using (var all = new NpgsqlCommand($"SELECT {Columns} FROM authz_tuple WHERE store_id = $1", connection, transaction))
        {
            all.Parameters.Add(new NpgsqlParameter { Value = storeId });
            await using var reader = await all.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tuples.Add(ReadTuple(reader, 0));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return (revision, tuples);
    }

    /// <summary>
    /// The changes after <paramref name="afterRevision"/>, in order, and the revision they lead to;
    /// null when some of them were already pruned (the caller reloads the store).
    /// </summary>
    public async Task<(long Revision, List<TupleChange> Changes)?> ReadChangesAsync(string storeId, long afterRevision, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT s.revision, (SELECT min(revision) FROM authz_tuple_change WHERE store_id = $1), c.revision, c.operation, {string.Join(", ", Columns.Split(", ").Select(static c => "c." + c))}
            FROM authz_store s
            LEFT JOIN authz_tuple_change c ON c.store_id = s.store_id AND c.revision > $2
            WHERE s.store_id = $1
            ORDER BY c.revision, c.position
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = storeId });
        command.Parameters.Add(new NpgsqlParameter { Value = afterRevision });
        var changes = new List<TupleChange>();
        long head = -1;
        long? oldest = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                head = reader.GetInt64(0);
                oldest = reader.IsDBNull(1) ? null : reader.GetInt64(1);
                if (!reader.IsDBNull(2))
                {
                    changes.Add(new TupleChange(reader.GetInt64(2), reader.GetString(3) == "write", ReadTuple(reader, 4)));
                }
            }
        }

        // Every revision recorded at least one change: the history is whole when it starts right after
        // the caller's revision and reaches the head.
        var whole = head == afterRevision
            || (head > afterRevision && oldest <= afterRevision + 1 && changes.Count > 0 && changes[0].Revision == afterRevision + 1 && changes[^1].Revision == head);
        return head >= 0 && whole ? (head, changes) : null;
    }

    private static async Task<HashSet<FgaTuple>> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string storeId, IReadOnlyList<FgaTuple> tuples, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = storeId });
        AddColumns(command, tuples);
        var applied = new HashSet<FgaTuple>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(ReadTuple(reader, 0));
        }

        return applied;
    }

    private static void AddColumns(NpgsqlCommand command, IReadOnlyList<FgaTuple> tuples)
    {
        command.Parameters.Add(Array(tuples.Select(static t => t.Object.Type)));
        command.Parameters.Add(Array(tuples.Select(static t => t.Object.Id)));
        command.Parameters.Add(Array(tuples.Select(static t => t.Relation)));
        command.Parameters.Add(Array(tuples.Select(static t => t.User.Type)));
        command.Parameters.Add(Array(tuples.Select(static t => t.User.Id)));
        command.Parameters.Add(Array(tuples.Select(static t => t.User.Relation)));
    }

    private static NpgsqlParameter Array(IEnumerable<string> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static FgaTuple ReadTuple(NpgsqlDataReader reader, int at) =>
        new(new FgaObject(reader.GetString(at), reader.GetString(at + 1)), reader.GetString(at + 2),
            new FgaUser(reader.GetString(at + 3), reader.GetString(at + 4), reader.GetString(at + 5)));
}

using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>A position in a warehouse's change log: the writing transaction, then the insertion order.</summary>
public readonly record struct ChangeLogPosition(ulong Xid, long Seq);

/// <summary>Which events to read. Null filters match everything; every set filter must match.</summary>
/// <param name="NamePrefixes">Name prefixes (case-insensitive): an event matches when its object's name starts with one of them.</param>
public sealed record ChangeLogQuery(
    WarehouseId Warehouse,
    ChangeLogPosition? After,
    DateTimeOffset? Since,
    IReadOnlyList<string>? EventTypes,
    IReadOnlyList<string>? ObjectTypes,
    IReadOnlyList<Guid>? ObjectIds,
    IReadOnlyList<IReadOnlyList<string>>? NamePrefixes,
    int Limit);

/// <summary>A stored event read back: its position, object (type, id, name as given) and CloudEvent.</summary>
public sealed record ChangeLogEntry(ChangeLogPosition Position, string ObjectType, Guid ObjectId, IReadOnlyList<string> ObjectName, string EventJson);

/// <summary>
/// Reads the stored change events for the events API. Only events of transactions older than every
/// transaction still running are returned, in (transaction, insertion) order: an event that commits
/// later can only sort after every event already returned, so paging with the position of the last
/// one never skips an event.
/// </summary>
public sealed class ChangeLogRepository(NpgsqlDataSource dataSource)
{
    private const char LevelSeparator = '\u001f';

    public async Task<IReadOnlyList<ChangeLogEntry>> ReadAsync(ChangeLogQuery query, CancellationToken cancellationToken)
    {
        var prefixes = query.NamePrefixes?.Select(p => string.Concat(p.Select(level => level.ToLowerInvariant() + LevelSeparator))).ToArray();
        await using var command = Sql.Command(dataSource,
            """
            SELECT xid::text AS position, seq, object_type, object_id, object_name, event FROM event_outbox e
            WHERE warehouse_id = $1
              AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
              AND ($2::text IS NULL OR (e.xid, e.seq) > ($2::xid8, $3))
              AND ($4::timestamptz IS NULL OR created_at >= $4)
              AND ($5::text[] IS NULL OR event_type = ANY($5))
              AND ($6::text[] IS NULL OR object_type = ANY($6))
              AND ($7::uuid[] IS NULL OR object_id = ANY($7))
              AND ($8::text[] IS NULL OR EXISTS (
                    SELECT 1 FROM unnest($8::text[]) p WHERE starts_with(array_to_string(name_key, chr(31)) || chr(31), p)))
            ORDER BY e.xid, e.seq
            LIMIT $9
            """,
            query.Warehouse.Value,
            query.After?.Xid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            query.After?.Seq ?? 0L,
            query.Since,
            query.EventTypes?.ToArray(),
            query.ObjectTypes?.ToArray(),
            query.ObjectIds?.ToArray(),
            prefixes,
            query.Limit);
        // Untyped nulls need their types for Postgres to plan the query.
        command.Parameters[1].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        command.Parameters[3].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz;
        command.Parameters[4].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text;
        command.Parameters[5].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text;
        command.Parameters[6].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid;
        command.Parameters[7].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text;
        var entries = new List<ChangeLogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ChangeLogEntry(
                new ChangeLogPosition(ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(1)),
                reader.GetString(2), reader.GetGuid(3), reader.GetFieldValue<string[]>(4), reader.GetString(5)));
        }

        return entries;
    }
}

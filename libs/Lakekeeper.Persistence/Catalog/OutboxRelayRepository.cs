using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>An unpublished event claimed by a relay: its place in its object's order and its CloudEvent.</summary>
public sealed record PendingEvent(Guid EventId, long Seq, Guid ObjectId, DateTimeOffset CreatedAt, string EventJson);

/// <summary>
/// What the events relay does with the outbox. An unpublished event has a row in <c>event_pending</c>
/// (the relay's queue; the event itself is in <c>event_outbox</c> and is never updated). Ownership of
/// an object's events goes with the lock on its oldest queued event (its head): a relay claims heads
/// with <c>FOR UPDATE SKIP LOCKED</c>, then locks the later queued events of those objects too. Another
/// relay sees the same heads locked and skips them, and never considers a later event of an object
/// while its head is queued, so one relay at a time publishes an object's events, in order. Everything
/// stays locked until the relay has the brokers' acknowledgements and deletes the queue rows in the
/// same transaction: a relay that dies leaves them queued for the next one.
/// </summary>
public sealed class OutboxRelayRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Claims up to <paramref name="maxObjects"/> objects among the oldest <paramref name="window"/>
    /// pending events, and up to <paramref name="maxEvents"/> of their pending events, oldest first.
    /// </summary>
    public static async Task<IReadOnlyList<PendingEvent>> ClaimAsync(
        DbTransaction tx, int window, int maxObjects, int maxEvents, CancellationToken cancellationToken)
    {
        // The round's commit only marks events published: if a crash loses it, the events are published
        // again, which delivery already allows for (the broker and consumers drop an event id seen
        // before). So it need not wait for its WAL flush, and relay rounds add no fsyncs to the
        // catalog's commits.
        await using (var relaxed = tx.Command("SET LOCAL synchronous_commit = off"))
        {
            await relaxed.ExecuteNonQueryAsync(cancellationToken);
        }

        var heads = new List<Guid>();
        await using (var claim = tx.Command(
            """
            WITH oldest AS (
                SELECT seq, object_id FROM event_pending ORDER BY seq LIMIT $1
            ), heads AS (
                SELECT DISTINCT ON (object_id) seq FROM oldest ORDER BY object_id, seq
            )
            SELECT p.object_id FROM event_pending p
            WHERE p.seq IN (SELECT seq FROM heads)
            ORDER BY p.seq
            LIMIT $2
            FOR UPDATE SKIP LOCKED
            """,
            window, maxObjects))
        {
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                heads.Add(reader.GetGuid(0));
            }
        }

        if (heads.Count == 0)
        {
            return [];
        }

        var events = new List<PendingEvent>();
        await using var rows = tx.Command(
            """
            SELECT e.event_id, e.seq, e.object_id, e.created_at, e.event
            FROM event_pending p JOIN event_outbox e ON e.seq = p.seq
            WHERE p.object_id = ANY($1)
            ORDER BY p.seq
            LIMIT $2
            FOR UPDATE OF p
            """,
            heads.ToArray(), maxEvents);
        await using (var reader = await rows.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                events.Add(new PendingEvent(reader.GetGuid(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4)));
            }
        }

        return events;
    }

    /// <summary>Takes the events (by <see cref="PendingEvent.Seq"/>) off the queue: they are published.</summary>
    public static async Task MarkPublishedAsync(DbTransaction tx, IReadOnlyCollection<long> seqs, CancellationToken cancellationToken)
    {
        if (seqs.Count == 0)
        {
            return;
        }

        await using var command = tx.Command("DELETE FROM event_pending WHERE seq = ANY($1)", seqs.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>When the oldest unpublished event was written, or null when none waits.</summary>
    public async Task<DateTimeOffset?> OldestPendingAsync(CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "SELECT created_at FROM event_pending ORDER BY seq LIMIT 1");
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>Deletes up to <paramref name="limit"/> published events written more than <paramref name="retention"/> ago; returns how many.</summary>
    public async Task<int> PruneAsync(TimeSpan retention, int limit, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            DELETE FROM event_outbox WHERE event_id IN (
                SELECT e.event_id FROM event_outbox e
                WHERE e.created_at < now() - $1 AND NOT EXISTS (SELECT 1 FROM event_pending p WHERE p.seq = e.seq)
                LIMIT $2)
            """,
            retention, limit);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using Lakekeeper.Persistence.Model;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>
/// A change event as stored: the CloudEvent in structured mode (<paramref name="EventJson"/>) and
/// the columns the relay and the events API query.
/// </summary>
/// <param name="ObjectType"><c>namespace</c>, <c>table</c> or <c>view</c>.</param>
/// <param name="ObjectId">The object's id: events of one object are published in the order they were written.</param>
/// <param name="ObjectName">The namespace levels and the table or view name, as given.</param>
public sealed record OutboxEvent(
    Guid EventId,
    DateTimeOffset CreatedAt,
    WarehouseId WarehouseId,
    string EventType,
    string ObjectType,
    Guid ObjectId,
    IReadOnlyList<string> ObjectName,
    string? RequestId,
    string EventJson);

/// <summary>
/// The transactional outbox: change events are written in the transaction of the change, each with its
/// row in the relay's queue (<c>event_pending</c>), which the relay deletes once the event is published.
/// </summary>
public static class OutboxRepository
{
    /// <summary>The channel <c>NOTIFY</c>-ed when events are written; the relay <c>LISTEN</c>s on it.</summary>
    public const string Channel = "lakekeeper_outbox";

    public static async Task AddAsync(DbTransaction tx, OutboxEvent change, CancellationToken cancellationToken)
    {
        // One round trip: the event, its place in the relay's queue, and the wake-up of the relay
        // (delivered at commit, collapsed per transaction).
        await using var command = tx.Command(
            $"""
            WITH added AS (
                INSERT INTO event_outbox (event_id, created_at, warehouse_id, event_type, object_type, object_id, object_name, name_key, request_id, event)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                RETURNING seq, object_id, created_at
            ), queued AS (
                INSERT INTO event_pending (seq, object_id, created_at) SELECT seq, object_id, created_at FROM added
                RETURNING 1)
            SELECT pg_notify('{Channel}', '') FROM queued
            """,
            change.EventId, change.CreatedAt, change.WarehouseId.Value, change.EventType, change.ObjectType, change.ObjectId,
            change.ObjectName.ToArray(), change.ObjectName.Select(static p => p.ToLowerInvariant()).ToArray(), change.RequestId, change.EventJson);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using Lakekeeper.Persistence.Model;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>A change event, written in the transaction of the change (transactional outbox).</summary>
public sealed record OutboxEvent(Guid EventId, WarehouseId? WarehouseId, string EventType, TabularId? TabularId, string PayloadJson);

public static class OutboxRepository
{
    public static async Task AddAsync(DbTransaction tx, OutboxEvent change, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            "INSERT INTO event_outbox (event_id, warehouse_id, event_type, tabular_id, payload) VALUES ($1, $2, $3, $4, $5)",
            change.EventId, change.WarehouseId?.Value, change.EventType, change.TabularId?.Value, new Repositories.Json(change.PayloadJson));
        await command.ExecuteNonQueryAsync(cancellationToken);
        // Wake the events relay without waiting for its poll.
        await using var notify = tx.Command("SELECT pg_notify('lakekeeper_outbox', '')");
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }
}

using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

public sealed record QueuedTask(Guid TaskId, string Queue, WarehouseId? WarehouseId, Guid? EntityId, string? Location, string PayloadJson, int Attempt);

/// <summary>
/// A durable work queue in Postgres. Producers enqueue in the transaction of the change that needs
/// the work; workers claim due tasks with <c>FOR UPDATE SKIP LOCKED</c>, so several instances never
/// run one task twice at the same time, and a task whose worker died is claimed again after its
/// heartbeat timeout.
/// </summary>
public sealed class TaskRepository(NpgsqlDataSource dataSource)
{
    public static async Task<Guid> EnqueueAsync(
        DbTransaction tx, string queue, WarehouseId? warehouse, Guid? entity, string? location, string payloadJson,
        DateTimeOffset? scheduledFor, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await using var command = tx.Command(
            "INSERT INTO task (task_id, queue, warehouse_id, entity_id, location, payload, scheduled_for) VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()))",
            id, queue, warehouse?.Value, entity, location, new Json(payloadJson), scheduledFor);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>Claims the next due task of <paramref name="queue"/>, or null when there is none.</summary>
    public async Task<QueuedTask?> ClaimAsync(string queue, TimeSpan heartbeatTimeout, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            UPDATE task SET status = 'running', attempt = attempt + 1, last_heartbeat_at = now()
            WHERE task_id = (
                SELECT task_id FROM task
                WHERE queue = $1 AND ((status = 'scheduled' AND scheduled_for <= now())
                                   OR (status = 'running' AND last_heartbeat_at < now() - $2))
                ORDER BY scheduled_for
                FOR UPDATE SKIP LOCKED
                LIMIT 1)
            RETURNING task_id, queue, warehouse_id, entity_id, location, payload::text, attempt
            """,
            queue, heartbeatTimeout);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new QueuedTask(
            reader.GetGuid(0), reader.GetString(1),
            reader.IsDBNull(2) ? null : new WarehouseId(reader.GetGuid(2)),
            reader.IsDBNull(3) ? null : reader.GetGuid(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.GetString(5), reader.GetInt32(6));
    }

    public async Task HeartbeatAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "UPDATE task SET last_heartbeat_at = now() WHERE task_id = $1", taskId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes a finished task and logs its outcome.</summary>
    public async Task CompleteAsync(QueuedTask task, string outcome, string? message, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        await using (var log = tx.Command(
            "INSERT INTO task_log (task_id, attempt, queue, warehouse_id, entity_id, outcome, message) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            task.TaskId, task.Attempt, task.Queue, task.WarehouseId?.Value, task.EntityId, outcome, message))
        {
            await log.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var delete = tx.Command("DELETE FROM task WHERE task_id = $1", task.TaskId))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(CancellationToken.None);
    }

    /// <summary>Puts a failed attempt back in the queue to run again after <paramref name="delay"/>.</summary>
    public async Task RetryLaterAsync(QueuedTask task, string error, TimeSpan delay, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        await using (var log = tx.Command(
            "INSERT INTO task_log (task_id, attempt, queue, warehouse_id, entity_id, outcome, message) VALUES ($1, $2, $3, $4, $5, 'retrying', $6) ON CONFLICT DO NOTHING",
            task.TaskId, task.Attempt, task.Queue, task.WarehouseId?.Value, task.EntityId, error))
        {
            await log.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var update = tx.Command(
            "UPDATE task SET status = 'scheduled', scheduled_for = now() + $2, last_error = $3 WHERE task_id = $1", task.TaskId, delay, error))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(CancellationToken.None);
    }

    public async Task<long> CountAsync(string queue, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "SELECT count(*) FROM task WHERE queue = $1", queue);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>A task to enqueue. A warehouse task belongs to the warehouse's project (set by the database).</summary>
/// <param name="EntityId">The table or view the task works on, if any.</param>
/// <param name="Location">For storage tasks: the location worked on, reserved while the task is pending.</param>
public sealed record NewTask(
    string Queue,
    WarehouseId? Warehouse,
    Guid? EntityId,
    string PayloadJson,
    DateTimeOffset? ScheduledFor = null,
    TabularType? EntityType = null,
    IReadOnlyList<string>? EntityName = null,
    string? Location = null,
    ProjectId? Project = null);

/// <summary>What a worker was asked to do with its running task.</summary>
public enum StopRequest
{
    None,

    /// <summary>Stop now; the task runs again later.</summary>
    Stop,

    /// <summary>Stop now; the task is finished as cancelled.</summary>
    Cancel,
}

/// <summary>A task a worker has claimed: attempt <see cref="Attempt"/> is now its own.</summary>
/// <param name="HeartbeatTimeout">How long the attempt may go without a heartbeat before another worker takes the task over.</param>
/// <param name="ConfigJson">The queue configuration of the task's warehouse or project (<c>{}</c> when none is set).</param>
/// <param name="StopRequested">A cancel requested while the task was running, when its worker died before it saw it.</param>
public sealed record QueuedTask(
    Guid TaskId,
    string Queue,
    ProjectId? ProjectId,
    WarehouseId? WarehouseId,
    Guid? EntityId,
    TabularType? EntityType,
    IReadOnlyList<string>? EntityName,
    string? Location,
    string PayloadJson,
    int Attempt,
    TimeSpan HeartbeatTimeout,
    string ConfigJson,
    StopRequest StopRequested);

public enum HeartbeatOutcome
{
    /// <summary>Carry on.</summary>
    Continue,

    /// <summary>Stop: the task is to run again later.</summary>
    Stop,

    /// <summary>Stop: the task is cancelled.</summary>
    Cancel,

    /// <summary>The attempt is no longer this worker's (taken over after a missed heartbeat, or cancelled).</summary>
    Lost,
}

/// <summary>Which tasks a management request sees: a warehouse's, or a project's own (not its warehouses').</summary>
public readonly record struct TaskScope(ProjectId Project, WarehouseId? Warehouse)
{
    public static TaskScope OfWarehouse(ProjectId project, WarehouseId warehouse) => new(project, warehouse);

    public static TaskScope OfProject(ProjectId project) => new(project, null);
}

/// <summary>A task as listed: active (scheduled, running, stopping) or finished (success, failed, cancelled).</summary>
public sealed record TaskInfo(
    Guid TaskId,
    string Queue,
    ProjectId? ProjectId,
    WarehouseId? WarehouseId,
    Guid? EntityId,
    string? EntityType,
    IReadOnlyList<string>? EntityName,
    string Status,
    DateTimeOffset ScheduledFor,
    int Attempt,
    DateTimeOffset? LastHeartbeatAt,
    DateTimeOffset? PickedUpAt,
    float Progress,
    Guid? ParentTaskId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt);

/// <summary>One earlier attempt of a task, from the task log.</summary>
public sealed record TaskAttemptRecord(
    int Attempt, string Status, DateTimeOffset ScheduledFor, DateTimeOffset? StartedAt, DateTimeOffset FinishedAt, string? Message, float Progress,
    string? ExecutionDetailsJson);

public sealed record TaskDetails(TaskInfo Info, string PayloadJson, string? ExecutionDetailsJson, string? Message, IReadOnlyList<TaskAttemptRecord> Attempts);

/// <summary>Filters of a task listing; null means no filter.</summary>
/// <param name="Statuses">Upper-case statuses: SCHEDULED, RUNNING, STOPPING, SUCCESS, FAILED, CANCELLED.</param>
/// <param name="EntityIds">Tasks of these tables or views ...</param>
/// <param name="WarehouseLevel">... and/or the tasks that work on no table or view.</param>
public sealed record TaskListFilter(
    IReadOnlyList<string>? Statuses = null,
    IReadOnlyList<string>? Queues = null,
    DateTimeOffset? CreatedAfter = null,
    DateTimeOffset? CreatedBefore = null,
    IReadOnlyList<Guid>? EntityIds = null,
    bool WarehouseLevel = false)
{
    public bool FiltersEntities => EntityIds is not null || WarehouseLevel;
}

/// <summary>The position after which a task listing continues (newest first).</summary>
public readonly record struct TaskPagePosition(DateTimeOffset CreatedAt, Guid TaskId);

public enum TaskControlAction
{
    Cancel,
    Stop,
    RunNow,
    RunAt,
}

/// <summary>Why a control request changed nothing: a task is unknown here, or already finished.</summary>
public sealed record TaskControlRefusal(Guid TaskId, string? FinishedAs);

public sealed record TaskQueueConfigRecord(string ConfigJson, long? MaxSecondsSinceLastHeartbeat, DateTimeOffset UpdatedAt);

/// <summary>
/// A durable work queue in Postgres. Producers enqueue in the transaction of the change that needs
/// the work; workers claim due tasks with <c>FOR UPDATE SKIP LOCKED</c>, so several instances never
/// run one task twice at the same time. A running task renews its heartbeat; one whose heartbeat is
/// older than its queue's timeout (per warehouse or project, else the queue's default) is claimed
/// again, and the abandoned attempt is logged as failed. Every attempt's outcome goes to
/// <c>task_log</c> with what the task was, so finished tasks stay listable.
/// </summary>
public sealed class TaskRepository(NpgsqlDataSource dataSource)
{
    private const string ActiveColumns =
        "task_id, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, upper(status), scheduled_for, attempt, last_heartbeat_at, picked_up_at, progress, parent_task_id, created_at, updated_at";

    private const string FinishedColumns =
        "task_id, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, upper(outcome), scheduled_for, attempt, NULL::timestamptz, started_at, progress, parent_task_id, task_created_at, finished_at";

    /// <summary>Copies the task row into the log as the outcome of attempt $2 ($3 outcome, $4 message).</summary>
    private const string LogFromTask =
        """
        INSERT INTO task_log (task_id, attempt, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, payload, scheduled_for,
                              started_at, task_created_at, progress, execution_details, parent_task_id, outcome, message)
        SELECT task_id, $2, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, payload, scheduled_for,
               picked_up_at, created_at, progress, execution_details, parent_task_id, $3, $4
        FROM task WHERE task_id = $1
        ON CONFLICT DO NOTHING
        """;

    public static async Task<Guid> EnqueueAsync(DbTransaction tx, NewTask task, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await using var command = tx.Command(
            """
            INSERT INTO task (task_id, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, location, payload, scheduled_for)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, now()))
            """,
            id, task.Queue, task.Project?.Value, task.Warehouse?.Value, task.EntityId,
            task.EntityType is { } type ? TabularRepository.TypeName(type) : null, task.EntityName?.ToArray(), task.Location,
            new Json(task.PayloadJson), task.ScheduledFor);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>
    /// Claims the next due task of <paramref name="queue"/> (or one whose worker stopped sending
    /// heartbeats), or null when there is none. Claims of one queue are serialised (a transaction-level
    /// advisory lock) so that a warehouse's <c>max-concurrent</c> limit is counted exactly.
    /// </summary>
    public async Task<QueuedTask?> ClaimAsync(string queue, TimeSpan defaultHeartbeatTimeout, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        await using (var lockCommand = tx.Command("SELECT pg_advisory_xact_lock(hashtextextended('lakekeeper.task-claim.' || $1, 0))", queue))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        Guid taskId;
        int previousAttempt;
        string previousStatus;
        DateTimeOffset? previousHeartbeat;
        double timeoutSeconds;
        string config;
        await using (var pick = tx.Command(
            """
            SELECT t.task_id, t.attempt, t.status, t.last_heartbeat_at,
                   coalesce(c.max_seconds_since_last_heartbeat, $2)::double precision, coalesce(c.config, '{}')::text
            FROM task t
            LEFT JOIN task_config c ON c.queue = t.queue
                AND ((t.warehouse_id IS NOT NULL AND c.warehouse_id = t.warehouse_id)
                  OR (t.warehouse_id IS NULL AND c.warehouse_id IS NULL AND c.project_id = t.project_id))
            WHERE t.queue = $1
              AND ((t.status = 'scheduled' AND t.scheduled_for <= now())
                OR (t.status IN ('running', 'stopping')
                    AND t.last_heartbeat_at < now() - make_interval(secs => coalesce(c.max_seconds_since_last_heartbeat, $2)::double precision)))
              AND (jsonb_typeof(c.config -> 'max-concurrent') IS DISTINCT FROM 'number'
                OR (SELECT count(*) FROM task r
                    WHERE r.queue = t.queue AND r.warehouse_id IS NOT DISTINCT FROM t.warehouse_id AND r.project_id IS NOT DISTINCT FROM t.project_id
                      AND r.task_id <> t.task_id AND r.status IN ('running', 'stopping')
                      AND r.last_heartbeat_at >= now() - make_interval(secs => coalesce(c.max_seconds_since_last_heartbeat, $2)::double precision))
                   < (c.config ->> 'max-concurrent')::numeric)
            ORDER BY t.scheduled_for
            FOR UPDATE OF t SKIP LOCKED
            LIMIT 1
            """,
            queue, (long)Math.Ceiling(defaultHeartbeatTimeout.TotalSeconds)))
        {
            await using var reader = await pick.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            taskId = reader.GetGuid(0);
            previousAttempt = reader.GetInt32(1);
            previousStatus = reader.GetString(2);
            previousHeartbeat = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
            timeoutSeconds = reader.GetDouble(4);
            config = reader.GetString(5);
        }

        if (previousStatus != "scheduled")
        {
            // The worker of the previous attempt stopped sending heartbeats (it died or hung): that attempt failed,
            // and the task goes on (logged as 'retrying', an attempt's failure, never the task's final outcome).
            await using var abandoned = tx.Command(LogFromTask, taskId, previousAttempt, "retrying",
                $"No heartbeat since {previousHeartbeat:O} (timeout {timeoutSeconds:0} s): the worker stopped; the task was taken over");
            await abandoned.ExecuteNonQueryAsync(cancellationToken);
        }

        QueuedTask claimed;
        await using (var update = tx.Command(
            """
            UPDATE task SET status = 'running', attempt = attempt + 1, last_heartbeat_at = now(), picked_up_at = now(), updated_at = now(),
                            progress = 0, execution_details = NULL, stop_requested = CASE WHEN stop_requested = 'cancel' THEN 'cancel' END
            WHERE task_id = $1
            RETURNING task_id, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, location, payload::text, attempt, stop_requested
            """, taskId))
        {
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            claimed = new QueuedTask(
                reader.GetGuid(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : new ProjectId(reader.GetGuid(2)),
                reader.IsDBNull(3) ? null : new WarehouseId(reader.GetGuid(3)),
                reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.IsDBNull(5) ? null : TabularRepository.ParseType(reader.GetString(5)),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<string[]>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetString(8), reader.GetInt32(9), TimeSpan.FromSeconds(timeoutSeconds), config,
                reader.IsDBNull(10) ? StopRequest.None : StopRequest.Cancel);
        }

        await tx.CommitAsync(cancellationToken);
        return claimed;
    }

    /// <summary>Renews the heartbeat of an attempt and says whether to carry on (optionally recording progress).</summary>
    public async Task<HeartbeatOutcome> HeartbeatAsync(QueuedTask task, float? progress, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            UPDATE task SET last_heartbeat_at = now(), progress = coalesce($3, progress)
            WHERE task_id = $1 AND attempt = $2 AND status IN ('running', 'stopping')
            RETURNING stop_requested
            """,
            task.TaskId, task.Attempt, progress);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return HeartbeatOutcome.Lost;
        }

        return reader.IsDBNull(0) ? HeartbeatOutcome.Continue : reader.GetString(0) == "cancel" ? HeartbeatOutcome.Cancel : HeartbeatOutcome.Stop;
    }

    /// <summary>
    /// Finishes an attempt for good (success, failed or cancelled): runs <paramref name="effects"/>
    /// (whose answer, when not null, becomes the logged message), logs the attempt and removes the
    /// task, all in one transaction, and only while the attempt is still this worker's. False (nothing
    /// changed) when it no longer is.
    /// </summary>
    public async Task<bool> FinishAsync(
        QueuedTask task, string outcome, string? message, Func<DbTransaction, Task<string?>>? effects, CancellationToken cancellationToken,
        string? executionDetailsJson = null)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        if (!await OwnAsync(tx, task, cancellationToken))
        {
            return false;
        }

        if (effects is not null)
        {
            message = await effects(tx) ?? message;
        }

        if (executionDetailsJson is not null)
        {
            await using var details = tx.Command("UPDATE task SET execution_details = $2, progress = 1 WHERE task_id = $1", task.TaskId, new Json(executionDetailsJson));
            await details.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var log = tx.Command(LogFromTask, task.TaskId, task.Attempt, outcome, message))
        {
            await log.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var delete = tx.Command("DELETE FROM task WHERE task_id = $1", task.TaskId))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(CancellationToken.None);
        return true;
    }

    /// <summary>
    /// Puts a failed or stopped attempt back in the queue to run again after <paramref name="delay"/>
    /// (or at the time task/control set meanwhile). False when the attempt is no longer this worker's.
    /// </summary>
    public async Task<bool> RetryLaterAsync(QueuedTask task, string error, TimeSpan delay, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        if (!await OwnAsync(tx, task, cancellationToken))
        {
            return false;
        }

        await using (var log = tx.Command(LogFromTask, task.TaskId, task.Attempt, "retrying", error))
        {
            await log.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var update = tx.Command(
            """
            UPDATE task SET status = 'scheduled', last_error = $3, stop_requested = NULL, updated_at = now(),
                            scheduled_for = CASE WHEN scheduled_for > picked_up_at THEN scheduled_for ELSE now() + $2 END
            WHERE task_id = $1
            """, task.TaskId, delay, error))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(CancellationToken.None);
        return true;
    }

    private static async Task<bool> OwnAsync(DbTransaction tx, QueuedTask task, CancellationToken cancellationToken)
    {
        await using var own = tx.Command(
            "SELECT 1 FROM task WHERE task_id = $1 AND attempt = $2 AND status IN ('running', 'stopping') FOR UPDATE", task.TaskId, task.Attempt);
        return await own.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task<long> CountAsync(string queue, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "SELECT count(*) FROM task WHERE queue = $1", queue);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Schedules the first log cleanup of every project that has none pending.</summary>
    public async Task EnsureLogCleanupTasksAsync(CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            INSERT INTO task (task_id, queue, project_id, payload, scheduled_for)
            SELECT gen_random_uuid(), $1, p.project_id, '{}', now() + interval '1 day' FROM project p
            WHERE NOT EXISTS (SELECT 1 FROM task t WHERE t.queue = $1 AND t.project_id = p.project_id)
            ON CONFLICT DO NOTHING
            """, TaskQueues.TaskLogCleanup);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes a project's task log entries (of the project and its warehouses) finished before <paramref name="before"/>.</summary>
    public static async Task<long> DeleteLogBeforeAsync(DbTransaction tx, ProjectId project, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = tx.Command("DELETE FROM task_log WHERE project_id = $1 AND finished_at < $2", project.Value, before);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // ---- Management: listing, details, control, configuration ----

    /// <summary>
    /// Tasks in <paramref name="scope"/>, active and finished, newest first, after <paramref name="after"/>;
    /// at most <paramref name="limit"/> rows.
    /// </summary>
    public async Task<IReadOnlyList<TaskInfo>> ListAsync(
        TaskScope scope, TaskListFilter filter, TaskPagePosition? after, int limit, CancellationToken cancellationToken)
    {
        var (where, parameters) = ScopeSql(scope, 1);
        parameters.AddRange([
            filter.Statuses?.ToArray(), filter.Queues?.ToArray(), filter.CreatedAfter, filter.CreatedBefore,
            filter.FiltersEntities, filter.EntityIds?.ToArray() ?? [], filter.WarehouseLevel,
            after?.CreatedAt, after?.TaskId, limit]);
        var n = parameters.Count - 10;
        await using var command = Sql.Command(dataSource,
            $"""
            SELECT * FROM (
                SELECT {ActiveColumns} FROM task WHERE {where}
                UNION ALL
                SELECT {FinishedColumns} FROM task_log WHERE {where} AND outcome IN ('success', 'failed', 'cancelled')
            ) x (task_id, queue, project_id, warehouse_id, entity_id, entity_type, entity_name, status, scheduled_for, attempt,
                 last_heartbeat_at, picked_up_at, progress, parent_task_id, created_at, updated_at)
            WHERE (${n + 1}::text[] IS NULL OR status = ANY(${n + 1}))
              AND (${n + 2}::text[] IS NULL OR queue = ANY(${n + 2}))
              AND (${n + 3}::timestamptz IS NULL OR created_at > ${n + 3})
              AND (${n + 4}::timestamptz IS NULL OR created_at < ${n + 4})
              AND (NOT ${n + 5} OR entity_id = ANY(${n + 6}) OR (${n + 7} AND entity_id IS NULL))
              AND (${n + 8}::timestamptz IS NULL OR (created_at, task_id) < (${n + 8}, ${n + 9}::uuid))
            ORDER BY created_at DESC, task_id DESC
            LIMIT ${n + 10}
            """,
            [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<TaskInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadInfo(reader));
        }

        return list;
    }

    /// <summary>A task in <paramref name="scope"/> with up to <paramref name="attempts"/> earlier attempts (newest first), or null.</summary>
    public async Task<TaskDetails?> GetAsync(TaskScope scope, Guid taskId, int attempts, CancellationToken cancellationToken)
    {
        var (where, parameters) = ScopeSql(scope, 2);
        parameters.Insert(0, taskId);
        TaskInfo info;
        string payload;
        string? details;
        string? message;
        await using (var command = Sql.Command(dataSource,
            $"""
            SELECT * FROM (
                SELECT {ActiveColumns}, payload::text, execution_details::text, NULL::text FROM task WHERE task_id = $1 AND {where}
                UNION ALL
                SELECT {FinishedColumns}, coalesce(payload, jsonb_build_object())::text, execution_details::text, message FROM task_log
                WHERE task_id = $1 AND {where} AND outcome IN ('success', 'failed', 'cancelled')
            ) x
            -- The latest attempt: the active row, else the final outcome.
            ORDER BY 10 DESC
            LIMIT 1
            """, [.. parameters]))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            info = ReadInfo(reader);
            payload = reader.GetString(16);
            details = reader.IsDBNull(17) ? null : reader.GetString(17);
            message = reader.IsDBNull(18) ? null : reader.GetString(18);
        }

        var earlier = new List<TaskAttemptRecord>();
        await using (var command = Sql.Command(dataSource,
            """
            SELECT attempt, outcome, coalesce(scheduled_for, finished_at), started_at, finished_at, message, progress, execution_details::text
            FROM task_log WHERE task_id = $1 AND attempt < $2 ORDER BY attempt DESC LIMIT $3
            """, taskId, info.Attempt, attempts))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                earlier.Add(new TaskAttemptRecord(
                    reader.GetInt32(0), AttemptStatus(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFloat(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
        }

        return new TaskDetails(info, payload, details, message, earlier);
    }

    /// <summary>
    /// Applies <paramref name="action"/> to every task of <paramref name="ids"/>, or to none: when one
    /// is unknown in <paramref name="scope"/> or already finished, nothing changes and that task is named.
    /// Cancel removes a waiting task (logged as cancelled) and asks a running one's worker to stop;
    /// stop asks a running task's worker to stop (it runs again later); run-now and run-at move the
    /// time of a waiting or stopping task.
    /// </summary>
    public async Task<TaskControlRefusal?> ControlAsync(
        TaskScope scope, IReadOnlyList<Guid> ids, TaskControlAction action, DateTimeOffset? runAt, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var (where, parameters) = ScopeSql(scope, 2);
        parameters.Insert(0, ids.Distinct().ToArray());
        var found = new Dictionary<Guid, (string Status, int Attempt)>();
        await using (var select = tx.Command(
            $"SELECT task_id, status, attempt FROM task WHERE task_id = ANY($1) AND {where} ORDER BY task_id FOR UPDATE", [.. parameters]))
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                found[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt32(2));
            }
        }

        foreach (var id in ids)
        {
            if (!found.ContainsKey(id))
            {
                await using var finished = tx.Command(
                    $"SELECT outcome FROM task_log WHERE task_id = $1 AND {where} AND outcome IN ('success', 'failed', 'cancelled') LIMIT 1",
                    [id, .. parameters.Skip(1)]);
                return new TaskControlRefusal(id, await finished.ExecuteScalarAsync(cancellationToken) as string);
            }
        }

        foreach (var (id, (status, attempt)) in found)
        {
            switch (action)
            {
                case TaskControlAction.Cancel when status == "scheduled":
                    await using (var log = tx.Command(LogFromTask, id, attempt + 1, "cancelled", "Cancelled through task/control before it ran"))
                    {
                        await log.ExecuteNonQueryAsync(cancellationToken);
                    }

                    await using (var delete = tx.Command("DELETE FROM task WHERE task_id = $1", id))
                    {
                        await delete.ExecuteNonQueryAsync(cancellationToken);
                    }

                    break;
                case TaskControlAction.Cancel:
                    await ExecuteAsync(tx, "UPDATE task SET status = 'stopping', stop_requested = 'cancel', updated_at = now() WHERE task_id = $1", cancellationToken, id);
                    break;
                case TaskControlAction.Stop when status == "running":
                    await ExecuteAsync(tx, "UPDATE task SET status = 'stopping', stop_requested = 'stop', updated_at = now() WHERE task_id = $1", cancellationToken, id);
                    break;
                case TaskControlAction.RunNow or TaskControlAction.RunAt when status is "scheduled" or "stopping":
                    await ExecuteAsync(tx, "UPDATE task SET scheduled_for = coalesce($2, now()), updated_at = now() WHERE task_id = $1",
                        cancellationToken, id, action == TaskControlAction.RunAt ? runAt : null);
                    break;
            }
        }

        await tx.CommitAsync(CancellationToken.None);
        return null;
    }

    public async Task<TaskQueueConfigRecord?> GetConfigAsync(string queue, TaskScope scope, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT config::text, max_seconds_since_last_heartbeat, updated_at FROM task_config WHERE queue = $1 AND warehouse_id IS NOT DISTINCT FROM $2 AND project_id IS NOT DISTINCT FROM $3",
            queue, scope.Warehouse?.Value, scope.Warehouse is null ? scope.Project.Value : null);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TaskQueueConfigRecord(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    /// <summary>Replaces the configuration of a queue for a warehouse or a project. False when that warehouse or project is gone.</summary>
    public async Task<bool> SetConfigAsync(string queue, TaskScope scope, string configJson, long? maxSecondsSinceLastHeartbeat, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            INSERT INTO task_config (queue, warehouse_id, project_id, config, max_seconds_since_last_heartbeat)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT ON CONSTRAINT task_config_key DO UPDATE
                SET config = excluded.config, max_seconds_since_last_heartbeat = excluded.max_seconds_since_last_heartbeat, updated_at = now()
            """,
            queue, scope.Warehouse?.Value, scope.Warehouse is null ? scope.Project.Value : null, new Json(configJson), maxSecondsSinceLastHeartbeat);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.ForeignKeyViolation)
        {
            return false;
        }
    }

    private static async Task ExecuteAsync(DbTransaction tx, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = tx.Command(sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The scope condition, its parameters numbered from <paramref name="first"/>.</summary>
    private static (string Where, List<object?> Parameters) ScopeSql(TaskScope scope, int first) => scope.Warehouse is { } warehouse
        ? ($"warehouse_id = ${first} AND project_id = ${first + 1}", [warehouse.Value, scope.Project.Value])
        : ($"warehouse_id IS NULL AND project_id = ${first}", [scope.Project.Value]);

    private static string AttemptStatus(string outcome) => outcome switch
    {
        "success" => "SUCCESS",
        "cancelled" => "CANCELLED",
        _ => "FAILED",
    };

    private static TaskInfo ReadInfo(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1),
        reader.IsDBNull(2) ? null : new ProjectId(reader.GetGuid(2)),
        reader.IsDBNull(3) ? null : new WarehouseId(reader.GetGuid(3)),
        reader.IsDBNull(4) ? null : reader.GetGuid(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<string[]>(6),
        reader.GetString(7) == "RETRYING" ? "FAILED" : reader.GetString(7),
        reader.GetFieldValue<DateTimeOffset>(8), reader.GetInt32(9),
        reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
        reader.GetFloat(12),
        reader.IsDBNull(13) ? null : reader.GetGuid(13),
        reader.GetFieldValue<DateTimeOffset>(14),
        reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15));
}

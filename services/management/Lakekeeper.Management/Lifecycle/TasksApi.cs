using System.Text.Json;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Management.Lifecycle;

/// <summary>
/// The task queues: per-warehouse (<c>soft_deletion</c>, <c>tabular_purge</c>) and per-project
/// (<c>task_log_cleanup</c>) configuration, and listing, details and control of tasks, in
/// Lakekeeper's paths under <c>/warehouse/{warehouse_id}/</c> and <c>/project/</c> (<c>x-project-id</c>).
/// </summary>
internal static class TasksApi
{
    public const int MaxControlledTasks = 100;
    public const int DefaultAttempts = 5;
    public const int MaxAttempts = 100;
    private const long MaxHeartbeatSeconds = 7 * 24 * 3600;
    private static readonly string[] Statuses = ["SCHEDULED", "RUNNING", "STOPPING", "SUCCESS", "FAILED", "CANCELLED"];

    public static void MapTasksApi(this RouteGroupBuilder management)
    {
        var warehouse = management.MapGroup("/warehouse/{warehouse_id:guid}").WithTags("tasks");
        // One route per queue as Lakekeeper publishes them (its operation ids); the parametrised route
        // answers any other queue name with a 404 that names the queues there are.
        foreach (var queue in TaskQueues.WarehouseQueues)
        {
            warehouse.MapGet($"/task-queue/{queue}/config", (HttpContext c, LifecycleHttp h, TaskRepository t, [FromRoute(Name = "warehouse_id")] Guid w) =>
                    GetWarehouseQueueConfig(c, h, t, w, queue))
                .WithName($"get_task_queue_config_{queue}").WithSummary($"The configuration of the warehouse's {queue} queue");
            warehouse.MapPost($"/task-queue/{queue}/config", (HttpContext c, LifecycleHttp h, TaskRepository t, AuditLog a, [FromRoute(Name = "warehouse_id")] Guid w) =>
                    SetWarehouseQueueConfig(c, h, t, a, w, queue))
                .Accepts<SetTaskQueueConfigRequest>("application/json")
                .WithName($"set_task_queue_config_{queue}").WithSummary($"Replace the configuration of the warehouse's {queue} queue");
        }

        warehouse.MapGet("/task-queue/{queue_name}/config", GetWarehouseQueueConfig).ExcludeFromDescription();
        warehouse.MapPost("/task-queue/{queue_name}/config", SetWarehouseQueueConfig).ExcludeFromDescription();
        warehouse.MapPost("/task/list", ListWarehouseTasks).Accepts<ListTasksRequest>("application/json").WithName("list_tasks")
            .WithSummary("List a warehouse's active and finished tasks, newest first");
        warehouse.MapGet("/task/by-id/{task_id:guid}", GetWarehouseTask).WithName("get_task_details")
            .WithSummary("A task with its data and earlier attempts");
        warehouse.MapPost("/task/control", ControlWarehouseTasks).Accepts<ControlTasksRequest>("application/json").WithName("control_tasks")
            .WithSummary("Cancel, stop, run now or run at a time: up to 100 tasks, all or none");

        var project = management.MapGroup("/project").WithTags("tasks");
        foreach (var queue in TaskQueues.ProjectQueues)
        {
            project.MapGet($"/task-queue/{queue}/config", (HttpContext c, LifecycleHttp h, TaskRepository t) => GetProjectQueueConfig(c, h, t, queue))
                .WithName($"get_project_task_queue_config_{queue}").WithSummary($"The configuration of the project's {queue} queue");
            project.MapPost($"/task-queue/{queue}/config", (HttpContext c, LifecycleHttp h, TaskRepository t, AuditLog a) => SetProjectQueueConfig(c, h, t, a, queue))
                .Accepts<SetTaskQueueConfigRequest>("application/json")
                .WithName($"set_project_task_queue_config_{queue}").WithSummary($"Replace the configuration of the project's {queue} queue");
        }

        project.MapGet("/task-queue/{queue_name}/config", GetProjectQueueConfig).ExcludeFromDescription();
        project.MapPost("/task-queue/{queue_name}/config", SetProjectQueueConfig).ExcludeFromDescription();
        project.MapPost("/task/list", ListProjectTasks).Accepts<ListTasksRequest>("application/json").WithName("list_project_tasks")
            .WithSummary("List a project's own active and finished tasks, newest first");
        project.MapGet("/task/by-id/{task_id:guid}", GetProjectTask).WithName("get_project_task_details")
            .WithSummary("A project task with its data and earlier attempts");
        project.MapPost("/task/control", ControlProjectTasks).Accepts<ControlTasksRequest>("application/json").WithName("control_project_tasks")
            .WithSummary("Cancel, stop, run now or run at a time: up to 100 project tasks, all or none");
    }

    // ---- Queue configuration ----

    private static async Task<Results<Ok<GetTaskQueueConfigResponse>, ApiError>> GetWarehouseQueueConfig(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, [FromRoute(Name = "warehouse_id")] Guid warehouseId,
        [FromRoute(Name = "queue_name")] string queueName)
    {
        if (UnknownQueue(queueName, TaskQueues.WarehouseQueues, "warehouse") is { } unknown)
        {
            return unknown;
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, LifecycleActions.CanGetTaskQueueConfig, context.RequestAborted);
        return warehouse is null ? denied! : TypedResults.Ok(await ConfigAsync(tasks, queueName, TaskScope.OfWarehouse(warehouse.ProjectId, warehouse.Id), context));
    }

    private static async Task<Results<NoContent, ApiError>> SetWarehouseQueueConfig(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, AuditLog audit, [FromRoute(Name = "warehouse_id")] Guid warehouseId,
        [FromRoute(Name = "queue_name")] string queueName)
    {
        if (UnknownQueue(queueName, TaskQueues.WarehouseQueues, "warehouse") is { } unknown)
        {
            return unknown;
        }

        var (body, error) = await ReadConfigAsync(context, queueName);
        if (body is null)
        {
            return error!;
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, LifecycleActions.CanModifyTaskQueueConfig, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        var stored = await tasks.SetConfigAsync(queueName, TaskScope.OfWarehouse(warehouse.ProjectId, warehouse.Id), body.Value.Config,
            body.Value.MaxSeconds, context.RequestAborted);
        audit.Change(http.CurrentCaller, "set-task-queue-config", $"warehouse:{warehouseId} queue:{queueName}", stored ? "Stored" : "NotFound");
        return stored ? TypedResults.NoContent() : LifecycleErrors.NoSuchWarehouse(warehouseId);
    }

    private static async Task<Results<Ok<GetTaskQueueConfigResponse>, ApiError>> GetProjectQueueConfig(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, [FromRoute(Name = "queue_name")] string queueName)
    {
        if (UnknownQueue(queueName, TaskQueues.ProjectQueues, "project") is { } unknown)
        {
            return unknown;
        }

        var (project, denied) = await http.ProjectAsync(context, LifecycleActions.CanGetTaskQueueConfig, context.RequestAborted);
        return project is not { } p ? denied! : TypedResults.Ok(await ConfigAsync(tasks, queueName, TaskScope.OfProject(p), context));
    }

    private static async Task<Results<NoContent, ApiError>> SetProjectQueueConfig(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, AuditLog audit, [FromRoute(Name = "queue_name")] string queueName)
    {
        if (UnknownQueue(queueName, TaskQueues.ProjectQueues, "project") is { } unknown)
        {
            return unknown;
        }

        var (body, error) = await ReadConfigAsync(context, queueName);
        if (body is null)
        {
            return error!;
        }

        var (project, denied) = await http.ProjectAsync(context, LifecycleActions.CanModifyTaskQueueConfig, context.RequestAborted);
        if (project is not { } p)
        {
            return denied!;
        }

        var stored = await tasks.SetConfigAsync(queueName, TaskScope.OfProject(p), body.Value.Config, body.Value.MaxSeconds, context.RequestAborted);
        audit.Change(http.CurrentCaller, "set-task-queue-config", $"project:{p} queue:{queueName}", stored ? "Stored" : "NotFound");
        return stored ? TypedResults.NoContent() : LifecycleErrors.NoSuchProject(p.Value);
    }

    private static ApiError? UnknownQueue(string queue, IReadOnlyList<string> known, string scope) => known.Contains(queue, StringComparer.Ordinal)
        ? null
        : LifecycleErrors.Of(404, "NoSuchTaskQueueException",
            $"Task queue does not exist at {scope} level: {queue} (the {scope} queues are {string.Join(", ", known)})");

    private static async Task<GetTaskQueueConfigResponse> ConfigAsync(TaskRepository tasks, string queue, TaskScope scope, HttpContext context)
    {
        var stored = await tasks.GetConfigAsync(queue, scope, context.RequestAborted);
        using var config = JsonDocument.Parse(stored?.ConfigJson ?? "{}");
        return new GetTaskQueueConfigResponse(config.RootElement.Clone(), stored?.MaxSecondsSinceLastHeartbeat);
    }

    /// <summary>The new configuration, checked field by field for the queue it is for.</summary>
    private static async Task<((string Config, long? MaxSeconds)? Value, ApiError? Error)> ReadConfigAsync(HttpContext context, string queue)
    {
        var (body, error) = await LifecycleHttp.ReadAsync(context.Request, LifecycleJson.Default.SetTaskQueueConfigRequest);
        if (body is null)
        {
            return (null, error);
        }

        if (body.QueueConfig is not { ValueKind: JsonValueKind.Object } config)
        {
            return (null, LifecycleErrors.BadRequest("queue-config is required: a JSON object (it may be empty)"));
        }

        if (body.MaxSecondsSinceLastHeartbeat is { } seconds and (< 1 or > MaxHeartbeatSeconds))
        {
            return (null, LifecycleErrors.BadRequest($"max-seconds-since-last-heartbeat must be between 1 and {MaxHeartbeatSeconds}"));
        }

        var fields = queue == TaskQueues.TaskLogCleanup
            ? new[] { "max-attempts", "retention-period", "cleanup-period" }
            : ["max-attempts", "max-concurrent"];
        foreach (var property in config.EnumerateObject())
        {
            if (!fields.Contains(property.Name, StringComparer.Ordinal))
            {
                return (null, LifecycleErrors.BadRequest(
                    $"queue-config: unknown field '{property.Name}' for queue {queue} (known: {string.Join(", ", fields)})"));
            }

            var problem = property.Name switch
            {
                "max-attempts" or "max-concurrent" when property.Value.ValueKind != JsonValueKind.Number
                    || !property.Value.TryGetInt32(out var n) || n is < 1 or > 1000 => "must be a whole number from 1 to 1000",
                "retention-period" or "cleanup-period" when property.Value.ValueKind != JsonValueKind.String
                    || !TryDuration(property.Value.GetString()!, out var duration) || duration <= TimeSpan.Zero =>
                    "must be a positive ISO 8601 duration, e.g. P90D or PT12H",
                _ => null,
            };
            if (problem is not null)
            {
                return (null, LifecycleErrors.BadRequest($"queue-config.{property.Name} {problem}"));
            }
        }

        return ((config.GetRawText(), body.MaxSecondsSinceLastHeartbeat), null);
    }

    private static bool TryDuration(string text, out TimeSpan duration)
    {
        try
        {
            duration = System.Xml.XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            duration = default;
            return false;
        }
    }

    // ---- Listing ----

    private static async Task<Results<Ok<ListTasksResponse>, ApiError>> ListWarehouseTasks(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (request, error) = await ReadListAsync(context, warehouseLevel: true);
        if (request is null)
        {
            return error!;
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, LifecycleActions.CanGetAllTasks, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        var (filter, after, size, scope) = request.Value;
        var rows = await tasks.ListAsync(TaskScope.OfWarehouse(warehouse.ProjectId, warehouse.Id), filter, after, size + 1, context.RequestAborted);
        var page = rows.Take(size).ToList();
        return TypedResults.Ok(new ListTasksResponse([.. page.Select(WarehouseInfo)], NextToken(scope, rows, page, size)));
    }

    private static async Task<Results<Ok<ListProjectTasksResponse>, ApiError>> ListProjectTasks(
        HttpContext context, LifecycleHttp http, TaskRepository tasks)
    {
        var (request, error) = await ReadListAsync(context, warehouseLevel: false);
        if (request is null)
        {
            return error!;
        }

        var (project, denied) = await http.ProjectAsync(context, LifecycleActions.CanGetProjectTasks, context.RequestAborted);
        if (project is not { } p)
        {
            return denied!;
        }

        var (filter, after, size, scope) = request.Value;
        var rows = await tasks.ListAsync(TaskScope.OfProject(p), filter, after, size + 1, context.RequestAborted);
        var page = rows.Take(size).ToList();
        return TypedResults.Ok(new ListProjectTasksResponse([.. page.Select(ProjectInfo)], NextToken(scope, rows, page, size)));
    }

    private static string? NextToken(PageTokenScope scope, IReadOnlyList<TaskInfo> rows, List<TaskInfo> page, int size) =>
        rows.Count > size ? scope.Seal(LifecycleHttp.Position(page[^1].CreatedAt, page[^1].TaskId)) : null;

    private static async Task<((TaskListFilter Filter, TaskPagePosition? After, int Size, PageTokenScope Scope)? Value, ApiError? Error)> ReadListAsync(
        HttpContext context, bool warehouseLevel)
    {
        var (body, error) = await LifecycleHttp.ReadAsync(context.Request, LifecycleJson.Default.ListTasksRequest);
        if (body is null)
        {
            return (null, error);
        }

        var size = PageSizes.Default;
        if (body.PageSize is { } requested)
        {
            if (requested < 1)
            {
                return (null, LifecycleErrors.BadRequest("page-size must be a positive whole number"));
            }

            size = (int)Math.Min(requested, PageSizes.Max);
        }

        // The filters are the body without its paging fields: a token works only with the filters it was issued for.
        var scope = ManagementPaging.BodyScope(context, body with { PageSize = null, PageToken = null }, LifecycleJson.Default.ListTasksRequest);
        TaskPagePosition? after = null;
        if (!ManagementPaging.TryOpen(scope, body.PageToken, out var key))
        {
            return (null, LifecycleErrors.BadRequest("page-token is not a token this server issued for this listing"));
        }

        if (key is not null)
        {
            if (!LifecycleHttp.TryPosition(key, out var at, out var id))
            {
                return (null, LifecycleErrors.BadRequest("page-token is not a token this server issued for this listing"));
            }

            after = new TaskPagePosition(at, id);
        }

        List<string>? statuses = null;
        if (body.Status is { } status)
        {
            statuses = [];
            for (var i = 0; i < status.Count; i++)
            {
                if (status[i] is not { } s || !Statuses.Contains(s, StringComparer.Ordinal))
                {
                    return (null, LifecycleErrors.BadRequest($"status[{i}] must be one of {string.Join(", ", Statuses)}"));
                }

                statuses.Add(s);
            }
        }

        List<string>? queues = null;
        if (body.QueueName is { } names)
        {
            queues = [];
            var known = warehouseLevel ? TaskQueues.WarehouseQueues : TaskQueues.ProjectQueues;
            for (var i = 0; i < names.Count; i++)
            {
                if (names[i] is not { } q || !known.Contains(q, StringComparer.Ordinal))
                {
                    return (null, LifecycleErrors.BadRequest($"queue-name[{i}] must be one of {string.Join(", ", known)}"));
                }

                queues.Add(q);
            }
        }

        List<Guid>? entityIds = null;
        var warehouseTasks = false;
        if (body.Entities is { } entities)
        {
            if (!warehouseLevel)
            {
                return (null, LifecycleErrors.BadRequest("entities: project tasks work on no table or view; this filter applies to warehouse tasks"));
            }

            entityIds = [];
            for (var i = 0; i < entities.Count; i++)
            {
                switch (entities[i])
                {
                    case { Type: "table", TableId: { } table }:
                        entityIds.Add(table);
                        break;
                    case { Type: "view", ViewId: { } view }:
                        entityIds.Add(view);
                        break;
                    case { Type: "warehouse" }:
                        warehouseTasks = true;
                        break;
                    case { Type: "table" }:
                        return (null, LifecycleErrors.BadRequest($"entities[{i}].table-id is required"));
                    case { Type: "view" }:
                        return (null, LifecycleErrors.BadRequest($"entities[{i}].view-id is required"));
                    default:
                        return (null, LifecycleErrors.BadRequest($"entities[{i}].type must be 'table', 'view' or 'warehouse'"));
                }
            }
        }

        if (body.CreatedAfter is { } from && body.CreatedBefore is { } to && from >= to)
        {
            return (null, LifecycleErrors.BadRequest("created-after must be earlier than created-before"));
        }

        var filter = new TaskListFilter(statuses, queues, body.CreatedAfter, body.CreatedBefore, entityIds, warehouseTasks);
        return ((filter, after, size, scope), null);
    }

    // ---- Details ----

    private static async Task<Results<Ok<GetTaskDetailsResponse>, ApiError>> GetWarehouseTask(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, [FromRoute(Name = "warehouse_id")] Guid warehouseId,
        [FromRoute(Name = "task_id")] Guid taskId, [FromQuery] string? numAttempts)
    {
        if (Attempts(numAttempts, out var attempts) is { } invalid)
        {
            return invalid;
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, LifecycleActions.CanGetAllTasks, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        var details = await tasks.GetAsync(TaskScope.OfWarehouse(warehouse.ProjectId, warehouse.Id), taskId, attempts, context.RequestAborted);
        if (details is null)
        {
            return LifecycleErrors.NoSuchTask(taskId);
        }

        var i = WarehouseInfo(details.Info);
        return TypedResults.Ok(new GetTaskDetailsResponse(
            i.TaskId, i.ProjectId, i.WarehouseId, i.QueueName, i.Entity, i.EntityName, i.Status, i.ScheduledFor, i.Attempt, i.LastHeartbeatAt,
            i.PickedUpAt, i.Progress, i.ParentTaskId, i.CreatedAt, i.UpdatedAt,
            Json(details.PayloadJson)!.Value, Json(details.ExecutionDetailsJson), details.Message, [.. details.Attempts.Select(Attempt)]));
    }

    private static async Task<Results<Ok<GetProjectTaskDetailsResponse>, ApiError>> GetProjectTask(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, [FromRoute(Name = "task_id")] Guid taskId, [FromQuery] string? numAttempts)
    {
        if (Attempts(numAttempts, out var attempts) is { } invalid)
        {
            return invalid;
        }

        var (project, denied) = await http.ProjectAsync(context, LifecycleActions.CanGetProjectTasks, context.RequestAborted);
        if (project is not { } p)
        {
            return denied!;
        }

        var details = await tasks.GetAsync(TaskScope.OfProject(p), taskId, attempts, context.RequestAborted);
        if (details is null)
        {
            return LifecycleErrors.NoSuchTask(taskId);
        }

        var i = ProjectInfo(details.Info);
        return TypedResults.Ok(new GetProjectTaskDetailsResponse(
            i.TaskId, i.ProjectId, i.QueueName, i.Status, i.ScheduledFor, i.Attempt, i.LastHeartbeatAt, i.PickedUpAt, i.Progress, i.ParentTaskId,
            i.CreatedAt, i.UpdatedAt, Json(details.PayloadJson)!.Value, Json(details.ExecutionDetailsJson), details.Message,
            [.. details.Attempts.Select(Attempt)]));
    }

    private static ApiError? Attempts(string? text, out int attempts)
    {
        attempts = DefaultAttempts;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out attempts) && attempts <= MaxAttempts
            ? null
            : LifecycleErrors.BadRequest($"numAttempts must be a whole number from 0 to {MaxAttempts}");
    }

    // ---- Control ----

    private static async Task<Results<NoContent, ApiError>> ControlWarehouseTasks(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, AuditLog audit, [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (request, error) = await ReadControlAsync(context);
        if (request is null)
        {
            return error!;
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, LifecycleActions.CanControlAllTasks, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        var (action, runAt, ids) = request.Value;
        var refused = await tasks.ControlAsync(TaskScope.OfWarehouse(warehouse.ProjectId, warehouse.Id), ids, action, runAt, context.RequestAborted);
        audit.Change(http.CurrentCaller, "control-tasks", $"warehouse:{warehouseId} {action}", refused is null ? string.Join(",", ids) : "Refused");
        return refused is null ? TypedResults.NoContent() : Refusal(refused, $"warehouse {warehouseId}");
    }

    private static async Task<Results<NoContent, ApiError>> ControlProjectTasks(
        HttpContext context, LifecycleHttp http, TaskRepository tasks, AuditLog audit)
    {
        var (request, error) = await ReadControlAsync(context);
        if (request is null)
        {
            return error!;
        }

        var (project, denied) = await http.ProjectAsync(context, LifecycleActions.CanControlProjectTasks, context.RequestAborted);
        if (project is not { } p)
        {
            return denied!;
        }

        var (action, runAt, ids) = request.Value;
        var refused = await tasks.ControlAsync(TaskScope.OfProject(p), ids, action, runAt, context.RequestAborted);
        audit.Change(http.CurrentCaller, "control-tasks", $"project:{p} {action}", refused is null ? string.Join(",", ids) : "Refused");
        return refused is null ? TypedResults.NoContent() : Refusal(refused, $"project {p}");
    }

    private static ApiError Refusal(TaskControlRefusal refused, string scope) => refused.FinishedAs is { } outcome
        ? LifecycleErrors.Conflict("TaskFinishedException", $"Task {refused.TaskId} already finished ({outcome}): nothing was changed")
        : LifecycleErrors.Of(404, "NoSuchTaskException", $"Task does not exist in {scope}: {refused.TaskId} (nothing was changed)");

    private static async Task<((TaskControlAction Action, DateTimeOffset? RunAt, IReadOnlyList<Guid> Ids)? Value, ApiError? Error)> ReadControlAsync(
        HttpContext context)
    {
        var (body, error) = await LifecycleHttp.ReadAsync(context.Request, LifecycleJson.Default.ControlTasksRequest);
        if (body is null)
        {
            return (null, error);
        }

        if (body.TaskIds is not { Count: > 0 } ids)
        {
            return (null, LifecycleErrors.BadRequest("task-ids is required: 1 to 100 task ids"));
        }

        if (ids.Count > MaxControlledTasks)
        {
            return (null, LifecycleErrors.BadRequest($"task-ids: at most {MaxControlledTasks} per request"));
        }

        if (body.Action is not { } action)
        {
            return (null, LifecycleErrors.BadRequest("action is required: {\"action-type\":\"cancel\"|\"stop\"|\"run-now\"|\"run-at\"}"));
        }

        (TaskControlAction, DateTimeOffset?)? parsed = action switch
        {
            { ActionType: "cancel", ScheduledFor: null } => (TaskControlAction.Cancel, null),
            { ActionType: "stop", ScheduledFor: null } => (TaskControlAction.Stop, null),
            { ActionType: "run-now", ScheduledFor: null } => (TaskControlAction.RunNow, null),
            { ActionType: "run-at", ScheduledFor: { } at } => (TaskControlAction.RunAt, at),
            _ => null,
        };
        if (parsed is not { } valid)
        {
            return (null, LifecycleErrors.BadRequest(action switch
            {
                { ActionType: "run-at" } => "action.scheduled-for is required for run-at (an RFC 3339 timestamp)",
                { ActionType: "cancel" or "stop" or "run-now" } => "action.scheduled-for applies only to run-at",
                _ => "action.action-type must be one of cancel, stop, run-now, run-at",
            }));
        }

        return ((valid.Item1, valid.Item2, ids), null);
    }

    // ---- Shapes ----

    private static WarehouseTaskInfo WarehouseInfo(TaskInfo t) => new(
        t.TaskId, (t.ProjectId ?? ProjectId.Default).ToString(), t.WarehouseId?.Value ?? Guid.Empty, t.Queue,
        t.EntityId is { } id ? t.EntityType == "view" ? new TaskEntity("view", null, id) : new TaskEntity("table", id, null) : null,
        t.EntityName, t.Status, t.ScheduledFor, t.Attempt, t.LastHeartbeatAt, t.PickedUpAt, t.Progress, t.ParentTaskId, t.CreatedAt, t.UpdatedAt);

    private static ProjectTaskInfo ProjectInfo(TaskInfo t) => new(
        t.TaskId, (t.ProjectId ?? ProjectId.Default).ToString(), t.Queue, t.Status, t.ScheduledFor, t.Attempt, t.LastHeartbeatAt, t.PickedUpAt,
        t.Progress, t.ParentTaskId, t.CreatedAt, t.UpdatedAt);

    private static TaskAttempt Attempt(TaskAttemptRecord a) => new(
        a.Attempt, a.Status, a.ScheduledFor, a.StartedAt,
        a.StartedAt is { } started ? System.Xml.XmlConvert.ToString(a.FinishedAt - started) : null,
        a.Message, a.ScheduledFor, a.Progress, Json(a.ExecutionDetailsJson));

    private static JsonElement? Json(string? text)
    {
        if (text is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}

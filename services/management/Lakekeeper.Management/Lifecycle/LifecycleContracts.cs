using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lakekeeper.Management.Lifecycle;

// Request and response bodies of soft deletion and undrop, protection, namespace moves and the task
// queues, as Lakekeeper's management API spells them (kebab-case). Request fields are nullable so
// that a missing one is a 400 naming it; unknown fields are refused (a misspelt optional field would
// otherwise be ignored silently).

[Description("A soft-deleted table or view; expiration-date is when it is removed for good (null: its expiration task was cancelled).")]
internal sealed record DeletedTabularResponse(
    Guid Id, string Name, IReadOnlyList<string> Namespace, string Typ, Guid WarehouseId, DateTimeOffset CreatedAt, DateTimeOffset DeletedAt,
    DateTimeOffset? ExpirationDate);

internal sealed record ListDeletedTabularsResponse(IReadOnlyList<DeletedTabularResponse> Tabulars, string? NextPageToken);

[Description("Tables and views to undrop: all of them, or none when one cannot be.")]
internal sealed record UndropTabularsRequest([property: Required] IReadOnlyList<TabularIdentUuid?>? Targets);

[Description("Move or rename a namespace: destination is its full new path (one level: to the warehouse root).")]
internal sealed record MoveNamespaceRequest([property: Required] IReadOnlyList<string?>? Destination, bool? Force);

internal sealed record MoveNamespaceResponse(IReadOnlyList<string> Namespace, Guid NamespaceId, Guid? ParentNamespaceId);

[Description("queue-config: soft_deletion and tabular_purge take max-attempts and max-concurrent (our extensions); task_log_cleanup takes " +
    "retention-period and cleanup-period (ISO 8601 durations) and max-attempts. max-seconds-since-last-heartbeat: how long a running task " +
    "may go without a heartbeat before another worker takes it over.")]
internal sealed record SetTaskQueueConfigRequest(JsonElement? QueueConfig, long? MaxSecondsSinceLastHeartbeat);

internal sealed record GetTaskQueueConfigResponse(JsonElement QueueConfig, long? MaxSecondsSinceLastHeartbeat);

[Description("Filters (all optional) and paging of a task listing, newest first.")]
internal sealed record ListTasksRequest(
    IReadOnlyList<string?>? Status,
    IReadOnlyList<string?>? QueueName,
    [property: JsonConverter(typeof(Rfc3339Converter))] DateTimeOffset? CreatedAfter,
    [property: JsonConverter(typeof(Rfc3339Converter))] DateTimeOffset? CreatedBefore,
    IReadOnlyList<TaskEntityFilter?>? Entities,
    long? PageSize,
    string? PageToken);

[Description("{\"type\":\"table\",\"table-id\"}, {\"type\":\"view\",\"view-id\"} or {\"type\":\"warehouse\"} (tasks on no table or view).")]
internal sealed record TaskEntityFilter(string? Type, Guid? TableId, Guid? ViewId, Guid? GenericTableId);

[Description("What a task works on: {\"type\":\"table\",\"table-id\"} or {\"type\":\"view\",\"view-id\"}.")]
internal sealed record TaskEntity(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? TableId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? ViewId);

[Description("A warehouse task: active (SCHEDULED, RUNNING, STOPPING) or finished (SUCCESS, FAILED, CANCELLED).")]
internal sealed record WarehouseTaskInfo(
    Guid TaskId, string ProjectId, Guid WarehouseId, string QueueName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskEntity? Entity,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? EntityName,
    string Status, DateTimeOffset ScheduledFor, int Attempt, DateTimeOffset? LastHeartbeatAt, DateTimeOffset? PickedUpAt, float Progress,
    Guid? ParentTaskId, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt);

internal sealed record ListTasksResponse(IReadOnlyList<WarehouseTaskInfo> Tasks, string? NextPageToken);

[Description("A project-level task (task_log_cleanup).")]
internal sealed record ProjectTaskInfo(
    Guid TaskId, string ProjectId, string QueueName, string Status, DateTimeOffset ScheduledFor, int Attempt, DateTimeOffset? LastHeartbeatAt,
    DateTimeOffset? PickedUpAt, float Progress, Guid? ParentTaskId, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt);

internal sealed record ListProjectTasksResponse(IReadOnlyList<ProjectTaskInfo> Tasks, string? NextPageToken);

[Description("An earlier attempt of a task; duration is ISO 8601 (e.g. PT1.5S).")]
internal sealed record TaskAttempt(
    int Attempt, string Status, DateTimeOffset ScheduledFor, DateTimeOffset? StartedAt, string? Duration, string? Message, DateTimeOffset CreatedAt,
    float Progress, JsonElement? ExecutionDetails);

[Description("A warehouse task with its data, the message of its current attempt and its earlier attempts (newest first).")]
internal sealed record GetTaskDetailsResponse(
    Guid TaskId, string ProjectId, Guid WarehouseId, string QueueName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskEntity? Entity,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? EntityName,
    string Status, DateTimeOffset ScheduledFor, int Attempt, DateTimeOffset? LastHeartbeatAt, DateTimeOffset? PickedUpAt, float Progress,
    Guid? ParentTaskId, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt,
    JsonElement TaskData, JsonElement? ExecutionDetails, string? Message, IReadOnlyList<TaskAttempt> Attempts);

[Description("A project-level task with its data, the message of its current attempt and its earlier attempts (newest first).")]
internal sealed record GetProjectTaskDetailsResponse(
    Guid TaskId, string ProjectId, string QueueName, string Status, DateTimeOffset ScheduledFor, int Attempt, DateTimeOffset? LastHeartbeatAt,
    DateTimeOffset? PickedUpAt, float Progress, Guid? ParentTaskId, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt,
    JsonElement TaskData, JsonElement? ExecutionDetails, string? Message, IReadOnlyList<TaskAttempt> Attempts);

[Description("At most 100 task ids and one action, applied to all of them or (when one is unknown or finished) to none.")]
internal sealed record ControlTasksRequest(ControlTaskAction? Action, IReadOnlyList<Guid>? TaskIds);

[Description("action-type: cancel, stop, run-now, or run-at with scheduled-for (RFC 3339).")]
internal sealed record ControlTaskAction(
    string? ActionType,
    [property: JsonConverter(typeof(Rfc3339Converter))] DateTimeOffset? ScheduledFor);

/// <summary>RFC 3339 timestamps, also with a space between date and time as Lakekeeper's examples write them.</summary>
internal sealed class Rfc3339Converter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.String
            && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        throw new JsonException("must be an RFC 3339 timestamp, e.g. 2025-12-31T23:59:59Z");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteStringValue(v);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    MaxDepth = 32)]
[JsonSerializable(typeof(ListDeletedTabularsResponse))]
[JsonSerializable(typeof(UndropTabularsRequest))]
[JsonSerializable(typeof(SetProtectionRequest))]
[JsonSerializable(typeof(ProtectionResponse))]
[JsonSerializable(typeof(MoveNamespaceRequest))]
[JsonSerializable(typeof(MoveNamespaceResponse))]
[JsonSerializable(typeof(SetTaskQueueConfigRequest))]
[JsonSerializable(typeof(GetTaskQueueConfigResponse))]
[JsonSerializable(typeof(ListTasksRequest))]
[JsonSerializable(typeof(ListTasksResponse))]
[JsonSerializable(typeof(ListProjectTasksResponse))]
[JsonSerializable(typeof(GetTaskDetailsResponse))]
[JsonSerializable(typeof(GetProjectTaskDetailsResponse))]
[JsonSerializable(typeof(ControlTasksRequest))]
[JsonSerializable(typeof(MoveData))]
internal sealed partial class LifecycleJson : JsonSerializerContext;

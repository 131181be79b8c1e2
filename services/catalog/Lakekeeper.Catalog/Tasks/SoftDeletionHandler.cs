using System.Text.Json;
using System.Text.Json.Serialization;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Catalog.Tasks;

/// <summary>What a soft-deletion task does when it expires: drop for good, and purge the files when the drop asked for it.</summary>
internal sealed record SoftDeletionPayload(
    [property: JsonPropertyName("deletion-kind")] string DeletionKind,
    [property: JsonPropertyName("tabular-type")] string TabularType)
{
    public const string Default = "default";
    public const string Purge = "purge";
}

/// <summary>
/// <c>soft_deletion</c>: when a soft-deleted table or view's expiration comes, removes it for real
/// (the row, and with it the reserved name and location) and, for a drop with purge, schedules the
/// purge of its files. The removal commits in the transaction that records the task's success, so
/// it happens exactly once; an undrop cancels the task first.
/// </summary>
internal sealed partial class SoftDeletionHandler(TabularPurges purges, ILogger<SoftDeletionHandler> logger) : ITaskHandler
{
    public string Queue => TaskQueues.SoftDeletion;

    public TimeSpan DefaultHeartbeatTimeout => TimeSpan.FromMinutes(2);

    public int DefaultMaxAttempts => 10;

    public int Workers(TaskOptions options) => options.EffectiveSoftDeletionWorkers;

    public Task MaintainAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<TaskResult> RunAsync(QueuedTask task, CancellationToken cancellationToken)
    {
        if (task.EntityId is not { } entity || task.WarehouseId is not { } warehouse)
        {
            return Task.FromResult<TaskResult>(new TaskResult.Failed("The task names no table or view"));
        }

        var purge = JsonSerializer.Deserialize<SoftDeletionPayload>(task.PayloadJson)?.DeletionKind == SoftDeletionPayload.Purge;
        return Task.FromResult<TaskResult>(new TaskResult.Success(null, async tx =>
        {
            var expired = await DeletedTabularRepository.ExpireAsync(tx, new TabularId(entity), cancellationToken);
            if (expired is null)
            {
                return "Nothing to do: the table or view is no longer soft-deleted";
            }

            await AuthzOutbox.AddAsync(tx, Services.TabularObjects.Dropped(expired.Type, expired.Id, expired.NamespaceId), cancellationToken);
            var outcome = "Dropped for good";
            if (purge && expired.Type == TabularType.Table)
            {
                await purges.EnqueueAsync(tx, warehouse, expired.Id, expired.Location, expired.MetadataLocation, expired.Metadata, task.EntityName, cancellationToken);
                outcome = "Dropped for good; the purge of its files is scheduled";
            }

            LogExpired(logger, expired.Type == TabularType.Table ? "table" : "view", expired.Id.Value, outcome);
            return outcome;
        }));
    }

    [LoggerMessage(EventId = 336, Level = LogLevel.Information, Message = "Soft-deleted {Type} {Id} expired: {Outcome}")]
    private static partial void LogExpired(ILogger logger, string type, Guid id, string outcome);
}

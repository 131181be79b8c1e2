using System.Text.Json;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Storage.Locations;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Catalog.Tasks;

/// <summary>
/// <c>tabular_purge</c>: deletes the files of a dropped table (everything under its location, and
/// metadata files written outside it), in the background, so the drop does not wait for storage.
/// </summary>
internal sealed partial class TabularPurgeHandler(WarehouseResolver warehouses, ILogger<TabularPurgeHandler> logger) : ITaskHandler
{
    public string Queue => TaskQueues.TabularPurge;

    public TimeSpan DefaultHeartbeatTimeout => TimeSpan.FromMinutes(2);

    public int DefaultMaxAttempts => 10;

    public int Workers(TaskOptions options) => options.TabularPurgeWorkers;

    public Task MaintainAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<TaskResult> RunAsync(QueuedTask task, CancellationToken cancellationToken)
    {
        var warehouse = task.WarehouseId is { } id ? await warehouses.ByIdAsync(id, cancellationToken) : null;
        if (warehouse is null || task.Location is null)
        {
            return new TaskResult.Cancelled("The warehouse no longer exists");
        }

        var deleted = await warehouse.Store.DeletePrefixAsync(StorageLocation.Parse(task.Location), cancellationToken);
        foreach (var file in JsonSerializer.Deserialize<PurgePayload>(task.PayloadJson)?.MetadataFilesOutside ?? [])
        {
            // Metadata written elsewhere (write.metadata.path); the store refuses anything outside the warehouse.
            await warehouse.Store.DeleteAsync(StorageLocation.Parse(file), cancellationToken);
            deleted++;
        }

        LogPurged(logger, task.Location, deleted);
        var result = JsonSerializer.Serialize(new { deleted });
        return new TaskResult.Success(result, ExecutionDetailsJson: result);
    }

    [LoggerMessage(EventId = 335, Level = LogLevel.Information, Message = "Purged {Count} file(s) under {Location}")]
    private static partial void LogPurged(ILogger logger, string location, long count);
}

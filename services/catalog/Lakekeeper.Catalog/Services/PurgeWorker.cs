using System.Text.Json;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Deletes the files of tables dropped with <c>purgeRequested=true</c>, in the background, so the
/// drop call does not wait for storage. Tasks are durable: while a purge runs, its worker renews a
/// heartbeat every <see cref="HeartbeatInterval"/>; a task whose worker died (no heartbeat for
/// <see cref="HeartbeatTimeout"/>) is claimed again by any instance. Failures retry with growing
/// delays and give up (logged) after <see cref="MaxAttempts"/>.
/// </summary>
internal sealed partial class PurgeWorker(TaskRepository tasks, WarehouseResolver warehouses, ILogger<PurgeWorker> logger) : BackgroundService
{
    private const int MaxAttempts = 10;
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan IdleDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await RunOneAsync(stoppingToken))
                {
                    await Task.Delay(IdleDelay, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                LogQueueUnavailable(logger, ex);
                await Task.Delay(IdleDelay * 5, stoppingToken);
            }
        }
    }

    /// <summary>Runs the next due purge; false when there was none.</summary>
    internal async Task<bool> RunOneAsync(CancellationToken cancellationToken)
    {
        var task = await tasks.ClaimAsync(TableService.PurgeQueue, HeartbeatTimeout, cancellationToken);
        if (task is null)
        {
            return false;
        }

        try
        {
            var warehouse = task.WarehouseId is { } id ? await warehouses.ByIdAsync(id, cancellationToken) : null;
            if (warehouse is null || task.Location is null)
            {
                await tasks.CompleteAsync(task, "cancelled", "the warehouse no longer exists", cancellationToken);
                return true;
            }

            long deleted;
            using (var heartbeat = new CancellationTokenSource())
            {
                var beating = HeartbeatAsync(task.TaskId, heartbeat.Token);
                try
                {
                    deleted = await warehouse.Store.DeletePrefixAsync(StorageLocation.Parse(task.Location), cancellationToken);
                    foreach (var file in JsonSerializer.Deserialize<PurgePayload>(task.PayloadJson)?.MetadataFilesOutside ?? [])
                    {
                        // Metadata written elsewhere (write.metadata.path); the store refuses anything outside the warehouse.
                        await warehouse.Store.DeleteAsync(StorageLocation.Parse(file), cancellationToken);
                        deleted++;
                    }
                }
                finally
                {
                    await heartbeat.CancelAsync();
                    await beating;
                }
            }

            await tasks.CompleteAsync(task, "success", JsonSerializer.Serialize(new { deleted }), cancellationToken);
            LogPurged(logger, task.Location, deleted);
        }
        catch (Exception ex) when (ex is StorageException or IOException or FormatException)
        {
            if (task.Attempt >= MaxAttempts)
            {
                await tasks.CompleteAsync(task, "failed", ex.Message, cancellationToken);
                LogGaveUp(logger, ex, task.Location ?? "?", task.Attempt);
            }
            else
            {
                await tasks.RetryLaterAsync(task, ex.Message, TimeSpan.FromSeconds(Math.Min(3600, 5 * Math.Pow(2, task.Attempt))), cancellationToken);
            }
        }

        return true;
    }

    /// <summary>Renews the task's heartbeat until cancelled; a missed beat is logged, not fatal.</summary>
    private async Task HeartbeatAsync(Guid taskId, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await tasks.HeartbeatAsync(taskId, stop);
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
                {
                    LogQueueUnavailable(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The purge finished.
        }
    }

    [LoggerMessage(EventId = 330, Level = LogLevel.Information, Message = "Purged {Count} file(s) under {Location}")]
    private static partial void LogPurged(ILogger logger, string location, long count);

    [LoggerMessage(EventId = 331, Level = LogLevel.Error, Message = "Gave up purging {Location} after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, string location, int attempts);

    [LoggerMessage(EventId = 332, Level = LogLevel.Warning, Message = "The task queue is unavailable")]
    private static partial void LogQueueUnavailable(ILogger logger, Exception exception);
}

/// <summary>What a purge task deletes: the table location, and metadata files written outside it.</summary>
internal sealed record PurgePayload(
    [property: System.Text.Json.Serialization.JsonPropertyName("location")] string Location,
    [property: System.Text.Json.Serialization.JsonPropertyName("metadata-files-outside")] IReadOnlyList<string>? MetadataFilesOutside);

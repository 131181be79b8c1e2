using System.Text.Json;
using System.Text.Json.Serialization;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Storage.Locations;

namespace Lakekeeper.Catalog.Tasks;

/// <summary>What a purge task deletes: the table location, and metadata files written outside it.</summary>
internal sealed record PurgePayload(
    [property: JsonPropertyName("location")] string Location,
    [property: JsonPropertyName("metadata-files-outside")] IReadOnlyList<string>? MetadataFilesOutside);

/// <summary>Schedules the deletion of a dropped table's files (the <c>tabular_purge</c> queue).</summary>
internal sealed class TabularPurges(MetadataCache cache)
{
    /// <summary>
    /// Enqueues the purge in <paramref name="tx"/>: the files go in the background, and the location
    /// stays reserved until they are gone.
    /// </summary>
    public async Task EnqueueAsync(
        DbTransaction tx, WarehouseId warehouse, TabularId id, string location, string metadataLocation, byte[]? metadata,
        IReadOnlyList<string>? name, CancellationToken cancellationToken) =>
        await TaskRepository.EnqueueAsync(tx,
            new NewTask(TaskQueues.TabularPurge, warehouse, id.Value,
                JsonSerializer.Serialize(new PurgePayload(location, MetadataFilesOutside(location, metadataLocation, metadata))),
                EntityType: TabularType.Table, EntityName: name, Location: location),
            cancellationToken);

    /// <summary>
    /// Metadata files a purge of the table location would miss: with <c>write.metadata.path</c> they
    /// live elsewhere. The current file and those in the metadata log are named explicitly.
    /// </summary>
    private IReadOnlyList<string> MetadataFilesOutside(string tableLocation, string metadataLocation, byte[]? metadata)
    {
        var parsed = cache.Table(metadataLocation, metadata);
        var files = parsed.IsSuccess
            ? parsed.Value.MetadataLog.Select(e => e.MetadataFile).Append(metadataLocation)
            : [metadataLocation];
        var location = StorageLocation.Parse(tableLocation);
        return [.. files.Where(f => !StorageLocation.TryParse(f, out var file, out _) || !file.IsUnder(location)).Distinct(StringComparer.Ordinal)];
    }
}

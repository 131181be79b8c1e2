using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Storage;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Locations and metadata files of tables and views: where they may live, the default location,
/// writing a new metadata file, reading one back (register), and cleaning up files of commits that
/// did not land.
/// </summary>
internal sealed partial class TabularStorage(IOptions<StorageOptions> storageOptions, NamespaceRepository namespaces, ILogger<TabularStorage> logger)
{
    /// <summary>Longest table or view location (UTF-8 bytes) the catalog stores.</summary>
    public const int MaxLocationBytes = 2048;

    /// <summary>
    /// A client-requested location: a valid location strictly inside the warehouse. Hadoop's <c>s3a://</c>
    /// and <c>s3n://</c> only when the warehouse's S3 profile says <c>allow-alternative-protocols</c>.
    /// </summary>
    public static Result<StorageLocation> Inside(WarehouseContext warehouse, string requested, string what)
    {
        if (!StorageLocation.TryParse(requested.TrimEnd('/'), out var location, out var error))
        {
            return IcebergError.BadRequest($"Invalid {what} location: {error}");
        }

        if (StorageLocation.AlternativeSchemeOf(requested) is { } scheme && warehouse.Profile is not S3StorageProfile { AllowAlternativeProtocols: true })
        {
            return IcebergError.BadRequest(
                $"Invalid {what} location: {scheme}:// is allowed only when the warehouse's storage profile sets allow-alternative-protocols; use s3://");
        }

        if (!location.IsStrictlyUnder(warehouse.Store.BaseLocation))
        {
            return IcebergError.BadRequest($"The {what} location {(requested.Length > 200 ? requested[..200] + "…" : requested)} is not inside the warehouse location {warehouse.Store.BaseLocation}");
        }

        return location;
    }

    /// <summary>The properties that tell engines where to write data files (Iceberg's location providers).</summary>
    public static readonly string[] DataPathProperties = ["write.data.path", "write.object-storage.path", "write.folder-storage.path"];

    /// <summary>
    /// The data folders a table's properties name (<c>write.data.path</c> and its older aliases) lie
    /// inside the table's own location: engines write data files there, and a purge deletes the
    /// table location, so a folder elsewhere would never be cleaned (or would be another table's).
    /// Only values that differ from <paramref name="before"/> are checked, so tables created before
    /// the rule keep committing.
    /// </summary>
    public static IcebergError? CheckDataPaths(WarehouseContext warehouse, string tableLocation, StringMap properties, StringMap? before)
    {
        foreach (var property in DataPathProperties)
        {
            if (!properties.TryGetValue(property, out var path) || (before is not null && before.TryGetValue(property, out var old) && old == path))
            {
                continue;
            }

            var folder = Inside(warehouse, path, property);
            if (folder.IsFailure)
            {
                return folder.Error;
            }

            if (!StorageLocation.TryParse(tableLocation.TrimEnd('/'), out var table, out _) || !folder.Value.IsUnder(table))
            {
                return IcebergError.BadRequest($"{property} must lie inside the table location {tableLocation} (a purge of the table deletes that location); got {(path.Length > 200 ? path[..200] + "…" : path)}");
            }
        }

        return null;
    }

    /// <summary>
    /// The form a table or view location is stored in for the overlap checks: normalised (scheme,
    /// <c>file:///</c>, no trailing <c>/</c>), so <c>…/t/</c> and <c>…/t</c> are one location.
    /// </summary>
    public static string LocationKey(string location) =>
        StorageLocation.TryParse(location, out var parsed, out _) ? parsed.ToString() : location;

    /// <summary>
    /// Where a new table or view of <paramref name="ns"/> goes when the client names no location: by the
    /// profile's <c>storage-layout</c> when it has one (docs/storage.md), else this server's own layout.
    /// </summary>
    public async Task<Result<StorageLocation>> DefaultLocationAsync(
        WarehouseContext warehouse, NamespaceRecord ns, string name, Guid id, CancellationToken cancellationToken)
    {
        if (warehouse.Profile.Layout is not { } layout)
        {
            return TableLocations.TryDefault(warehouse.Store.BaseLocation, ns.Name, name, id, storageOptions.Value.UniqueTableLocation, out var own, out var ownError)
                ? own
                : IcebergError.BadRequest("Cannot derive a location for this name: " + ownError);
        }

        var path = new NamespaceSegment[layout.Type == StorageLayout.FullHierarchyType ? ns.Name.Count : 0];
        if (path.Length > 0)
        {
            // The ids of every level, read only when the namespace template uses them.
            var ids = layout.NeedsNamespaceIds ? await namespaces.GetPathIdsAsync(warehouse.Id, ns.Id, cancellationToken) : [];
            if (layout.NeedsNamespaceIds && ids.Count != path.Length)
            {
                return CatalogErrors.NoSuchNamespace(ns.Name); // moved or dropped meanwhile
            }

            for (var i = 0; i < path.Length; i++)
            {
                path[i] = new NamespaceSegment(ns.Name[i], ids.Count > 0 ? ids[i].Value : Guid.Empty);
            }
        }

        return TableLocations.TryFromLayout(warehouse.Store.BaseLocation, layout, path, name, id, out var location, out var error)
            ? location
            : IcebergError.BadRequest("Cannot derive a location from the warehouse's storage-layout for this name: " + error);
    }

    /// <summary>
    /// Default locations of this warehouse are distinct for every table (they contain its id), so claiming
    /// one needs only the shared location lock; otherwise (a name-only template) the claim is exclusive.
    /// </summary>
    public bool DefaultLocationsAreUnique(WarehouseContext warehouse) =>
        warehouse.Profile.Layout is { } layout ? layout.TabularLocationsAreUnique : storageOptions.Value.UniqueTableLocation;

    /// <summary>
    /// Claims a location in the transaction: refuses one that equals, contains or lies inside
    /// another table's or view's location (or one still being purged). Explicit locations take the
    /// warehouse's location lock exclusively, default (unique) ones shared, so concurrent claims
    /// cannot both pass the check.
    /// </summary>
    public static async Task<IcebergError?> ClaimAsync(
        DbTransaction tx, WarehouseContext warehouse, StorageLocation location, TabularId? except, bool exclusive, CancellationToken cancellationToken)
    {
        // Locations are index entries (overlap checks, purges); Postgres refuses entries over about 2.7 KB.
        if (System.Text.Encoding.UTF8.GetByteCount(location.ToString()) > MaxLocationBytes)
        {
            return IcebergError.BadRequest($"The location {location.ToString()[..100]}… is longer than {MaxLocationBytes} bytes");
        }

        await tx.LockAsync(LockKey(warehouse.Id), exclusive, cancellationToken);
        var ancestors = new List<string>();
        for (var parent = location.Parent; parent is not null; parent = parent.Parent)
        {
            ancestors.Add(parent.ToString());
        }

        var conflict = await TabularRepository.FindOverlapAsync(tx, warehouse.Id, location.ToString(), ancestors, except, cancellationToken);
        if (conflict is null)
        {
            return null;
        }

        var owner = conflict.Namespace.Count == 0
            ? "a dropped table whose files are being purged"
            : $"{(conflict.Type == TabularType.View ? "view" : "table")} {string.Join('.', conflict.Namespace)}.{conflict.Name}";
        return IcebergError.BadRequest($"The location {location} overlaps the location of {owner} ({conflict.Location})");
    }

    /// <summary>
    /// Where a new metadata file may go: inside the warehouse, and, when <c>write.metadata.path</c>
    /// puts it outside the table's own location, not inside another table's or view's location (a
    /// purge of that one would delete it).
    /// </summary>
    public static async Task<IcebergError?> CheckMetadataPlacementAsync(
        DbTransaction tx, WarehouseContext warehouse, StorageLocation tabularLocation, string metadataLocation, TabularId? self, CancellationToken cancellationToken)
    {
        var file = Inside(warehouse, metadataLocation, "metadata");
        if (file.IsFailure)
        {
            return file.Error;
        }

        var folder = file.Value.Parent!;
        if (folder.IsUnder(tabularLocation))
        {
            return null;
        }

        var ancestors = new List<string>();
        for (var parent = folder.Parent; parent is not null; parent = parent.Parent)
        {
            ancestors.Add(parent.ToString());
        }

        var owner = await TabularRepository.FindContainingAsync(tx, warehouse.Id, folder.ToString(), ancestors, self, cancellationToken);
        return owner is null
            ? null
            : IcebergError.BadRequest($"The metadata folder {folder} (write.metadata.path) lies inside the location of another table or view ({owner.Location})");
    }

    /// <summary>Writes a new metadata file (never replacing one) and returns its location.</summary>
    /// <returns>
    /// Null when written. A 400 when the location cannot hold files as the client chose it (e.g. a
    /// folder on the way is a file, or the path is invalid for the store): that was a 500.
    /// </returns>
    public static async Task<IcebergError?> WriteMetadataAsync(WarehouseContext warehouse, string metadataLocation, byte[] json, bool gzip, CancellationToken cancellationToken)
    {
        var location = StorageLocation.Parse(metadataLocation);
        var content = MetadataFiles.Encode(json, gzip);
        StorageWriteResult result;
        try
        {
            result = await warehouse.Store.WriteAsync(location, content, createOnly: true, cancellationToken);
        }
        catch (StorageException ex) when (ex.Kind is StorageErrorKind.NotFound or StorageErrorKind.Invalid)
        {
            return IcebergError.BadRequest($"Cannot write the metadata file {metadataLocation}: {ex.Message}");
        }

        if (result == StorageWriteResult.AlreadyExists)
        {
            // File names carry a fresh UUID; a collision means someone else wrote there.
            throw new StorageException(StorageErrorKind.Conflict, $"A metadata file already exists at {metadataLocation}");
        }

        return null;
    }

    /// <summary>
    /// Reads a metadata file (gzip or not) for register; a missing file is a 404 NotFoundException.
    /// The file is the client's choice, so a file storage refuses to read (a symbolic link, a file
    /// over the read limit, an invalid path) is a 400 that says why, not a 500; transient failures
    /// still become 503.
    /// </summary>
    public static async Task<Result<byte[]>> ReadMetadataAsync(WarehouseContext warehouse, StorageLocation location, CancellationToken cancellationToken)
    {
        StorageReadResult read;
        try
        {
            read = await warehouse.Store.ReadAsync(location, cancellationToken);
        }
        catch (StorageException ex) when (ex.Kind is StorageErrorKind.AccessDenied or StorageErrorKind.Invalid or StorageErrorKind.TooLarge)
        {
            return IcebergError.BadRequest($"Cannot read metadata file {location}: {ex.Message}");
        }

        if (!read.Found)
        {
            return CatalogErrors.MissingMetadataFile(location.ToString());
        }

        return MetadataFiles.Decode(read.Content.Span, location.ToString());
    }

    /// <summary>Removes a file written by an attempt that did not commit. Failures are logged, not raised.</summary>
    public async Task TryDeleteAsync(WarehouseContext warehouse, string location)
    {
        try
        {
            await warehouse.Store.DeleteAsync(StorageLocation.Parse(location), CancellationToken.None);
        }
        catch (Exception ex) when (ex is StorageException or IOException or FormatException or ArgumentException)
        {
            LogCleanupFailed(logger, ex, location);
        }
    }

    private static long LockKey(WarehouseId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.Value.TryWriteBytes(bytes);
        return BitConverter.ToInt64(bytes[..8]) ^ BitConverter.ToInt64(bytes[8..]) ^ 0x4C4F4341544E; // "LOCATN"
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Could not remove the unused metadata file {Location}")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, string location);
}

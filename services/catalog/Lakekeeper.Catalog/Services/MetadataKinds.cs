using System.Collections.Immutable;
using Lakekeeper.Authz;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence.Model;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// One table's or view's part of a commit: which one, how its metadata changes (requirements checked
/// and updates applied to the current version), and the request JSON recorded with its event.
/// </summary>
internal sealed record MetadataChange<TMeta>(TableIdentifier Id, Func<TMeta, string, long, CommitOutcome<TMeta>> Apply, ReadOnlyMemory<byte> EventBody)
    where TMeta : class;

/// <summary>The changes a table commit (updateTable, a transaction) is made of.</summary>
internal static class TableChange
{
    public static MetadataChange<TableMetadata> Of(
        TableIdentifier id, ImmutableArray<TableRequirement> requirements, ImmutableArray<TableUpdate> updates, ReadOnlyMemory<byte> eventBody) =>
        new(id, (current, location, now) => TableCommitEngine.Commit(current, location, requirements, updates, now), eventBody);
}

/// <summary>
/// What the one commit protocol (<see cref="CommitRunner"/>) needs to know of tables or of views:
/// the engine's metadata type, its JSON, file names and cache, and the words of its errors and events.
/// </summary>
internal abstract class MetadataKind<TMeta>(MetadataCache cache)
    where TMeta : class
{
    protected MetadataCache Cache => cache;

    public abstract TabularType Type { get; }

    /// <summary><c>table</c> or <c>view</c>, as the location rules and metrics name it.</summary>
    public abstract string Noun { get; }

    /// <summary>The outbox event of a commit: <c>updateTable</c> or <c>updateView</c>.</summary>
    public abstract string EventType { get; }

    public abstract IcebergError NotFound(TableIdentifier id);

    public abstract AuthzObject Object(TabularId id);

    /// <summary>Parsed metadata of a version, if cached.</summary>
    public abstract TMeta? Cached(string metadataLocation);

    /// <summary>Parses a stored document (and caches it).</summary>
    public abstract Result<TMeta> Parse(string metadataLocation, ReadOnlySpan<byte> document);

    public abstract void Remember(string metadataLocation, TMeta metadata, int documentBytes);

    public abstract string Location(TMeta metadata);

    public abstract StringMap Properties(TMeta metadata);

    public abstract int FormatVersion(TMeta metadata);

    public abstract byte[] Write(TMeta metadata);

    public abstract string NextMetadataLocation(TMeta metadata, string previousMetadataLocation);

    public abstract bool UseGzip(TMeta metadata);

    /// <summary>
    /// The answer's document when a commit changed nothing; null: the stored document of the version
    /// (read from the row when the commit did not read it).
    /// </summary>
    public abstract byte[]? UnchangedDocument(TMeta current);

    /// <summary>Best-effort work after a commit landed (e.g. removing metadata files that fell out of the log).</summary>
    public virtual Task AfterCommitAsync(WarehouseContext warehouse, string previousMetadataLocation, TMeta previous, string metadataLocation, TMeta metadata) =>
        Task.CompletedTask;
}

internal sealed class TableMetadataKind(MetadataCache cache, TabularStorage storage) : MetadataKind<TableMetadata>(cache)
{
    public override TabularType Type => TabularType.Table;

    public override string Noun => "table";

    public override string EventType => "updateTable";

    public override IcebergError NotFound(TableIdentifier id) => CatalogErrors.NoSuchTable(id);

    public override AuthzObject Object(TabularId id) => AuthzObject.Table(id.ToString());

    public override TableMetadata? Cached(string metadataLocation) => Cache.GetTable(metadataLocation);

    public override Result<TableMetadata> Parse(string metadataLocation, ReadOnlySpan<byte> document) => Cache.Table(metadataLocation, document);

    public override void Remember(string metadataLocation, TableMetadata metadata, int documentBytes) => Cache.SetTable(metadataLocation, metadata, documentBytes);

    public override string Location(TableMetadata metadata) => metadata.Location;

    public override StringMap Properties(TableMetadata metadata) => metadata.Properties;

    public override int FormatVersion(TableMetadata metadata) => metadata.FormatVersion;

    public override byte[] Write(TableMetadata metadata) => TableMetadataJson.Write(metadata);

    public override string NextMetadataLocation(TableMetadata metadata, string previousMetadataLocation) =>
        MetadataFiles.NextTableMetadataLocation(metadata, previousMetadataLocation);

    public override bool UseGzip(TableMetadata metadata) => MetadataFiles.UseGzip(metadata);

    public override byte[]? UnchangedDocument(TableMetadata current) => TableMetadataJson.Write(current);

    /// <summary>
    /// With <c>write.metadata.delete-after-commit.enabled=true</c>, metadata files that fell out of the
    /// metadata log are removed (after the commit, best effort).
    /// </summary>
    public override async Task AfterCommitAsync(
        WarehouseContext warehouse, string previousMetadataLocation, TableMetadata previous, string metadataLocation, TableMetadata metadata)
    {
        if (!metadata.Properties.TryGetValue("write.metadata.delete-after-commit.enabled", out var enabled)
            || !bool.TryParse(enabled, out var on) || !on)
        {
            return;
        }

        var kept = metadata.MetadataLog.Select(e => e.MetadataFile).ToHashSet(StringComparer.Ordinal);
        kept.Add(metadataLocation);
        var before = previous.MetadataLog.Select(e => e.MetadataFile).Append(previousMetadataLocation);
        foreach (var location in before.Where(l => !kept.Contains(l)))
        {
            if (TabularStorage.Inside(warehouse, location, "metadata").IsSuccess)
            {
                await storage.TryDeleteAsync(warehouse, location);
            }
        }
    }
}

internal sealed class ViewMetadataKind(MetadataCache cache) : MetadataKind<ViewMetadata>(cache)
{
    public override TabularType Type => TabularType.View;

    public override string Noun => "view";

    public override string EventType => "updateView";

    public override IcebergError NotFound(TableIdentifier id) => CatalogErrors.NoSuchView(id);

    public override AuthzObject Object(TabularId id) => AuthzObject.View(id.ToString());

    public override ViewMetadata? Cached(string metadataLocation) => Cache.GetView(metadataLocation);

    public override Result<ViewMetadata> Parse(string metadataLocation, ReadOnlySpan<byte> document) => Cache.View(metadataLocation, document);

    public override void Remember(string metadataLocation, ViewMetadata metadata, int documentBytes) => Cache.SetView(metadataLocation, metadata, documentBytes);

    public override string Location(ViewMetadata metadata) => metadata.Location;

    public override StringMap Properties(ViewMetadata metadata) => metadata.Properties;

    public override int FormatVersion(ViewMetadata metadata) => metadata.FormatVersion;

    public override byte[] Write(ViewMetadata metadata) => ViewMetadataJson.Write(metadata);

    public override string NextMetadataLocation(ViewMetadata metadata, string previousMetadataLocation) =>
        MetadataFiles.NextViewMetadataLocation(metadata, previousMetadataLocation);

    public override bool UseGzip(ViewMetadata metadata) => MetadataFiles.UseGzip(metadata);

    /// <summary>A view that did not change answers with its stored document, byte for byte.</summary>
    public override byte[]? UnchangedDocument(ViewMetadata current) => null;
}

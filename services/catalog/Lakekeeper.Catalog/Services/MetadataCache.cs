using Lakekeeper.Iceberg;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Parsed metadata and derived documents per metadata location. A location names one immutable
/// file, so entries never go stale; they only age out of the size-bounded cache. Commits use it to
/// skip re-parsing, and <c>snapshots=refs</c> loads to skip filtering and re-writing.
/// </summary>
internal sealed class MetadataCache : IDisposable
{
    private readonly MemoryCache _cache;

    public MetadataCache(IOptions<CatalogOptions> options)
    {
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.MetadataCacheMegabytes) * 1024L * 1024L });
    }

    public TableMetadata? GetTable(string metadataLocation) => _cache.Get<TableMetadata>(("table", metadataLocation));

    public ViewMetadata? GetView(string metadataLocation) => _cache.Get<ViewMetadata>(("view", metadataLocation));

    /// <param name="documentBytes">Size of the JSON document; parsed objects cost a few times more.</param>
    public void SetTable(string metadataLocation, TableMetadata metadata, long documentBytes) =>
        _cache.Set(("table", metadataLocation), metadata, new MemoryCacheEntryOptions { Size = documentBytes * 3 });

    public void SetView(string metadataLocation, ViewMetadata metadata, long documentBytes) =>
        _cache.Set(("view", metadataLocation), metadata, new MemoryCacheEntryOptions { Size = documentBytes * 3 });

    /// <summary>The <c>snapshots=refs</c> document of a table version if it was written before.</summary>
    public byte[]? CachedRefsDocument(string metadataLocation) => _cache.Get<byte[]>(("refs", metadataLocation));

    /// <summary>The <c>snapshots=refs</c> document of a table version, written once.</summary>
    public byte[] RefsDocument(string metadataLocation, TableMetadata metadata) =>
        _cache.GetOrCreate(("refs", metadataLocation), entry =>
        {
            var bytes = TableMetadataJson.Write(metadata.WithReferencedSnapshotsOnly());
            entry.Size = bytes.Length;
            return bytes;
        })!;

    /// <summary>Parsed table metadata for a stored document, from the cache or parsed now.</summary>
    public Result<TableMetadata> Table(string metadataLocation, ReadOnlySpan<byte> document)
    {
        if (GetTable(metadataLocation) is { } cached)
        {
            return cached;
        }

        var parsed = TableMetadataJson.Parse(document);
        if (parsed.IsSuccess)
        {
            SetTable(metadataLocation, parsed.Value, document.Length);
        }

        return parsed;
    }

    public Result<ViewMetadata> View(string metadataLocation, ReadOnlySpan<byte> document)
    {
        if (GetView(metadataLocation) is { } cached)
        {
            return cached;
        }

        var parsed = ViewMetadataJson.Parse(document);
        if (parsed.IsSuccess)
        {
            SetView(metadataLocation, parsed.Value, document.Length);
        }

        return parsed;
    }

    public void Dispose() => _cache.Dispose();
}

using System.Diagnostics.CodeAnalysis;

namespace Lakekeeper.Storage.Locations;

/// <summary>
/// Where a table or view lives when the client does not choose: <c>&lt;warehouse base&gt;/&lt;namespace
/// levels&gt;/&lt;name&gt;</c>, each name escaped with <see cref="LocationNames.Escape"/>, and with
/// <c>unique</c> a <c>-&lt;id&gt;</c> suffix (the table's UUID, 32 hex digits):
/// <c>s3://bucket/wh/sales/eu/orders-0195f0c4b3a87c1d9e2f3a4b5c6d7e8f</c>.
/// </summary>
/// <remarks>
/// The unique suffix is the default (<c>LAKEKEEPER__STORAGE__UNIQUETABLELOCATION=true</c>): a table keeps
/// its location for life, so after a rename, a namespace move, or a drop with soft delete, a new table
/// with the old name would otherwise get the same location as files that still exist, and the
/// overlap check would refuse it (or, without the check, two tables would share files). The id
/// suffix makes every default location distinct while keeping the path readable.
/// </remarks>
public static class TableLocations
{
    /// <summary>The default location for a table or view; see the type remarks.</summary>
    public static bool TryDefault(
        StorageLocation warehouseBase,
        IReadOnlyList<string> namespaceLevels,
        string name,
        Guid tabularId,
        bool unique,
        [NotNullWhen(true)] out StorageLocation? location,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(warehouseBase);
        ArgumentNullException.ThrowIfNull(namespaceLevels);
        location = null;
        if (namespaceLevels.Count == 0)
        {
            error = "a table needs a namespace";
            return false;
        }

        if (string.IsNullOrEmpty(name))
        {
            error = "a table name cannot be empty";
            return false;
        }

        var segments = new string[namespaceLevels.Count + 1];
        for (var i = 0; i < namespaceLevels.Count; i++)
        {
            segments[i] = namespaceLevels[i];
        }

        segments[^1] = name;
        if (!warehouseBase.TryJoin(segments, out var named, out error))
        {
            return false;
        }

        if (!unique)
        {
            location = named;
            return true;
        }

        var last = named.Name + "-" + tabularId.ToString("N");
        return named.Parent!.TryAppendPath(last, out location, out error);
    }

    /// <summary>
    /// The default location for a table or view in a warehouse whose profile has a <see cref="StorageLayout"/>:
    /// <c>&lt;base&gt;/&lt;namespace segments&gt;/&lt;table segment&gt;</c>, the segments rendered from the
    /// layout's templates. <paramref name="namespacePath"/> lists the namespace levels from the top, each
    /// with its id; only <c>full-hierarchy</c> uses it (ids are read only when its template has
    /// <c>{uuid}</c>, see <see cref="StorageLayout.NeedsNamespaceIds"/>).
    /// </summary>
    public static bool TryFromLayout(
        StorageLocation warehouseBase,
        StorageLayout layout,
        IReadOnlyList<NamespaceSegment> namespacePath,
        string name,
        Guid tabularId,
        [NotNullWhen(true)] out StorageLocation? location,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(warehouseBase);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(namespacePath);
        location = null;
        if (string.IsNullOrEmpty(name))
        {
            error = "a table name cannot be empty";
            return false;
        }

        var segments = new List<string>(namespacePath.Count + 1);
        if (layout.Type == StorageLayout.FullHierarchyType)
        {
            if (namespacePath.Count == 0)
            {
                error = "a table needs a namespace";
                return false;
            }

            foreach (var level in namespacePath)
            {
                if (string.IsNullOrEmpty(level.Name))
                {
                    error = "a namespace level cannot be empty";
                    return false;
                }

                segments.Add(StorageLayout.Render(layout.NamespaceTemplate!, level.Name, level.Id));
            }
        }

        segments.Add(StorageLayout.Render(layout.EffectiveTabularTemplate, name, tabularId));
        // Templates are checked when the profile is stored; a stored one that slipped through is refused here.
        if (segments.Exists(s => s.Contains('/', StringComparison.Ordinal) || s.AsSpan().IndexOfAnyExcept('.') < 0))
        {
            error = "the storage layout renders an invalid path segment";
            return false;
        }

        return warehouseBase.TryAppendPath(string.Join('/', segments), out location, out error);
    }

    /// <summary>
    /// A new metadata file location under a table: <c>&lt;table&gt;/metadata/&lt;version:D5&gt;-&lt;uuid&gt;.metadata.json</c>,
    /// the file name Iceberg's own catalogs use.
    /// </summary>
    public static StorageLocation MetadataFile(StorageLocation tableLocation, long version, Guid fileId)
    {
        ArgumentNullException.ThrowIfNull(tableLocation);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        var name = version.ToString("D5", System.Globalization.CultureInfo.InvariantCulture) + "-" +
            fileId.ToString("D") + ".metadata.json";
        return tableLocation.AppendPath("metadata/" + name);
    }
}

/// <summary>One namespace level for <see cref="TableLocations.TryFromLayout"/>: its own name (not the whole path) and id.</summary>
public readonly record struct NamespaceSegment(string Name, Guid Id);

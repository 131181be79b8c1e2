using Lakekeeper.Catalog.Http;

namespace Lakekeeper.Catalog.Services;

// What the catalog's services answer with: domain values, never HTTP. The HTTP layer
// (Http/Renderings.cs) turns them into responses; failures are IcebergErrors inside Result<T>.

/// <summary>A change or check that succeeded and has nothing to return.</summary>
internal readonly record struct Done;

/// <summary>A namespace and its properties.</summary>
internal sealed record NamespaceDescription(IReadOnlyList<string> Levels, IReadOnlyDictionary<string, string> Properties);

/// <summary>A page of namespaces: up to one row more than the page, to tell whether another follows.</summary>
internal sealed record NamespacePage(IReadOnlyList<(IReadOnlyList<string> Name, string Key)> Rows, Paging Paging);

/// <summary>A page of table or view names in one namespace (up to one row more than the page).</summary>
internal sealed record IdentifierPage(IReadOnlyList<string> Namespace, IReadOnlyList<(string Name, string Key)> Rows, Paging Paging);

/// <summary>What an update of namespace properties did.</summary>
internal sealed record PropertiesUpdate(IReadOnlyCollection<string> Updated, IReadOnlyList<string> Removed, IReadOnlyList<string> Missing);

/// <summary>
/// A table's or view's metadata document as it now stands, and the file it is stored in (null for a
/// staged create, which writes nothing).
/// </summary>
internal sealed record MetadataDocument(string? MetadataLocation, ReadOnlyMemory<byte> Document)
{
    /// <summary>Set when this request registered a new table: what data access is computed for (never stored with an idempotent answer).</summary>
    public CreatedTable? Created { get; init; }
}

/// <summary>A table this request created: its id, location and name.</summary>
internal sealed record CreatedTable(Persistence.Model.TabularId Id, string Location, Lakekeeper.Iceberg.TableIdentifier Identifier);

/// <summary>
/// A table load: the document (all snapshots or only the referenced ones) with its version tag, or
/// only the tag when the client already holds that version.
/// </summary>
/// <remarks><see cref="Access"/>: the data access the answer carries (null for a 304).</remarks>
internal sealed record TableLoad(string MetadataLocation, ReadOnlyMemory<byte> Document, string ETag, bool NotModified)
{
    public Delegation.DelegatedAccess? Access { get; init; }
}

using Lakekeeper.Catalog.Http;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;

namespace Lakekeeper.Catalog.Services;

// What the catalog's services answer with: domain values, never HTTP. The HTTP layer
// (Http/Renderings.cs) turns them into responses; failures are IcebergErrors inside Result<T>.

/// <summary>A change or check that succeeded and has nothing to return.</summary>
internal readonly record struct Done;

/// <summary>A namespace and its properties, and its id when known (Lakekeeper's <c>returnUuid</c>).</summary>
internal sealed record NamespaceDescription(IReadOnlyList<string> Levels, IReadOnlyDictionary<string, string> Properties, NamespaceId? Id = null);

/// <summary>A page of namespaces: up to one row more than the page, to tell whether another follows.</summary>
internal sealed record NamespacePage(IReadOnlyList<NamespaceListItem> Rows, Paging Paging);

/// <summary>A page of table or view names in one namespace (up to one row more than the page).</summary>
internal sealed record IdentifierPage(IReadOnlyList<string> Namespace, IReadOnlyList<TabularListItem> Rows, Paging Paging);

/// <summary>
/// Lakekeeper's listing extensions: <c>returnUuids</c> adds the ids (<c>namespace-uuids</c> or
/// <c>table-uuids</c>), <c>returnProtectionStatus</c> the protection flags (<c>protection-status</c>),
/// each an array in the order of the listed items.
/// </summary>
internal readonly record struct ListingExtras(bool Uuids, bool ProtectionStatus);

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

using System.Text.Json;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Iceberg;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// The HTTP layer's half of every catalog answer: the services return domain values, these render
/// them as Iceberg REST bodies, status and headers. Mutations render to a <see cref="CatalogResponse"/>
/// (bytes that an Idempotency-Key record can store and replay); reads may stream.
/// </summary>
internal static class Render
{
    /// <summary>Views have no storage config to hand out (an empty <c>config</c> object).</summary>
    private static readonly Dictionary<string, string> NoConfig = [];

    public static IResult Error(IcebergError error) => CatalogResponse.Error(error);

    /// <summary>204.</summary>
    public static CatalogResponse NoContent(Done _) => CatalogResponse.NoContent;

    public static CatalogResponse Namespace(NamespaceDescription ns) => Namespace(ns, withUuid: false);

    /// <summary>A namespace; with <paramref name="withUuid"/> also its id (<c>namespace-uuid</c>, Lakekeeper's <c>returnUuid</c>).</summary>
    public static CatalogResponse Namespace(NamespaceDescription ns, bool withUuid) =>
        CatalogResponse.Json(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStringArray("namespace", ns.Levels);
            w.WriteStringMap("properties", ns.Properties);
            if (withUuid && ns.Id is { } id)
            {
                w.WriteString("namespace-uuid", id.Value);
            }

            w.WriteEndObject();
        }));

    public static CatalogResponse Namespaces(NamespacePage page) => Namespaces(page, default);

    public static CatalogResponse Namespaces(NamespacePage page, ListingExtras extras) =>
        Page("namespaces", page.Rows, page.Paging, static (w, row) => w.WriteStringArray(row.Name), static row => row.Key,
            extras, "namespace-uuids", static row => (row.Id.Value, row.Protected));

    /// <summary>The <c>ListTablesResponse</c> body shared by table and view listings.</summary>
    public static CatalogResponse Identifiers(IdentifierPage page) => Identifiers(page, default);

    /// <summary>
    /// The <c>ListTablesResponse</c> body; the ids go to <c>table-uuids</c> for views too (Lakekeeper
    /// answers both listings with one response type).
    /// </summary>
    public static CatalogResponse Identifiers(IdentifierPage page, ListingExtras extras) =>
        Page("identifiers", page.Rows, page.Paging, (w, row) =>
        {
            w.WriteStartObject();
            w.WriteStringArray("namespace", page.Namespace);
            w.WriteString("name", row.Name);
            w.WriteEndObject();
        }, static row => row.Key, extras, "table-uuids", static row => (row.Id.Value, row.Protected));

    public static CatalogResponse PropertiesUpdate(PropertiesUpdate update) =>
        CatalogResponse.Json(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStringArray("updated", update.Updated);
            w.WriteStringArray("removed", update.Removed);
            w.WriteStringArray("missing", update.Missing);
            w.WriteEndObject();
        }));

    /// <summary>
    /// <c>LoadTableResult</c> of a create or register: the warehouse's client config, the (empty)
    /// storage credentials, and an ETag once the table has a metadata file (a staged create has none).
    /// </summary>
    public static Func<MetadataDocument, CatalogResponse> TableForClient(WarehouseContext warehouse) => table =>
        CatalogResponse.Json(LoadResults.Body(table.MetadataLocation, table.Document.Span, warehouse.ClientConfig, storageCredentials: true),
            table.MetadataLocation is null ? null : VersionTags.Of(table.MetadataLocation, "all"));

    /// <summary><c>LoadTableResult</c> of a commit (updateTable, also a create through assert-create): no config, no credentials.</summary>
    public static CatalogResponse TableCommitted(MetadataDocument table) =>
        CatalogResponse.Json(LoadResults.Body(table.MetadataLocation, table.Document.Span, config: null, storageCredentials: false),
            VersionTags.Of(table.MetadataLocation!, "all"));

    /// <summary>loadTable: the stored document spliced into the response without a copy, or 304.</summary>
    public static Func<TableLoad, IResult> TableLoaded(WarehouseContext warehouse) => load =>
    {
        if (load.NotModified)
        {
            return new NotModifiedResult(load.ETag);
        }

        var (prefix, suffix) = LoadResults.Frame(load.MetadataLocation, warehouse.ClientConfig, storageCredentials: true, load.Access);
        return new LoadResult(prefix, load.Document, suffix, load.ETag);
    };

    /// <summary>
    /// A created table with the data access decided for this request (never the recorded idempotent
    /// answer, which holds no credentials).
    /// </summary>
    public static CatalogResponse TableCreated(MetadataDocument table, Delegation.DelegatedAccess access, string? etag) =>
        CatalogResponse.Json(LoadResults.Body(table.MetadataLocation, table.Document.Span, null, storageCredentials: true, access), etag);

    /// <summary><c>LoadCredentialsResponse</c>: the vended credential, or none (a warehouse's own key never).</summary>
    public static CatalogResponse StorageCredentials(Delegation.StorageCredentialEntry? credential) =>
        CatalogResponse.Json(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("storage-credentials");
            if (credential is not null)
            {
                LoadResults.WriteCredential(w, credential);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));

    /// <summary><c>LoadViewResult</c> of loadView, with its ETag.</summary>
    public static CatalogResponse ViewLoaded(MetadataDocument view) =>
        CatalogResponse.Json(LoadResults.Body(view.MetadataLocation, view.Document.Span, NoConfig, storageCredentials: false),
            VersionTags.Of(view.MetadataLocation!, "view"));

    /// <summary><c>LoadViewResult</c> of createView, replaceView and registerView.</summary>
    public static CatalogResponse ViewWritten(MetadataDocument view) =>
        CatalogResponse.Json(LoadResults.Body(view.MetadataLocation, view.Document.Span, NoConfig, storageCredentials: false));

    /// <summary>
    /// One page of a listing: the rows (the service fetched one more than the page, to know whether
    /// another follows) and <c>next-page-token</c> only when the client pages: the key of the last row
    /// sent, or null on the last page.
    /// </summary>
    private static CatalogResponse Page<TRow>(
        string name, IReadOnlyList<TRow> rows, Paging paging, Action<Utf8JsonWriter, TRow> writeRow, Func<TRow, string> key,
        ListingExtras extras, string uuidsName, Func<TRow, (Guid Id, bool Protected)> extra)
    {
        var more = rows.Count > paging.Limit;
        var count = more ? paging.Limit : rows.Count;
        return CatalogResponse.Json(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray(name);
            for (var i = 0; i < count; i++)
            {
                writeRow(w, rows[i]);
            }

            w.WriteEndArray();
            if (extras.Uuids)
            {
                w.WriteStartArray(uuidsName);
                for (var i = 0; i < count; i++)
                {
                    w.WriteStringValue(extra(rows[i]).Id);
                }

                w.WriteEndArray();
            }

            if (extras.ProtectionStatus)
            {
                w.WriteStartArray("protection-status");
                for (var i = 0; i < count; i++)
                {
                    w.WriteBooleanValue(extra(rows[i]).Protected);
                }

                w.WriteEndArray();
            }
            if (paging.Paginated)
            {
                if (more)
                {
                    w.WriteString("next-page-token", paging.Token(key(rows[count - 1])));
                }
                else
                {
                    w.WriteNull("next-page-token");
                }
            }

            w.WriteEndObject();
        }));
    }
}

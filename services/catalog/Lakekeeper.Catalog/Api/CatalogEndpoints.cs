namespace Lakekeeper.Catalog.Api;

/// <summary>
/// Every Iceberg REST route this catalog serves, as advertised in <c>/v1/config</c> (clients refuse
/// calls that are not listed, so this list and the mapped routes must agree; a test checks it).
/// </summary>
internal static class CatalogEndpoints
{
    /// <summary>
    /// The spec's per-table sign route, served by the signer module (the gateway sends it there):
    /// advertised only for warehouses with remote signing on.
    /// </summary>
    public const string SignTable = "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/sign";

    public static IReadOnlyList<string> Advertised { get; } =
    [
        "GET /v1/{prefix}/namespaces",
        "POST /v1/{prefix}/namespaces",
        "GET /v1/{prefix}/namespaces/{namespace}",
        "HEAD /v1/{prefix}/namespaces/{namespace}",
        "DELETE /v1/{prefix}/namespaces/{namespace}",
        "POST /v1/{prefix}/namespaces/{namespace}/properties",
        "GET /v1/{prefix}/namespaces/{namespace}/tables",
        "POST /v1/{prefix}/namespaces/{namespace}/tables",
        "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials",
        "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics",
        "POST /v1/{prefix}/namespaces/{namespace}/register",
        "POST /v1/{prefix}/tables/rename",
        "POST /v1/{prefix}/transactions/commit",
        "GET /v1/{prefix}/namespaces/{namespace}/views",
        "POST /v1/{prefix}/namespaces/{namespace}/views",
        "GET /v1/{prefix}/namespaces/{namespace}/views/{view}",
        "HEAD /v1/{prefix}/namespaces/{namespace}/views/{view}",
        "POST /v1/{prefix}/namespaces/{namespace}/views/{view}",
        "DELETE /v1/{prefix}/namespaces/{namespace}/views/{view}",
        "POST /v1/{prefix}/views/rename",
        "POST /v1/{prefix}/namespaces/{namespace}/register-view",
    ];

    /// <summary>The advertised routes with the settings' optional ones.</summary>
    public static IReadOnlyList<string> For(CatalogOptions options) => options.EventsApi ? [.. Advertised, EventsApi.Route] : Advertised;
}

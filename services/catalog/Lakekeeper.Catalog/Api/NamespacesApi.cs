using Lakekeeper.Catalog.Http;
using Lakekeeper.Catalog.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Api;

internal static class NamespacesApi
{
    public static void MapNamespacesApi(this RouteGroupBuilder catalog)
    {
        catalog.MapBoth("GET", "namespaces", ListNamespaces);
        catalog.MapBoth("POST", "namespaces", CreateNamespace);
        catalog.MapBoth("GET", "namespaces/{namespace}", LoadNamespace);
        catalog.MapBoth("HEAD", "namespaces/{namespace}", NamespaceExists);
        catalog.MapBoth("DELETE", "namespaces/{namespace}", DropNamespace);
        catalog.MapBoth("POST", "namespaces/{namespace}/properties", UpdateProperties);
    }

    private static Task<IResult> ListNamespaces(HttpContext context, NamespaceService namespaces, IOptions<CatalogOptions> options) =>
        CatalogRequest.ReadAsync(context, warehouse =>
        {
            var query = context.Request.Query;
            var paging = Paging.From(query.ContainsKey("pageToken") ? query["pageToken"].ToString() : null,
                query.ContainsKey("pageSize") ? query["pageSize"].ToString() : null, options.Value);
            return paging.IsFailure
                ? Task.FromResult(CatalogResponse.Error(paging.Error))
                : namespaces.ListAsync(warehouse, query.ContainsKey("parent") ? query["parent"].ToString() : null, paging.Value, context.RequestAborted);
        });

    private static Task<IResult> CreateNamespace(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.MutateAsync(context, "createNamespace",
            (warehouse, body, idempotency) => namespaces.CreateAsync(warehouse, body, idempotency, context.RequestAborted));

    private static Task<IResult> LoadNamespace(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.ReadAsync(context, warehouse => namespaces.LoadAsync(warehouse, CatalogRequest.Namespace(context), headOnly: false, context.RequestAborted));

    private static Task<IResult> NamespaceExists(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.ReadAsync(context, warehouse => namespaces.LoadAsync(warehouse, CatalogRequest.Namespace(context), headOnly: true, context.RequestAborted));

    private static Task<IResult> DropNamespace(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.MutateAsync(context, "dropNamespace",
            (warehouse, _, idempotency) => namespaces.DropAsync(warehouse, CatalogRequest.Namespace(context), idempotency, context.RequestAborted));

    private static Task<IResult> UpdateProperties(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.MutateAsync(context, "updateProperties",
            (warehouse, body, idempotency) => namespaces.UpdatePropertiesAsync(warehouse, CatalogRequest.Namespace(context), body, idempotency, context.RequestAborted));
}

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
        CatalogRequest.ReadAsync(context, async warehouse =>
        {
            var query = context.Request.Query;
            var paging = TablesApi.PagingFrom(context, options.Value);
            return paging.IsFailure
                ? paging.Error
                : await namespaces.ListAsync(warehouse, query.ContainsKey("parent") ? query["parent"].ToString() : null, paging.Value, context.RequestAborted);
        }, Render.Namespaces);

    private static Task<IResult> CreateNamespace(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.MutateAsync<NamespaceDescription>(context, "createNamespace",
            (warehouse, body, completion) => namespaces.CreateAsync(warehouse, body, completion, context.RequestAborted), Render.Namespace);

    private static Task<IResult> LoadNamespace(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.ReadAsync(context, warehouse => namespaces.LoadAsync(warehouse, CatalogRequest.Namespace(context), context.RequestAborted), Render.Namespace);

    private static Task<IResult> NamespaceExists(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.ReadAsync(context, warehouse => namespaces.LoadAsync(warehouse, CatalogRequest.Namespace(context), context.RequestAborted),
            static (NamespaceDescription _) => CatalogResponse.NoContent);

    private static Task<IResult> DropNamespace(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.MutateAsync<Done>(context, "dropNamespace",
            (warehouse, _, completion) => namespaces.DropAsync(warehouse, CatalogRequest.Namespace(context), completion, context.RequestAborted), Render.NoContent);

    private static Task<IResult> UpdateProperties(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.MutateAsync<PropertiesUpdate>(context, "updateProperties",
            (warehouse, body, completion) => namespaces.UpdatePropertiesAsync(warehouse, CatalogRequest.Namespace(context), body, completion, context.RequestAborted),
            Render.PropertiesUpdate);
}

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

    /// <summary>listNamespaces, with Lakekeeper's <c>returnUuids</c> and <c>returnProtectionStatus</c>.</summary>
    private static Task<IResult> ListNamespaces(HttpContext context, NamespaceService namespaces, IOptions<CatalogOptions> options)
    {
        var extras = CatalogRequest.Extras(context);
        return CatalogRequest.ReadAsync(context, async warehouse =>
        {
            if (extras.IsFailure)
            {
                return extras.Error;
            }

            var query = context.Request.Query;
            var paging = TablesApi.PagingFrom(context, options.Value);
            return paging.IsFailure
                ? paging.Error
                : await namespaces.ListAsync(warehouse, query.ContainsKey("parent") ? query["parent"].ToString() : null, paging.Value, context.RequestAborted);
        }, page => Render.Namespaces(page, extras.Value));
    }

    private static Task<IResult> CreateNamespace(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.MutateAsync<NamespaceDescription>(context, "createNamespace",
            (warehouse, body, completion) => namespaces.CreateAsync(warehouse, body, completion, context.RequestAborted), Render.Namespace);

    /// <summary>loadNamespaceMetadata, with Lakekeeper's <c>returnUuid</c> (adds <c>namespace-uuid</c>).</summary>
    private static Task<IResult> LoadNamespace(HttpContext context, NamespaceService namespaces)
    {
        var withUuid = CatalogRequest.Flag(context, "returnUuid");
        return CatalogRequest.ReadAsync(context,
            async warehouse => withUuid.IsFailure ? withUuid.Error : await namespaces.LoadAsync(warehouse, CatalogRequest.Namespace(context), context.RequestAborted),
            ns => Render.Namespace(ns, withUuid.Value));
    }

    private static Task<IResult> NamespaceExists(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.ReadAsync(context, warehouse => namespaces.LoadAsync(warehouse, CatalogRequest.Namespace(context), context.RequestAborted),
            static (NamespaceDescription _) => CatalogResponse.NoContent);

    /// <summary>dropNamespace, with Lakekeeper's <c>recursive</c>, <c>force</c> and <c>purge</c>.</summary>
    private static Task<IResult> DropNamespace(HttpContext context, NamespaceService namespaces)
    {
        var recursive = CatalogRequest.Flag(context, "recursive");
        var force = CatalogRequest.Flag(context, "force");
        var purge = CatalogRequest.Flag(context, "purge");
        if (CatalogRequest.FirstError(recursive, force, purge) is { } invalid)
        {
            return Task.FromResult(Render.Error(invalid));
        }

        return CatalogRequest.MutateAsync<Done>(context, "dropNamespace",
            (warehouse, _, completion) => namespaces.DropAsync(warehouse, CatalogRequest.Namespace(context), recursive.Value, force.Value, purge.Value,
                completion, context.RequestAborted),
            Render.NoContent);
    }

    private static Task<IResult> UpdateProperties(HttpContext context, NamespaceService namespaces) =>
        CatalogRequest.MutateAsync<PropertiesUpdate>(context, "updateProperties",
            (warehouse, body, completion) => namespaces.UpdatePropertiesAsync(warehouse, CatalogRequest.Namespace(context), body, completion, context.RequestAborted),
            Render.PropertiesUpdate);
}

using Lakekeeper.Catalog.Http;
using Lakekeeper.Catalog.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Api;

internal static class ViewsApi
{
    public static void MapViewsApi(this RouteGroupBuilder catalog)
    {
        catalog.MapBoth("GET", "namespaces/{namespace}/views", ListViews);
        catalog.MapBoth("POST", "namespaces/{namespace}/views", CreateView);
        catalog.MapBoth("POST", "namespaces/{namespace}/register-view", RegisterView);
        catalog.MapBoth("GET", "namespaces/{namespace}/views/{view}", LoadView);
        catalog.MapBoth("HEAD", "namespaces/{namespace}/views/{view}", ViewExists);
        catalog.MapBoth("POST", "namespaces/{namespace}/views/{view}", ReplaceView);
        catalog.MapBoth("DELETE", "namespaces/{namespace}/views/{view}", DropView);
        catalog.MapBoth("POST", "views/rename", RenameView);
    }

    private static Task<IResult> ListViews(HttpContext context, ViewService views, IOptions<CatalogOptions> options)
    {
        var extras = CatalogRequest.Extras(context);
        return CatalogRequest.ReadAsync(context, async warehouse =>
        {
            if (extras.IsFailure)
            {
                return extras.Error;
            }

            var paging = TablesApi.PagingFrom(context, options.Value);
            return paging.IsFailure
                ? paging.Error
                : await views.ListAsync(warehouse, CatalogRequest.Namespace(context), paging.Value, context.RequestAborted);
        }, page => Render.Identifiers(page, extras.Value));
    }

    // createView takes no Idempotency-Key in the spec; it is honoured anyway when sent.
    private static Task<IResult> CreateView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync<MetadataDocument>(context, "createView",
            (warehouse, body, completion) => views.CreateAsync(warehouse, CatalogRequest.Namespace(context), body, completion, context.RequestAborted), Render.ViewWritten);

    private static Task<IResult> RegisterView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync<MetadataDocument>(context, "registerView",
            (warehouse, body, completion) => views.RegisterAsync(warehouse, CatalogRequest.Namespace(context), body, completion, context.RequestAborted), Render.ViewWritten);

    private static Task<IResult> LoadView(HttpContext context, ViewService views) =>
        CatalogRequest.ReadAsync(context, warehouse => views.LoadAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), context.RequestAborted),
            Render.ViewLoaded);

    private static Task<IResult> ViewExists(HttpContext context, ViewService views) =>
        CatalogRequest.ReadAsync(context, warehouse => views.ExistsAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), context.RequestAborted),
            Render.NoContent);

    private static Task<IResult> ReplaceView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync<MetadataDocument>(context, "replaceView",
            (warehouse, body, completion) => views.ReplaceAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), body, completion, context.RequestAborted),
            Render.ViewWritten);

    /// <summary>dropView; Lakekeeper's <c>force</c> drops a protected view, and drops at once under a soft delete profile.</summary>
    private static Task<IResult> DropView(HttpContext context, ViewService views)
    {
        var force = CatalogRequest.Flag(context, "force");
        if (force.IsFailure)
        {
            return Task.FromResult(Render.Error(force.Error));
        }

        return CatalogRequest.MutateAsync<Done>(context, "dropView",
            (warehouse, _, completion) => views.DropAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), force.Value, completion,
                context.RequestAborted),
            Render.NoContent);
    }

    private static Task<IResult> RenameView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync<Done>(context, "renameView",
            (warehouse, body, completion) => views.RenameAsync(warehouse, body, completion, context.RequestAborted), Render.NoContent);
}

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

    private static Task<IResult> ListViews(HttpContext context, ViewService views, IOptions<CatalogOptions> options) =>
        CatalogRequest.ReadAsync(context, warehouse =>
        {
            var paging = TablesApi.PagingFrom(context, options.Value);
            return paging.IsFailure
                ? Task.FromResult(CatalogResponse.Error(paging.Error))
                : views.ListAsync(warehouse, CatalogRequest.Namespace(context), paging.Value, context.RequestAborted);
        });

    // createView takes no Idempotency-Key in the spec; it is honoured anyway when sent.
    private static Task<IResult> CreateView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync(context, "createView",
            (warehouse, body, idempotency) => views.CreateAsync(warehouse, CatalogRequest.Namespace(context), body, idempotency, context.RequestAborted));

    private static Task<IResult> RegisterView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync(context, "registerView",
            (warehouse, body, idempotency) => views.RegisterAsync(warehouse, CatalogRequest.Namespace(context), body, idempotency, context.RequestAborted));

    private static Task<IResult> LoadView(HttpContext context, ViewService views) =>
        CatalogRequest.ReadAsync(context, warehouse => views.LoadAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), headOnly: false, context.RequestAborted));

    private static Task<IResult> ViewExists(HttpContext context, ViewService views) =>
        CatalogRequest.ReadAsync(context, warehouse => views.LoadAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), headOnly: true, context.RequestAborted));

    private static Task<IResult> ReplaceView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync(context, "replaceView",
            (warehouse, body, idempotency) => views.ReplaceAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), body, idempotency, context.RequestAborted));

    private static Task<IResult> DropView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync(context, "dropView",
            (warehouse, _, idempotency) => views.DropAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), idempotency, context.RequestAborted));

    private static Task<IResult> RenameView(HttpContext context, ViewService views) =>
        CatalogRequest.MutateAsync(context, "renameView",
            (warehouse, body, idempotency) => views.RenameAsync(warehouse, body, idempotency, context.RequestAborted));
}

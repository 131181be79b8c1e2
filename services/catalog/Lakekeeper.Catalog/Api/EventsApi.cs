using Lakekeeper.Catalog.Http;
using Lakekeeper.Catalog.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Catalog.Api;

/// <summary><c>POST /v1/{prefix}/events</c>: the change log (the Iceberg events proposal, apache/iceberg#12584).</summary>
internal static class EventsApi
{
    public const string Route = "POST /v1/{prefix}/events";

    public static void MapEventsApi(this RouteGroupBuilder catalog) => catalog.MapBoth("POST", "events", QueryEvents);

    private static Task<IResult> QueryEvents(HttpContext context, ChangeLogService changeLog) =>
        CatalogRequest.ReadAsync(context,
            async warehouse => await changeLog.QueryAsync(warehouse, await CatalogRequest.ReadBodyAsync(context.Request), context.RequestAborted),
            page => CatalogResponse.Json(ChangeLogRendering.Page(page)));
}

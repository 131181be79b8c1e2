using System.Globalization;
using Lakekeeper.Authz;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Persistence.Statistics;
using Lakekeeper.Security.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Management;

/// <summary>
/// Warehouse statistics (table and view counts per hour), the fuzzy search of tables and views, and
/// the endpoint statistics (requests per route, status and warehouse per hour).
/// </summary>
internal static class StatisticsApi
{
    private const string CanGetEndpointStatistics = "can_get_endpoint_statistics";
    private const int MaxSearchLength = 64;
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(1);
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    public static void MapStatisticsApi(this RouteGroupBuilder management)
    {
        management.MapGet("/warehouse/{warehouse_id:guid}/statistics", WarehouseStatistics)
            .WithTags("warehouse").WithName("get_warehouse_statistics")
            .WithSummary("Table and view counts over time, one entry per hour in which they changed, latest first");
        management.MapPost("/warehouse/{warehouse_id:guid}/search-tabular", SearchTabular).Accepts<SearchTabularRequest>("application/json")
            .WithTags("warehouse").WithName("search_tabular")
            .WithSummary("Fuzzy search of tables and views by name (up to 64 characters); a UUID finds that table or view, or the contents of that namespace");
        management.MapPost("/endpoint-statistics", EndpointStatistics).Accepts<GetEndpointStatisticsRequest>("application/json")
            .WithMetadata(ProjectScoped.Instance).WithTags("project").WithName("get_endpoint_statistics")
            .WithSummary("Requests of the project per route, status and warehouse, in hourly buckets, over a window of time");
    }

    private static async Task<Results<Ok<WarehouseStatisticsResponse>, ApiError>> WarehouseStatistics(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, [FromRoute(Name = "warehouse_id")] Guid warehouseId,
        [FromQuery(Name = "page_token")] string? pageToken, [FromQuery(Name = "page_size")] long? pageSize)
    {
        if (pageSize is < 1)
        {
            return ManagementErrors.BadRequest("page_size must be a positive whole number");
        }

        DateTimeOffset? before = null;
        var scope = ManagementPaging.QueryScope(context);
        if (!ManagementPaging.TryOpen(scope, pageToken, out var key))
        {
            return ManagementErrors.BadRequest("page_token is not a token this server issued for this listing");
        }

        if (key is not null)
        {
            if (!long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks <= 0 || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return ManagementErrors.BadRequest("page_token is not a token this server issued for this listing");
            }

            before = new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        var (warehouse, error) = await WarehousesApi.AuthorizedAsync(context, warehouses, authorizer, warehouseId, Relations.CanGetMetadata);
        if (warehouse is null)
        {
            return error!;
        }

        var size = (int)Math.Min(pageSize ?? DefaultPageSize, MaxPageSize);
        var rows = await warehouses.StatisticsAsync(warehouse.Id, before, size + 1, context.RequestAborted);
        var page = rows.Take(size).ToList();
        var next = rows.Count > size ? scope.Seal(page[^1].Timestamp.UtcTicks.ToString(CultureInfo.InvariantCulture)) : null;
        return TypedResults.Ok(new WarehouseStatisticsResponse(
            warehouseId, [.. page.Select(r => new WarehouseStatistics(r.Timestamp, r.NumberOfTables, r.NumberOfViews, r.UpdatedAt))], next));
    }

    private static async Task<Results<Ok<SearchTabularResponse>, ApiError>> SearchTabular(
        HttpContext context, WarehouseRepository warehouses, TabularSearchRepository search, IAuthorizer authorizer,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.SearchTabularRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.Search is null || body.Search.Any(char.IsControl))
        {
            return ManagementErrors.BadRequest("search is required: a string without control characters (up to 64 are used)");
        }

        var (warehouse, denied) = await WarehousesApi.AuthorizedAsync(context, warehouses, authorizer, warehouseId, Relations.CanListEverything);
        if (warehouse is null)
        {
            return denied!;
        }

        var text = body.Search.Length > MaxSearchLength ? body.Search[..MaxSearchLength] : body.Search;
        var hits = await search.SearchAsync(warehouse.Id, text, context.RequestAborted);
        var visible = hits.Count == 0
            ? []
            : await authorizer.BatchCheckAsync(ManagementHttp.Caller(context),
                [.. hits.Select(h => new CheckItem(h.Type == TabularType.View ? AuthzObject.View(h.Id.ToString()) : AuthzObject.Table(h.Id.ToString()), Relations.CanIncludeInList))],
                context.RequestAborted);
        return TypedResults.Ok(new SearchTabularResponse([.. hits.Where((_, i) => visible[i]).Select(h => new SearchTabular(
            h.Namespace, h.Name, new TabularIdentUuid(h.Type == TabularType.View ? "view" : "table", h.Id.Value), h.Distance))]));
    }

    private static async Task<Results<Ok<EndpointStatisticsResponse>, ApiError>> EndpointStatistics(
        HttpContext context, EndpointStatisticsRepository statistics, IAuthorizer authorizer, TimeProvider time)
    {
        if (ManagementHttp.Project(context, out var projectError) is not { } project)
        {
            return projectError!;
        }

        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.GetEndpointStatisticsRequest);
        if (body is null)
        {
            return error!;
        }

        WarehouseFilter filter;
        switch (body.Warehouse)
        {
            case null:
                return ManagementErrors.BadRequest("warehouse is required: {\"type\":\"all\"}, {\"type\":\"unmapped\"} or {\"type\":\"warehouse-id\",\"id\":\"…\"}");
            case { Type: "all", Id: null }:
                filter = WarehouseFilter.Every;
                break;
            case { Type: "unmapped", Id: null }:
                filter = WarehouseFilter.Unmapped;
                break;
            case { Type: "warehouse-id", Id: { } id }:
                filter = WarehouseFilter.Of(id);
                break;
            case { Type: "warehouse-id" }:
                return ManagementErrors.BadRequest("warehouse: type 'warehouse-id' needs id");
            default:
                return ManagementErrors.BadRequest("warehouse: type must be 'all', 'unmapped' or 'warehouse-id' (id only with 'warehouse-id')");
        }

        if (body.StatusCodes?.FirstOrDefault(c => c is < 100 or > 599) is { } badCode and not 0)
        {
            return ManagementErrors.BadRequest($"status-codes: {badCode} is not an HTTP status");
        }

        // The filters are the body without its range: a window token works only with the filters it was issued for.
        var scope = ManagementPaging.BodyScope(context, body with { RangeSpecifier = null }, ManagementJsonContext.Default.GetEndpointStatisticsRequest);
        if (body.RangeSpecifier is { Type: "page-token", Token: { } given } && !scope.TryOpen(given, out _))
        {
            return ManagementErrors.BadRequest("range-specifier.token is not a token this server issued for this listing (the same warehouse and status-codes filters)");
        }

        if (ReadWindow(body.RangeSpecifier, time.GetUtcNow(), scope) is not { } window)
        {
            return ManagementErrors.BadRequest(
                "range-specifier must be {\"type\":\"window\",\"end\":<date-time>,\"interval\":<ISO 8601 duration up to P366D>} or {\"type\":\"page-token\",\"token\":<a token from a previous answer>}");
        }

        if (!await authorizer.CheckAsync(ManagementHttp.Caller(context), AuthzObject.Project(project.ToString()), CanGetEndpointStatistics, context.RequestAborted))
        {
            return ManagementErrors.NoSuchProject(project.Value);
        }

        var (end, interval) = window;
        var rows = await statistics.ListAsync(project, filter, body.StatusCodes, end - interval, end, context.RequestAborted);
        var buckets = rows.GroupBy(r => r.Timestamp).OrderBy(g => g.Key).ToList();
        return TypedResults.Ok(new EndpointStatisticsResponse(
            [.. buckets.Select(b => b.Key)],
            [.. buckets.Select(b => (IReadOnlyList<EndpointStatistic>)[.. b.Select(r =>
                new EndpointStatistic(r.Count, r.HttpRoute, r.StatusCode, r.WarehouseId, r.WarehouseName, r.CreatedAt, r.UpdatedAt))])],
            WindowToken(scope, end - interval, interval),
            WindowToken(scope, end + interval, interval)));
    }

    /// <summary>The window's end and length: explicit, from a page token, or the last day.</summary>
    private static (DateTimeOffset End, TimeSpan Interval)? ReadWindow(RangeSpecifier? range, DateTimeOffset now, PageTokenScope scope)
    {
        switch (range)
        {
            case null:
                return (now, DefaultWindow);
            case { Type: "window", End: { } end, Interval: { } text, Token: null }:
                TimeSpan interval;
                try
                {
                    interval = System.Xml.XmlConvert.ToTimeSpan(text);
                }
                catch (FormatException)
                {
                    return null;
                }

                return interval > TimeSpan.Zero && interval <= MaxWindow ? (end, interval) : null;
            case { Type: "page-token", Token: { } token, End: null, Interval: null }:
                var parts = scope.TryOpen(token, out var key) ? key.Split('|') : null;
                return parts is [var e, var i]
                    && long.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var endTicks)
                    && long.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var intervalTicks)
                    && endTicks <= DateTimeOffset.MaxValue.UtcTicks && intervalTicks > 0 && intervalTicks <= MaxWindow.Ticks && intervalTicks <= endTicks
                    ? (new DateTimeOffset(endTicks, TimeSpan.Zero), TimeSpan.FromTicks(intervalTicks))
                    : null;
            default:
                return null;
        }
    }

    private static string WindowToken(PageTokenScope scope, DateTimeOffset end, TimeSpan interval) =>
        scope.Seal(string.Create(CultureInfo.InvariantCulture, $"{Math.Clamp(end.UtcTicks, interval.Ticks, DateTimeOffset.MaxValue.UtcTicks)}|{interval.Ticks}"));
}

using System.Collections.Concurrent;
using System.Text;
using Lakekeeper.Abstractions.Statistics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Lakekeeper.ServiceDefaults.Statistics;

/// <summary>
/// Feeds the endpoint statistics: after each request to an API route (<c>/catalog/…</c>,
/// <c>/management/…</c>) it hands the route template, status, warehouse and project to
/// <see cref="IEndpointCallCounter"/>, which only counts in memory. Sits outside the error boundary,
/// so failures are counted with the status they were answered with. Added by
/// <c>UseServiceDefaults</c> when a module registered a counter.
/// </summary>
internal sealed class EndpointStatisticsMiddleware(RequestDelegate next, IEndpointCallCounter counter)
{
    private const string ProjectHeader = "x-project-id";
    private static readonly string[] WarehouseRouteValues = ["prefix", "warehouse_id"];

    // Per endpoint: "METHOD /template" (null: not an API route, not counted). Endpoints are few and live as long as the app.
    private readonly ConcurrentDictionary<Endpoint, string?> _routes = new();

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var route = endpoint is null ? null : _routes.GetOrAdd(endpoint, Describe);
        if (route is null)
        {
            await next(context);
            return;
        }

        // Read before the request runs: the error boundary clears route values when it answers.
        var warehouse = Warehouse(context);
        if (route[0] == '*')
        {
            route = context.Request.Method + route[1..];
        }

        try
        {
            await next(context);
        }
        catch
        {
            counter.Count(route, StatusCodes.Status500InternalServerError, warehouse, Project(context));
            throw;
        }

        counter.Count(route, context.Response.StatusCode, warehouse, Project(context));
    }

    private static string? Warehouse(HttpContext context)
    {
        var values = context.Request.RouteValues;
        foreach (var name in WarehouseRouteValues)
        {
            if (values.TryGetValue(name, out var value) && value is string text)
            {
                return text;
            }
        }

        return null;
    }

    private static string? Project(HttpContext context) =>
        context.Request.Headers.TryGetValue(ProjectHeader, out var value) ? value.ToString() : null;

    /// <summary><c>GET /catalog/v1/{prefix}/namespaces</c>: the method and the template without constraints; <c>*</c> when several methods share it.</summary>
    internal static string? Describe(Endpoint endpoint)
    {
        if (endpoint is not RouteEndpoint { RoutePattern: var pattern })
        {
            return null;
        }

        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                    RoutePatternSeparatorPart separator => separator.Content,
                    _ => string.Empty,
                });
            }
        }

        var template = path.ToString();
        if (!template.StartsWith("/catalog/", StringComparison.Ordinal) && !template.StartsWith("/management/", StringComparison.Ordinal))
        {
            return null;
        }

        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
        return methods is [var method] ? method + " " + template : "* " + template;
    }
}

using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.ServiceDefaults.Errors;

/// <summary>
/// The single-valued query parameters of these APIs (paging, <c>parent</c>, <c>snapshots</c>,
/// <c>purgeRequested</c>, <c>warehouse</c>, …) given twice (<c>?pageToken=a&amp;pageToken=b</c>) are a
/// 400, not a silent choice of one of them (or of both joined with a comma, as
/// <c>StringValues.ToString()</c> would read them). Array parameters (e.g. management's
/// <c>warehouseStatus</c>) may repeat.
/// </summary>
internal sealed class RepeatedQueryParameterMiddleware(RequestDelegate next)
{
    private static readonly HashSet<string> SingleValued = new(StringComparer.OrdinalIgnoreCase)
    {
        "pageToken", "pageSize", "parent", "snapshots", "purgeRequested", "warehouse", "dataAccess", "force", "projectId",
    };

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.QueryString.HasValue)
        {
            foreach (var (name, values) in context.Request.Query)
            {
                if (values.Count > 1 && SingleValued.Contains(name))
                {
                    return ErrorResponse.BadRequest($"The query parameter '{Shorten(name)}' is given {values.Count} times; it takes one value").WriteAsync(context);
                }
            }
        }

        return next(context);
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}

using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.ServiceDefaults.Errors;

/// <summary>
/// Every query parameter of these APIs takes one value; a parameter given twice
/// (<c>?pageToken=a&amp;pageToken=b</c>) is a 400, not a silent choice of one of them (or of both
/// joined with a comma, as <c>StringValues.ToString()</c> would read them).
/// </summary>
internal sealed class RepeatedQueryParameterMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.QueryString.HasValue)
        {
            foreach (var (name, values) in context.Request.Query)
            {
                if (values.Count > 1)
                {
                    return ErrorResponse.BadRequest($"The query parameter '{Shorten(name)}' is given {values.Count} times; it takes one value").WriteAsync(context);
                }
            }
        }

        return next(context);
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}

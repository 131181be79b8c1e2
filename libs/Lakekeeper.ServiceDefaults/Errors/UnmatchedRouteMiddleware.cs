using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.ServiceDefaults.Errors;

/// <summary>
/// Requests routing could not match, in the error contract: no route for the path is 404
/// <c>NotFoundException</c>; a path served for other methods is 405 <c>MethodNotAllowedException</c>
/// with the <c>Allow</c> header routing computed; a body of a type the endpoint does not accept is
/// 415 <c>UnsupportedMediaTypeException</c>. Runs after routing (which <c>WebApplication</c>
/// puts first), so the endpoint is known; everything else passes through untouched.
/// </summary>
internal sealed class UnmatchedRouteMiddleware(RequestDelegate next)
{
    // ASP.NET Core's endpoints for a path matched with another method (HttpMethodMatcherPolicy) and
    // for a body of a type the endpoint does not accept (AcceptsMatcherPolicy).
    private const string MethodNotSupportedEndpoint = "405 HTTP Method Not Supported";
    private const string UnsupportedMediaTypeEndpoint = "415 HTTP Unsupported Media Type";

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return new ErrorResponse(404, "NotFoundException", $"No route for request: {context.Request.Method} {context.Request.Path}").WriteAsync(context);
        }

        return endpoint.DisplayName switch
        {
            MethodNotSupportedEndpoint when endpoint.RequestDelegate is { } allow => MethodNotAllowedAsync(context, allow),
            UnsupportedMediaTypeEndpoint => new ErrorResponse(415, "UnsupportedMediaTypeException",
                "Unsupported content type: send the body as application/json").WriteAsync(context),
            _ => next(context),
        };
    }

    private static async Task MethodNotAllowedAsync(HttpContext context, RequestDelegate allow)
    {
        // Routing's own endpoint sets 405 and Allow; the body is ours.
        await allow(context);
        await new ErrorResponse(405, "MethodNotAllowedException", $"Method not allowed: {context.Request.Method} {context.Request.Path}").WriteAsync(context);
    }
}

using Lakekeeper.Abstractions.Http;
using Lakekeeper.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults.RequestBodies;

/// <summary>
/// Installs the body guard (<see cref="BufferedRequestBody"/>) on every request that can have a body,
/// except gRPC between services (framed binary, streamed), and gives the bytes back to the budget
/// when the response is done. Nothing is read here: the body is read when a handler asks for it.
/// </summary>
internal sealed class RequestBodyMiddleware(RequestDelegate next, RequestBodyBudget budget, IOptions<ServerOptions> options)
{
    private readonly long _maxBytes = options.Value.MaxRequestBodyBytes;
    private readonly long _maxStringBytes = options.Value.MaxJsonStringBytes;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }
            || request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var body = new BufferedRequestBody(request, request.Body, budget, _maxBytes, _maxStringBytes);
        var stream = new CheckedBodyStream(body);
        context.Features.Set<IRequestBodyFeature>(body);
        request.Body = stream;
        context.Features.Set<IRequestBodyPipeFeature>(new RequestBodyPipeFeature(context));
        try
        {
            await next(context);
        }
        finally
        {
            body.Release();
        }
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Lakekeeper.Gateway.Proxy;

/// <summary>
/// What the gateway adds to YARP's header handling on every route. YARP copies end-to-end headers,
/// drops the hop-by-hop ones it knows, replaces <c>Host</c> and propagates the trace context; on top:
/// <list type="bullet">
/// <item><c>X-Forwarded-For</c> appended, <c>-Proto</c>/<c>-Host</c>/<c>-Prefix</c> set (client values replaced), <c>Forwarded</c> removed;</item>
/// <item>headers named in <c>Connection</c> and the request's <c>Trailer</c> dropped (RFC 9110 §7.6.1), both directions;</item>
/// <item><c>X-Request-Id</c>: the id ServiceDefaults accepted or generated, sent up and present once on the response;</item>
/// <item><c>Via</c>: this gateway's entry (the loop guard's);</item>
/// <item>the exact request target (see <see cref="RequestTarget"/>).</item>
/// </list>
/// </summary>
internal sealed class GatewayTransforms(LoopGuard loopGuard) : ITransformProvider
{
    private const string RequestIdHeader = "X-Request-Id";

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddXForwardedFor(action: ForwardedTransformActions.Append);
        context.AddXForwardedProto(action: ForwardedTransformActions.Set);
        context.AddXForwardedHost(action: ForwardedTransformActions.Set);
        context.AddXForwardedPrefix(action: ForwardedTransformActions.Set);
        context.RequestTransforms.Add(new RequestHeaderRemoveTransform("Forwarded"));
        context.RequestTransforms.Add(new GatewayRequestTransform(loopGuard));
        context.ResponseTransforms.Add(new GatewayResponseTransform());
    }

    private sealed class GatewayRequestTransform(LoopGuard loopGuard) : RequestTransform
    {
        public override ValueTask ApplyAsync(RequestTransformContext context)
        {
            var http = context.HttpContext;
            var request = http.Request;
            var proxyRequest = context.ProxyRequest;

            if (request.Headers.Connection.Count > 0)
            {
                foreach (var name in request.Headers.GetCommaSeparatedValues(HeaderNames.Connection))
                {
                    RemoveHeader(context, name);
                }
            }

            RemoveHeader(context, HeaderNames.Trailer);

            RemoveHeader(context, RequestIdHeader);
            proxyRequest.Headers.TryAddWithoutValidation(RequestIdHeader, http.TraceIdentifier);

            var via = TakeHeader(context, HeaderNames.Via);
            var entry = loopGuard.EntryFor(request.Protocol);
            if (via.Count == 0)
            {
                proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Via, entry);
            }
            else
            {
                proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Via, [.. via, entry]);
            }

            var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
            if (RequestTarget.TrySelect(rawTarget, request.PathBase, out var target))
            {
                proxyRequest.RequestUri = RequestTarget.Create(context.DestinationPrefix, target);
            }

            return default;
        }
    }

    private sealed class GatewayResponseTransform : ResponseTransform
    {
        public override ValueTask ApplyAsync(ResponseTransformContext context)
        {
            var headers = context.HttpContext.Response.Headers;
            if (context.ProxyResponse is { } upstream && upstream.Headers.NonValidated.TryGetValues(HeaderNames.Connection, out var connection))
            {
                foreach (var value in connection)
                {
                    foreach (var name in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        headers.Remove(name);
                    }
                }
            }

            // ServiceDefaults put the id on the response before YARP appended the upstream's copy of it.
            headers[RequestIdHeader] = context.HttpContext.TraceIdentifier;
            return default;
        }
    }
}

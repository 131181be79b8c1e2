using Lakekeeper.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults.Hosting;

/// <summary>Endpoints served only on the internal HTTP/2 port (<c>LAKEKEEPER__SERVER__INTERNALPORT</c>), such as gRPC.</summary>
public static class InternalPortEndpoints
{
    /// <summary>
    /// The endpoints match only HTTP/2 requests that arrived on the internal port. On the public port
    /// they do not exist: a request there gets the host's ordinary "no route" answer.
    /// </summary>
    public static TBuilder RequireInternalPort<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(static endpoint => endpoint.Metadata.Add(InternalPortOnly.Instance));
        return builder;
    }

    internal sealed class InternalPortOnly
    {
        public static InternalPortOnly Instance { get; } = new();
    }

    /// <summary>
    /// Marks the candidates carrying <see cref="InternalPortOnly"/> invalid unless the request came in on
    /// the internal listener. Fails closed: with no internal port configured they never match.
    /// </summary>
    internal sealed class Policy(IOptions<ServerOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
    {
        // After the built-in policies (HTTP method, host), so it only narrows what they left.
        public override int Order => 1000;

        public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
            endpoints.Any(static e => e.Metadata.GetMetadata<InternalPortOnly>() is not null);

        public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
        {
            if (IsInternal(httpContext))
            {
                return Task.CompletedTask;
            }

            for (var i = 0; i < candidates.Count; i++)
            {
                if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<InternalPortOnly>() is not null)
                {
                    candidates.SetValidity(i, false);
                }
            }

            return Task.CompletedTask;
        }

        private bool IsInternal(HttpContext context)
        {
            // The public listener speaks HTTP/1.1 only, so with both ports chosen by the OS (0, tests)
            // HTTP/2 alone tells the internal listener; otherwise the local port must be the internal one.
            var port = options.Value.InternalPort;
            return port is not null
                && HttpProtocol.IsHttp2(context.Request.Protocol)
                && (port == 0 || context.Connection.LocalPort == port);
        }
    }
}

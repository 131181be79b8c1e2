using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.OpenFgaApi;

/// <summary>
/// The OpenFGA API has a listener of its own: its endpoints match only requests that arrived on
/// <c>LAKEKEEPER__AUTHZ__OPENFGA_API_PORT</c>, and the service's other endpoints (health aside) are
/// not served there.
/// </summary>
internal static class OpenFgaPort
{
    public static TBuilder RequireOpenFgaPort<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(static endpoint => endpoint.Metadata.Add(Marker.Instance));
        return builder;
    }

    public static bool IsOpenFgaRequest(HttpContext context, OpenFgaApiOptions options) =>
        options.Port is { } port && context.Connection.LocalPort == port && port != 0;

    internal sealed class Marker
    {
        public static Marker Instance { get; } = new();
    }

    /// <summary>Adds the listener (HTTP/1.1 and HTTP/2 cleartext, like OpenFGA's HTTP port).</summary>
    internal sealed class KestrelSetup(IOptions<OpenFgaApiOptions> options) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions kestrel)
        {
            var settings = options.Value;
            if (settings.Port is { } port)
            {
                kestrel.Listen(settings.BindAddress, port, listen => listen.Protocols = HttpProtocols.Http1);
            }
        }
    }

    /// <summary>Endpoints carrying <see cref="Marker"/> match only on the OpenFGA port; fails closed when it is off.</summary>
    internal sealed class Policy(IOptions<OpenFgaApiOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
    {
        public override int Order => 1001;

        public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
            endpoints.Any(static e => e.Metadata.GetMetadata<Marker>() is not null);

        public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
        {
            if (IsOpenFgaRequest(httpContext, options.Value))
            {
                return Task.CompletedTask;
            }

            for (var i = 0; i < candidates.Count; i++)
            {
                if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<Marker>() is not null)
                {
                    candidates.SetValidity(i, false);
                }
            }

            return Task.CompletedTask;
        }
    }
}

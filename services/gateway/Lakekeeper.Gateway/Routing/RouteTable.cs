using Lakekeeper.Gateway.Configuration;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Gateway.Routing;

/// <summary>One upstream address; <see cref="Prefix"/> is scheme, authority and base path without a trailing slash.</summary>
internal sealed record DestinationState(string Name, string Prefix);

/// <summary>A cluster's destinations, taken in turn.</summary>
internal sealed class ClusterState(string id, DestinationState[] destinations)
{
    private int _next = -1;

    public string Id => id;

    public IReadOnlyList<DestinationState> Destinations => destinations;

    /// <summary>Round-robin: each call takes the next destination.</summary>
    public DestinationState Next()
    {
        if (destinations.Length == 1)
        {
            return destinations[0];
        }

        var turn = (uint)Interlocked.Increment(ref _next);
        return destinations[turn % (uint)destinations.Length];
    }
}

internal sealed record RouteState(string Id, RoutePattern Pattern, int Order, ClusterState Cluster, TimeSpan Timeout);

/// <summary>The validated configuration turned into the structures the hot path uses.</summary>
internal sealed class RouteTable
{
    public RouteTable(IOptions<GatewayOptions> options)
    {
        var settings = options.Value;
        var clusters = new Dictionary<string, ClusterState>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, cluster) in settings.Clusters)
        {
            var destinations = new List<DestinationState>();
            foreach (var (name, destination) in cluster.Destinations.OrderBy(d => d.Key, StringComparer.OrdinalIgnoreCase))
            {
                if (GatewayOptionsValidator.TryParseAddress(destination.Address, out var address))
                {
                    destinations.Add(new DestinationState(name, address.GetLeftPart(UriPartial.Path).TrimEnd('/')));
                }
            }

            clusters[id] = new ClusterState(id, [.. destinations]);
        }

        var routes = new List<RouteState>();
        foreach (var (id, route) in settings.Routes)
        {
            if (RoutePatterns.TryParse(route.Match.Path, out var pattern, out _)
                && route.ClusterId is { } clusterId
                && clusters.TryGetValue(clusterId, out var cluster))
            {
                routes.Add(new RouteState(id, pattern, route.Order ?? 0, cluster, route.Timeout ?? GatewayOptions.DefaultTimeout));
            }
        }

        Routes = routes;
        Clusters = clusters;
    }

    public IReadOnlyList<RouteState> Routes { get; }

    public IReadOnlyDictionary<string, ClusterState> Clusters { get; }
}

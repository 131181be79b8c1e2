using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Lakekeeper.Gateway.Routing;

/// <summary>
/// Turns the route table into ASP.NET Core route endpoints, as YARP does, so routing's own precedence
/// decides between routes (and beats the ServiceDefaults fallback). Built on first use, after the
/// options were validated at start, so a bad configuration reports through the start-up path.
/// </summary>
internal sealed class GatewayEndpointDataSource(IServiceProvider services) : EndpointDataSource
{
    private readonly Lazy<IReadOnlyList<Endpoint>> _endpoints = new(() => Build(services));

    public override IReadOnlyList<Endpoint> Endpoints => _endpoints.Value;

    public override IChangeToken GetChangeToken() => new CancellationChangeToken(CancellationToken.None);

    private static IReadOnlyList<Endpoint> Build(IServiceProvider services)
    {
        var table = services.GetRequiredService<RouteTable>();
        var proxy = services.GetRequiredService<GatewayProxy>();
        var endpoints = new List<Endpoint>(table.Routes.Count);
        foreach (var route in table.Routes)
        {
            var builder = new RouteEndpointBuilder(context => proxy.ProxyAsync(context, route), route.Pattern, route.Order)
            {
                DisplayName = $"gateway route {route.Id} -> {route.Cluster.Id}",
            };
            builder.Metadata.Add(route);
            endpoints.Add(builder.Build());
        }

        return endpoints;
    }
}

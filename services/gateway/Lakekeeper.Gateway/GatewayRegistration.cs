using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Gateway.Configuration;
using Lakekeeper.Gateway.Forwarding;
using Lakekeeper.Gateway.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Gateway;

/// <summary>Adds the gateway: the validated route table, the forwarder and its connection pool.</summary>
public static class GatewayRegistration
{
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<GatewayOptions>(builder.Configuration, GatewayOptions.Section);
        services.AddSingleton<RouteTable>();
        services.AddSingleton(provider =>
        {
            var handler = ForwarderHandlerFactory.Create(provider.GetRequiredService<IOptions<GatewayOptions>>().Value.HttpClient);
            return new HttpForwarder(new HttpMessageInvoker(handler, disposeHandler: true), ForwarderHandlerFactory.PropagatesTraceContext(handler));
        });
        services.AddSingleton<GatewayProxy>();
        services.AddSingleton<GatewayEndpointDataSource>();
        return builder;
    }

    /// <summary>Maps every configured route (by default <c>/catalog/**</c>, the S3 sign paths, <c>/management/**</c>).</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder endpoints)
    {
        endpoints.DataSources.Add(endpoints.ServiceProvider.GetRequiredService<GatewayEndpointDataSource>());
        return endpoints;
    }
}

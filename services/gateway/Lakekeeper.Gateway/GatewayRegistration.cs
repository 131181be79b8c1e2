using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Gateway.Configuration;
using Lakekeeper.Gateway.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Lakekeeper.Gateway;

/// <summary>Adds the gateway: YARP with the validated routes and clusters, the gateway's transforms and error answers.</summary>
public static class GatewayRegistration
{
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<GatewayOptions>(builder.Configuration, GatewayOptions.Section);
        services.AddSingleton<IValidateOptions<GatewayOptions>, SelfDestinationCheck>();
        services.AddSingleton<LoopGuard>();
        services.AddReverseProxy().AddTransforms<GatewayTransforms>();
        services.AddSingleton<IProxyConfigProvider, GatewayProxyConfig>();
        services.AddSingleton<IForwarderHttpClientFactory, GatewayHttpClientFactory>();
        services.AddSingleton<IPassiveHealthCheckPolicy, TransportFailurePolicy>();
        // YARP logs every forwarded request at Information; failures are logged by ProxyErrorMiddleware.
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        return builder;
    }

    /// <summary>Maps every configured route (by default the catalog, signer and management paths).</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ProxyErrorMiddleware>();
            proxy.UseMiddleware<RetryMiddleware>();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return endpoints;
    }
}

using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Authz.Engines;
using Lakekeeper.Authz.Remote;
using Lakekeeper.Authz.Server;
using Lakekeeper.Rpc;
using Lakekeeper.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz;

public static class AuthzRegistration
{
    /// <summary>
    /// Registers <see cref="IAuthorizer"/> for a module host: the gRPC client of the authz service when
    /// <c>LAKEKEEPER__AUTHZ__ENDPOINT</c> is set (microservices), else the engine named by
    /// <c>LAKEKEEPER__AUTHZ__BACKEND</c> in process (standalone). Also maps
    /// <see cref="AuthorizerUnavailableException"/> to 503 in the error boundary.
    /// </summary>
    public static IHostApplicationBuilder AddAuthz(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = AddAuthzCore(builder);
        services.TryAddSingleton<RpcAuthorizer>();
        services.AddMetrics();
        services.TryAddSingleton<AuthzMetrics>();
        services.TryAddSingleton<IAuthorizer>(static sp =>
        {
            var settings = sp.GetRequiredService<IOptions<AuthzOptions>>().Value;
            // Calls are timed under the check cache: the histogram shows what reached the authorizer.
            var metrics = sp.GetRequiredService<AuthzMetrics>();
            if (settings.EndpointUri is null)
            {
                return new MeasuredAuthorizer(sp.GetRequiredService<LocalAuthorizer>(), metrics);
            }

            var remote = new MeasuredAuthorizer(sp.GetRequiredService<RpcAuthorizer>(), metrics);
            return settings.CheckCacheMs > 0 ? new CheckCache(remote, TimeSpan.FromMilliseconds(settings.CheckCacheMs)) : remote;
        });
        return builder;
    }

    /// <summary>
    /// The authz service: the engine in process behind <see cref="IAuthorizer"/>, served over gRPC on
    /// the internal HTTP/2 port. Requires <c>LAKEKEEPER__SERVER__INTERNALPORT</c>. Map the methods with
    /// <see cref="MapAuthzServer"/>.
    /// </summary>
    public static IHostApplicationBuilder AddAuthzServer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = AddAuthzCore(builder);
        // Replace, not TryAdd: the authz service decides in process even if a module in the same host
        // called AddAuthz() with an endpoint (it must never be a client of itself).
        services.Replace(ServiceDescriptor.Singleton<IAuthorizer>(static sp => sp.GetRequiredService<LocalAuthorizer>()));
        services.TryAddSingleton<AuthzRpcService>();
        services.AddRpcServer();
        services.AddOptions<RpcServerOptions>()
            .Configure<IOptions<ServerOptions>>(static (rpc, server) => rpc.Port = server.Value.InternalPort);
        // Checked at start with the other settings (not while the host is built), so a missing port
        // prints "LAKEKEEPER__SERVER__INTERNALPORT is required." rather than a stack trace.
        services.AddValidatedOptions<AuthzServerSettings>(builder.Configuration, ServerOptions.Section);
        return builder;
    }

    /// <summary>Maps the <c>lakekeeper.authz.v1.Authorizer</c> methods on the internal port.</summary>
    public static IEndpointRouteBuilder MapAuthzServer(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var service = endpoints.ServiceProvider.GetService<AuthzRpcService>()
            ?? throw new InvalidOperationException("Call builder.AddAuthzServer() before app.MapAuthzServer().");
        service.Map(endpoints);
        return endpoints;
    }

    private static IServiceCollection AddAuthzCore(IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(LocalAuthorizer)))
        {
            return services;
        }

        services.AddValidatedOptions<AuthzOptions>(builder.Configuration, AuthzOptions.Section);
        services.TryAddSingleton(AuthzBackends.Create);
        services.TryAddSingleton<LocalAuthorizer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExceptionTranslator, AuthorizerUnavailableTranslator>());
        return services;
    }
}

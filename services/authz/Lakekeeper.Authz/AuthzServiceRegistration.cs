using Grpc.HealthCheck;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Authz.Engines;
using Lakekeeper.Authz.Server;
using Lakekeeper.ServiceDefaults.Configuration;
using Lakekeeper.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz;

public static class AuthzServiceRegistration
{
    /// <summary>
    /// The engine named by <c>LAKEKEEPER__AUTHZ__BACKEND</c> in this process, bound as the
    /// <see cref="IAuthorizer"/> that modules get from <see cref="AuthzRegistration.AddAuthz"/> when
    /// <c>LAKEKEEPER__AUTHZ__ENDPOINT</c> is unset (the standalone host).
    /// </summary>
    public static IHostApplicationBuilder AddAuthzEngine(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddAuthz();
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(LocalAuthorizer)))
        {
            return builder;
        }

        services.AddSingleton<IValidateOptions<AuthzOptions>, BackendValidator>();
        FgaRegistration.AddFgaEngine(builder);
        services.TryAddSingleton(AuthzBackends.Create);
        services.TryAddSingleton<LocalAuthorizer>();
        services.AddKeyedSingleton<IAuthorizer>(AuthzRegistration.InProcessKey, static (sp, _) => sp.GetRequiredService<LocalAuthorizer>());
        return builder;
    }

    /// <summary>
    /// The authz service: the engine in process behind <see cref="IAuthorizer"/>, served over gRPC on
    /// the internal HTTP/2 port with <c>grpc.health.v1</c> and server reflection. Requires
    /// <c>LAKEKEEPER__SERVER__INTERNALPORT</c>. Map the services with <see cref="MapAuthzServer"/>.
    /// </summary>
    public static IHostApplicationBuilder AddAuthzServer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddAuthzEngine();
        var services = builder.Services;
        // Replace, not TryAdd: the authz service decides in process even if a module in the same host
        // called AddAuthz() with an endpoint (it must never be a client of itself).
        services.Replace(ServiceDescriptor.Singleton<IAuthorizer>(static sp => sp.GetRequiredService<LocalAuthorizer>()));
        services.AddGrpc();
        // Like Microsoft.AspNetCore (ServiceDefaults): per-call information such as "Error status code
        // 'InvalidArgument' raised" stays out of the log; handler exceptions are still logged as errors.
        builder.Logging.AddFilter("Grpc.AspNetCore.Server", LogLevel.Warning);
        services.AddGrpcReflection();
        services.TryAddSingleton<HealthServiceImpl>();
        services.AddHostedService<AuthzHealth>();
        // Checked at start with the other settings (not while the host is built), so a missing port
        // prints "LAKEKEEPER__SERVER__INTERNALPORT is required." rather than a stack trace.
        services.AddValidatedOptions<AuthzServerSettings>(builder.Configuration, ServerOptions.Section);
        return builder;
    }

    /// <summary>
    /// Maps <c>lakekeeper.authz.v1.Authorizer</c>, <c>grpc.health.v1.Health</c> and server reflection,
    /// on the internal port only.
    /// </summary>
    public static IEndpointRouteBuilder MapAuthzServer(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<HealthServiceImpl>() is null)
        {
            throw new InvalidOperationException("Call builder.AddAuthzServer() before app.MapAuthzServer().");
        }

        // Every gRPC endpoint is internal-only, including the catch-all that Grpc.AspNetCore adds with
        // the first mapped service to answer UNIMPLEMENTED for unknown services.
        endpoints.MapGrpcService<AuthzGrpcService>().RequireInternalPort();
        endpoints.MapGrpcService<HealthServiceImpl>().RequireInternalPort();
        endpoints.MapGrpcReflectionService().RequireInternalPort();
        endpoints.MapOpenFgaApi();
        return endpoints;
    }
}

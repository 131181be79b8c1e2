using Lakekeeper.Rpc.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lakekeeper.Rpc;

public static class RpcServerRegistration
{
    /// <summary>
    /// Services for gRPC endpoints: the matcher policy that keeps them on the internal HTTP/2 port,
    /// and <see cref="RpcServerOptions"/>. Map methods with <see cref="RpcEndpoints.MapUnary{TRequest,TResponse}(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, RpcMethod{TRequest,TResponse}, UnaryHandler{TRequest,TResponse})"/>.
    /// </summary>
    public static IServiceCollection AddRpcServer(this IServiceCollection services, Action<RpcServerOptions>? configure = null)
    {
        var options = services.AddOptions<RpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<RpcServerMarker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, RpcListenerPolicy>());
        return services;
    }
}

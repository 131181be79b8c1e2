using Google.Protobuf;
using Lakekeeper.Rpc.Protocol;
using Lakekeeper.Rpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Rpc;

public static class RpcEndpoints
{
    /// <summary>
    /// Maps a unary gRPC method (<c>POST /package.Service/Method</c>) served only on the internal
    /// HTTP/2 port (see <see cref="RpcServerOptions.Port"/>). The first call also maps a catch-all that
    /// answers UNIMPLEMENTED for unknown methods there. Requires <see cref="RpcServerRegistration.AddRpcServer"/>.
    /// </summary>
    public static IEndpointConventionBuilder MapUnary<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, RpcMethod<TRequest, TResponse> method, UnaryHandler<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        var services = endpoints.ServiceProvider;
        var marker = services.GetService<RpcServerMarker>()
            ?? throw new InvalidOperationException("Call services.AddRpcServer() before mapping gRPC methods.");
        var options = services.GetRequiredService<IOptions<RpcServerOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Lakekeeper.Rpc.Server");
        var call = new UnaryCallHandler<TRequest, TResponse>(method, handler, options, logger);

        if (marker.TryClaimUnimplementedEndpoint())
        {
            endpoints.MapPost("/{service}/{method}", AnswerUnimplemented)
                .WithMetadata(new RpcEndpointMetadata("*"))
                .WithDisplayName("gRPC unimplemented")
                .Add(builder => ((RouteEndpointBuilder)builder).Order = int.MaxValue - 1);
        }

        return endpoints.MapPost(method.Path, call.HandleAsync)
            .WithMetadata(new RpcEndpointMetadata(method.Path))
            .WithDisplayName("gRPC " + method.Path);
    }

    /// <summary>Maps a unary method by its path, e.g. <c>/package.Service/Method</c>.</summary>
    public static IEndpointConventionBuilder MapUnary<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, string path, UnaryHandler<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        endpoints.MapUnary(RpcMethod<TRequest, TResponse>.FromPath(path), handler);

    private static Task AnswerUnimplemented(HttpContext http)
    {
        var response = http.Response;
        if (!GrpcProtocol.IsGrpcContentType(http.Request.ContentType))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.ToWire(StatusCode.Unimplemented);
        response.Headers[GrpcProtocol.MessageHeader] = GrpcMessageEncoding.Encode($"Method is unimplemented: {http.Request.Path}");
        return Task.CompletedTask;
    }
}

using Google.Protobuf;

namespace Lakekeeper.Rpc;

/// <summary>
/// Describes one unary method: its path <c>/package.Service/Method</c> and its message types. Shared by
/// the server (<see cref="RpcEndpoints.MapUnary{TRequest,TResponse}(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, RpcMethod{TRequest,TResponse}, UnaryHandler{TRequest,TResponse})"/>)
/// and the client (<see cref="RpcChannel.CallAsync{TRequest,TResponse}"/>); create it once and keep it.
/// </summary>
public sealed class RpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public RpcMethod(string serviceName, string methodName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(methodName);
        if (serviceName.Contains('/', StringComparison.Ordinal) || methodName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("Service and method names must not contain '/'.");
        }

        ServiceName = serviceName;
        Name = methodName;
        Path = "/" + serviceName + "/" + methodName;
    }

    /// <summary>Fully qualified service name, e.g. <c>lakekeeper.authz.v1.Authorizer</c>.</summary>
    public string ServiceName { get; }

    /// <summary>Method name, e.g. <c>Check</c>.</summary>
    public string Name { get; }

    /// <summary>The HTTP/2 <c>:path</c>, e.g. <c>/lakekeeper.authz.v1.Authorizer/Check</c>.</summary>
    public string Path { get; }

    internal MessageParser<TRequest> RequestParser { get; } = new(static () => new TRequest());

    internal MessageParser<TResponse> ResponseParser { get; } = new(static () => new TResponse());

    /// <summary>Parses <c>/package.Service/Method</c>.</summary>
    public static RpcMethod<TRequest, TResponse> FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var slash = path.IndexOf('/', 1);
        if (path.Length < 4 || path[0] != '/' || slash < 0 || slash == path.Length - 1)
        {
            throw new ArgumentException($"'{path}' is not a gRPC method path like /package.Service/Method.", nameof(path));
        }

        return new RpcMethod<TRequest, TResponse>(path[1..slash], path[(slash + 1)..]);
    }

    public override string ToString() => Path;
}

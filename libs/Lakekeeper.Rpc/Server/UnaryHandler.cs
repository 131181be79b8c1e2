namespace Lakekeeper.Rpc;

/// <summary>
/// Serves one unary call. Return the response, or throw <see cref="RpcException"/> to end the call
/// with a status. Any other exception ends it with <see cref="StatusCode.Internal"/> and no details.
/// </summary>
public delegate ValueTask<TResponse> UnaryHandler<in TRequest, TResponse>(TRequest request, ServerCallContext context);

using Lakekeeper.Rpc.Protocol;

namespace Lakekeeper.Rpc;

/// <summary>Settings of a <see cref="RpcChannel"/>.</summary>
public sealed class RpcChannelOptions
{
    /// <summary>Largest response message accepted; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent; null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>How long to wait for a TCP connection before the call fails with UNAVAILABLE.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle time after which an HTTP/2 PING checks the connection is alive.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a PING may go unanswered before the connection is dropped.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Idle connections are closed after this long.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sent as <c>user-agent</c>.</summary>
    public string UserAgent { get; set; } = "grpc-dotnet-lakekeeper/1.0";
}

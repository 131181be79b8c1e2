using Lakekeeper.Rpc.Protocol;

namespace Lakekeeper.Rpc;

/// <summary>Settings of the gRPC endpoints of a host.</summary>
public sealed class RpcServerOptions
{
    /// <summary>
    /// The local port gRPC is served on (the host's internal HTTP/2 port). Requests arriving on any
    /// other port do not match gRPC endpoints. Null or 0: any HTTP/2 connection (the public port of
    /// our hosts speaks HTTP/1.1 only, so it never qualifies).
    /// </summary>
    public int? Port { get; set; }

    /// <summary>Largest request message accepted; larger ones end with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent; null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }
}

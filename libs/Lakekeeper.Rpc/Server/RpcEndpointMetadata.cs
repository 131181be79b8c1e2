namespace Lakekeeper.Rpc.Server;

/// <summary>Marks gRPC endpoints so <see cref="RpcListenerPolicy"/> can keep them off the public port.</summary>
internal sealed class RpcEndpointMetadata(string path)
{
    public string Path { get; } = path;
}

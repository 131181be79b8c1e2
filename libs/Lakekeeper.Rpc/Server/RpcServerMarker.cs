namespace Lakekeeper.Rpc.Server;

/// <summary>Proves <see cref="RpcServerRegistration.AddRpcServer"/> ran; remembers whether the catch-all is mapped.</summary>
internal sealed class RpcServerMarker
{
    private int _unimplementedMapped;

    public bool TryClaimUnimplementedEndpoint() => Interlocked.Exchange(ref _unimplementedMapped, 1) == 0;
}

using System.Collections.Concurrent;
using Lakekeeper.Rpc.Tests.Infrastructure;

namespace Lakekeeper.Rpc.Tests.Interop;

/// <summary>Peer servers started on first use and stopped after the test class.</summary>
public sealed class PeerServers : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<PeerServer>>> _servers = new();

    public Task<PeerServer> GetAsync(string peer) =>
        _servers.GetOrAdd(peer, name => new Lazy<Task<PeerServer>>(() =>
            Peer.Named(name).StartServerAsync(TestContext.Current.CancellationToken))).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            if (server.IsValueCreated && server.Value.IsCompletedSuccessfully)
            {
                await (await server.Value).DisposeAsync();
            }
        }
    }
}

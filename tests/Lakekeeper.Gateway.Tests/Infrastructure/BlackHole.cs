using System.Net;
using System.Net.Sockets;

namespace Lakekeeper.Gateway.Tests.Infrastructure;

/// <summary>
/// A loopback address whose connections never complete: a listening socket that accepts nothing, with
/// its accept queue filled. Linux drops further SYNs while the queue is full, so a connect to it waits
/// until the client's connect timeout — the way an address of a node that vanished without a reset
/// behaves.
/// </summary>
internal sealed class BlackHole : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _fillers = [];

    private BlackHole(Socket listener)
    {
        _listener = listener;
    }

    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}";

    public static async Task<BlackHole> OpenAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var hole = new BlackHole(listener);
        // Connect until one does not complete: from then on the queue is full.
        for (var i = 0; i < 16; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            hole._fillers.Add(filler);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await filler.ConnectAsync(listener.LocalEndPoint!, wait.Token);
            }
            catch (OperationCanceledException)
            {
                return hole;
            }
        }

        hole.Dispose();
        throw new InvalidOperationException("the listener's accept queue did not fill: connects still complete");
    }

    public void Dispose()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _listener.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>
/// A TCP proxy between the catalog and Postgres that can lose the answer to a COMMIT: when armed,
/// the next COMMIT is delivered to the server, the server's reply is awaited (so the transaction
/// is durable) and then both connections are reset instead of relaying it. The catalog sees its
/// connection fail while COMMIT was in flight: the outcome is unknown to it, yet the change landed.
/// </summary>
internal sealed class CommitsCutProxy : IAsyncDisposable
{
    /// <summary>The simple-query message Npgsql sends to commit: 'Q', length 11, "COMMIT\0".</summary>
    private static readonly byte[] Commit = [(byte)'Q', 0, 0, 0, 11, .. Encoding.ASCII.GetBytes("COMMIT"), 0];
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private int _armed;
    private int _cuts;

    private CommitsCutProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        lock (_tasks)
        {
            _tasks.Add(Task.Run(AcceptAsync));
        }
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>COMMITs whose answer was lost so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    public static CommitsCutProxy To(int targetPort) => new(targetPort);

    /// <summary>Loses the answer of the next COMMIT that passes.</summary>
    public void CutNextCommit() => Volatile.Write(ref _armed, 1);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_tasks)
            {
                _tasks.Add(Task.Run(() => RelayAsync(client)));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using (client)
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                var cutting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var up = PumpAsync(client.GetStream(), server.GetStream(), chunk =>
                {
                    if (chunk.AsSpan().IndexOf(Commit) >= 0 && Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
                    {
                        cutting.TrySetResult();
                    }
                });
                var down = PumpAsync(server.GetStream(), client.GetStream(), null, cutting.Task, () =>
                {
                    // The server answered the COMMIT: it is durable. Reset both sides instead of relaying.
                    Interlocked.Increment(ref _cuts);
                    client.Client.LingerState = new LingerOption(true, 0);
                    server.Client.LingerState = new LingerOption(true, 0);
                    client.Client.Close();
                    server.Client.Close();
                });
                await Task.WhenAny(up, down);
            }
            catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                // A side went away; the other is closed with it.
            }
        }
    }

    private async Task PumpAsync(Stream from, Stream to, Action<byte[]>? inspect, Task? cut = null, Action? onCut = null)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                if (cut is { IsCompleted: true })
                {
                    onCut!();
                    return;
                }

                if (inspect is not null)
                {
                    var chunk = buffer[..read];
                    inspect(chunk);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The relay ends with either side.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks];
        }

        await Task.WhenAll(tasks);
        _stop.Dispose();
    }
}

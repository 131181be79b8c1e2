using System.Collections.Concurrent;

namespace Lakekeeper.Gateway.Forwarding;

/// <summary>
/// Cancels an upstream exchange when the client goes away or when no progress was made for the route
/// timeout (an activity timeout: every body chunk re-arms it, so a long transfer that keeps moving is
/// never cut). Instances are pooled; renting one costs no allocation in steady state.
/// </summary>
internal sealed class UpstreamCancellation : CancellationTokenSource
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<UpstreamCancellation> Pool = new();
    private static int _pooledCount;

    private TimeSpan _timeout;
    private CancellationToken _clientAborted;
    private CancellationTokenRegistration _registration;

    private UpstreamCancellation()
    {
    }

    /// <summary>The client closed the connection (as opposed to the timeout firing).</summary>
    public bool ClientAborted => _clientAborted.IsCancellationRequested;

    /// <summary>The timeout fired while the client was still there.</summary>
    public bool TimedOut => IsCancellationRequested && !_clientAborted.IsCancellationRequested;

    public static UpstreamCancellation Rent(CancellationToken clientAborted, TimeSpan timeout)
    {
        if (Pool.TryDequeue(out var source))
        {
            Interlocked.Decrement(ref _pooledCount);
        }
        else
        {
            source = new UpstreamCancellation();
        }

        source._timeout = timeout;
        source._clientAborted = clientAborted;
        source._registration = clientAborted.UnsafeRegister(static state => ((UpstreamCancellation)state!).Cancel(), source);
        source.CancelAfter(timeout);
        return source;
    }

    /// <summary>Progress was made: restart the timeout.</summary>
    public void Touch() => CancelAfter(_timeout);

    /// <summary>Hands the source back; it must not be used afterwards.</summary>
    public void Return()
    {
        _registration.Dispose();
        _registration = default;
        _clientAborted = default;
        if (TryReset())
        {
            if (Interlocked.Increment(ref _pooledCount) <= MaxPooled)
            {
                Pool.Enqueue(this);
                return;
            }

            Interlocked.Decrement(ref _pooledCount);
        }

        // Cancelled sources cannot be reset.
        Dispose();
    }
}

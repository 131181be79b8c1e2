using System.Diagnostics.Metrics;
using Lakekeeper.ServiceDefaults.Configuration;
using Lakekeeper.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults.RequestBodies;

/// <summary>
/// The process-wide budget for request bytes held in memory (<c>LAKEKEEPER__SERVER__REQUESTBODYBUDGETBYTES</c>).
/// A request takes its body's size before buffering it and gives it back when its response is done;
/// when the budget is spent, requests queue in arrival order and wait at most
/// <c>LAKEKEEPER__SERVER__REQUESTBODYWAITMILLISECONDS</c>, then are refused (503 with <c>Retry-After</c>).
/// So memory for bodies stays bounded however many large requests arrive at once.
/// </summary>
internal sealed class RequestBodyBudget
{
    private static readonly Counter<long> Refusals = LakekeeperDiagnostics.Meter.CreateCounter<long>(
        "lakekeeper.request_body.refused", unit: "{request}", description: "Requests refused because the budget for buffered request bytes was spent");

    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _available;
    private long _releasedSinceCollection;
    private long _lastCollection = long.MinValue / 2;

    public RequestBodyBudget(IOptions<ServerOptions> options)
    {
        Capacity = Math.Max(options.Value.RequestBodyBudgetBytes, options.Value.MaxRequestBodyBytes);
        Wait = TimeSpan.FromMilliseconds(options.Value.RequestBodyWaitMilliseconds);
        _available = Capacity;
    }

    public long Capacity { get; }

    /// <summary>Bytes released through the budget after which an idle budget returns memory (64 MiB).</summary>
    internal const long CollectAfterBytes = 64L * 1024 * 1024;

    /// <summary>A body at least this large counts toward <see cref="CollectAfterBytes"/> (1 MiB).</summary>
    internal const long LargeBodyBytes = 1024 * 1024;

    /// <summary>How long a request waits for budget before it is refused.</summary>
    public TimeSpan Wait { get; }

    public long InUse
    {
        get
        {
            lock (_lock)
            {
                return Capacity - _available;
            }
        }
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> from the budget, waiting (first come, first served) at most
    /// <see cref="Wait"/>. False when the wait ran out or the request can never fit: nothing is held then.
    /// </summary>
    public async ValueTask<bool> TryAcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes == 0)
        {
            return true;
        }

        if (bytes > Capacity)
        {
            Refusals.Add(1);
            return false;
        }

        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _available >= bytes)
            {
                _available -= bytes;
                return true;
            }

            waiter = new Waiter(bytes);
            node = _waiters.AddLast(waiter);
        }

        try
        {
            await waiter.Granted.Task.WaitAsync(Wait, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            lock (_lock)
            {
                if (node.List is not null)
                {
                    // Still queued: leave the queue; the requests behind may fit now.
                    _waiters.Remove(node);
                    GrantWaiters();
                    if (ex is OperationCanceledException)
                    {
                        throw;
                    }

                    Refusals.Add(1);
                    return false;
                }
            }

            // Granted at the same moment the wait ended: the bytes are ours.
            if (ex is OperationCanceledException)
            {
                Release(bytes);
                throw;
            }

            return true;
        }
    }

    public void Release(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        var idle = false;
        lock (_lock)
        {
            _available += bytes;
            // Only large bodies count: ordinary traffic never triggers a collection.
            _releasedSinceCollection += bytes >= LargeBodyBytes ? bytes : 0;
            GrantWaiters();
            idle = _available == Capacity && _releasedSinceCollection >= CollectAfterBytes;
            if (idle)
            {
                _releasedSinceCollection = 0;
            }
        }

        if (idle)
        {
            ReturnMemorySoon();
        }
    }

    /// <summary>
    /// After a burst of large bodies the garbage they left (buffers, parsed strings) is on the large
    /// object heap, and server GC keeps that memory committed: the process would stay at its peak.
    /// Once the budget is idle again and at least <see cref="CollectAfterBytes"/> of large bodies went
    /// through it, a compacting collection that decommits memory runs in the background (at most every
    /// 10 s), and once more <see cref="SecondCollectionDelay"/> later if the budget is still idle: by
    /// then Kestrel has evicted the pipe buffers those requests filled from its memory pool, and they
    /// are garbage that only a collection returns (measured: docs/benchmarks.md, Hardening).
    /// </summary>
    private void ReturnMemorySoon()
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastCollection) < 10_000)
        {
            return;
        }

        Interlocked.Exchange(ref _lastCollection, now);
        _ = Task.Run(async () =>
        {
            // Let the responses that released the bytes finish first.
            await Task.Delay(1000);
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            await Task.Delay(SecondCollectionDelay);
            if (InUse == 0)
            {
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
        });
    }

    /// <summary>How long after the first collection the second one runs.</summary>
    internal static readonly TimeSpan SecondCollectionDelay = TimeSpan.FromSeconds(15);

    /// <summary>Grants queued requests in arrival order while they fit (under the lock).</summary>
    private void GrantWaiters()
    {
        while (_waiters.First is { } first && first.Value.Bytes <= _available)
        {
            _waiters.RemoveFirst();
            _available -= first.Value.Bytes;
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

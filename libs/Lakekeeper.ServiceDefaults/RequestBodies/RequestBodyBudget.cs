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

    public RequestBodyBudget(IOptions<ServerOptions> options)
    {
        Capacity = Math.Max(options.Value.RequestBodyBudgetBytes, options.Value.MaxRequestBodyBytes);
        Wait = TimeSpan.FromMilliseconds(options.Value.RequestBodyWaitMilliseconds);
        _available = Capacity;
    }

    public long Capacity { get; }

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

        lock (_lock)
        {
            _available += bytes;
            GrantWaiters();
        }
    }

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

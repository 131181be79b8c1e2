using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lakekeeper.Events.Relay;

/// <summary>
/// What the relay last saw, for health and metrics: the age of the oldest unpublished event (the
/// lag) and the sinks that failed in the last round. A broker that is away makes the service
/// degraded, not down: commits go on and the events wait in the outbox.
/// </summary>
internal sealed class RelayState : IHealthCheck
{
    private readonly Lock _lock = new();
    private string? _failure;
    private DateTimeOffset? _oldestPending;
    private DateTimeOffset _measuredAt;

    public RelayState(EventsMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        metrics.ObserveLag(() => LagSeconds);
    }

    /// <summary>Seconds since the oldest unpublished event was written, as last measured.</summary>
    public double LagSeconds
    {
        get
        {
            lock (_lock)
            {
                return _oldestPending is { } oldest ? Math.Max(0, (_measuredAt - oldest).TotalSeconds) : 0;
            }
        }
    }

    public void Measured(DateTimeOffset? oldestPending, DateTimeOffset now)
    {
        lock (_lock)
        {
            _oldestPending = oldestPending;
            _measuredAt = now;
        }
    }

    /// <summary>Records the outcome of a round: null when every sink acknowledged everything.</summary>
    public void RoundFinished(string? failure)
    {
        lock (_lock)
        {
            _failure = failure;
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string? failure;
        double lag;
        lock (_lock)
        {
            failure = _failure;
        }

        lag = LagSeconds;
        var data = new Dictionary<string, object> { ["lagSeconds"] = lag };
        return Task.FromResult(failure is null
            ? HealthCheckResult.Healthy($"relay lag {lag:0.###} s", data)
            : HealthCheckResult.Degraded($"events wait in the outbox: {failure}; relay lag {lag:0.###} s", data: data));
    }
}

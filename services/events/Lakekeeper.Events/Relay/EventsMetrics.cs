using System.Diagnostics.Metrics;

namespace Lakekeeper.Events;

/// <summary>
/// The relay's instruments, on the meter <c>Lakekeeper.Events</c> (exported with the other
/// <c>Lakekeeper.*</c> meters, e.g. on the Prometheus endpoint). The meter comes from the host's
/// <see cref="IMeterFactory"/>, so it lives and dies with the host (tests run several in one process).
/// </summary>
internal sealed class EventsMetrics
{
    public const string MeterName = "Lakekeeper.Events";

    private readonly Meter _meter;

    public EventsMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        Published = _meter.CreateCounter<long>("lakekeeper.events.published", "{event}", "Events acknowledged by every sink and marked published");
        Failures = _meter.CreateCounter<long>("lakekeeper.events.publish.failures", "{event}", "Events a sink did not acknowledge in a round (retried later), by sink");
        Duplicates = _meter.CreateCounter<long>("lakekeeper.events.duplicates", "{event}", "Republished events the broker recognised and dropped (JetStream Nats-Msg-Id)");
        DeliveryLatency = _meter.CreateHistogram<double>("lakekeeper.events.delivery.latency", "ms", "From the change's commit to the sinks' acknowledgement");
    }

    public Counter<long> Published { get; }

    public Counter<long> Failures { get; }

    public Counter<long> Duplicates { get; }

    public Histogram<double> DeliveryLatency { get; }

    /// <summary>The gauge <c>lakekeeper.events.relay.lag</c> (seconds), read from <paramref name="lagSeconds"/> at each collection.</summary>
    public void ObserveLag(Func<double> lagSeconds) =>
        _meter.CreateObservableGauge("lakekeeper.events.relay.lag", lagSeconds, "s", "Age of the oldest event not yet published (0 when none waits)");
}

using System.Diagnostics.Metrics;

namespace Lakekeeper.Events;

/// <summary>The relay's instruments, on the meter <c>Lakekeeper.Events</c> (exported with the other <c>Lakekeeper.*</c> meters).</summary>
internal static class EventsMetrics
{
    public static readonly Meter Meter = new("Lakekeeper.Events");

    public static readonly Counter<long> Published =
        Meter.CreateCounter<long>("lakekeeper.events.published", "{event}", "Events acknowledged by every sink and marked published");

    public static readonly Counter<long> Failures =
        Meter.CreateCounter<long>("lakekeeper.events.publish.failures", "{event}", "Events a sink did not acknowledge in a round (retried later), by sink");

    public static readonly Counter<long> Duplicates =
        Meter.CreateCounter<long>("lakekeeper.events.duplicates", "{event}", "Republished events the broker recognised and dropped (JetStream Nats-Msg-Id)");

    public static readonly Histogram<double> DeliveryLatency =
        Meter.CreateHistogram<double>("lakekeeper.events.delivery.latency", "ms", "From the change's commit to the sinks' acknowledgement");
}

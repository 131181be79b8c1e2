using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Lakekeeper.ServiceDefaults.Telemetry;

/// <summary>
/// Extra configuration for the tracer and meter providers, e.g. an in-memory exporter in tests.
/// Any hook turns tracing on even without an OTLP endpoint.
/// </summary>
public sealed class TelemetryHooks
{
    public List<Action<TracerProviderBuilder>> Tracing { get; } = [];

    public List<Action<MeterProviderBuilder>> Metrics { get; } = [];
}

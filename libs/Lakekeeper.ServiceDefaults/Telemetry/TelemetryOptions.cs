namespace Lakekeeper.ServiceDefaults.Telemetry;

/// <summary>OpenTelemetry settings (section <c>Telemetry</c>). Off unless an OTLP endpoint is set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>OTLP collector endpoint, e.g. <c>http://otel-collector:4317</c>. Unset: no export.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Fraction of root traces sampled, 0..1. Child spans follow their parent's decision.</summary>
    public double SamplingRatio { get; set; } = 1.0;
}

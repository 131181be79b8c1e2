using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry export settings (section <c>Telemetry</c>). Off unless an OTLP endpoint is set: then
/// traces, metrics and logs go to the collector.
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>OTLP collector endpoint, e.g. <c>http://otel-collector:4317</c>. Unset: no export, no tracing.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>
    /// <c>grpc</c> (default) or <c>http/protobuf</c>; with the latter the signal's path
    /// (<c>/v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>) is appended to the endpoint.
    /// </summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Fraction of root traces sampled, 0..1. Child spans follow their parent's decision.</summary>
    [Range(0.0, 1.0)]
    public double SamplingRatio { get; set; } = 1.0;

    internal bool UsesHttpProtobuf => string.Equals(OtlpProtocol, "http/protobuf", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!UsesHttpProtobuf && !string.Equals(OtlpProtocol, "grpc", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult("must be 'grpc' or 'http/protobuf'", [nameof(OtlpProtocol)]);
        }

        if (OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult("must be an absolute http:// or https:// URI", [nameof(OtlpEndpoint)]);
        }
    }
}

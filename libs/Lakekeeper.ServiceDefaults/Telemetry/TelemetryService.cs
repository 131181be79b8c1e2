using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

using Lakekeeper.ServiceDefaults.Hosting;

namespace Lakekeeper.ServiceDefaults.Telemetry;

/// <summary>
/// Owns the OpenTelemetry providers for the lifetime of the host (the hosting integration package
/// does not restore here, so the providers are built and disposed by hand).
/// </summary>
internal sealed class TelemetryService(
    IOptions<TelemetryOptions> options, IOptions<TelemetryHooks> hooks, ServiceIdentity identity) : IHostedService, IDisposable
{
    private TracerProvider? _tracerProvider;
    private MeterProvider? _meterProvider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var extra = hooks.Value;
        var resource = ResourceBuilder.CreateDefault().AddService(identity.Name, serviceVersion: identity.Version);

        if (settings.OtlpEndpoint is not null || extra.Tracing.Count > 0)
        {
            var builder = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(settings.SamplingRatio)))
                .AddSource(LakekeeperDiagnostics.TraceSources);
            if (settings.OtlpEndpoint is { } endpoint)
            {
                builder.AddOtlpExporter(o => Configure(o, endpoint, settings.OtlpProtocol));
            }

            extra.Tracing.ForEach(hook => hook(builder));
            _tracerProvider = builder.Build();
        }

        if (settings.OtlpEndpoint is not null || extra.Metrics.Count > 0)
        {
            var builder = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter(LakekeeperDiagnostics.Meters);
            if (settings.OtlpEndpoint is { } endpoint)
            {
                builder.AddOtlpExporter(o => Configure(o, endpoint, settings.OtlpProtocol));
            }

            extra.Metrics.ForEach(hook => hook(builder));
            _meterProvider = builder.Build();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _tracerProvider?.ForceFlush(2000);
        _meterProvider?.ForceFlush(2000);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _tracerProvider?.Dispose();
        _meterProvider?.Dispose();
    }

    private static void Configure(OtlpExporterOptions exporter, Uri endpoint, string protocol)
    {
        exporter.Endpoint = endpoint;
        exporter.Protocol = string.Equals(protocol, "http/protobuf", StringComparison.OrdinalIgnoreCase)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
    }
}

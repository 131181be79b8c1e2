using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.ServiceDefaults.Configuration;
using Lakekeeper.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Lakekeeper.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry through its hosting package. What would be collected is registered always (our
/// <c>Lakekeeper*</c> sources and meters, ASP.NET Core, HttpClient, the runtime, Npgsql); the
/// settings decide whether a provider exists at all:
/// <list type="bullet">
/// <item>Tracing only with <c>LAKEKEEPER__TELEMETRY__OTLPENDPOINT</c>. Without it no activity listener
/// exists, so ASP.NET Core creates no <see cref="System.Diagnostics.Activity"/> per request (measured:
/// it costs the gateway 27% of its throughput). A test turns tracing on with
/// <c>services.AddOpenTelemetry().WithTracing(…)</c> and gets everything registered here.</item>
/// <item>Metrics for the Prometheus endpoint on <c>LAKEKEEPER__METRICS_PORT</c> and/or for OTLP.</item>
/// </list>
/// </summary>
public static class TelemetryRegistration
{
    /// <summary>The scrape path on the metrics port.</summary>
    public const string MetricsPath = "/metrics";

    internal static void AddTelemetry(WebApplicationBuilder builder, ServiceIdentity identity)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddValidatedOptions<TelemetryOptions>(configuration, TelemetryOptions.Section);
        services.AddValidatedOptions<MetricsOptions>(configuration, string.Empty);
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsPortValidator>();

        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(LakekeeperDiagnostics.Name, LakekeeperDiagnostics.Name + ".*")
            // Grpc.Net.Client starts its call span whenever a trace is under way, as the parent of the
            // HTTP request span: not collected, it would leave that span without its parent.
            .AddSource("Grpc.Net.Client")
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddNpgsql());
        services.ConfigureOpenTelemetryTracerProvider(static (sp, tracing) => tracing.SetSampler(
            new ParentBasedSampler(new TraceIdRatioBasedSampler(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.SamplingRatio))));
        // Scrapes are not traced (they are not counted either, see UseMetricsEndpoint).
        services.AddOptions<AspNetCoreTraceInstrumentationOptions>()
            .Configure<IOptions<MetricsOptions>, IOptions<ServerOptions>>(static (tracing, metrics, server) =>
            {
                var port = metrics.Value.EffectivePort(server.Value);
                if (port != 0)
                {
                    tracing.Filter = context => context.Connection.LocalPort != port;
                }
            });

        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .AddMeter(LakekeeperDiagnostics.Name, LakekeeperDiagnostics.Name + ".*")
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation()
            .AddNpgsqlInstrumentation());

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(identity.Name, serviceVersion: identity.Version)
                // The standard variables win over those defaults: OTEL_SERVICE_NAME, and e.g.
                // service.instance.id in OTEL_RESOURCE_ATTRIBUTES. An Aspire app host sets both to its
                // resource's name and instance, which is how its dashboard ties telemetry to a resource.
                .AddEnvironmentVariableDetector());
        if (MetricsOptions.IsOn(configuration))
        {
            telemetry.WithMetrics(metrics => metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeEndpointPath = MetricsPath));
        }

        // Decided from the raw setting while the host is built; a malformed endpoint turns nothing
        // on here and is reported with the other settings when the host starts.
        var otlp = configuration.GetSection(TelemetryOptions.Section);
        if (Uri.TryCreate(otlp[nameof(TelemetryOptions.OtlpEndpoint)], UriKind.Absolute, out var endpoint))
        {
            var protocol = new TelemetryOptions { OtlpProtocol = otlp[nameof(TelemetryOptions.OtlpProtocol)] ?? "grpc" }.UsesHttpProtobuf
                ? OtlpExportProtocol.HttpProtobuf
                : OtlpExportProtocol.Grpc;
            // Traces, metrics and logs; with http/protobuf the signal's path is appended to the endpoint.
            telemetry.UseOtlpExporter(protocol, endpoint);
        }
    }

    /// <summary>
    /// Serves <c>GET /metrics</c> on the metrics port and nothing else there (404); requests on the
    /// public and internal ports never reach the exporter. Scrapes are not counted as requests.
    /// </summary>
    internal static void UseMetricsEndpoint(WebApplication app)
    {
        if (!MetricsOptions.IsOn(app.Configuration))
        {
            return;
        }

        // Settings are read at the first request, after the host validated them.
        var services = app.Services;
        var port = new Lazy<int>(() => services.GetRequiredService<IOptions<MetricsOptions>>().Value
            .EffectivePort(services.GetRequiredService<IOptions<ServerOptions>>().Value));
        app.MapWhen(context => context.Connection.LocalPort == port.Value, metrics =>
        {
            metrics.Use(static (context, next) =>
            {
                if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags)
                {
                    tags.MetricsDisabled = true;
                }

                return next(context);
            });
            metrics.UseOpenTelemetryPrometheusScrapingEndpoint(static context =>
                HttpMethods.IsGet(context.Request.Method) && context.Request.Path == MetricsPath);
            metrics.Run(static context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
    }
}

using System.Net;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Abstractions.Hosting;
using Lakekeeper.Abstractions.Statistics;
using Lakekeeper.ServiceDefaults.Configuration;
using Lakekeeper.ServiceDefaults.Errors;
using Lakekeeper.ServiceDefaults.Health;
using Lakekeeper.ServiceDefaults.Hosting;
using Lakekeeper.ServiceDefaults.Http;
using Lakekeeper.ServiceDefaults.RequestBodies;
using Lakekeeper.ServiceDefaults.RequestIds;
using Lakekeeper.ServiceDefaults.Statistics;
using Lakekeeper.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults;

/// <summary>
/// What every Lakekeeper service host shares: settings, logging, telemetry and metrics, health, errors,
/// and outgoing HTTP with service discovery and resilience (Aspire's service-defaults pattern).
/// </summary>
public static class ServiceDefaultsRegistration
{
    /// <param name="service">Short service name: <c>catalog</c>, <c>gateway</c>, <c>standalone</c>, …</param>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string service)
    {
        builder.Configuration.AddEnvironmentVariables(SettingNames.EnvironmentPrefix);
        var services = builder.Services;
        var identity = ServiceIdentity.For(service);
        services.AddSingleton(identity);

        services.AddValidatedOptions<ServerOptions>(builder.Configuration, ServerOptions.Section);
        services.AddHealthChecks();
        services.AddExceptionHandler<ErrorContractExceptionHandler>();
        services.AddSingleton<RequestBodyBudget>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, InternalPortEndpoints.Policy>());
        services.AddSingleton<IConfigureOptions<HostOptions>, ShutdownTimeoutSetup>();

        HttpClientDefaults.AddHttpClientDefaults(services);

        builder.WebHost.ConfigureKestrel(ConfigureKestrel);
        ConfigureLogging(builder);
        // After the logging set-up, which clears the providers (OTLP export adds one for logs).
        TelemetryRegistration.AddTelemetry(builder, identity);
        return builder;
    }

    /// <summary>
    /// The metrics port's own pipeline (<c>/metrics</c> only), then the request id, the endpoint
    /// statistics (when a module counts them), the error boundary and (except on the gateway) the
    /// request body guard; call before mapping endpoints.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        TelemetryRegistration.UseMetricsEndpoint(app);
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<InternalPortAuthentication>();
        // Asked without resolving the counter: resolving it would read (and validate) the database
        // settings here, before the command runner reports bad settings with its own exit code.
        if (app.Services.GetService<IServiceProviderIsService>()?.IsService(typeof(IEndpointCallCounter)) == true)
        {
            // Outside the error boundary: failures are counted with the status they were answered with.
            app.UseMiddleware<EndpointStatisticsMiddleware>();
        }

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Never runs: ErrorContractExceptionHandler answers every exception. The middleware
            // insists on a fallback (a path, a delegate or ProblemDetails), and ours is none of those.
            ExceptionHandler = static _ => Task.CompletedTask,
            // Our handler logs what it handled (translated: warning; unknown: error with the id);
            // the middleware still logs what it cannot handle (a response already under way).
            SuppressDiagnosticsCallback = static c => c.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService,
        });
        // An empty error answer from the framework (405 from routing, a bare status of a library)
        // gets the error contract's body too; answers that have a body are left alone.
        app.UseStatusCodePages(static context => StatusBodies.Describe(context.HttpContext).WriteAsync(context.HttpContext));
        if (app.Services.GetRequiredService<ServiceIdentity>().Name != ServiceIdentity.For("gateway").Name)
        {
            // The gateway streams bodies through to the services, which guard them (and queries) themselves.
            app.UseMiddleware<RepeatedQueryParameterMiddleware>();
            app.UseMiddleware<RequestBodyMiddleware>();
        }

        return app;
    }

    /// <summary>
    /// Health probes, and the answer for unmatched routes (<see cref="UnmatchedRouteMiddleware"/>: 404,
    /// or 405 for another method); call after the authentication middleware.
    /// </summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        // After authentication (hosts call this after UseLakekeeperAuthentication): an unknown route
        // without a valid token is 401 like any other request, with one it is 404.
        app.UseMiddleware<UnmatchedRouteMiddleware>();
        app.MapHealthEndpoints();
        return app;
    }

    private static void ConfigureKestrel(WebHostBuilderContext context, KestrelServerOptions kestrel)
    {
        var server = kestrel.ApplicationServices.GetRequiredService<IOptions<ServerOptions>>().Value;
        var address = server.BindAddress == "localhost" ? IPAddress.Loopback : IPAddress.Parse(server.BindAddress);
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = server.MaxRequestBodyBytes;
        kestrel.Listen(address, server.ListenPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            // Kestrel's own 400/414/431 answers get the error contract's body too.
            listen.Use(ProtocolErrorBodies.Wrap);
        });
        if (server.InternalPort is { } internalPort)
        {
            // gRPC between services: HTTP/2 with prior knowledge (cleartext), on its own port, on
            // loopback unless opened; opened, it needs the service token (InternalPortAuthentication).
            var internalAddress = server.InternalBindAddress == "localhost" ? IPAddress.Loopback : IPAddress.Parse(server.InternalBindAddress);
            if (!IPAddress.IsLoopback(internalAddress)
                && string.IsNullOrEmpty(kestrel.ApplicationServices.GetRequiredService<IConfiguration>()[ServiceToken.Key]))
            {
                throw new FatalStartupException(
                    $"LAKEKEEPER__SERVER__INTERNALBINDADDRESS is {server.InternalBindAddress}, reachable from elsewhere: set {ServiceToken.Variable} (the same on every service) so that internal calls are authenticated.");
            }

            kestrel.Listen(internalAddress, internalPort, listen => listen.Protocols = HttpProtocols.Http2);
        }

        var metricsPort = kestrel.ApplicationServices.GetRequiredService<IOptions<MetricsOptions>>().Value.EffectivePort(server);
        if (metricsPort != 0)
        {
            // Prometheus scrapes: GET /metrics over HTTP/1.1, nothing else (see UseMetricsEndpoint).
            kestrel.Listen(address, metricsPort, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }

    private static void ConfigureLogging(WebApplicationBuilder builder)
    {
        var logging = builder.Logging;
        logging.ClearProviders();
        var format = builder.Configuration["Log:Format"] ?? "json";
        if (string.Equals(format, "text", StringComparison.OrdinalIgnoreCase))
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }

        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // With this logger enabled at any level, ASP.NET Core creates an Activity for every request
        // even when nobody traces (measured: -27% throughput on the gateway). Our own middleware logs
        // the request id and our error boundary logs failures; with tracing on (an OTLP endpoint),
        // the activities exist anyway because the tracer listens.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        if (builder.Configuration["Log:Level"] is { } level && Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed))
        {
            logging.SetMinimumLevel(parsed);
        }
    }

    /// <summary>
    /// Reads the raw setting: the host resolves its options while it is built, before settings are
    /// validated, and a validation failure there would escape the friendly start-up message.
    /// </summary>
    private sealed class ShutdownTimeoutSetup(IConfiguration configuration) : IConfigureOptions<HostOptions>
    {
        public void Configure(HostOptions options)
        {
            if (int.TryParse(configuration[ServerOptions.Section + ":" + nameof(ServerOptions.ShutdownTimeoutSeconds)], out var seconds) && seconds is >= 0 and <= 3600)
            {
                options.ShutdownTimeout = TimeSpan.FromSeconds(seconds);
            }
            else
            {
                options.ShutdownTimeout = TimeSpan.FromSeconds(new ServerOptions().ShutdownTimeoutSeconds);
            }
        }
    }
}

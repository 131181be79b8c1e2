
namespace Lakekeeper.AppHost;

/// <summary>How every Lakekeeper host is added: the settings <c>./lakekeeper up</c> gives it, its ports, its health.</summary>
internal static class Services
{
    public const string GrpcEndpoint = "grpc";

    public const string MetricsEndpoint = "metrics";

    /// <summary>The hosts listen where <c>LAKEKEEPER__SERVER__…</c> says, not on launch-profile or Kestrel URLs.</summary>
    public static void ProjectOptions(ProjectResourceOptions options)
    {
        options.ExcludeLaunchProfile = true;
        options.ExcludeKestrelEndpoints = true;
    }

    /// <summary>
    /// A service host: its public HTTP port (<paramref name="port"/>, or any free one) in
    /// <c>LAKEKEEPER__SERVER__LISTENPORT</c>, its Prometheus port in <c>LAKEKEEPER__METRICS_PORT</c> (the
    /// <c>metrics</c> endpoint: fixed as <c>./lakekeeper up</c> assigns them, or any free one),
    /// readiness from <c>/health/ready</c>, the common settings, started after the migration finished.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(
        this IDistributedApplicationBuilder builder,
        string name,
        AppHostSettings settings,
        IResourceBuilder<LocalPostgresResource> postgres,
        IResourceBuilder<ProjectResource> migrate,
        int? port = null)
        where TProject : IProjectMetadata, new()
    {
        var service = builder.AddProject<TProject>(name, ProjectOptions)
            // No ASPNETCORE_URLS: the hosts bind what LAKEKEEPER__SERVER__… says (else Kestrel warns it overrides it).
            .WithEndpointsInEnvironment(static _ => false)
            .WithHttpEndpoint(port: port, name: "http", isProxied: false);
        service = service
            .WithEnvironment("LAKEKEEPER__SERVER__LISTENPORT", TargetPort(service.GetEndpoint("http")))
            .WithHttpHealthCheck("/health/ready")
            .WithCommonSettings(settings, postgres)
            .WaitForCompletion(migrate);
        var metricsPort = settings.MetricsPort(name);
        if (metricsPort == 0)
        {
            return service.WithEnvironment("LAKEKEEPER__METRICS_PORT", "0");
        }

        service = service.WithHttpEndpoint(port: metricsPort, name: MetricsEndpoint, isProxied: false);
        return service
            .WithEnvironment("LAKEKEEPER__METRICS_PORT", TargetPort(service.GetEndpoint(MetricsEndpoint)))
            .WithUrlForEndpoint(MetricsEndpoint, url => url.Url += "/metrics");
    }

    /// <summary>
    /// The settings every process of <c>./lakekeeper up</c> gets (database, local secret key, file storage
    /// root, loopback binding, text logs, the Production environment), and the dashboard's OTLP endpoint mapped to
    /// <c>LAKEKEEPER__TELEMETRY__…</c>: the services export only when that is set.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithCommonSettings(
        this IResourceBuilder<ProjectResource> service, AppHostSettings settings, IResourceBuilder<LocalPostgresResource> postgres) => service
        .WithEnvironment("LAKEKEEPER__DATABASE__CONNECTIONSTRING", postgres)
        .WithEnvironment("LAKEKEEPER__SECRETS__LOCALKEYFILE", settings.SecretKeyFile)
        .WithEnvironment("LAKEKEEPER__LOG__FORMAT", "text")
        .WithEnvironment("LAKEKEEPER__SERVER__BINDADDRESS", "127.0.0.1")
        .WithEnvironment("LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0", settings.WarehousesDirectory)
        // The services run as deployed, whatever environment the app host itself runs in (its processes
        // inherit its variables, and Development would change ASP.NET Core's defaults).
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Production")
        .WithEnvironment("DOTNET_ENVIRONMENT", "Production")
        .WithEnvironment(static context =>
        {
            // Aspire sets the standard OTEL_EXPORTER_OTLP_* variables (when a dashboard runs) before this
            // callback; the services read their own names.
            if (context.EnvironmentVariables.TryGetValue("OTEL_EXPORTER_OTLP_ENDPOINT", out var endpoint))
            {
                context.EnvironmentVariables["LAKEKEEPER__TELEMETRY__OTLPENDPOINT"] = endpoint;
            }

            if (context.EnvironmentVariables.TryGetValue("OTEL_EXPORTER_OTLP_PROTOCOL", out var protocol))
            {
                context.EnvironmentVariables["LAKEKEEPER__TELEMETRY__OTLPPROTOCOL"] = protocol;
            }
        });

    /// <summary>
    /// <c>http://127.0.0.1:port</c>: the hosts bind the IPv4 loopback only, and <c>localhost</c> may resolve
    /// to ::1 first.
    /// </summary>
    public static ReferenceExpression LoopbackUrl(EndpointReference endpoint) =>
        ReferenceExpression.Create($"http://127.0.0.1:{endpoint.Property(EndpointProperty.Port)}");

    /// <summary>The port the process itself listens on (the same as the endpoint's: none is proxied).</summary>
    public static ReferenceExpression TargetPort(EndpointReference endpoint) =>
        ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.TargetPort)}");
}

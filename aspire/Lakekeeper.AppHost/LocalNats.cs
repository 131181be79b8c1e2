
namespace Lakekeeper.AppHost;

/// <summary>
/// <c>nats-server</c> (Debian's package) with JetStream, as an executable resource: client port on
/// 127.0.0.1, a monitoring port whose <c>/healthz</c> is the readiness check, the JetStream store in the
/// app host's state folder.
/// </summary>
internal static class LocalNats
{
    public const string ClientEndpoint = "tcp";

    public const string MonitorEndpoint = "monitor";

    public static IResourceBuilder<ExecutableResource> AddLocalNats(this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        var server = LocalProcess.Find("nats-server") ?? throw new InvalidOperationException(
            "nats-server was not found: install it (sudo apt-get install -y nats-server; ./lakekeeper up --aspire does).");
        var store = Path.Combine(settings.StateDirectory, "nats");
        Directory.CreateDirectory(store);

        var nats = builder.AddExecutable(name, server, store)
            .WithEndpoint(port: settings.NatsPort, name: ClientEndpoint, scheme: "tcp", isProxied: false)
            .WithHttpEndpoint(name: MonitorEndpoint, isProxied: false)
            .WithHttpHealthCheck("/healthz", endpointName: MonitorEndpoint)
            .WithIconName("Mail");
        var client = nats.GetEndpoint(ClientEndpoint);
        var monitor = nats.GetEndpoint(MonitorEndpoint);
        return nats.WithArgs(context =>
        {
            context.Args.Add("-js");
            context.Args.Add("-a");
            context.Args.Add("127.0.0.1");
            context.Args.Add("-p");
            context.Args.Add(client.Property(EndpointProperty.TargetPort));
            context.Args.Add("-m");
            context.Args.Add(monitor.Property(EndpointProperty.TargetPort));
            context.Args.Add("-sd");
            context.Args.Add(store);
        });
    }

    /// <summary>The client URL for <c>LAKEKEEPER__NATS_ADDRESS</c>.</summary>
    public static ReferenceExpression Address(IResourceBuilder<ExecutableResource> nats) =>
        ReferenceExpression.Create($"nats://127.0.0.1:{nats.GetEndpoint(ClientEndpoint).Property(EndpointProperty.Port)}");
}

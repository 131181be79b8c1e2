using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Hosting;

namespace Lakekeeper.Authz.Server;

/// <summary>
/// <c>grpc.health.v1</c> status of the authz service: SERVING once the host has started (the overall
/// server, <c>""</c>, and <c>lakekeeper.authz.v1.Authorizer</c>), NOT_SERVING as soon as it starts to
/// stop, so callers' health checks move away while requests in flight drain.
/// </summary>
internal sealed class AuthzHealth(HealthServiceImpl health, IHostApplicationLifetime lifetime) : IHostedService
{
    private static readonly string[] Services = [string.Empty, V1.Authorizer.Descriptor.FullName];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Set(HealthCheckResponse.Types.ServingStatus.NotServing);
        lifetime.ApplicationStarted.Register(() => Set(HealthCheckResponse.Types.ServingStatus.Serving));
        lifetime.ApplicationStopping.Register(() => Set(HealthCheckResponse.Types.ServingStatus.NotServing));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Set(HealthCheckResponse.Types.ServingStatus status)
    {
        foreach (var service in Services)
        {
            health.SetStatus(service, status);
        }
    }
}

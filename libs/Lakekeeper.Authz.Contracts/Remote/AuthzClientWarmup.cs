using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Remote;

/// <summary>
/// Once the host has started, asks the authz service's <c>grpc.health.v1</c> whether the Authorizer is
/// serving, on the Authorizer client's channel. The call opens the HTTP/2 connection that client then
/// uses and compiles the client's call path, so the first request of the module does not pay for them
/// inside its deadline; and an authz service that cannot be reached is in the log at start.
/// It never blocks the start and never fails it.
/// </summary>
internal sealed partial class AuthzClientWarmup(
    IOptions<AuthzOptions> options, GrpcClientFactory clients, IHostApplicationLifetime lifetime, ILogger<AuthzClientWarmup> logger) : IHostedService
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private Task? _warming;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.EndpointUri is not null)
        {
            lifetime.ApplicationStarted.Register(() => _warming = WarmAsync());
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _warming?.WaitAsync(cancellationToken) ?? Task.CompletedTask;

    private async Task WarmAsync()
    {
        var endpoint = options.Value.Endpoint?.Trim();
        try
        {
            // On the Authorizer client's own channel: the connection it opens is the one calls then use.
            var authorizer = clients.CreateClient<V1.Authorizer.AuthorizerClient>(AuthzRegistration.ClientName);
            var health = new Health.HealthClient(authorizer.Invoker);
            var reply = await health.CheckAsync(
                new HealthCheckRequest { Service = V1.Authorizer.Descriptor.FullName },
                deadline: DateTime.UtcNow + Deadline,
                cancellationToken: lifetime.ApplicationStopping);
            LogServing(logger, endpoint, reply.Status);
        }
        catch (RpcException ex)
        {
            LogUnreachable(logger, endpoint, ex.StatusCode, ex.Status.Detail);
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Authorization service at {Endpoint}: {Status}")]
    private static partial void LogServing(ILogger logger, string? endpoint, HealthCheckResponse.Types.ServingStatus status);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Authorization service at {Endpoint} did not answer its health check: {StatusCode} {Detail}")]
    private static partial void LogUnreachable(ILogger logger, string? endpoint, StatusCode statusCode, string detail);
}

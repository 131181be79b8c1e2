using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Lakekeeper.Gateway.Proxy;

/// <summary>
/// YARP passive health check policy: a destination whose request fails at the transport level before
/// any response (connection refused or reset, failure sending the request or its body, a malformed
/// response head, a connection not established within the connect timeout) is out of rotation at once,
/// for the cluster's reactivation period, after which the active probes decide. A timeout once
/// connected does not eject (a slow replica is not a dead one), nor does an
/// upstream's own error status, a client that went away, or a failure after the response started.
/// </summary>
internal sealed class TransportFailurePolicy(IDestinationHealthUpdater health) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "TransportFailure";

    private static readonly TimeSpan DefaultReactivationPeriod = TimeSpan.FromMinutes(1);

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        if (IsTransportFailure(context))
        {
            var period = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? DefaultReactivationPeriod;
            health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, period);
        }
    }

    /// <summary>The destination failed before answering: nothing of its response reached the client.</summary>
    public static bool IsTransportFailure(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>() is { } failure
        && (failure.Error is ForwarderError.Request or ForwarderError.RequestBodyDestination || UpstreamFailure.NotConnected(failure))
        && !context.RequestAborted.IsCancellationRequested;
}

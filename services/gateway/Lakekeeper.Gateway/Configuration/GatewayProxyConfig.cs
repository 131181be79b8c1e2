using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Lakekeeper.Gateway.Configuration;

/// <summary>
/// YARP's routes and clusters, from the validated <see cref="GatewayOptions"/> plus the gateway's
/// defaults: round-robin, HTTP/1.1 to cleartext upstreams, active probes of <c>/health/ready</c> and
/// passive ejection of failing destinations. Read once; changing it means restarting the gateway.
/// </summary>
internal sealed class GatewayProxyConfig(IOptions<GatewayOptions> options) : IProxyConfigProvider
{
    /// <summary>Metadata key of YARP's consecutive-failures probe policy: failed probes in a row before a destination is out.</summary>
    private const string ProbeFailureThreshold = "ConsecutiveFailuresHealthPolicy.Threshold";

    private readonly Lazy<IProxyConfig> _config = new(() => Create(options));

    public IProxyConfig GetConfig() => _config.Value;

    private static IProxyConfig Create(IOptions<GatewayOptions> options)
    {
        try
        {
            return Build(options.Value);
        }
        catch (OptionsValidationException)
        {
            // YARP may ask before the host validates its settings; an invalid configuration stops
            // the start with its own message, so there is nothing to serve.
            return new Snapshot([], []);
        }
    }

    internal static Snapshot Build(GatewayOptions settings)
    {
        var routes = settings.Routes.Select(pair => new RouteConfig
        {
            RouteId = pair.Key,
            ClusterId = pair.Value.ClusterId,
            Order = pair.Value.Order,
            Match = new RouteMatch
            {
                Path = pair.Value.Match.Path,
                Methods = GatewayOptionsValidator.EffectiveMethods(pair.Value) is { Length: > 0 } methods ? methods : null,
            },
        }).ToList();

        var http = settings.HttpClient;
        var clusters = settings.Clusters.Select(pair =>
        {
            var (id, cluster) = pair;
            var request = cluster.HttpRequest;
            var health = cluster.HealthCheck;
            return new ClusterConfig
            {
                ClusterId = id,
                LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
                Destinations = cluster.Destinations.ToDictionary(
                    d => d.Key,
                    d => new DestinationConfig { Address = d.Value.Address!, Health = d.Value.Health },
                    StringComparer.OrdinalIgnoreCase),
                HttpRequest = new ForwarderRequestConfig
                {
                    ActivityTimeout = GatewayOptionsValidator.ActivityTimeout(settings, id),
                    Version = request.Version is { } version ? Version.Parse(version.Contains('.', StringComparison.Ordinal) ? version : version + ".0") : HttpVersion.Version11,
                    VersionPolicy = request.VersionPolicy is { } policy ? Enum.Parse<HttpVersionPolicy>(policy, ignoreCase: true) : HttpVersionPolicy.RequestVersionOrHigher,
                },
                HttpClient = new HttpClientConfig
                {
                    MaxConnectionsPerServer = http.MaxConnectionsPerServer,
                    EnableMultipleHttp2Connections = true,
                },
                HealthCheck = new HealthCheckConfig
                {
                    // With every destination out, send to all of them anyway: a single replica that fails
                    // its probe still gets the request (and the client a 502 if it is really down)
                    // instead of a 503 from the gateway for a service that may have just come up.
                    AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
                    Active = new ActiveHealthCheckConfig
                    {
                        Enabled = health.Active.Enabled,
                        Interval = health.Active.Interval,
                        Timeout = health.Active.Timeout,
                        Path = health.Active.Path,
                        Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    },
                    Passive = new PassiveHealthCheckConfig
                    {
                        Enabled = health.Passive.Enabled,
                        Policy = Proxy.TransportFailurePolicy.PolicyName,
                        ReactivationPeriod = health.Passive.ReactivationPeriod,
                    },
                },
                Metadata = new Dictionary<string, string> { [ProbeFailureThreshold] = "2" },
            };
        }).ToList();

        return new Snapshot(routes, clusters);
    }

    internal sealed class Snapshot(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        public IReadOnlyList<RouteConfig> Routes => routes;

        public IReadOnlyList<ClusterConfig> Clusters => clusters;

        public IChangeToken ChangeToken { get; } = new CancellationChangeToken(CancellationToken.None);
    }
}

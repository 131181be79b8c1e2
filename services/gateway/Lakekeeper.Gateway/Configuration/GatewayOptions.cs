using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Gateway.Configuration;

/// <summary>
/// Routes and clusters of the gateway (section <c>Gateway</c>), in the shape and with the names of YARP's
/// own <c>Routes</c>/<c>Clusters</c> configuration; <see cref="GatewayProxyConfig"/> turns them into
/// YARP's model. Built-in routes send the catalog, signer and management paths to clusters of the same
/// names; a deployment sets only destination addresses, e.g.
/// <c>LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS=http://catalog:8181</c>.
/// </summary>
internal sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    public const string CatalogCluster = "catalog";
    public const string SignerCluster = "signer";
    public const string ManagementCluster = "management";

    public static readonly TimeSpan DefaultActivityTimeout = TimeSpan.FromSeconds(100);

    /// <summary>Longest accepted activity timeout; a bare number such as <c>30</c> would otherwise mean 30 days.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    /// <summary>Route id → route. Keys are case-insensitive because environment variables are upper case.</summary>
    public Dictionary<string, GatewayRoute> Routes { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["catalog"] = new() { ClusterId = CatalogCluster, Match = { Path = "/catalog/{**path}" } },
        ["sign_prefixed"] = new() { ClusterId = SignerCluster, Match = { Path = "/catalog/v1/{prefix}/v1/aws/s3/sign" } },
        ["sign_unprefixed"] = new() { ClusterId = SignerCluster, Match = { Path = "/catalog/v1/aws/s3/sign" } },
        ["signer"] = new() { ClusterId = SignerCluster, Match = { Path = "/catalog/v1/signer/{**path}" } },
        // Iceberg 1.11 signs per table; other methods on the path stay with the catalog.
        ["sign_table"] = new()
        {
            ClusterId = SignerCluster,
            Match = { Path = "/catalog/v1/{prefix}/namespaces/{namespace}/tables/{table}/sign" },
            DefaultMethods = ["POST"],
        },
        ["management"] = new() { ClusterId = ManagementCluster, Match = { Path = "/management/{**path}" } },
        // The console and the API documentation are served by management; so is "/" (docs/gateway.md).
        ["ui"] = new() { ClusterId = ManagementCluster, Match = { Path = "/ui/{**path}" } },
        ["api_docs"] = new() { ClusterId = ManagementCluster, Match = { Path = "/api-docs/{**path}" } },
        ["swagger_ui"] = new() { ClusterId = ManagementCluster, Match = { Path = "/swagger-ui/{**path}" } },
        ["root"] = new() { ClusterId = ManagementCluster, Match = { Path = "/" } },
    };

    /// <summary>Cluster id → cluster. The three built-in clusters exist without destinations.</summary>
    public Dictionary<string, GatewayCluster> Clusters { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [CatalogCluster] = new(),
        [SignerCluster] = new(),
        [ManagementCluster] = new(),
    };

    /// <summary>Connection settings shared by every cluster.</summary>
    public GatewayHttpClientOptions HttpClient { get; } = new();

    /// <summary>
    /// Gateways a request may already have passed (counted in its <c>Via</c> header) before this one
    /// refuses it as a forwarding loop.
    /// </summary>
    public int MaxHops { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        GatewayOptionsValidator.Validate(this);
}

/// <summary>One route: which requests (<see cref="Match"/>) go to which cluster.</summary>
internal sealed class GatewayRoute
{
    public string? ClusterId { get; set; }

    public GatewayRouteMatch Match { get; } = new();

    /// <summary>
    /// Earlier name of the cluster's activity timeout (<c>Clusters:{id}:HttpRequest:ActivityTimeout</c>):
    /// setting it on a route sets it for the route's cluster.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Lower wins before specificity is compared, as in YARP and ASP.NET Core routing. Default 0.</summary>
    public int? Order { get; set; }

    /// <summary>Methods of a built-in route when <see cref="GatewayRouteMatch.Methods"/> is not configured.</summary>
    internal string[] DefaultMethods { get; init; } = [];
}

internal sealed class GatewayRouteMatch
{
    /// <summary>Literal segments, <c>{param}</c> for one segment and a final <c>{**catch-all}</c>.</summary>
    public string? Path { get; set; }

    /// <summary>Only these methods (e.g. <c>POST</c>); empty: every method.</summary>
    public List<string> Methods { get; } = [];
}

internal sealed class GatewayCluster
{
    /// <summary>Destination name → destination; requests go round-robin over the healthy ones.</summary>
    public Dictionary<string, GatewayDestination> Destinations { get; } = new(StringComparer.OrdinalIgnoreCase);

    public GatewayRequestOptions HttpRequest { get; } = new();

    public GatewayHealthCheckOptions HealthCheck { get; } = new();
}

internal sealed class GatewayDestination
{
    /// <summary>Absolute <c>http</c>/<c>https</c> base address; a path in it prefixes the forwarded path.</summary>
    public string? Address { get; set; }

    /// <summary>Address the health probe goes to instead of <see cref="Address"/> (YARP's <c>Health</c>).</summary>
    public string? Health { get; set; }
}

/// <summary>Requests to a cluster's destinations (YARP's <c>HttpRequest</c>).</summary>
internal sealed class GatewayRequestOptions
{
    /// <summary>
    /// Longest wait for progress from the upstream (response headers, or the next chunk of either body).
    /// Default 100 s.
    /// </summary>
    public TimeSpan? ActivityTimeout { get; set; }

    /// <summary>HTTP version asked for: <c>1.1</c> (default), <c>2</c> or <c>3</c>.</summary>
    public string? Version { get; set; }

    /// <summary>
    /// <c>RequestVersionOrHigher</c> (default: cleartext stays HTTP/1.1, TLS may negotiate HTTP/2),
    /// <c>RequestVersionOrLower</c> or <c>RequestVersionExact</c>.
    /// </summary>
    public string? VersionPolicy { get; set; }
}

/// <summary>Health checks of a cluster's destinations (YARP's <c>HealthCheck</c>).</summary>
internal sealed class GatewayHealthCheckOptions
{
    public GatewayActiveHealthCheckOptions Active { get; } = new();

    public GatewayPassiveHealthCheckOptions Passive { get; } = new();
}

/// <summary>Probes of every destination; two failed probes in a row take it out of rotation until one succeeds.</summary>
internal sealed class GatewayActiveHealthCheckOptions
{
    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    public string Path { get; set; } = "/health/ready";
}

/// <summary>
/// Ejection of a destination at its first forwarded request that fails at the transport level before any
/// response (refused, reset; not a timeout), by <see cref="Proxy.TransportFailurePolicy"/>.
/// </summary>
internal sealed class GatewayPassiveHealthCheckOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How long an ejected destination stays out; after that the active probes decide whether it gets traffic.</summary>
    public TimeSpan ReactivationPeriod { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Settings of the pooled connections to the upstreams.</summary>
internal sealed class GatewayHttpClientOptions
{
    /// <summary>Time allowed to open a TCP (and TLS) connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Age after which a pooled connection is replaced, so new upstream replicas (Kubernetes services,
    /// DNS changes) receive traffic.
    /// </summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Idle time after which a pooled connection is closed.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Connection cap per destination; unset means no cap.</summary>
    public int? MaxConnectionsPerServer { get; set; }
}

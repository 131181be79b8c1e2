using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Gateway.Configuration;

/// <summary>
/// Routes and clusters of the gateway (section <c>Gateway</c>), shaped like YARP's <c>ReverseProxy</c>
/// section so YARP can replace the forwarder where it restores. Built-in routes send the catalog, signer
/// and management paths to clusters of the same names; a deployment sets only destination addresses,
/// e.g. <c>LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS=http://catalog:8181</c>.
/// </summary>
internal sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    public const string CatalogCluster = "catalog";
    public const string SignerCluster = "signer";
    public const string ManagementCluster = "management";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(100);

    /// <summary>Longest accepted route timeout; a bare number such as <c>30</c> would otherwise mean 30 days.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    /// <summary>Route id → route. Keys are case-insensitive because environment variables are upper case.</summary>
    public Dictionary<string, GatewayRoute> Routes { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["catalog"] = new() { ClusterId = CatalogCluster, Match = { Path = "/catalog/{**path}" } },
        ["sign_prefixed"] = new() { ClusterId = SignerCluster, Match = { Path = "/catalog/v1/{prefix}/v1/aws/s3/sign" } },
        ["sign_unprefixed"] = new() { ClusterId = SignerCluster, Match = { Path = "/catalog/v1/aws/s3/sign" } },
        ["signer"] = new() { ClusterId = SignerCluster, Match = { Path = "/catalog/v1/signer/{**path}" } },
        ["management"] = new() { ClusterId = ManagementCluster, Match = { Path = "/management/{**path}" } },
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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        GatewayOptionsValidator.Validate(this);
}

/// <summary>One route: which requests (<see cref="Match"/>) go to which cluster.</summary>
internal sealed class GatewayRoute
{
    public string? ClusterId { get; set; }

    public GatewayRouteMatch Match { get; } = new();

    /// <summary>
    /// Longest wait for progress from the upstream (response headers, or the next chunk of either body),
    /// as <c>hh:mm:ss</c>. Default 100 s.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Lower wins before specificity is compared, as in YARP and ASP.NET Core routing. Default 0.</summary>
    public int? Order { get; set; }
}

internal sealed class GatewayRouteMatch
{
    /// <summary>Literal segments, <c>{param}</c> for one segment and a final <c>{**catch-all}</c>.</summary>
    public string? Path { get; set; }
}

internal sealed class GatewayCluster
{
    /// <summary>Destination name → destination; requests go round-robin over them.</summary>
    public Dictionary<string, GatewayDestination> Destinations { get; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class GatewayDestination
{
    /// <summary>Absolute <c>http</c>/<c>https</c> base address; a path in it prefixes the forwarded path.</summary>
    public string? Address { get; set; }
}

/// <summary>Settings of the pooled connections to the upstreams.</summary>
internal sealed class GatewayHttpClientOptions
{
    /// <summary>Time allowed to open a TCP (and TLS) connection; a failure answers 502.</summary>
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

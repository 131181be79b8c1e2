using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Lakekeeper.AppHost;

/// <summary>
/// What the app host reads from its own configuration (environment variables or <c>--NAME=value</c>
/// arguments), with the names and defaults of <c>./lakekeeper up</c>.
/// </summary>
internal sealed record AppHostSettings(
    string RepositoryRoot,
    string StateDirectory,
    int? GatewayPort,
    int? PostgresPort,
    int? NatsPort,
    int MetricsBasePort)
{
    /// <summary>The services in start order, with the offset of their metrics port (as <c>./lakekeeper up</c>).</summary>
    public static readonly IReadOnlyDictionary<string, int> MetricsOffsets = new Dictionary<string, int>
    {
        ["authz"] = 1,
        ["catalog"] = 2,
        ["signer"] = 3,
        ["management"] = 4,
        ["events"] = 5,
        ["gateway"] = 6,
    };

    /// <summary>
    /// <c>LAKEKEEPER_PORT</c> (gateway, default 8181), <c>LAKEKEEPER_PG_PORT</c> (default 5433),
    /// <c>LAKEKEEPER_NATS_PORT</c> (default 4223), <c>LAKEKEEPER_METRICS_PORT</c> (base, default 9000; the
    /// services use base+1..base+6; 0 = off), <c>LAKEKEEPER_ASPIRE_STATE</c> (default
    /// <c>.lakekeeper/aspire</c> in the checkout). A port of 0 means "any free port" (tests).
    /// </summary>
    public static AppHostSettings From(IConfiguration configuration, string appHostDirectory)
    {
        var root = Path.GetFullPath(Path.Combine(appHostDirectory, "..", ".."));
        var state = configuration["LAKEKEEPER_ASPIRE_STATE"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(root, ".lakekeeper", "aspire");
        return new AppHostSettings(
            root,
            state,
            Port(configuration, "LAKEKEEPER_PORT", 8181),
            Port(configuration, "LAKEKEEPER_PG_PORT", 5433),
            Port(configuration, "LAKEKEEPER_NATS_PORT", 4223),
            Port(configuration, "LAKEKEEPER_METRICS_PORT", 9000) ?? 0);
    }

    /// <summary>The fixed metrics port of a service, or 0 when metrics are off.</summary>
    public int MetricsPort(string service) => MetricsBasePort == 0 ? 0 : MetricsBasePort + MetricsOffsets[service];

    public string WarehousesDirectory => Path.Combine(StateDirectory, "warehouses");

    public string SecretKeyFile => Path.Combine(StateDirectory, "secret.key");

    /// <summary>null for 0 (a free port chosen when the resource starts).</summary>
    private static int? Port(IConfiguration configuration, string name, int fallback)
    {
        var raw = configuration[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new InvalidOperationException($"{name}='{raw}' is not a port number (0 = any free port).");
        }

        return port == 0 ? null : port;
    }
}

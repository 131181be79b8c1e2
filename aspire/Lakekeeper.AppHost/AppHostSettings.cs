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
    int? MetricsBasePort)
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
    /// services use base+1..base+6; 0 = off, <c>any</c> = each on a free port), <c>LAKEKEEPER_ASPIRE_STATE</c>
    /// (default <c>.lakekeeper/aspire</c> in the checkout). A port of 0 means "any free port" (tests), except
    /// for the metrics base, where 0 means off as in <c>./lakekeeper up</c>.
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
            MetricsBase(configuration));
    }

    /// <summary>The fixed metrics port of a service, 0 when metrics are off, null for a free port.</summary>
    public int? MetricsPort(string service) => MetricsBasePort is { } port
        ? port == 0 ? 0 : port + MetricsOffsets[service]
        : null;

    public string WarehousesDirectory => Path.Combine(StateDirectory, "warehouses");

    public string SecretKeyFile => Path.Combine(StateDirectory, "secret.key");

    /// <summary>The metrics base port: 0 (off) stays 0, <c>any</c> is null (free ports).</summary>
    private static int? MetricsBase(IConfiguration configuration)
    {
        const string name = "LAKEKEEPER_METRICS_PORT";
        if (string.Equals(configuration[name]?.Trim(), "any", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var port = Port(configuration, name, 9000) ?? 0;
        if (port > 65535 - MetricsOffsets.Count)
        {
            throw new InvalidOperationException($"{name}='{port}' leaves no room for the {MetricsOffsets.Count} service ports after it.");
        }

        return port;
    }

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

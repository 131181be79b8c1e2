using System.ComponentModel.DataAnnotations;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Gateway.Routing;

namespace Lakekeeper.Gateway.Configuration;

/// <summary>
/// Checks the route table when the host starts. Each failure names the configuration path (the
/// ServiceDefaults validator turns it into the <c>LAKEKEEPER__GATEWAY__…</c> variable to set).
/// </summary>
internal static class GatewayOptionsValidator
{
    public static IEnumerable<ValidationResult> Validate(GatewayOptions options)
    {
        var usedClusters = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var shapes = new Dictionary<(int Order, string Shape), string>();
        foreach (var (id, route) in options.Routes)
        {
            var prefix = $"Routes:{id}:";
            if (!RoutePatterns.TryParse(route.Match.Path, out var pattern, out var patternError))
            {
                yield return Fail(prefix + "Match:Path", patternError);
            }
            else if (!shapes.TryAdd((route.Order ?? 0, RoutePatterns.Shape(pattern)), id))
            {
                yield return Fail(prefix + "Match:Path",
                    $"matches the same requests as route '{shapes[(route.Order ?? 0, RoutePatterns.Shape(pattern))]}' with the same precedence; change the path or set a different Order");
            }

            if (string.IsNullOrWhiteSpace(route.ClusterId))
            {
                yield return Fail(prefix + "ClusterId", "is required: the cluster this route sends requests to");
            }
            else if (!options.Clusters.ContainsKey(route.ClusterId))
            {
                yield return Fail(prefix + "ClusterId",
                    $"names cluster '{route.ClusterId}', which is not configured; set {DestinationVariable(route.ClusterId)}");
            }
            else
            {
                usedClusters.Add(route.ClusterId);
            }

            if (route.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > GatewayOptions.MaxTimeout))
            {
                yield return Fail(prefix + "Timeout", $"must be a duration between 00:00:00.001 and {GatewayOptions.MaxTimeout:c} (hh:mm:ss)");
            }
        }

        foreach (var (id, cluster) in options.Clusters)
        {
            if (cluster.Destinations.Count == 0 && usedClusters.Contains(id))
            {
                yield return Fail($"Clusters:{id}:Destinations",
                    $"cluster '{id}' has no destinations; set {DestinationVariable(id)}");
            }

            foreach (var (name, destination) in cluster.Destinations)
            {
                if (!TryParseAddress(destination.Address, out _))
                {
                    yield return Fail($"Clusters:{id}:Destinations:{name}:Address",
                        "must be an absolute http:// or https:// address without user info, query or fragment, e.g. http://catalog:8181");
                }
            }
        }

        var http = options.HttpClient;
        if (http.ConnectTimeout <= TimeSpan.Zero)
        {
            yield return Fail("HttpClient:ConnectTimeout", "must be a positive duration (hh:mm:ss)");
        }

        if (http.PooledConnectionLifetime <= TimeSpan.Zero)
        {
            yield return Fail("HttpClient:PooledConnectionLifetime", "must be a positive duration (hh:mm:ss)");
        }

        if (http.PooledConnectionIdleTimeout <= TimeSpan.Zero)
        {
            yield return Fail("HttpClient:PooledConnectionIdleTimeout", "must be a positive duration (hh:mm:ss)");
        }

        if (http.MaxConnectionsPerServer is < 1)
        {
            yield return Fail("HttpClient:MaxConnectionsPerServer", "must be at least 1");
        }
    }

    public static bool TryParseAddress(string? address, out Uri uri)
    {
        uri = null!;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || parsed.UserInfo.Length > 0 || parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
        {
            return false;
        }

        uri = parsed;
        return true;
    }

    private static string DestinationVariable(string clusterId) =>
        SettingNames.ToVariable(GatewayOptions.Section, $"Clusters:{clusterId}:Destinations") + "__<NAME>__ADDRESS=http://host:port";

    private static ValidationResult Fail(string path, string message) => new(message, [path]);
}

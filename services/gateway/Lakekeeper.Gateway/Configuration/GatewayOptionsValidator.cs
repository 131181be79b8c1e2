using System.ComponentModel.DataAnnotations;
using Lakekeeper.Abstractions.Configuration;

namespace Lakekeeper.Gateway.Configuration;

/// <summary>
/// Checks the routes and clusters when the host starts. Each failure names the configuration path (the
/// ServiceDefaults validator turns it into the <c>LAKEKEEPER__GATEWAY__…</c> variable to set). YARP
/// validates its model too, but later and with messages that do not name our variables.
/// </summary>
internal static class GatewayOptionsValidator
{
    private static readonly string[] Versions = ["1.0", "1.1", "2", "2.0", "3", "3.0"];

    public static IEnumerable<ValidationResult> Validate(GatewayOptions options)
    {
        var usedClusters = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var shapes = new List<(int Order, string Shape, string[] Methods, string Id)>();
        foreach (var (id, route) in options.Routes)
        {
            var prefix = $"Routes:{id}:";
            var methods = EffectiveMethods(route);
            foreach (var method in methods)
            {
                if (method.Length == 0 || !method.All(c => char.IsAsciiLetter(c) || c == '-'))
                {
                    yield return Fail(prefix + "Match:Methods", $"'{method}' is not an HTTP method; use names such as GET or POST");
                }
            }

            if (!RoutePatterns.TryParse(route.Match.Path, out var pattern, out var patternError))
            {
                yield return Fail(prefix + "Match:Path", patternError);
            }
            else
            {
                var shape = RoutePatterns.Shape(pattern);
                var order = route.Order ?? 0;
                var tie = shapes.FirstOrDefault(s => s.Order == order && s.Shape == shape && Overlap(s.Methods, methods));
                if (tie.Id is not null)
                {
                    yield return Fail(prefix + "Match:Path",
                        $"matches the same requests as route '{tie.Id}' with the same precedence; change the path or set a different Order");
                }

                shapes.Add((order, shape, methods, id));
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

            if (route.Timeout is { } timeout && !InRange(timeout))
            {
                yield return Fail(prefix + "Timeout", $"must be a duration between 00:00:00.001 and {GatewayOptions.MaxTimeout:c} (hh:mm:ss)");
            }
        }

        foreach (var (id, cluster) in options.Clusters)
        {
            foreach (var failure in ValidateCluster(options, id, cluster, usedClusters.Contains(id)))
            {
                yield return failure;
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

        if (options.MaxHops is < 1 or > 32)
        {
            yield return Fail("MaxHops", "must be between 1 and 32");
        }
    }

    private static IEnumerable<ValidationResult> ValidateCluster(GatewayOptions options, string id, GatewayCluster cluster, bool used)
    {
        var prefix = $"Clusters:{id}:";
        if (cluster.Destinations.Count == 0 && used)
        {
            yield return Fail(prefix + "Destinations", $"cluster '{id}' has no destinations; set {DestinationVariable(id)}");
        }

        foreach (var (name, destination) in cluster.Destinations)
        {
            if (!TryParseAddress(destination.Address, out _))
            {
                yield return Fail($"{prefix}Destinations:{name}:Address",
                    "must be an absolute http:// or https:// address without user info, query or fragment, e.g. http://catalog:8181");
            }

            if (destination.Health is not null && !TryParseAddress(destination.Health, out _))
            {
                yield return Fail($"{prefix}Destinations:{name}:Health",
                    "must be an absolute http:// or https:// address without user info, query or fragment, e.g. http://catalog:9000");
            }
        }

        var request = cluster.HttpRequest;
        if (request.ActivityTimeout is { } activity && !InRange(activity))
        {
            yield return Fail(prefix + "HttpRequest:ActivityTimeout", $"must be a duration between 00:00:00.001 and {GatewayOptions.MaxTimeout:c} (hh:mm:ss)");
        }
        else if (request.ActivityTimeout is null && RouteTimeouts(options, id).Distinct().Skip(1).Any())
        {
            yield return Fail(prefix + "HttpRequest:ActivityTimeout",
                $"routes to cluster '{id}' set different timeouts; a timeout belongs to the cluster, set this variable instead of the routes' TIMEOUT");
        }

        if (request.Version is { } version && !Versions.Contains(version))
        {
            yield return Fail(prefix + "HttpRequest:Version", "must be 1.1, 2 or 3");
        }

        if (request.VersionPolicy is { } policy && !Enum.TryParse<HttpVersionPolicy>(policy, ignoreCase: true, out _))
        {
            yield return Fail(prefix + "HttpRequest:VersionPolicy", "must be RequestVersionOrHigher, RequestVersionOrLower or RequestVersionExact");
        }

        var active = cluster.HealthCheck.Active;
        if (active.Interval < TimeSpan.FromMilliseconds(100) || active.Interval > GatewayOptions.MaxTimeout)
        {
            yield return Fail(prefix + "HealthCheck:Active:Interval", $"must be a duration between 00:00:00.1 and {GatewayOptions.MaxTimeout:c} (hh:mm:ss)");
        }

        if (!InRange(active.Timeout))
        {
            yield return Fail(prefix + "HealthCheck:Active:Timeout", $"must be a duration between 00:00:00.001 and {GatewayOptions.MaxTimeout:c} (hh:mm:ss)");
        }

        if (!active.Path.StartsWith('/') || active.Path.Contains('?', StringComparison.Ordinal))
        {
            yield return Fail(prefix + "HealthCheck:Active:Path", "must be a path starting with '/', e.g. /health/ready");
        }

        if (cluster.HealthCheck.Passive.ReactivationPeriod <= TimeSpan.Zero)
        {
            yield return Fail(prefix + "HealthCheck:Passive:ReactivationPeriod", "must be a positive duration (hh:mm:ss)");
        }
    }

    /// <summary>The cluster's activity timeout: its own setting, else one its routes set (all equal), else 100 s.</summary>
    public static TimeSpan ActivityTimeout(GatewayOptions options, string clusterId) =>
        options.Clusters.TryGetValue(clusterId, out var cluster) && cluster.HttpRequest.ActivityTimeout is { } own
            ? own
            : RouteTimeouts(options, clusterId).FirstOrDefault(GatewayOptions.DefaultActivityTimeout);

    /// <summary>The configured methods, upper case; a built-in route's own when none are configured.</summary>
    public static string[] EffectiveMethods(GatewayRoute route) =>
        route.Match.Methods.Count > 0 ? [.. route.Match.Methods.Select(m => m.Trim().ToUpperInvariant()).Distinct()] : route.DefaultMethods;

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

    private static IEnumerable<TimeSpan> RouteTimeouts(GatewayOptions options, string clusterId) =>
        options.Routes.Values
            .Where(r => string.Equals(r.ClusterId, clusterId, StringComparison.OrdinalIgnoreCase) && r.Timeout is not null)
            .Select(r => r.Timeout!.Value);

    private static bool InRange(TimeSpan duration) => duration > TimeSpan.Zero && duration <= GatewayOptions.MaxTimeout;

    /// <summary>Routes without methods take every method, so they overlap with any other.</summary>
    private static bool Overlap(string[] a, string[] b) => a.Length == 0 || b.Length == 0 || a.Intersect(b).Any();

    private static string DestinationVariable(string clusterId) =>
        SettingNames.ToVariable(GatewayOptions.Section, $"Clusters:{clusterId}:Destinations") + "__<NAME>__ADDRESS=http://host:port";

    private static ValidationResult Fail(string path, string message) => new(message, [path]);
}

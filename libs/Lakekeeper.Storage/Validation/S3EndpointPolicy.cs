using System.Net;
using System.Net.Sockets;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.Validation;

/// <summary>
/// Which S3 endpoints a warehouse may name (<c>LAKEKEEPER__STORAGE__ALLOWED_S3_ENDPOINTS</c>), so
/// that creating a warehouse cannot make the catalog connect to arbitrary hosts (server-side request
/// forgery: mapping internal hosts and ports, sending requests to internal services).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A profile without <c>endpoint</c> is AWS itself (the region's endpoint): allowed.</item>
/// <item>AWS's own endpoints, <c>https://*.amazonaws.com</c> and <c>https://*.amazonaws.com.cn</c>
/// on port 443, are allowed by default.</item>
/// <item>Anything else must match an entry: <c>host[:port]</c>, comma-separated. The host may start
/// with <c>*.</c> (any subdomain); the port may be <c>*</c>; without a port the scheme's default
/// port is meant. An IP address must be listed as it is (wildcards never match one), so loopback
/// (127.0.0.0/8, ::1), link-local (169.254.0.0/16 — cloud metadata —, fe80::/10) and every other
/// address are refused unless an operator lists them.</item>
/// </list>
/// </remarks>
internal static class S3EndpointPolicy
{
    public const string Variable = "LAKEKEEPER__STORAGE__ALLOWED_S3_ENDPOINTS";

    private static readonly string[] AwsSuffixes = [".amazonaws.com", ".amazonaws.com.cn"];

    /// <summary>Why the profile's endpoint is not allowed, or null when it is.</summary>
    public static string? Check(StorageProfile profile, string? allowed)
    {
        if (profile is not S3StorageProfile { Endpoint: { IsAbsoluteUri: true } endpoint })
        {
            return null;
        }

        var host = endpoint.IdnHost.TrimEnd('.').ToLowerInvariant();
        var port = endpoint.Port;
        if (endpoint.Scheme == Uri.UriSchemeHttps && port == 443 && endpoint.HostNameType == UriHostNameType.Dns
            && AwsSuffixes.Any(s => host.EndsWith(s, StringComparison.Ordinal)))
        {
            return null;
        }

        foreach (var entry in Entries(allowed))
        {
            if (Matches(entry, host, port, endpoint))
            {
                return null;
            }
        }

        var kind = IPAddress.TryParse(host.Trim('[', ']'), out var address) ? Describe(address) : "the host";
        return $"endpoint: {kind} {endpoint.Host}:{port} is not an allowed S3 endpoint on this server; an operator can allow it with {Variable}=<host:port>,…";
    }

    private static IEnumerable<string> Entries(string? allowed) =>
        (allowed ?? string.Empty).Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool Matches(string entry, string host, int port, Uri endpoint)
    {
        string hostPattern;
        string? portPattern = null;
        if (entry.StartsWith('['))
        {
            // [v6]:port
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            hostPattern = entry[..(close + 1)];
            if (close + 1 < entry.Length)
            {
                if (entry[close + 1] != ':')
                {
                    return false;
                }

                portPattern = entry[(close + 2)..];
            }
        }
        else
        {
            var colon = entry.LastIndexOf(':');
            hostPattern = colon < 0 ? entry : entry[..colon];
            portPattern = colon < 0 ? null : entry[(colon + 1)..];
        }

        var portOk = portPattern switch
        {
            null => endpoint.IsDefaultPort,
            "*" => true,
            _ => int.TryParse(portPattern, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p == port,
        };
        if (!portOk)
        {
            return false;
        }

        hostPattern = hostPattern.TrimEnd('.').ToLowerInvariant();
        var isAddress = IPAddress.TryParse(host.Trim('[', ']'), out var address);
        if (isAddress)
        {
            // Addresses only match themselves (compared as addresses: 127.0.0.1 == 127.000.000.001).
            return IPAddress.TryParse(hostPattern.Trim('[', ']'), out var listed) && listed.Equals(address);
        }

        return hostPattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(hostPattern[1..], StringComparison.Ordinal) && host.Length > hostPattern.Length - 1
            : host == hostPattern;
    }

    private static string Describe(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return "the loopback address";
        }

        var bytes = address.GetAddressBytes();
        var linkLocal = address.AddressFamily == AddressFamily.InterNetwork
            ? bytes[0] == 169 && bytes[1] == 254
            : address.IsIPv6LinkLocal;
        return linkLocal ? "the link-local address" : "the address";
    }
}

using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Authz;

/// <summary>
/// Authorization settings (section <c>Authz</c>): <c>LAKEKEEPER__AUTHZ__BACKEND</c>,
/// <c>LAKEKEEPER__AUTHZ__ENDPOINT</c>, <c>LAKEKEEPER__AUTHZ__TIMEOUTMS</c>, <c>LAKEKEEPER__AUTHZ__CHECKCACHEMS</c>.
/// </summary>
public sealed class AuthzOptions : IValidatableObject
{
    public const string Section = "Authz";

    /// <summary>
    /// The engine that decides (<c>allowall</c> by default). Validated by the process that runs an engine
    /// (standalone, the authz service); a gRPC client only reports it.
    /// </summary>
    public string Backend { get; set; } = "allowall";

    /// <summary>
    /// The authz service's internal gRPC address, e.g. <c>http://authz:8182</c>. Set: this process asks
    /// the authz service (microservices). Unset: the engine runs in process (standalone). Several
    /// replicas: their addresses separated by commas (<c>http://10.0.0.5:8182,http://10.0.0.6:8182</c>);
    /// calls are spread round-robin over the ones that accept connections (client-side balancing). Or
    /// one name that resolves to every replica, <c>dns:///authz-headless:8182</c> (a Kubernetes headless
    /// Service): resolved again every <see cref="DnsRefreshSeconds"/> and whenever a connection fails,
    /// calls spread round-robin over its addresses (cleartext HTTP/2, like <c>http://</c>).
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>How often a <c>dns:///</c> endpoint is resolved again (new replicas join within this), in seconds.</summary>
    [Range(1, 3600, ErrorMessage = "must be between 1 and 3600 seconds")]
    public int DnsRefreshSeconds { get; set; } = 30;

    /// <summary>The endpoint is one DNS name whose addresses are the replicas (<c>dns:///host:port</c>).</summary>
    public bool ResolvesWithDns => EndpointUris is [{ Scheme: DnsScheme }];

    /// <summary>The URI scheme of an endpoint resolved through DNS (Grpc.Net.Client's DNS resolver).</summary>
    public const string DnsScheme = "dns";

    /// <summary>Deadline of one call to the authz service, in milliseconds.</summary>
    [Range(1, 600_000, ErrorMessage = "must be between 1 and 600000 milliseconds")]
    public int TimeoutMs { get; set; } = 2000;

    /// <summary>
    /// How long a check answered by the authz service is reused by this process, in milliseconds
    /// (0: ask every time). A revoked permission can therefore still be granted for this long.
    /// Only the remote binding caches; the in-process engine is asked every time.
    /// </summary>
    [Range(0, 60_000, ErrorMessage = "must be between 0 and 60000 milliseconds")]
    public int CheckCacheMs { get; set; } = 2000;

    /// <summary>The first address of <see cref="Endpoint"/>, or null when the engine runs in process.</summary>
    public Uri? EndpointUri => EndpointUris is [var first, ..] ? first : null;

    /// <summary>Every address of <see cref="Endpoint"/> (one per authz replica); empty when the engine runs in process.</summary>
    public IReadOnlyList<Uri> EndpointUris =>
        string.IsNullOrWhiteSpace(Endpoint)
            ? []
            : [.. Endpoint.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(static part => Uri.TryCreate(part, UriKind.Absolute, out var uri) ? uri : null)
                .OfType<Uri>()];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            yield break;
        }

        var parts = Endpoint.Split(',', StringSplitOptions.TrimEntries);
        foreach (var part in parts)
        {
            if (Uri.TryCreate(part, UriKind.Absolute, out var named) && named.Scheme == DnsScheme)
            {
                if (parts.Length > 1 || !IsDnsTarget(named))
                {
                    yield return new ValidationResult(
                        $"'{part}' must be dns:///host:port alone: one name that resolves to every authz replica, with the port of their gRPC listener", [nameof(Endpoint)]);
                }
            }
            else if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri is not { Scheme: "http" or "https", Host.Length: > 0, AbsolutePath: "/" })
            {
                yield return new ValidationResult(
                    $"'{part}' must be the authz service's gRPC address, like http://authz:8182 (several replicas: comma-separated)", [nameof(Endpoint)]);
            }
        }

        if (parts.Length > 1 && EndpointUris.Select(static u => u.Scheme).Distinct().Count() > 1 && !EndpointUris.Any(static u => u.Scheme == DnsScheme))
        {
            yield return new ValidationResult("the addresses must all be http:// or all https://", [nameof(Endpoint)]);
        }
    }

    /// <summary><c>dns:///host:port</c>: no authority, then a host and an explicit port, nothing else.</summary>
    private static bool IsDnsTarget(Uri uri)
    {
        var target = uri.AbsolutePath.TrimStart('/');
        return uri.Authority.Length == 0
            && uri.Query.Length == 0
            && uri.Fragment.Length == 0
            && Uri.TryCreate("http://" + target, UriKind.Absolute, out var parsed)
            && parsed is { Host.Length: > 0, AbsolutePath: "/", IsDefaultPort: false }
            && string.Equals(parsed.Authority, target, StringComparison.OrdinalIgnoreCase);
    }
}

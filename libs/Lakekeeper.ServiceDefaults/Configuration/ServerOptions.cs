using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.ServiceDefaults.Configuration;

/// <summary>Network settings of a service host (section <c>Server</c>).</summary>
public sealed class ServerOptions : IValidatableObject
{
    public const string Section = "Server";

    /// <summary>Public HTTP/1.1 port. 0 picks a free port (tests).</summary>
    [Range(0, 65535)]
    public int ListenPort { get; set; } = 8181;

    /// <summary>Address to bind, e.g. <c>0.0.0.0</c> or <c>127.0.0.1</c>.</summary>
    [Required]
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Internal cleartext HTTP/2 port for gRPC between services. Unset: the host serves no gRPC.
    /// </summary>
    [Range(0, 65535)]
    public int? InternalPort { get; set; }

    /// <summary>
    /// Address the internal port binds to: loopback by default, so that it is not reachable from
    /// elsewhere unless an operator opens it (the Helm chart binds <c>0.0.0.0</c> inside the pod and
    /// sets the service token, which is then required: a non-loopback address without
    /// <c>LAKEKEEPER__SERVICE_TOKEN</c> stops the host at start).
    /// </summary>
    [Required]
    public string InternalBindAddress { get; set; } = "127.0.0.1";

    /// <summary>Largest request body accepted, in bytes (Lakekeeper's default is 32 MiB).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// Process-wide budget for request bodies held in memory at once, in bytes (raised to
    /// <see cref="MaxRequestBodyBytes"/> when smaller, so that one body of the largest size always fits). Requests beyond it wait <see cref="RequestBodyWaitMilliseconds"/>,
    /// then get 503 with <c>Retry-After</c>.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long RequestBodyBudgetBytes { get; set; } = 96L * 1024 * 1024;

    /// <summary>
    /// Longest string (or key) in a JSON request body, in bytes as sent (escapes included). Checked while
    /// the body arrives, so a body with a longer string is refused (400 naming the setting) before the rest
    /// is read or any module turns it into a .NET string. The default, 8 MiB, fits the largest legitimate
    /// string: the XML of an S3 DeleteObjects request inside a sign request (<c>LAKEKEEPER__SIGNER__MAXREQUESTBYTES</c>).
    /// </summary>
    [Range(1024, int.MaxValue)]
    public long MaxJsonStringBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>How long a request waits for room in <see cref="RequestBodyBudgetBytes"/> before it is refused.</summary>
    [Range(0, 60_000)]
    public int RequestBodyWaitMilliseconds { get; set; } = 2000;

    /// <summary>How long a stopping host waits for requests in flight.</summary>
    [Range(0, 3600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// The externally visible base URI (e.g. <c>https://lake.example.com</c>). Unset: taken from the
    /// request (<c>X-Forwarded-*</c> headers set by the gateway, else Host).
    /// </summary>
    public Uri? PublicBaseUri { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!System.Net.IPAddress.TryParse(BindAddress, out _) && BindAddress != "localhost")
        {
            yield return new ValidationResult("must be an IP address or 'localhost'", [nameof(BindAddress)]);
        }

        if (!System.Net.IPAddress.TryParse(InternalBindAddress, out _) && InternalBindAddress != "localhost")
        {
            yield return new ValidationResult("must be an IP address or 'localhost'", [nameof(InternalBindAddress)]);
        }

        if (InternalPort is { } port && port != 0 && port == ListenPort)
        {
            yield return new ValidationResult("must differ from the listen port", [nameof(InternalPort)]);
        }

        if (PublicBaseUri is { IsAbsoluteUri: false })
        {
            yield return new ValidationResult("must be an absolute URI", [nameof(PublicBaseUri)]);
        }
    }
}

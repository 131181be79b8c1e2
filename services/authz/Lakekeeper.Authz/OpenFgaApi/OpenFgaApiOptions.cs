using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace Lakekeeper.Authz.OpenFgaApi;

/// <summary>
/// The OpenFGA-compatible HTTP API (section <c>Authz</c>): <c>LAKEKEEPER__AUTHZ__OPENFGA_API_PORT</c>
/// (unset: off), <c>…_BIND</c> (default loopback), <c>…_KEYS</c> (comma-separated preshared bearer keys).
/// </summary>
internal sealed class OpenFgaApiOptions : IValidatableObject
{
    [ConfigurationKeyName("OPENFGA_API_PORT")]
    [Range(0, 65535)]
    public int? Port { get; set; }

    [ConfigurationKeyName("OPENFGA_API_BIND")]
    public string Bind { get; set; } = "127.0.0.1";

    [ConfigurationKeyName("OPENFGA_API_KEYS")]
    public string? Keys { get; set; }

    public bool Enabled => Port is not null;

    /// <summary>The preshared keys; empty: no authentication (only allowed on loopback).</summary>
    public IReadOnlyList<string> KeyList =>
        string.IsNullOrWhiteSpace(Keys) ? [] : Keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IPAddress BindAddress => Bind == "localhost" ? IPAddress.Loopback : IPAddress.Parse(Bind);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(Bind, out var address) && Bind != "localhost")
        {
            yield return new ValidationResult("must be an IP address or 'localhost'", [nameof(Bind)]);
            yield break;
        }

        // Fail closed: an API that grants and revokes permissions is never open beyond this machine.
        if (Enabled && KeyList.Count == 0 && address is not null && !IPAddress.IsLoopback(address))
        {
            yield return new ValidationResult(
                $"is required when the OpenFGA API listens on '{Bind}' (not loopback): set comma-separated bearer keys", [nameof(Keys)]);
        }

        if (KeyList.Any(static k => k.Length < 16))
        {
            yield return new ValidationResult("each key must be at least 16 characters", [nameof(Keys)]);
        }
    }
}

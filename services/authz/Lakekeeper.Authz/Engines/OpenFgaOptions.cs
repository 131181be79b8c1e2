using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Engines;

/// <summary>
/// The store the <c>builtin</c> and <c>openfga</c> backends keep Lakekeeper's model and tuples in, and
/// how the <c>openfga</c> backend reaches an external OpenFGA (section <c>OpenFga</c>, Lakekeeper's
/// <c>LAKEKEEPER__OPENFGA__…</c> names).
/// </summary>
internal sealed class OpenFgaOptions
{
    public const string Section = "OpenFga";

    /// <summary>OpenFGA's HTTP API, e.g. <c>http://openfga:8080</c> (Lakekeeper's setting names the gRPC port; this one is HTTP).</summary>
    public string? Endpoint { get; set; }

    /// <summary>The store's name; created when missing.</summary>
    [ConfigurationKeyName("STORE_NAME")]
    public string StoreName { get; set; } = "lakekeeper";

    /// <summary>A preshared key, sent as <c>Authorization: Bearer</c>.</summary>
    [ConfigurationKeyName("API_KEY")]
    public string? ApiKey { get; set; }

    /// <summary>OAuth2 client credentials (with <see cref="ClientSecret"/> and <see cref="TokenEndpoint"/>).</summary>
    [ConfigurationKeyName("CLIENT_ID")]
    public string? ClientId { get; set; }

    [ConfigurationKeyName("CLIENT_SECRET")]
    public string? ClientSecret { get; set; }

    [ConfigurationKeyName("TOKEN_ENDPOINT")]
    public string? TokenEndpoint { get; set; }

    [ConfigurationKeyName("SCOPE")]
    public string? Scope { get; set; }

    /// <summary>Checks per batch-check request (OpenFGA's default limit is 50).</summary>
    [ConfigurationKeyName("MAX_BATCH_CHECK_SIZE")]
    public int MaxBatchCheckSize { get; set; } = 50;

    public Uri? EndpointUri =>
        Uri.TryCreate(Endpoint?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    public bool UsesClientCredentials => !string.IsNullOrEmpty(ClientId);
}

/// <summary>What the <c>openfga</c> backend needs; checked only when it is the backend.</summary>
internal sealed class OpenFgaBackendValidator : IValidateOptions<OpenFgaOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenFgaOptions options)
    {
        var failures = new List<string>();
        if (options.EndpointUri is null)
        {
            failures.Add("LAKEKEEPER__OPENFGA__ENDPOINT is required with LAKEKEEPER__AUTHZ_BACKEND=openfga: OpenFGA's HTTP address, like http://openfga:8080");
        }

        if (string.IsNullOrWhiteSpace(options.StoreName) || options.StoreName.Length > 64)
        {
            failures.Add("LAKEKEEPER__OPENFGA__STORE_NAME must be 1 to 64 characters");
        }

        if (options.UsesClientCredentials)
        {
            if (string.IsNullOrEmpty(options.ClientSecret) || !Uri.TryCreate(options.TokenEndpoint, UriKind.Absolute, out _))
            {
                failures.Add("LAKEKEEPER__OPENFGA__CLIENT_ID needs LAKEKEEPER__OPENFGA__CLIENT_SECRET and LAKEKEEPER__OPENFGA__TOKEN_ENDPOINT (an absolute URL)");
            }

            if (!string.IsNullOrEmpty(options.ApiKey))
            {
                failures.Add("LAKEKEEPER__OPENFGA__API_KEY and LAKEKEEPER__OPENFGA__CLIENT_ID exclude each other: use one way to authenticate");
            }
        }

        if (options.MaxBatchCheckSize is < 1 or > 1000)
        {
            failures.Add("LAKEKEEPER__OPENFGA__MAX_BATCH_CHECK_SIZE must be between 1 and 1000");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Lakekeeper.Management.WebConsole;

/// <summary>
/// The web console (section <c>UI</c>), with Lakekeeper's setting names:
/// <c>LAKEKEEPER__UI__OPENID_CLIENT_ID</c>, <c>…__OPENID_SCOPE</c>, <c>…__OPENID_PROVIDER_URI</c>,
/// <c>…__OPENID_REDIRECT_PATH</c>, <c>…__OPENID_POST_LOGOUT_REDIRECT_PATH</c>, <c>…__OPENID_RESOURCE</c>;
/// ours: <c>…__ENABLED</c> and <c>…__ASSETS_PATH</c>.
/// </summary>
public sealed class ConsoleOptions : IValidatableObject
{
    public const string Section = "UI";

    /// <summary>Serve the console at <c>/ui</c> and redirect <c>/</c> there (default true).</summary>
    [ConfigurationKeyName("ENABLED")]
    public bool Enabled { get; set; } = true;

    /// <summary>The folder of the built console (<c>console/dist</c>); default: <c>console</c> next to the host's assembly.</summary>
    [ConfigurationKeyName("ASSETS_PATH")]
    public string? AssetsPath { get; set; }

    /// <summary>The public OAuth client of the console at the identity provider (authorization code + PKCE).</summary>
    [ConfigurationKeyName("OPENID_CLIENT_ID")]
    public string? OpenIdClientId { get; set; }

    /// <summary>Scopes the console asks for (default <c>openid profile email</c>).</summary>
    [ConfigurationKeyName("OPENID_SCOPE")]
    public string OpenIdScope { get; set; } = "openid profile email";

    /// <summary>The provider the console logs in with; default <c>LAKEKEEPER__OPENID_PROVIDER_URI</c>.</summary>
    [ConfigurationKeyName("OPENID_PROVIDER_URI")]
    public Uri? OpenIdProviderUri { get; set; }

    /// <summary>Where the provider sends the browser back, under <c>/ui</c> (default <c>/callback</c>).</summary>
    [ConfigurationKeyName("OPENID_REDIRECT_PATH")]
    public string OpenIdRedirectPath { get; set; } = "/callback";

    /// <summary>Where the provider sends the browser after logout, under <c>/ui</c> (default <c>/logout</c>).</summary>
    [ConfigurationKeyName("OPENID_POST_LOGOUT_REDIRECT_PATH")]
    public string OpenIdPostLogoutRedirectPath { get; set; } = "/logout";

    /// <summary>An RFC 8707 resource indicator sent with the authorization request, when the provider needs one for the audience.</summary>
    [ConfigurationKeyName("OPENID_RESOURCE")]
    public string? OpenIdResource { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (path, name) in new[] { (OpenIdRedirectPath, nameof(OpenIdRedirectPath)), (OpenIdPostLogoutRedirectPath, nameof(OpenIdPostLogoutRedirectPath)) })
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/' || path.StartsWith("//", StringComparison.Ordinal) || path.Any(c => char.IsControl(c) || c is '?' or '#' or '\\'))
            {
                yield return new ValidationResult("must be a path starting with '/' (under /ui), without query or fragment", [name]);
            }
        }

        if (OpenIdProviderUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("must be an absolute http(s) URI", [nameof(OpenIdProviderUri)]);
        }

        if (OpenIdClientId is { Length: > 256 } || OpenIdClientId?.Any(char.IsControl) == true)
        {
            yield return new ValidationResult("must be at most 256 characters without control characters", [nameof(OpenIdClientId)]);
        }

        if (OpenIdScope.Any(char.IsControl))
        {
            yield return new ValidationResult("must not contain control characters", [nameof(OpenIdScope)]);
        }
    }
}

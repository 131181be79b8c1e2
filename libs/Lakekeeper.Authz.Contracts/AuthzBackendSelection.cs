using Microsoft.Extensions.Configuration;

namespace Lakekeeper.Authz;

/// <summary>
/// Which backend decides, from the settings:
/// <list type="number">
/// <item><c>LAKEKEEPER__AUTHZ_BACKEND</c> (Lakekeeper's name) or <c>LAKEKEEPER__AUTHZ__BACKEND</c> (this
/// project's earlier name); when both are set they must agree.</item>
/// <item>Neither set: <c>builtin</c> when an identity provider is configured
/// (<c>LAKEKEEPER__OPENID_PROVIDER_URI</c>, any <c>LAKEKEEPER__OPENID_PROVIDERS__&lt;ID&gt;__URI</c>, or
/// <c>LAKEKEEPER__ENABLE_KUBERNETES_AUTHENTICATION=true</c>), else <c>allowall</c>. With identities, grants
/// are enforced by default; without, there is nobody to tell apart.</item>
/// </list>
/// The process that runs the engine uses it to choose; a gRPC client of the authz service, to report the
/// backend (<c>/management/v1/info</c>) from the same settings.
/// </summary>
public static class AuthzBackendSelection
{
    public const string LakekeeperKey = "AUTHZ_BACKEND";
    public const string SectionKey = AuthzOptions.Section + ":" + nameof(AuthzOptions.Backend);

    public static (string Backend, string? Conflict) Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var lakekeeper = Normalize(configuration[LakekeeperKey]);
        var section = Normalize(configuration[SectionKey]);
        if (lakekeeper.Length > 0 && section.Length > 0 && lakekeeper != section)
        {
            return (lakekeeper, $"LAKEKEEPER__AUTHZ_BACKEND='{lakekeeper}' and LAKEKEEPER__AUTHZ__BACKEND='{section}' disagree; set one of them");
        }

        if (lakekeeper.Length > 0 || section.Length > 0)
        {
            return (lakekeeper.Length > 0 ? lakekeeper : section, null);
        }

        return (HasIdentityProvider(configuration) ? "builtin" : "allowall", null);
    }

    /// <summary>Whether any authentication is configured (the identity settings Lakekeeper uses).</summary>
    public static bool HasIdentityProvider(IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration["OPENID_PROVIDER_URI"]))
        {
            return true;
        }

        if (configuration.GetSection("OPENID_PROVIDERS").GetChildren().Any(static p => !string.IsNullOrWhiteSpace(p["URI"])))
        {
            return true;
        }

        return bool.TryParse(configuration["ENABLE_KUBERNETES_AUTHENTICATION"], out var kubernetes) && kubernetes;
    }

    private static string Normalize(string? value) => (value ?? string.Empty).Trim().ToLowerInvariant();
}

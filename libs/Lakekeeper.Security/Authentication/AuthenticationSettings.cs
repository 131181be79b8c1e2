using System.Text.Json;
using Lakekeeper.Persistence.Identity;
using Microsoft.Extensions.Configuration;

namespace Lakekeeper.Security.Authentication;

/// <summary>One OpenID Connect provider whose JWT access tokens are accepted.</summary>
/// <param name="Id">The provider id in user ids: <c>oidc</c> for the primary provider, the lower-cased <c>&lt;ID&gt;</c> of extra ones.</param>
/// <param name="Variable">The environment variable prefix of its settings, for messages.</param>
public sealed record OidcProviderSettings(
    string Id,
    string Variable,
    Uri Uri,
    IReadOnlyList<string> Audiences,
    IReadOnlyList<string> AdditionalIssuers,
    string? Scope,
    IReadOnlyList<string> SubjectClaims,
    string? RolesClaim,
    string? DisplayNameTemplate,
    bool RequireConnectedOnStartup,
    IReadOnlyList<RequiredClaimRule> RequiredClaims)
{
    /// <summary>The variable that names the provider's URL (for messages).</summary>
    public string UriVariable => Id == AuthenticationSettings.PrimaryProviderId ? "LAKEKEEPER__OPENID_PROVIDER_URI" : Variable + "URI";

    /// <summary>The discovery document address.</summary>
    public Uri MetadataAddress => new(Uri.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration");

    /// <summary>Issuers known from the settings alone (the URI with and without a trailing slash, and the additional ones).</summary>
    public IEnumerable<string> ConfiguredIssuers =>
        new[] { Uri.AbsoluteUri.TrimEnd('/'), Uri.AbsoluteUri.TrimEnd('/') + "/" }.Concat(AdditionalIssuers);
}

/// <summary>Kubernetes service-account tokens, checked with the cluster's TokenReview API.</summary>
public sealed record KubernetesAuthenticationSettings(
    IReadOnlyList<string> Audiences,
    bool AcceptLegacyServiceAccount,
    bool SubjectFromUsername,
    Uri ApiServer,
    string TokenFile,
    string? CaFile);

/// <summary>
/// Who may call, read from Lakekeeper's setting names (under our <c>LAKEKEEPER__</c> prefix):
/// <c>OPENID_PROVIDER_URI</c>, <c>OPENID_AUDIENCE</c>, …, <c>OPENID_PROVIDERS__&lt;ID&gt;__…</c>,
/// <c>ENABLE_KUBERNETES_AUTHENTICATION</c>, <c>KUBERNETES_AUTHENTICATION_…</c>, <c>INSTANCE_ADMINS</c>,
/// <c>ROLE__MAX_NESTING_DEPTH</c>; and ours under <c>AUTHENTICATION__…</c> and <c>KUBERNETES__…</c>.
/// </summary>
public sealed class AuthenticationSettings
{
    public const string PrimaryProviderId = "oidc";
    public const string KubernetesProviderId = "kubernetes";

    public IReadOnlyList<OidcProviderSettings> Providers { get; init; } = [];

    public KubernetesAuthenticationSettings? Kubernetes { get; init; }

    /// <summary>User ids that are always server admins (<c>LAKEKEEPER__INSTANCE_ADMINS</c>).</summary>
    public IReadOnlySet<string> InstanceAdmins { get; init; } = new HashSet<string>();

    /// <summary>At most this many role-in-role edges in a chain (<c>LAKEKEEPER__ROLE__MAX_NESTING_DEPTH</c>, default 10).</summary>
    public int MaxRoleNestingDepth { get; init; } = 10;

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c> (<c>LAKEKEEPER__AUTHENTICATION__CLOCKSKEWSECONDS</c>, default 30).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The least time between two key-set fetches caused by a token with an unknown <c>kid</c>
    /// (<c>LAKEKEEPER__AUTHENTICATION__KEYREFRESHINTERVALSECONDS</c>, default 60).
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The problems found while reading, each naming its variable.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Whether any identity provider is configured: then every API call needs a valid token.</summary>
    public bool Enabled => Providers.Count > 0 || Kubernetes is not null;

    public static AuthenticationSettings Read(IConfiguration configuration)
    {
        var errors = new List<string>();
        var providers = new List<OidcProviderSettings>();
        if (Text(configuration, "OPENID_PROVIDER_URI") is not null)
        {
            providers.Add(ReadProvider(configuration, PrimaryProviderId, "OPENID_", "OPENID_PROVIDER_URI", errors));
        }
        else if (configuration.GetSection("OPENID_REQUIRED_CLAIMS").GetChildren().Any() || Text(configuration, "OPENID_AUDIENCE") is not null)
        {
            errors.Add("LAKEKEEPER__OPENID_PROVIDER_URI is required when other LAKEKEEPER__OPENID_… settings are set.");
        }

        foreach (var section in configuration.GetSection("OPENID_PROVIDERS").GetChildren().OrderBy(s => s.Key, StringComparer.OrdinalIgnoreCase))
        {
            var id = section.Key.ToLowerInvariant();
            var prefix = $"OPENID_PROVIDERS:{section.Key}:";
            if (id is PrimaryProviderId or KubernetesProviderId || id.Length > 64 || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            {
                errors.Add($"{Variable(prefix)}…: the provider id '{section.Key}' must be letters, digits, '-' or '_' (at most 64) and not 'oidc' or 'kubernetes'.");
                continue;
            }

            providers.Add(ReadProvider(configuration, id, prefix, prefix + "URI", errors));
        }

        KubernetesAuthenticationSettings? kubernetes = null;
        if (Bool(configuration, "ENABLE_KUBERNETES_AUTHENTICATION", false, errors))
        {
            kubernetes = ReadKubernetes(configuration, errors);
        }

        var admins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var admin in ReadInstanceAdmins(configuration, errors))
        {
            if (!UserId.IsValid(admin))
            {
                errors.Add($"LAKEKEEPER__INSTANCE_ADMINS: '{admin}' is not a user id (<provider-id>~<subject>, e.g. oidc~1234).");
            }
            else
            {
                admins.Add(admin);
            }
        }

        return new AuthenticationSettings
        {
            Providers = providers,
            Kubernetes = kubernetes,
            InstanceAdmins = admins,
            MaxRoleNestingDepth = Int(configuration, "ROLE:MAX_NESTING_DEPTH", 10, 1, 100, errors),
            ClockSkew = TimeSpan.FromSeconds(Int(configuration, "AUTHENTICATION:CLOCKSKEWSECONDS", 30, 0, 600, errors)),
            KeyRefreshInterval = TimeSpan.FromSeconds(Int(configuration, "AUTHENTICATION:KEYREFRESHINTERVALSECONDS", 60, 1, 86400, errors)),
            Errors = errors,
        };
    }

    internal static string Variable(string key) => "LAKEKEEPER__" + key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();

    private static OidcProviderSettings ReadProvider(IConfiguration configuration, string id, string prefix, string uriKey, List<string> errors)
    {
        var uriText = Text(configuration, uriKey);
        if (uriText is null || !Uri.TryCreate(uriText, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query))
        {
            errors.Add($"{Variable(uriKey)}: must be the http(s) URL of the identity provider (its issuer), e.g. https://idp.example.com/realms/lake.");
            uri = new Uri("http://invalid.invalid");
        }

        var subjectClaims = List(configuration, prefix + "SUBJECT_CLAIM");
        if (subjectClaims.Count == 0)
        {
            subjectClaims = List(configuration, prefix + "SUBJECT_CLAIMS");
        }

        var rules = new List<RequiredClaimRule>();
        foreach (var rule in configuration.GetSection(prefix + "REQUIRED_CLAIMS").GetChildren())
        {
            var rulePrefix = $"{prefix}REQUIRED_CLAIMS:{rule.Key}:";
            var claim = Text(configuration, rulePrefix + "CLAIM");
            if (claim is null)
            {
                errors.Add($"{Variable(rulePrefix + "CLAIM")} is required: the name of the claim the rule checks.");
                continue;
            }

            bool? exists = Text(configuration, rulePrefix + "EXISTS") is null ? null : Bool(configuration, rulePrefix + "EXISTS", true, errors);
            var anyOf = List(configuration, rulePrefix + "ANY_OF");
            var allOf = List(configuration, rulePrefix + "ALL_OF");
            var noneOf = List(configuration, rulePrefix + "NONE_OF");
            if (exists is false && (anyOf.Count > 0 || allOf.Count > 0))
            {
                errors.Add($"{Variable(rulePrefix + "EXISTS")}=false contradicts ANY_OF/ALL_OF of the same rule.");
            }

            rules.Add(new RequiredClaimRule(rule.Key, claim, anyOf, allOf, noneOf, exists));
        }

        return new OidcProviderSettings(
            id,
            Variable(prefix),
            uri,
            List(configuration, prefix + "AUDIENCE"),
            List(configuration, prefix + "ADDITIONAL_ISSUERS"),
            Text(configuration, prefix + "SCOPE"),
            subjectClaims.Count > 0 ? subjectClaims : ["oid", "sub"],
            Text(configuration, prefix + "ROLES_CLAIM"),
            Text(configuration, prefix + "DISPLAY_NAME_TEMPLATE"),
            Bool(configuration, prefix + "REQUIRE_CONNECTED_ON_STARTUP", true, errors),
            rules);
    }

    private static KubernetesAuthenticationSettings ReadKubernetes(IConfiguration configuration, List<string> errors)
    {
        var source = Text(configuration, "KUBERNETES_AUTHENTICATION_SUBJECT_SOURCE") ?? "uid";
        if (source is not ("uid" or "username"))
        {
            errors.Add("LAKEKEEPER__KUBERNETES_AUTHENTICATION_SUBJECT_SOURCE: must be 'uid' or 'username'.");
        }

        // In a pod the API server is found the way every in-cluster client finds it.
        Uri? apiServer = null;
        if (Text(configuration, "KUBERNETES:APISERVERURL") is { } configured)
        {
            if (!Uri.TryCreate(configured, UriKind.Absolute, out apiServer) || apiServer.Scheme is not ("https" or "http"))
            {
                errors.Add("LAKEKEEPER__KUBERNETES__APISERVERURL: must be an https URL.");
            }
        }
        else if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 } host)
        {
            var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") is { Length: > 0 } p ? p : "443";
            apiServer = new Uri($"https://{(host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host)}:{port}");
        }
        else
        {
            errors.Add("LAKEKEEPER__ENABLE_KUBERNETES_AUTHENTICATION: the Kubernetes API server is unknown: KUBERNETES_SERVICE_HOST is not set (not running in a pod); set LAKEKEEPER__KUBERNETES__APISERVERURL.");
        }

        const string serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount/";
        return new KubernetesAuthenticationSettings(
            List(configuration, "KUBERNETES_AUTHENTICATION_AUDIENCE"),
            Bool(configuration, "KUBERNETES_AUTHENTICATION_ACCEPT_LEGACY_SERVICEACCOUNT", false, errors),
            source == "username",
            apiServer ?? new Uri("https://invalid.invalid"),
            Text(configuration, "KUBERNETES:TOKENFILE") ?? serviceAccount + "token",
            Text(configuration, "KUBERNETES:CAFILE") ?? (File.Exists(serviceAccount + "ca.crt") ? serviceAccount + "ca.crt" : null));
    }

    /// <summary>A TOML/JSON array (<c>["oidc~a","oidc~b"]</c>, Lakekeeper's form), a comma list, or <c>INSTANCE_ADMINS__0</c>, <c>__1</c>, ….</summary>
    private static List<string> ReadInstanceAdmins(IConfiguration configuration, List<string> errors)
    {
        var section = configuration.GetSection("INSTANCE_ADMINS");
        var admins = section.GetChildren().Select(c => c.Value).OfType<string>().Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        var text = section.Value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return admins;
        }

        if (text.StartsWith('['))
        {
            try
            {
                // TOML's basic strings and arrays of them are JSON as well; single quotes are TOML's literal strings.
                var json = JsonSerializer.Deserialize(text.Replace('\'', '"'), SettingsJsonContext.Default.StringArray) ?? [];
                admins.AddRange(json.Select(a => a.Trim()));
            }
            catch (JsonException)
            {
                errors.Add("LAKEKEEPER__INSTANCE_ADMINS: must be a list of user ids, e.g. [\"oidc~1234\", \"kubernetes~5678\"] or oidc~1234,kubernetes~5678.");
            }
        }
        else
        {
            admins.AddRange(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return admins;
    }

    private static string? Text(IConfiguration configuration, string key) =>
        configuration[key] is { } value && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    private static List<string> List(IConfiguration configuration, string key)
    {
        var values = (Text(configuration, key) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        values.AddRange(configuration.GetSection(key).GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0));
        return values;
    }

    private static bool Bool(IConfiguration configuration, string key, bool fallback, List<string> errors)
    {
        var text = Text(configuration, key);
        if (text is null)
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add($"{Variable(key)}: must be true or false, not '{text}'.");
        return fallback;
    }

    private static int Int(IConfiguration configuration, string key, int fallback, int min, int max, List<string> errors)
    {
        var text = Text(configuration, key);
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add($"{Variable(key)}: must be a whole number from {min} to {max}, not '{text}'.");
        return fallback;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class SettingsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

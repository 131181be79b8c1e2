using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Lakekeeper.Security.Authentication;

/// <summary>
/// How each OpenID provider's JwtBearer scheme validates tokens: keys from discovery + JWKS,
/// refreshed (rate-limited) when a token names an unknown key; asymmetric algorithms only (RSA,
/// RSA-PSS, ECDSA: <c>none</c> and HMAC are refused); issuer, audience (any of a list),
/// <c>exp</c> required, <c>nbf</c>, a small clock skew; then the provider's scope and required
/// claims.
/// </summary>
internal static class OidcBearerSetup
{
    public static readonly IReadOnlyList<string> Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public static string SchemeOf(string providerId) => "lakekeeper-oidc-" + providerId;

    public static void Configure(JwtBearerOptions options, OidcProviderSettings provider, AuthenticationSettings settings)
    {
        options.Authority = provider.Uri.AbsoluteUri.TrimEnd('/');
        options.MetadataAddress = provider.MetadataAddress.AbsoluteUri;
        // An http:// provider is allowed only because the operator configured it so (local IdPs).
        options.RequireHttpsMetadata = provider.Uri.Scheme == Uri.UriSchemeHttps;
        options.MapInboundClaims = false;
        options.SaveToken = false;
        options.IncludeErrorDetails = false;
        options.RefreshOnIssuerKeyNotFound = true;
        options.RefreshInterval = settings.KeyRefreshInterval;
        options.BackchannelTimeout = TimeSpan.FromSeconds(10);

        var parameters = options.TokenValidationParameters;
        parameters.ValidateIssuer = true;
        // The discovered issuer is added by the handler; these are the extra ones.
        parameters.ValidIssuers = provider.AdditionalIssuers.Count > 0 ? provider.AdditionalIssuers : null;
        parameters.ValidateAudience = provider.Audiences.Count > 0;
        parameters.ValidAudiences = provider.Audiences;
        parameters.ValidateLifetime = true;
        parameters.RequireExpirationTime = true;
        parameters.ClockSkew = settings.ClockSkew;
        parameters.RequireSignedTokens = true;
        parameters.ValidAlgorithms = Algorithms;
        parameters.ValidateIssuerSigningKey = true;
        parameters.NameClaimType = "sub";

        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                if (CheckClaims(context.Principal!, provider) is { } reason)
                {
                    context.Fail(new TokenClaimsException(reason));
                }

                return Task.CompletedTask;
            },
        };
    }

    /// <summary>Null when the token carries the provider's scope and meets its required-claims rules.</summary>
    internal static string? CheckClaims(System.Security.Claims.ClaimsPrincipal token, OidcProviderSettings provider)
    {
        if (provider.Scope is { } scope)
        {
            var scopes = OidcUserMapper.Values(token, "scope").Concat(OidcUserMapper.Values(token, "scp"))
                .SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (!scopes.Contains(scope, StringComparer.Ordinal))
            {
                return $"the token lacks the scope '{scope}'";
            }
        }

        foreach (var rule in provider.RequiredClaims)
        {
            if (rule.Check(OidcUserMapper.Values(token, rule.Claim)) is { } failed)
            {
                return failed;
            }
        }

        return null;
    }
}

/// <summary>A valid token whose claims the provider's rules refuse (scope, required claims, subject).</summary>
internal sealed class TokenClaimsException(string message) : Exception(message);

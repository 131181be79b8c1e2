using System.Text.Encodings.Web;
using Lakekeeper.Security.Audit;
using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Lakekeeper.Security.Authentication;

/// <summary>
/// The default authentication scheme: takes the bearer token, sends it to the one scheme that may
/// validate it (the OpenID provider whose issuer the token names, else Kubernetes' TokenReview when
/// enabled; never a second one after a failure), and turns the result into the provider-independent
/// <see cref="LakekeeperClaims"/> principal. Its challenge is the 401 of every API: the Iceberg
/// error shape with <c>WWW-Authenticate: Bearer</c>.
/// </summary>
internal sealed class BearerRouter(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AuthenticationSettings settings,
    IssuerDirectory issuers,
    ValidatedTokenCache validated,
    AuditLog audit)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Lakekeeper";
    public const string LegacyServiceAccountIssuer = "kubernetes/serviceaccount";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!settings.Enabled)
        {
            return AuthenticateResult.NoResult();
        }

        var headers = Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (headers.Count > 1)
        {
            return Refuse("several Authorization headers", null);
        }

        var header = headers[0] ?? string.Empty;
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse("the Authorization header must be 'Bearer <token>'", null);
        }

        var token = header.AsSpan(7).Trim();
        if (token.Length > TokenShape.MaxTokenChars)
        {
            return Refuse("the token is too large", null);
        }

        string? issuer;
        switch (TokenShape.Inspect(token, out issuer))
        {
            case TokenKind.Encrypted:
                return Refuse("encrypted tokens (JWE) are not accepted", null);
            case TokenKind.Malformed:
                return Refuse("the token is malformed", null);
        }

        var tokenText = token.ToString();
        if (validated.TryGet(tokenText, out var known))
        {
            return Accept(known);
        }

        var provider = await issuers.FindAsync(issuer, Context.RequestAborted);
        if (provider is not null)
        {
            return await ValidateWithAsync(OidcBearerSetup.SchemeOf(provider.Id), provider.Id, result =>
            {
                var user = OidcUserMapper.Map(result.Principal!, provider, out var error);
                if (user is null)
                {
                    return Refuse(error!, provider.Id);
                }

                validated.Remember(tokenText, user, result.Principal!);
                return Accept(user);
            });
        }

        if (settings.Kubernetes is { } kubernetes)
        {
            if (issuer == LegacyServiceAccountIssuer && !kubernetes.AcceptLegacyServiceAccount)
            {
                return Refuse("legacy service-account tokens are not accepted", AuthenticationSettings.KubernetesProviderId);
            }

            return await ValidateWithAsync(KubernetesTokenReviewHandler.SchemeName, AuthenticationSettings.KubernetesProviderId, result =>
                KubernetesTokenReviewHandler.ToUser(result.Principal!, kubernetes) is { } user
                    ? Accept(user)
                    : Refuse("the service account has no usable identity", AuthenticationSettings.KubernetesProviderId));
        }

        return Refuse("the token's issuer is not a configured identity provider", null);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Features.Get<AuthenticationFailureFeature>();
        var (status, reason) = failure is null ? (401, "a bearer token is required") : (failure.Status, failure.Reason);
        audit.AuthenticationFailed(status, reason, failure?.Provider, Request.Method, Request.Path, Context.Connection.RemoteIpAddress?.ToString());
        if (status == 401)
        {
            Response.Headers.WWWAuthenticate = failure is null
                ? "Bearer realm=\"lakekeeper\""
                : $"Bearer realm=\"lakekeeper\", error=\"invalid_token\", error_description=\"{reason.Replace('"', '\'')}\"";
            await new ErrorResponse(401, "NotAuthorizedException", "Not authenticated: " + reason).WriteAsync(Context);
        }
        else
        {
            await ErrorResponse.Unavailable("Cannot authenticate now: " + reason, retryAfterSeconds: 5).WriteAsync(Context);
        }
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        new ErrorResponse(403, "ForbiddenException", "Forbidden").WriteAsync(Context);

    private async Task<AuthenticateResult> ValidateWithAsync(string scheme, string providerId, Func<AuthenticateResult, AuthenticateResult> onSuccess)
    {
        var result = await Context.AuthenticateAsync(scheme);
        if (result.Succeeded)
        {
            return onSuccess(result);
        }

        var (status, reason) = Describe(result.Failure);
        return Refuse(reason, providerId, status);
    }

    private AuthenticateResult Accept(AuthenticatedUser user) =>
        AuthenticateResult.Success(new AuthenticationTicket(LakekeeperClaims.Create(user), SchemeName));

    private AuthenticateResult Refuse(string reason, string? provider, int status = 401)
    {
        Context.Features.Set(new AuthenticationFailureFeature(status, reason, provider));
        return AuthenticateResult.Fail(reason);
    }

    /// <summary>What a validation failure means to the client: the status and a reason naming the check, never the token.</summary>
    internal static (int Status, string Reason) Describe(Exception? failure) => failure switch
    {
        null => (401, "the token was not accepted"),
        TokenClaimsException claims => (401, claims.Message),
        KubernetesTokenReviewException review => (review.Unavailable ? 503 : 401, review.Message),
        SecurityTokenExpiredException => (401, "the token has expired"),
        SecurityTokenNotYetValidException => (401, "the token is not valid yet"),
        SecurityTokenNoExpirationException => (401, "the token has no expiry"),
        SecurityTokenInvalidAudienceException => (401, "the token is not meant for this service (audience)"),
        SecurityTokenInvalidIssuerException => (401, "the token's issuer is not accepted"),
        SecurityTokenInvalidAlgorithmException => (401, "the token's signing algorithm is not accepted"),
        SecurityTokenSignatureKeyNotFoundException => (401, "the token is signed with an unknown key"),
        SecurityTokenInvalidSignatureException => (401, "the token's signature is invalid"),
        SecurityTokenMalformedException or ArgumentException => (401, "the token is malformed"),
        SecurityTokenException => (401, "the token is invalid"),
        // JwtBearer could not read the provider's discovery document or keys.
        InvalidOperationException or HttpRequestException => (503, "the identity provider cannot be reached"),
        _ => (401, "the token is invalid"),
    };
}

/// <summary>Why this request's token was refused; read by the challenge.</summary>
internal sealed record AuthenticationFailureFeature(int Status, string Reason, string? Provider);

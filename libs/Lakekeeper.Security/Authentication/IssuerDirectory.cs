using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Lakekeeper.Security.Authentication;

/// <summary>
/// Which provider a token's issuer belongs to: the issuers the settings name, and each provider's
/// discovered issuer once its discovery document was read. One issuer, one provider: a token goes
/// to that provider alone (no fall-through to another).
/// </summary>
internal sealed class IssuerDirectory
{
    private static readonly TimeSpan RetryDiscoveryAfter = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, OidcProviderSettings> _byIssuer = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTime> _lastAttempt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _discovered = new(StringComparer.Ordinal);
    private readonly AuthenticationSettings _settings;
    private readonly IOptionsMonitor<JwtBearerOptions> _bearer;

    public IssuerDirectory(AuthenticationSettings settings, IOptionsMonitor<JwtBearerOptions> bearer)
    {
        _settings = settings;
        _bearer = bearer;
        foreach (var provider in settings.Providers)
        {
            foreach (var issuer in provider.ConfiguredIssuers)
            {
                _byIssuer.TryAdd(issuer, provider);
            }
        }
    }

    /// <summary>The provider of <paramref name="issuer"/>; reads not yet loaded discovery documents (throttled) before saying none.</summary>
    public async ValueTask<OidcProviderSettings?> FindAsync(string? issuer, CancellationToken cancellationToken)
    {
        if (issuer is null)
        {
            return null;
        }

        if (_byIssuer.TryGetValue(issuer, out var provider))
        {
            return provider;
        }

        foreach (var candidate in _settings.Providers)
        {
            if (_discovered.ContainsKey(candidate.Id))
            {
                continue;
            }

            var now = DateTime.UtcNow;
            if (_lastAttempt.TryGetValue(candidate.Id, out var last) && now - last < RetryDiscoveryAfter)
            {
                continue;
            }

            _lastAttempt[candidate.Id] = now;
            try
            {
                await DiscoverAsync(candidate, cancellationToken);
            }
            catch (InvalidOperationException)
            {
                // The provider cannot be reached now; its token will be refused, and retried later.
            }
        }

        return _byIssuer.TryGetValue(issuer, out provider) ? provider : null;
    }

    /// <summary>Reads the provider's discovery document (and key set) and records its issuer.</summary>
    /// <exception cref="InvalidOperationException">The provider could not be reached or answered nonsense.</exception>
    public async Task<OpenIdConnectConfiguration> DiscoverAsync(OidcProviderSettings provider, CancellationToken cancellationToken)
    {
        var manager = _bearer.Get(OidcBearerSetup.SchemeOf(provider.Id)).ConfigurationManager
            ?? throw new InvalidOperationException("The JwtBearer scheme of provider " + provider.Id + " has no configuration manager.");
        var configuration = await manager.GetConfigurationAsync(cancellationToken);
        if (!string.IsNullOrEmpty(configuration.Issuer))
        {
            var owner = _byIssuer.GetOrAdd(configuration.Issuer, provider);
            if (owner.Id != provider.Id)
            {
                throw new InvalidOperationException(
                    $"{provider.Variable}URI: the provider's issuer '{configuration.Issuer}' is already the issuer of provider '{owner.Id}'.");
            }
        }

        _discovered[provider.Id] = true;
        return configuration;
    }
}

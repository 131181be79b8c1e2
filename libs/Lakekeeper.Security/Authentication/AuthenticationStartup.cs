using Lakekeeper.Abstractions.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Security.Authentication;

/// <summary>Settings problems, reported with every other setting before the host starts.</summary>
internal sealed class AuthenticationSettingsValidation(AuthenticationSettings settings) : IValidateOptions<AuthenticationSettingsValidation.Marker>
{
    public ValidateOptionsResult Validate(string? name, Marker options) =>
        settings.Errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(settings.Errors);

    internal sealed class Marker;
}

/// <summary>
/// At start: says loudly when no identity provider is configured (anonymous mode); otherwise reads
/// every provider's discovery document and keys, and stops the start with a message naming the
/// setting when one cannot be reached (unless its <c>REQUIRE_CONNECTED_ON_STARTUP=false</c>).
/// </summary>
internal sealed partial class AuthenticationStartup(AuthenticationSettings settings, IssuerDirectory issuers, ILogger<AuthenticationStartup> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            LogAnonymous(logger);
            return;
        }

        foreach (var provider in settings.Providers)
        {
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(TimeSpan.FromSeconds(30));
                var configuration = await issuers.DiscoverAsync(provider, deadline.Token);
                LogProvider(logger, provider.Id, configuration.Issuer, configuration.SigningKeys.Count,
                    provider.Audiences.Count == 0 ? "(any: set " + provider.Variable + "AUDIENCE)" : string.Join(", ", provider.Audiences));
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var hint = provider.Id == AuthenticationSettings.PrimaryProviderId
                    ? "LAKEKEEPER__OPENID_REQUIRE_CONNECTED_ON_STARTUP=false"
                    : provider.Variable + "REQUIRE_CONNECTED_ON_STARTUP=false";
                if (provider.RequireConnectedOnStartup)
                {
                    throw new FatalStartupException(
                        $"{provider.UriVariable}: the identity provider at {provider.Uri} cannot be reached or did not serve its discovery " +
                        $"document ({provider.MetadataAddress}). Fix the URL or the network, or set {hint} to start without it " +
                        "(its tokens are refused until it can be reached).");
                }

                LogProviderUnreachable(logger, provider.Id, provider.Uri.ToString(), provider.UriVariable);
            }

            if (provider.Audiences.Count == 0)
            {
                LogNoAudience(logger, provider.Id, provider.Variable + "AUDIENCE");
            }
        }

        if (settings.Kubernetes is { } kubernetes)
        {
            LogKubernetes(logger, kubernetes.ApiServer.ToString(),
                kubernetes.Audiences.Count == 0 ? "(any)" : string.Join(", ", kubernetes.Audiences));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message =
        "AUTHENTICATION IS OFF: no identity provider is configured (LAKEKEEPER__OPENID_PROVIDER_URI, LAKEKEEPER__OPENID_PROVIDERS__<ID>__URI or " +
        "LAKEKEEPER__ENABLE_KUBERNETES_AUTHENTICATION). Every caller is anonymous and may do whatever the authorizer allows. " +
        "Use this only on a machine nobody else can reach.")]
    private static partial void LogAnonymous(ILogger logger);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Information, Message =
        "Authentication: OpenID provider '{Provider}' with issuer {Issuer} ({KeyCount} signing keys), audiences {Audiences}")]
    private static partial void LogProvider(ILogger logger, string provider, string issuer, int keyCount, string audiences);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Warning, Message =
        "Authentication: OpenID provider '{Provider}' at {Uri} cannot be reached; its tokens are refused until it can ({Variable})")]
    private static partial void LogProviderUnreachable(ILogger logger, string provider, string uri, string variable);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Warning, Message =
        "Authentication: OpenID provider '{Provider}' accepts tokens for any audience; set {Variable} to the audience of this service's tokens")]
    private static partial void LogNoAudience(ILogger logger, string provider, string variable);

    [LoggerMessage(EventId = 9105, Level = LogLevel.Information, Message =
        "Authentication: Kubernetes service-account tokens through the TokenReview API of {ApiServer}, audiences {Audiences}")]
    private static partial void LogKubernetes(ILogger logger, string apiServer, string audiences);
}

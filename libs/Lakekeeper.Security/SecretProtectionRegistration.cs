using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Security.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Security;

public static class SecretProtectionRegistration
{
    /// <summary>
    /// Adds <see cref="ISecretProtector"/> with keys from <c>LAKEKEEPER__SECRETS__…</c>. Settings are
    /// validated when the host starts, and the key (or local key file) is loaded before any hosted
    /// service runs, so a missing or broken key stops the service with a message naming the variable.
    /// </summary>
    public static IServiceCollection AddSecretProtection(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<SecretsOptions>(configuration, SecretsOptions.Section);
        services.TryAddSingleton(sp => SecretKeyRing.Load(
            sp.GetRequiredService<IOptions<SecretsOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Lakekeeper.Security.Secrets")));
        services.TryAddSingleton<ISecretProtector, AesGcmSecretProtector>();
        services.TryAddSingleton<IPageTokenProtector, PageTokenProtector>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExceptionTranslator, SecretUnavailableTranslator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SecretKeyStartup>());
        return services;
    }

    /// <summary>
    /// A stored secret that cannot be decrypted (its key left the ring, the row was altered) is 503
    /// with the reason and key id, never a 500: an operator restores the key or the secret. The
    /// catalog answers its own, more precise error first (it names the warehouse).
    /// </summary>
    private sealed class SecretUnavailableTranslator : IExceptionTranslator
    {
        public ErrorResponse? Translate(Exception exception) => exception is SecretProtectionException unreadable
            ? new ErrorResponse(503, "StorageCredentialUnavailableException", "A stored credential cannot be decrypted: " + unreadable.Message) { RetryAfterSeconds = 60 }
            : null;
    }

    /// <summary>Loads the keys while the host starts instead of on the first request that needs them.</summary>
    private sealed class SecretKeyStartup(IServiceProvider services) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<ISecretProtector>();
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.S3.Sts;
using Lakekeeper.Storage.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lakekeeper.Storage;

public static class LakekeeperStorageRegistration
{
    /// <summary>
    /// Adds object storage: <see cref="IObjectStoreFactory"/> (cached per profile and credential,
    /// disposed with the host), <see cref="IStorageValidator"/>, <see cref="StorageOptions"/> from
    /// <c>LAKEKEEPER__STORAGE__…</c> (validated at start), and a translation of transient
    /// <see cref="StorageException"/>s that escape an endpoint into 503 with <c>Retry-After</c>.
    /// </summary>
    public static IServiceCollection AddLakekeeperStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<StorageOptions>(configuration, StorageOptions.Section);
        services.TryAddSingleton<ObjectStoreFactory>();
        services.TryAddSingleton<IObjectStoreFactory>(sp => sp.GetRequiredService<ObjectStoreFactory>());
        services.TryAddSingleton<IStorageValidator, StorageValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IS3CredentialVendor, S3CredentialVendor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExceptionTranslator, StorageExceptionTranslator>());
        return services;
    }
}

/// <summary>
/// Transient storage failures are 503 with <c>Retry-After</c>; the details (location, cause) stay in
/// the log. Other storage failures are left to the caller's mapping (or a 500 with an error id).
/// </summary>
internal sealed class StorageExceptionTranslator : IExceptionTranslator
{
    internal const int RetryAfterSeconds = 2;

    public ErrorResponse? Translate(Exception exception) =>
        exception is StorageException { IsTransient: true }
            ? ErrorResponse.Unavailable("Object storage is temporarily unavailable; retry later.", RetryAfterSeconds)
            : null;
}

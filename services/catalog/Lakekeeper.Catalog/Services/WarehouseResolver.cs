using System.Collections.Concurrent;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Storage;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// A warehouse ready to serve: its storage profile, an object store with its credential, the credential
/// itself (for vending; never sent to a client) and the settings version (changes with the profile or credential).
/// </summary>
internal sealed record WarehouseContext(WarehouseId Id, ProjectId ProjectId, string Name, StorageProfile Profile, IObjectStore Store)
{
    public StorageCredential? Credential { get; init; }

    public long Version { get; init; }

    /// <summary>Storage settings engines need in a table's <c>config</c> (never a secret).</summary>
    public IReadOnlyDictionary<string, string> ClientConfig { get; } = Profile.ClientConfig();
}

/// <summary>
/// Resolves the <c>{prefix}</c> (a warehouse id) to a <see cref="WarehouseContext"/>, cached per
/// process for <see cref="CatalogOptions.WarehouseCacheDuration"/> so that a load costs one query.
/// </summary>
internal sealed class WarehouseResolver(
    WarehouseRepository warehouses, IObjectStoreFactory stores, ISecretProtector secrets, IOptions<CatalogOptions> options)
{
    private readonly ConcurrentDictionary<WarehouseId, (WarehouseContext Context, long ExpiresAt)> _cache = new();
    private readonly long _ttlTicks = (long)(options.Value.WarehouseCacheDuration.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);

    /// <summary>
    /// The warehouse for a request: <paramref name="prefix"/> is its id; without a prefix the
    /// configured default warehouse. Unknown or malformed → 404 <c>NoSuchWarehouseException</c>.
    /// </summary>
    public async ValueTask<Result<WarehouseContext>> FromPrefixAsync(string? prefix, CancellationToken cancellationToken)
    {
        if (prefix is null)
        {
            if (options.Value.DefaultWarehouse is not { Length: > 0 } name)
            {
                return IcebergError.BadRequest(
                    "This catalog serves several warehouses: get the prefix from GET /v1/config?warehouse=<name> and use /v1/{prefix}/…");
            }

            var byName = await ByNameAsync(ProjectId.Default, name, cancellationToken);
            return byName is null ? CatalogErrors.NoSuchWarehouse(name) : byName;
        }

        if (!Guid.TryParse(prefix, out var id))
        {
            return CatalogErrors.NoSuchWarehouse(prefix);
        }

        var context = await ByIdAsync(new WarehouseId(id), cancellationToken);
        return context is null ? CatalogErrors.NoSuchWarehouse(prefix) : context;
    }

    public async ValueTask<WarehouseContext?> ByIdAsync(WarehouseId id, CancellationToken cancellationToken)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_cache.TryGetValue(id, out var cached) && cached.ExpiresAt > now)
        {
            return cached.Context;
        }

        var record = await warehouses.GetAsync(id, cancellationToken);
        return record is null ? Forget(id) : Remember(Build(record), now);
    }

    public async ValueTask<WarehouseContext?> ByNameAsync(ProjectId project, string name, CancellationToken cancellationToken)
    {
        var record = await warehouses.GetByNameAsync(project, name, cancellationToken);
        return record is null ? null : Remember(Build(record), System.Diagnostics.Stopwatch.GetTimestamp());
    }

    private WarehouseContext? Forget(WarehouseId id)
    {
        _cache.TryRemove(id, out _);
        return null;
    }

    private WarehouseContext? Remember(WarehouseContext? context, long now)
    {
        if (context is not null)
        {
            _cache[context.Id] = (context, now + _ttlTicks);
        }

        return context;
    }

    private WarehouseContext? Build(WarehouseRecord record)
    {
        if (!record.IsActive)
        {
            return null;
        }

        var (profile, credential) = StorageJson.ReadStored(record.Id.ToString(), record.StorageProfileJson,
            record.StorageSecret is { } secret ? secrets.Unprotect(secret, WarehouseSecrets.AssociatedData(record.Id)) : []);

        return new WarehouseContext(record.Id, record.ProjectId, record.Name, profile, stores.GetStore(profile, credential))
        {
            Credential = credential,
            Version = record.Version,
        };
    }
}

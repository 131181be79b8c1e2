using System.Collections.Concurrent;
using System.Diagnostics;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Storage;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Profiles;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Signer.Services;

/// <summary>
/// A warehouse as the signer needs it: its profile, the credential requests are signed with, and whether
/// it deletes softly (which decides, unless the profile says, whether engines may delete).
/// </summary>
internal sealed record SignerWarehouse(WarehouseId Id, StorageProfile Profile, StorageCredential? Credential, long Version, bool SoftDeletion);

/// <summary>Warehouses by id, cached per process for <see cref="SignerOptions.WarehouseCacheDuration"/> (a sign request then costs no warehouse query).</summary>
internal sealed class SignerWarehouses(WarehouseRepository warehouses, ISecretProtector secrets, IOptions<SignerOptions> options)
{
    private readonly ConcurrentDictionary<WarehouseId, (SignerWarehouse? Warehouse, long ExpiresAt)> _cache = new();
    private readonly long _ttlTicks = (long)(options.Value.WarehouseCacheDuration.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The active warehouse with this id, or null (unknown or inactive; remembered as such for the cache duration too).</summary>
    public async ValueTask<SignerWarehouse?> GetAsync(WarehouseId id, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (_cache.TryGetValue(id, out var cached) && cached.ExpiresAt > now)
        {
            return cached.Warehouse;
        }

        var record = await warehouses.GetAsync(id, cancellationToken);
        var warehouse = record is { IsActive: true } ? Build(record) : null;
        _cache[id] = (warehouse, now + _ttlTicks);
        return warehouse;
    }

    private SignerWarehouse Build(WarehouseRecord record)
    {
        var (profile, credential) = StorageJson.ReadStored(record.Id.ToString(), record.StorageProfileJson,
            record.StorageSecret is { } secret ? secrets.Unprotect(secret, WarehouseSecrets.AssociatedData(record.Id)) : []);
        return new SignerWarehouse(record.Id, profile, credential, record.Version, DeleteProfile.Parse(record.DeleteProfileJson).Soft);
    }
}

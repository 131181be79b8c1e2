using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Storage.Tests.Infrastructure;

internal static class Stores
{
    public static ObjectStoreFactory Factory(StorageOptions options) =>
        new(Options.Create(options), NullLoggerFactory.Instance);

    public static ObjectStoreFactory Factory(params string[] allowedFileRoots) =>
        Factory(new StorageOptions { AllowedFileRoots = [.. allowedFileRoots] });

    /// <summary>A credential vendor for validators (used only by S3 profiles with sts-enabled).</summary>
    public static Lakekeeper.Storage.S3.Sts.S3CredentialVendor Vendor() =>
        new(Options.Create(new StorageOptions { MaxRetries = 0 }), TimeProvider.System, NullLogger<Lakekeeper.Storage.S3.Sts.S3CredentialVendor>.Instance);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<List<StorageObjectInfo>> ListAllAsync(this IObjectStore store, StorageLocation prefix)
    {
        var items = new List<StorageObjectInfo>();
        await foreach (var item in store.ListAsync(prefix, Ct))
        {
            items.Add(item);
        }

        return items;
    }
}

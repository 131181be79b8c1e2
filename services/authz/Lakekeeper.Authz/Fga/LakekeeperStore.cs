using Lakekeeper.Authz.Engines;
using Lakekeeper.Fga.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lakekeeper.Authz.Fga;

/// <summary>
/// The store of the <c>builtin</c> backend: found by name (<c>LAKEKEEPER__OPENFGA__STORE_NAME</c>),
/// created when missing, and given Lakekeeper's model when its latest model differs. Done once, on
/// first use, under a Postgres advisory lock (replicas starting together create one store). A failure
/// is not remembered: the next decision tries again.
/// </summary>
internal sealed partial class LakekeeperStore(
    FgaService service, FgaStoreRepository stores, NpgsqlDataSource dataSource, IOptions<OpenFgaOptions> options, ILogger<LakekeeperStore> logger)
{
    private const long BootstrapLockKey = 0x4C4B415554485A31; // "LKAUTHZ1"

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Bound? _bound;

    /// <summary>The store and the model version decisions use.</summary>
    internal sealed record Bound(string StoreId, string ModelId, AuthorizationModel Model);

    public async ValueTask<Bound> GetAsync(CancellationToken cancellationToken)
    {
        if (_bound is { } bound)
        {
            return bound;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _bound ??= await BootstrapAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Bound> BootstrapAsync(CancellationToken cancellationToken)
    {
        var name = options.Value.StoreName;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection))
        {
            acquire.Parameters.Add(new NpgsqlParameter { Value = BootstrapLockKey });
            await acquire.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var (found, _) = await stores.ListStoresAsync(1, null, name, cancellationToken);
            var store = found.Count > 0 ? found[0] : await stores.CreateStoreAsync(name, cancellationToken);
            var latest = await stores.ReadModelAsync(store.Id, null, cancellationToken);
            string modelId;
            if (latest is not null && LakekeeperModel.SameModel(latest.Json, LakekeeperModel.Json))
            {
                modelId = latest.Id;
            }
            else
            {
                modelId = await service.WriteModelAsync(store.Id, ModelJson.Parse(LakekeeperModel.Json), cancellationToken);
                LogModelWritten(logger, name, store.Id, modelId);
            }

            return new Bound(store.Id, modelId, LakekeeperModel.Model);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            release.Parameters.Add(new NpgsqlParameter { Value = BootstrapLockKey });
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "Wrote Lakekeeper's permission model to store '{StoreName}' ({StoreId}) as {ModelId}")]
    private static partial void LogModelWritten(ILogger logger, string storeName, string storeId, string modelId);
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Signer.Services;

/// <summary>
/// Tables by name and by id as the signer needs them (id, type, location), cached per process for
/// <see cref="SignerOptions.TableCacheDuration"/>: an engine sends a sign request per S3 call, mostly for
/// the same few tables, and the lookup was the signer's only query. Only tables found are kept (one
/// created a moment ago is signable at once), and a caller that is about to refuse asks again with
/// <c>fresh</c> (a table dropped and created again at another location is signable at once). What the
/// time to live allows: a dropped or renamed table's files stay signable under its old name or id for
/// at most that long — the same bound as a revoked permission in the check cache, and far below the
/// 15 minutes S3 accepts a signature for.
/// </summary>
internal sealed class SignerTables(TabularRepository tabulars, IOptions<SignerOptions> options)
{
    private const int Capacity = 100_000;

    private readonly ConcurrentDictionary<(WarehouseId, string, string), (TabularRow Row, long ExpiresAt)> _byName = new();
    private readonly ConcurrentDictionary<(WarehouseId, TabularId), (TabularRow Row, long ExpiresAt)> _byId = new();
    private readonly long _ttlTicks = (long)(options.Value.TableCacheDuration.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The table or view of that name; <c>Cached</c> when the answer came from the cache.</summary>
    public async ValueTask<(TabularRow? Row, bool Cached)> GetAsync(
        WarehouseId warehouse, IReadOnlyList<string> namespaceLevels, string name, bool fresh, CancellationToken cancellationToken)
    {
        var key = (warehouse, NameKey.Of(namespaceLevels), NameKey.Of(name));
        if (!fresh && _byName.TryGetValue(key, out var cached) && cached.ExpiresAt > Stopwatch.GetTimestamp())
        {
            return (cached.Row, true);
        }

        var row = await tabulars.GetAsync(warehouse, namespaceLevels, name, withMetadata: false, cancellationToken);
        Remember(_byName, key, row);
        return (row, false);
    }

    /// <summary>The table or view with that id; <c>Cached</c> when the answer came from the cache.</summary>
    public async ValueTask<(TabularRow? Row, bool Cached)> GetByIdAsync(WarehouseId warehouse, TabularId id, bool fresh, CancellationToken cancellationToken)
    {
        var key = (warehouse, id);
        if (!fresh && _byId.TryGetValue(key, out var cached) && cached.ExpiresAt > Stopwatch.GetTimestamp())
        {
            return (cached.Row, true);
        }

        var row = await tabulars.GetByIdAsync(warehouse, id, cancellationToken);
        Remember(_byId, key, row);
        return (row, false);
    }

    private void Remember<TKey>(ConcurrentDictionary<TKey, (TabularRow Row, long ExpiresAt)> cache, TKey key, TabularRow? row)
        where TKey : notnull
    {
        if (row is null || _ttlTicks == 0)
        {
            cache.TryRemove(key, out _);
            return;
        }

        if (cache.Count >= Capacity)
        {
            cache.Clear();
        }

        cache[key] = (row, Stopwatch.GetTimestamp() + _ttlTicks);
    }
}

using System.Collections.Concurrent;
using Lakekeeper.Fga;
using Lakekeeper.Fga.Evaluation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakekeeper.Authz.Fga;

/// <summary>
/// Each store's tuples in memory (<see cref="TupleIndex"/>), kept current with Postgres: decisions
/// read memory, not the database.
/// <para>
/// How current: every tuple write commits a notification on <c>lakekeeper_authz</c>
/// (<c>store:revision</c>). This service keeps one connection listening; a notification (or a write
/// made through this process) marks the store behind, and the next decision first reads the changes
/// since its revision from <c>authz_tuple_change</c> (one indexed query) and applies them. So a grant
/// or revoke made on any replica takes effect here as soon as Postgres delivers the notification. While
/// the listening connection is down, every decision reads the changes first (one query) until it is
/// back; the connection is probed every <see cref="ProbeInterval"/>, so a silently broken one is
/// noticed within that time. A replica further behind than the kept history (a day) reloads the store.
/// </para>
/// </summary>
internal sealed partial class TupleCache(FgaTupleRepository tuples, NpgsqlDataSource dataSource, ILogger<TupleCache> logger) : BackgroundService
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Entry> _stores = new(StringComparer.Ordinal);
    private volatile bool _listening;

    /// <summary>Whether change notifications are being received (else every read catches up first).</summary>
    public bool IsListening => _listening;

    /// <summary>
    /// The store's tuples, current as described above; <paramref name="fresh"/> catches up with the
    /// database first in any case (OpenFGA's <c>HIGHER_CONSISTENCY</c>).
    /// </summary>
    public async ValueTask<TupleIndex> GetAsync(string storeId, bool fresh, CancellationToken cancellationToken)
    {
        var entry = _stores.GetOrAdd(storeId, static _ => new Entry());
        if (!fresh && _listening && entry.Index is { } current && Volatile.Read(ref entry.MustSync) == 0
            && Interlocked.Read(ref entry.Revision) >= Interlocked.Read(ref entry.KnownHead))
        {
            return current;
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Index is null)
            {
                await LoadAsync(storeId, entry, cancellationToken);
            }
            else if (fresh || !_listening || Volatile.Read(ref entry.MustSync) != 0 || Interlocked.Read(ref entry.Revision) < Interlocked.Read(ref entry.KnownHead))
            {
                Volatile.Write(ref entry.MustSync, 0);
                var changes = await tuples.ReadChangesAsync(storeId, Interlocked.Read(ref entry.Revision), cancellationToken);
                if (changes is not { } found)
                {
                    await LoadAsync(storeId, entry, cancellationToken);
                }
                else
                {
                    foreach (var change in found.Changes)
                    {
                        if (change.IsWrite)
                        {
                            entry.Index.Add(change.Tuple);
                        }
                        else
                        {
                            entry.Index.Remove(change.Tuple);
                        }
                    }

                    Interlocked.Exchange(ref entry.Revision, found.Revision);
                }
            }

            return entry.Index!;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The store is at least at <paramref name="revision"/> in the database (a notification, or a write made here).</summary>
    public void Advance(string storeId, long revision)
    {
        if (_stores.TryGetValue(storeId, out var entry))
        {
            long known;
            do
            {
                known = Interlocked.Read(ref entry.KnownHead);
            }
            while (revision > known && Interlocked.CompareExchange(ref entry.KnownHead, revision, known) != known);
        }
    }

    /// <summary>Drops a store (deleted).</summary>
    public void Forget(string storeId) => _stores.TryRemove(storeId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                _listening = false;
                LogListenFailed(logger, ex.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _listening = false;
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += OnNotification;
        await using (var listen = new NpgsqlCommand("LISTEN " + FgaTupleRepository.NotifyChannel, connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // Notifications sent while nobody listened are gone: every store catches up once.
        foreach (var entry in _stores.Values)
        {
            Volatile.Write(ref entry.MustSync, 1);
        }

        _listening = true;
        LogListening(logger);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await connection.WaitAsync(ProbeInterval, stoppingToken))
                {
                    await using var probe = new NpgsqlCommand("SELECT 1", connection);
                    probe.CommandTimeout = (int)ProbeInterval.TotalSeconds;
                    await probe.ExecuteScalarAsync(stoppingToken);
                }
            }
        }
        finally
        {
            _listening = false;
            connection.Notification -= OnNotification;
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs args)
    {
        var payload = args.Payload;
        var colon = payload.LastIndexOf(':');
        if (colon > 0 && long.TryParse(payload.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var revision))
        {
            Advance(payload[..colon], revision);
        }
    }

    private async Task LoadAsync(string storeId, Entry entry, CancellationToken cancellationToken)
    {
        var loaded = await tuples.LoadAsync(storeId, cancellationToken)
            ?? throw new FgaException(FgaErrorCodes.StoreIdNotFound, "store not found");
        // Changes noticed while loading are at most the loaded revision or newer: keep the newer head.
        Volatile.Write(ref entry.MustSync, 0);
        entry.Index = new TupleIndex(loaded.Tuples);
        Interlocked.Exchange(ref entry.Revision, loaded.Revision);
        Advance(storeId, loaded.Revision);
        LogLoaded(logger, storeId, loaded.Tuples.Count, loaded.Revision);
    }

    [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "Loaded authorization store {StoreId}: {Count} tuples at revision {Revision}")]
    private static partial void LogLoaded(ILogger logger, string storeId, int count, long revision);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Listening for authorization tuple changes")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Listening for authorization tuple changes failed ({Reason}); decisions read the change log until it is back")]
    private static partial void LogListenFailed(ILogger logger, string reason);

    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public volatile TupleIndex? Index;
        public long Revision;
        public long KnownHead;
        public int MustSync;
    }
}

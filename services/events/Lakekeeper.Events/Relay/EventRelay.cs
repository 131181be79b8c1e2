using Lakekeeper.Events.Sinks;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lakekeeper.Events.Relay;

/// <summary>
/// Publishes the outbox: claims a batch of unpublished events (an object's events in order, see
/// <see cref="OutboxRelayRepository"/>), hands them to every sink, and marks those acknowledged by
/// all sinks published in the claiming transaction. Woken by <c>NOTIFY</c> on every commit, with a
/// poll as fallback; retries with a doubling wait while a sink fails; prunes events past retention.
/// Any number of relays may run against one database.
/// </summary>
internal sealed partial class EventRelay(
    NpgsqlDataSource dataSource,
    OutboxRelayRepository outbox,
    EventSinks sinks,
    RelayState state,
    EventsMetrics metrics,
    IOptions<EventsOptions> options,
    TimeProvider time,
    ILogger<EventRelay> logger) : BackgroundService
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Per sink, the events it acknowledged in a round where another sink did not: not sent to it again.</summary>
    private readonly Dictionary<IEventSink, HashSet<Guid>> _deliveredTo = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        foreach (var sink in sinks.All)
        {
            _deliveredTo[sink] = [];
        }

        LogStarted(logger, sinks.All.Count == 0 ? "none (events are kept for the events API only)" : string.Join(", ", sinks.All.Select(s => s.Name)));
        using (var preparing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            // At most one publish timeout; a sink that is not ready is retried by the rounds.
            preparing.CancelAfter(settings.PublishTimeout);
            await Task.WhenAll(sinks.All.Select(sink => sink.PrepareAsync(preparing.Token)));
        }

        var listener = ListenAsync(stoppingToken);
        var backoff = TimeSpan.Zero;
        var nextPrune = time.GetUtcNow();
        var nextLag = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            Round round;
            try
            {
                round = await RunRoundAsync(settings, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or CommitOutcomeUnknownException or TimeoutException or InvalidOperationException)
            {
                LogRoundFailed(logger, ex);
                state.RoundFinished("the database is unavailable");
                round = new Round(0, Failed: true);
            }

            var now = time.GetUtcNow();
            if (now >= nextLag || round.Claimed == 0)
            {
                await MeasureLagAsync(stoppingToken);
                nextLag = now + LagInterval;
            }

            if (now >= nextPrune)
            {
                await PruneAsync(settings, stoppingToken);
                nextPrune = now + PruneInterval;
            }

            try
            {
                if (round.Failed)
                {
                    backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, settings.MaxBackoff.Ticks));
                    await Task.Delay(backoff, time, stoppingToken);
                }
                else
                {
                    backoff = TimeSpan.Zero;
                    if (round.Claimed == 0)
                    {
                        await _wake.WaitAsync(settings.PollInterval, stoppingToken);
                    }
                    else if (round.Claimed < settings.BatchSize && settings.GatherDelay > TimeSpan.Zero)
                    {
                        await Task.Delay(settings.GatherDelay, time, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await listener;
    }

    private readonly record struct Round(int Claimed, bool Failed);

    private async Task<Round> RunRoundAsync(EventsOptions settings, CancellationToken stoppingToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, stoppingToken);
        var pending = await OutboxRelayRepository.ClaimAsync(tx, settings.BatchSize * 4, settings.ObjectsPerRound, settings.BatchSize, stoppingToken);
        if (pending.Count == 0)
        {
            return new Round(0, Failed: false);
        }

        // Claimed in seq order: grouping keeps each object's events in order.
        var chains = pending.GroupBy(e => e.ObjectId)
            .Select(g => (IReadOnlyList<RelayedEvent>)g.Select(e => new RelayedEvent(e.EventId, e.ObjectId, e.CreatedAt, e.EventJson)).ToList())
            .ToList();
        var acknowledged = chains.Select(c => c.Count).ToArray();
        var failures = new List<string>();
        if (sinks.All.Count > 0)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(settings.PublishTimeout);
            var results = await Task.WhenAll(sinks.All.Select(sink => PublishToAsync(sink, chains, timeout.Token)));
            for (var s = 0; s < results.Length; s++)
            {
                var sink = sinks.All[s];
                var failed = 0;
                for (var i = 0; i < chains.Count; i++)
                {
                    acknowledged[i] = Math.Min(acknowledged[i], results[s][i]);
                    failed += chains[i].Count - results[s][i];
                }

                if (failed > 0)
                {
                    failures.Add(sink.Name);
                    metrics.Failures.Add(failed, new KeyValuePair<string, object?>("sink", sink.Name));
                }
            }

            // What a sink took beyond what all took is remembered, so that it does not get it twice.
            for (var s = 0; s < results.Length; s++)
            {
                var delivered = _deliveredTo[sinks.All[s]];
                for (var i = 0; i < chains.Count; i++)
                {
                    for (var k = 0; k < chains[i].Count; k++)
                    {
                        if (k < acknowledged[i])
                        {
                            delivered.Remove(chains[i][k].Id);
                        }
                        else if (k < results[s][i])
                        {
                            delivered.Add(chains[i][k].Id);
                        }
                    }
                }

                if (delivered.Count > 1_000_000)
                {
                    delivered.Clear(); // Only an optimisation; a relay that lost its claims must not grow it forever.
                }
            }
        }

        var seqs = pending.ToDictionary(e => e.EventId, e => e.Seq);
        var published = new List<long>(pending.Count);
        for (var i = 0; i < chains.Count; i++)
        {
            published.AddRange(chains[i].Take(acknowledged[i]).Select(e => seqs[e.Id]));
        }

        await OutboxRelayRepository.MarkPublishedAsync(tx, published, CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        var now = time.GetUtcNow();
        for (var i = 0; i < chains.Count; i++)
        {
            foreach (var e in chains[i].Take(acknowledged[i]))
            {
                metrics.DeliveryLatency.Record((now - e.CreatedAt).TotalMilliseconds);
            }
        }

        metrics.Published.Add(published.Count);
        var failure = failures.Count == 0 ? null : "no acknowledgement from " + string.Join(", ", failures);
        state.RoundFinished(failure);
        return new Round(pending.Count, Failed: failure is not null);
    }

    /// <summary>One sink's part of a round: the events it has not taken yet (a prefix of each chain is skipped).</summary>
    private async Task<int[]> PublishToAsync(IEventSink sink, List<IReadOnlyList<RelayedEvent>> chains, CancellationToken cancellationToken)
    {
        var delivered = _deliveredTo[sink];
        var skipped = chains.Select(c => c.TakeWhile(e => delivered.Contains(e.Id)).Count()).ToArray();
        var remaining = chains.Select((c, i) => (IReadOnlyList<RelayedEvent>)c.Skip(skipped[i]).ToList()).ToList();
        int[] counts;
        try
        {
            counts = await sink.PublishAsync(remaining, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A sink must not take the relay down; its events wait for the next round.
            LogSinkFailed(logger, ex, sink.Name);
            counts = new int[chains.Count];
        }

        return [.. counts.Select((count, i) => skipped[i] + count)];
    }

    /// <summary>LISTENs for new events on a connection of its own; reconnects after a failure.</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand("LISTEN " + OutboxRepository.Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await connection.WaitAsync(stoppingToken);
                    }
                }
                finally
                {
                    if (connection.State == System.Data.ConnectionState.Open)
                    {
                        // The connection goes back to a pool that does not reset connections.
                        await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                        await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                LogListenFailed(logger, ex.Message);
                try
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake.
            }
        }
    }

    private async Task MeasureLagAsync(CancellationToken stoppingToken)
    {
        try
        {
            state.Measured(await outbox.OldestPendingAsync(stoppingToken), time.GetUtcNow());
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogRoundFailed(logger, ex);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task PruneAsync(EventsOptions settings, CancellationToken stoppingToken)
    {
        try
        {
            int deleted;
            do
            {
                deleted = await outbox.PruneAsync(settings.Retention, 10_000, stoppingToken);
                if (deleted > 0)
                {
                    LogPruned(logger, deleted);
                }
            }
            while (deleted == 10_000 && !stoppingToken.IsCancellationRequested);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogRoundFailed(logger, ex);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 1230, Level = LogLevel.Information, Message = "Events relay started; sinks: {Sinks}")]
    private static partial void LogStarted(ILogger logger, string sinks);

    [LoggerMessage(EventId = 1231, Level = LogLevel.Warning, Message = "Events relay round failed; retrying")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1232, Level = LogLevel.Error, Message = "Event sink {Sink} failed; its events are retried")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink);

    [LoggerMessage(EventId = 1233, Level = LogLevel.Warning, Message = "Listening for new events failed ({Reason}); polling until it works again")]
    private static partial void LogListenFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1234, Level = LogLevel.Information, Message = "Pruned {Count} published events past retention")]
    private static partial void LogPruned(ILogger logger, int count);
}

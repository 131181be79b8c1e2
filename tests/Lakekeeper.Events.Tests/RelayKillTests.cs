using Lakekeeper.Events.Tests.Support;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Events.Tests;

/// <summary>
/// The events service process is killed (SIGKILL) after JetStream acknowledged its events and before
/// it marked them published: the next relay publishes them again and JetStream drops the copies by
/// their Nats-Msg-Id.
/// </summary>
public sealed class RelayKillTests : IAsyncLifetime
{
    private const string Stream = "lakekeeper_kill";
    private NatsServer _nats = null!;
    private StandaloneApp _catalogOnly = null!;

    public async ValueTask InitializeAsync()
    {
        _nats = await NatsServer.StartAsync();
        // The catalog writes events; only the events service process relays them.
        _catalogOnly = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["Events:Relay"] = "false" });
    }

    public async ValueTask DisposeAsync()
    {
        await _catalogOnly.DisposeAsync();
        await _nats.DisposeAsync();
    }

    [Fact]
    public async Task A_relay_killed_between_publishing_and_marking_republishes_and_jetstream_keeps_one_copy()
    {
        var catalog = await CatalogClient.StartAsync(_catalogOnly);
        await catalog.CreateNamespaceAsync("kill");
        await catalog.CreateTableAsync("kill", "t");
        for (var i = 0; i < 5; i++)
        {
            await catalog.CommitAsync("kill", "t", "n", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var events = await catalog.OutboxAsync();
        Assert.Equal(7, events.Count);
        Assert.All(events, e => Assert.False(e.Published));

        // Marking (deleting the queue rows) needs a row-exclusive lock on the relay's queue; this SHARE lock
        // lets the relay claim and publish, and holds its DELETE until the lock goes.
        await using var blocker = new NpgsqlConnection(_catalogOnly.ConnectionString);
        await blocker.OpenAsync();
        var hold = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE event_pending IN SHARE MODE", blocker, hold))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        // Disposed however the test ends: a failing assertion must not leave the relay running.
        await using var first = await StartRelayAsync();
        await Eventually.TrueAsync(async () => await StreamCountAsync() == events.Count, TimeSpan.FromSeconds(60), "the relay to publish every event");
        Assert.All(await catalog.OutboxAsync(), e => Assert.False(e.Published));
        first.Kill();
        await hold.RollbackAsync();

        var metricsPort = FreePort.Next();
        await using var second = await StartRelayAsync(metricsPort);
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        var stream = await JetStreamReader.ReadAllAsync(_nats.Url, Stream);
        Assert.Equal(events.Select(e => e.Id), stream.Select(m => Guid.Parse(m.Event.Id!)));

        // The second relay counted every republished event as a duplicate JetStream dropped.
        using var scraper = new HttpClient();
        var metrics = $"http://127.0.0.1:{metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}/metrics";
        await Eventually.TrueAsync(
            async () => (await scraper.GetStringAsync(metrics)).Split('\n').Any(l => l.StartsWith("lakekeeper_events_duplicates_total{", StringComparison.Ordinal) && l.Contains("sink=\"nats\"", StringComparison.Ordinal) && l.Split(' ')[1] == "7"),
            TimeSpan.FromSeconds(30), "lakekeeper_events_duplicates_total{sink=\"nats\"} 7 on the second relay's /metrics");
    }

    private Task<ServiceProcess> StartRelayAsync(int metricsPort = 0) =>
        ServiceProcess.StartAsync("events", FreePort.Next(), new Dictionary<string, string>
        {
            ["LAKEKEEPER__METRICS_PORT"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = _catalogOnly.ConnectionString,
            ["LAKEKEEPER__NATS_ADDRESS"] = _nats.Url,
            ["LAKEKEEPER__NATS_TOPIC"] = "lakekeeper.kill",
            ["LAKEKEEPER__EVENTS__NATSSTREAM"] = Stream,
            ["LAKEKEEPER__EVENTS__POLLINTERVAL"] = "00:00:00.200",
        });

    private async Task<long> StreamCountAsync()
    {
        try
        {
            return await JetStreamReader.CountAsync(_nats.Url, Stream);
        }
        catch (NATS.Client.JetStream.NatsJSApiException)
        {
            return 0; // Not created yet.
        }
    }
}

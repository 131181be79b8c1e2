using System.Net;
using System.Text.Json;
using Lakekeeper.Events.Tests.Support;
using Lakekeeper.Testing;
using NATS.Client.Core;
using Npgsql;

namespace Lakekeeper.Events.Tests;

/// <summary>
/// The relay's smaller promises, each against real parts: core NATS when no stream covers the subject
/// (with token authentication on a real nats-server), the log sink, the LISTEN/NOTIFY wake-up and the poll,
/// degraded (not down) health while the broker is away, and pruning of published events past
/// retention while unpublished ones are kept.
/// </summary>
public sealed class RelayBehaviourTests
{
    private const string Subject = "lakekeeper.behaviour.events";

    [Fact]
    public async Task Without_a_stream_events_go_over_core_nats_to_a_subscriber_on_a_token_protected_server()
    {
        const string token = "s3cret-token-for-the-test";
        await using var nats = await NatsServer.StartAsync("--auth", token);

        // The server really requires the token: a client without it is refused.
        await using (var anonymous = new NatsConnection(new NatsOpts { Url = nats.Url, MaxReconnectRetry = 0 }))
        {
            await Assert.ThrowsAnyAsync<NatsException>(async () => await anonymous.ConnectAsync());
        }

        await using var subscriber = new NatsConnection(new NatsOpts { Url = nats.Url, AuthOpts = NatsAuthOpts.Default with { Token = token } });
        await using var subscription = await subscriber.SubscribeCoreAsync<ReadOnlyMemory<byte>>(Subject);
        await subscriber.PingAsync();
        var received = new List<CloudNative.CloudEvents.CloudEvent>();
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in subscription.Msgs.ReadAllAsync(stop.Token))
                {
                    lock (received)
                    {
                        received.Add(ChangeEventFormat.Decode(message.Data));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Done reading.
            }
        });

        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["NATS_ADDRESS"] = nats.Url,
            ["NATS_TOPIC"] = Subject,
            ["NATS_TOKEN"] = token,
            ["Events:PollInterval"] = "00:00:00.200",
            ["Events:PublishTimeout"] = "00:00:02",
            ["Events:MaxBackoff"] = "00:00:01",
        });
        var catalog = await CatalogClient.StartAsync(app, "core");
        await catalog.CreateNamespaceAsync("core");
        await catalog.CreateTableAsync("core", "t");
        for (var i = 0; i < 10; i++)
        {
            await catalog.CommitAsync("core", "t", "n", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        var outbox = await catalog.OutboxAsync();
        Assert.Equal(12, outbox.Count);
        await Eventually.TrueAsync(() => Task.FromResult(Count(received) >= outbox.Count), TimeSpan.FromSeconds(30), "the subscriber to receive every event");
        await stop.CancelAsync();
        await reading;

        // In the order of the outbox (one relay, one table), each once.
        Assert.Equal(outbox.Select(e => e.Id), received.Select(e => Guid.Parse(e.Id!)));
        Assert.Equal(["createNamespace", "createTable", .. Enumerable.Repeat("updateTable", 10)], received.Select(e => e.Type));
    }

    [Fact]
    public async Task The_log_sink_writes_one_line_per_event_with_its_id_and_type()
    {
        var logs = new CapturedLogs();
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["LOG_CLOUDEVENTS"] = "true",
            ["Events:PollInterval"] = "00:00:00.200",
        }, logs);
        var catalog = await CatalogClient.StartAsync(app, "logged");
        await catalog.CreateNamespaceAsync("logged");
        await catalog.CreateTableAsync("logged", "t");
        await catalog.CommitAsync("logged", "t", "k", "v");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));

        var outbox = await catalog.OutboxAsync();
        Assert.Equal(3, outbox.Count);
        var lines = logs.Lines.Where(l => l.Contains("[LogCloudEvent]", StringComparison.Ordinal) || l.Contains(" CloudEvent ", StringComparison.Ordinal)).ToList();
        foreach (var (id, type) in outbox.Select(e => e.Id).Zip(["createNamespace", "createTable", "updateTable"]))
        {
            var line = Assert.Single(lines, l => l.Contains($"CloudEvent {id} {type} on ", StringComparison.Ordinal));
            Assert.Contains("\"specversion\":\"1.0\"", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_commit_wakes_the_relay_through_listen_notify_when_polling_is_an_hour_away()
    {
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["Events:PollInterval"] = "01:00:00",
        });
        var catalog = await CatalogClient.StartAsync(app, "notified");

        // The relay's first round ran at start; from now on only a notification can wake it within the hour.
        await Eventually.TrueAsync(async () => await ListeningAsync(app), TimeSpan.FromSeconds(30), "the relay to LISTEN");
        await catalog.CreateNamespaceAsync("notified");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        await catalog.CreateTableAsync("notified", "t");
        await catalog.CommitAsync("notified", "t", "k", "v");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(3, (await catalog.OutboxAsync()).Count);
    }

    [Fact]
    public async Task An_event_whose_notification_was_missed_is_published_by_the_poll()
    {
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["Events:PollInterval"] = "00:00:00.300",
        });
        var catalog = await CatalogClient.StartAsync(app, "polled");
        await catalog.CreateNamespaceAsync("polled");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => await ListeningAsync(app), TimeSpan.FromSeconds(30), "the relay to LISTEN");

        // A row as the catalog writes it, without its NOTIFY (as when it comes while the relay's
        // listening connection is being re-opened): only the poll can find it.
        await ExecuteAsync(app, $"""
            WITH added AS (
                INSERT INTO event_outbox (event_id, created_at, warehouse_id, event_type, object_type, object_id, object_name, name_key, request_id, event)
                SELECT '{Guid.CreateVersion7()}', now(), warehouse_id, event_type, object_type, object_id, object_name, name_key, request_id, event
                FROM event_outbox WHERE warehouse_id = '{catalog.Prefix}'::uuid LIMIT 1
                RETURNING seq, object_id, created_at)
            INSERT INTO event_pending (seq, object_id, created_at) SELECT seq, object_id, created_at FROM added
            """);
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, (await catalog.OutboxAsync()).Count);
    }

    [Fact]
    public async Task Health_is_degraded_not_down_while_nats_is_away_and_healthy_once_it_is_back()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var app = await StandaloneApp.StartAsync(NatsRelayFixture.Settings(nats.Url));
        var catalog = await CatalogClient.StartAsync(app, "health");
        await catalog.CreateNamespaceAsync("health");
        await catalog.CreateTableAsync("health", "t");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("Healthy", (await ReadyAsync(app)).Relay);

        nats.Kill();
        await catalog.CommitAsync("health", "t", "k", "1");
        var degraded = await Eventually.ReturnsAsync(async () =>
        {
            var ready = await ReadyAsync(app);
            return ready.Relay == "Degraded" ? ready : null;
        }, TimeSpan.FromSeconds(60), "the relay to report degraded health");
        Assert.Equal(HttpStatusCode.OK, degraded.Status);
        Assert.Equal("Degraded", degraded.Overall);
        Assert.Contains("nats", degraded.Description, StringComparison.Ordinal);

        // The catalog keeps serving while the broker is away; the events wait in the outbox.
        await catalog.CommitAsync("health", "t", "k", "2");
        Assert.Equal(2, (await catalog.OutboxAsync()).Count(e => !e.Published));

        await nats.StartAgainAsync();
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => (await ReadyAsync(app)).Relay == "Healthy", TimeSpan.FromSeconds(60), "the relay to be healthy again");
    }

    [Fact]
    public async Task Published_events_past_retention_are_pruned_and_unpublished_ones_are_kept()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var app = await StandaloneApp.StartAsync(NatsRelayFixture.Settings(nats.Url));
        var catalog = await CatalogClient.StartAsync(app, "retained");
        await catalog.CreateNamespaceAsync("retained");
        await catalog.CreateTableAsync("retained", "t");
        await catalog.CommitAsync("retained", "t", "k", "published");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));

        nats.Kill();
        await catalog.CommitAsync("retained", "t", "k", "waiting");
        var before = await catalog.OutboxAsync();
        Assert.Equal(3, before.Count(e => e.Published));
        Assert.Single(before, e => !e.Published);

        // Everything is two days old; a relay keeping events for a minute starts on the same database
        // (a relay prunes when it starts, then every minute) with the broker still away.
        await ExecuteAsync(app, "UPDATE event_outbox SET created_at = created_at - interval '2 days'");
        var settings = NatsRelayFixture.Settings(nats.Url);
        settings["Database:ConnectionString"] = app.ConnectionString;
        settings["Events:Retention"] = "00:01:00";
        await using var pruning = await StandaloneApp.StartAsync(settings);

        await Eventually.TrueAsync(async () => (await catalog.OutboxAsync()).All(e => !e.Published), TimeSpan.FromSeconds(60), "the published events to be pruned");
        var after = await catalog.OutboxAsync();
        Assert.Equal(before.Where(e => !e.Published).Select(e => e.Id), after.Select(e => e.Id));

        // The kept event is still delivered once the broker is back.
        await nats.StartAgainAsync();
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        Assert.Single(await catalog.OutboxAsync());
    }

    private static int Count<T>(List<T> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private sealed record Ready(HttpStatusCode Status, string Overall, string? Relay, string Description);

    private static async Task<Ready> ReadyAsync(StandaloneApp app)
    {
        using var response = await app.Client.GetAsync("/health/ready");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var relay = body.RootElement.GetProperty("checks").TryGetProperty("events-relay", out var check) ? check : default;
        return new Ready(
            response.StatusCode,
            body.RootElement.GetProperty("status").GetString()!,
            relay.ValueKind == JsonValueKind.Object ? relay.GetProperty("status").GetString() : null,
            relay.ValueKind == JsonValueKind.Object && relay.TryGetProperty("description", out var d) ? d.GetString() ?? string.Empty : string.Empty);
    }

    private static async Task<bool> ListeningAsync(StandaloneApp app)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static async Task ExecuteAsync(StandaloneApp app, string sql)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

using Confluent.Kafka;
using Lakekeeper.Events.Sinks;
using Lakekeeper.Events.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Events.Tests;

/// <summary>
/// The Kafka sink against librdkafka's mock cluster (no Kafka broker can run here): the real
/// idempotent producer publishes, a real consumer reads binary-mode CloudEvents back. Produce errors
/// are injected and the broker is taken down for a while: nothing is lost, and a table's events stay
/// in order in its partition.
/// </summary>
public sealed class KafkaMockClusterTests : IAsyncLifetime
{
    private const string Topic = "lakekeeper-events";
    private KafkaMockCluster _kafka = null!;
    private StandaloneApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        _kafka = KafkaMockCluster.Start(brokers: 1);
        _kafka.CreateTopic(Topic, partitions: 4);
        _app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["KAFKA_TOPIC"] = Topic,
            ["KAFKA_CONFIG:bootstrap.servers"] = _kafka.BootstrapServers,
            ["KAFKA_CONFIG:retry.backoff.ms"] = "50",
            ["Events:PublishTimeout"] = "00:00:02",
            ["Events:MaxBackoff"] = "00:00:00.500",
            ["Events:PollInterval"] = "00:00:00.200",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _kafka.Dispose();
    }

    [Fact]
    public async Task Mock_cluster_with_injected_produce_errors_and_a_broker_outage_loses_nothing_and_keeps_table_order()
    {
        var catalog = await CatalogClient.StartAsync(_app);
        await catalog.CreateNamespaceAsync("kafka");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => catalog.CreateTableAsync("kafka", $"t{t}")));
        await CommitAsync(catalog, 5);

        // Retriable errors on the next produce requests: the idempotent producer retries them itself.
        _kafka.FailNextProduceRequests(6 /* NOT_LEADER_OR_FOLLOWER */, 7 /* REQUEST_TIMED_OUT */, 19 /* NOT_ENOUGH_REPLICAS */, 6, 7);
        await CommitAsync(catalog, 5);

        // The broker goes away for longer than a relay round: rounds fail and the events wait in the outbox.
        _kafka.BrokerDown(1);
        await CommitAsync(catalog, 5);
        await Eventually.TrueAsync(async () => (await catalog.OutboxAsync()).Any(e => !e.Published), TimeSpan.FromSeconds(10), "events to wait while the broker is down");
        await Eventually.TrueAsync(async () => await KafkaDegradedAsync(), TimeSpan.FromSeconds(60), "a relay round to fail on Kafka (health degraded)");
        Assert.Contains(await catalog.OutboxAsync(), e => !e.Published);
        _kafka.BrokerUp(1);
        await CommitAsync(catalog, 5);
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));

        var outbox = await catalog.OutboxAsync();
        var received = Consume(outbox.Count);
        var firstSeen = received.Select(r => Guid.Parse(r.Event.Id!)).Distinct().ToList();
        Assert.Equal(outbox.Select(e => e.Id).Order(), firstSeen.Order());
        foreach (var objectId in outbox.Select(e => e.ObjectId).Distinct())
        {
            Assert.Equal(
                outbox.Where(e => e.ObjectId == objectId).Select(e => e.Id),
                firstSeen.Where(id => outbox.Single(e => e.Id == id).ObjectId == objectId));
        }

        // Binary mode: the key is the object id, attributes travel as ce_ headers.
        var update = received.First(r => r.Event.Type == "updateTable");
        Assert.Equal((string)update.Event[ChangeEventFormat.TabularId]!, update.Key);
        Assert.Equal("application/json", update.Event.DataContentType);
        Assert.Equal(catalog.Prefix, update.Event[ChangeEventFormat.WarehouseId]);
    }

    private async Task<bool> KafkaDegradedAsync()
    {
        using var response = await _app.Client.GetAsync("/health/ready");
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("checks").TryGetProperty("events-relay", out var check)
            && check.GetProperty("status").GetString() == "Degraded"
            && check.TryGetProperty("description", out var description)
            && (description.GetString() ?? string.Empty).Contains("kafka", StringComparison.Ordinal);
    }

    private static Task CommitAsync(CatalogClient catalog, int perTable) =>
        Task.WhenAll(Enumerable.Range(0, 4).Select(async t =>
        {
            for (var i = 0; i < perTable; i++)
            {
                await catalog.CommitAsync("kafka", $"t{t}", "n", Guid.NewGuid().ToString("N"));
            }
        }));

    /// <summary>Reads the topic from the start with a real consumer until every event id was seen.</summary>
    private List<(string Key, CloudNative.CloudEvents.CloudEvent Event)> Consume(int distinct)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = _kafka.BootstrapServers,
            GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(Topic);
        var received = new List<(string, CloudNative.CloudEvents.CloudEvent)>();
        var ids = new HashSet<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (ids.Count < distinct && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result?.Message is { } message)
            {
                var cloudEvent = KafkaCloudEvents.FromMessage(message);
                received.Add((message.Key, cloudEvent));
                ids.Add(cloudEvent.Id!);
            }
        }

        consumer.Close();
        Assert.True(ids.Count == distinct, $"read {ids.Count} of {distinct} events from the topic");
        return received;
    }
}

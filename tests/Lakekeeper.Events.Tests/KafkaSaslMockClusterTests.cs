using Lakekeeper.Events.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Events.Tests;

/// <summary>
/// Kafka with SASL settings, against librdkafka's mock cluster. The mock broker speaks no SASL (it
/// answers the handshake as unsupported), so a successful login cannot be shown here; what can: the
/// settings reach librdkafka (it attempts SASL/PLAIN and fails on authentication), the relay keeps
/// every event in the outbox with its health degraded and the reason logged, and the password appears
/// in no log line — with librdkafka's own configuration and security debug output switched on.
/// </summary>
public sealed class KafkaSaslMockClusterTests
{
    private const string Topic = "lakekeeper-events";

    [Fact]
    public async Task Mock_cluster_refusing_sasl_keeps_every_event_and_no_log_line_has_the_password()
    {
        using var kafka = KafkaMockCluster.Start(brokers: 1);
        kafka.CreateTopic(Topic, partitions: 1);
        var password = "kafka-secret-" + Guid.NewGuid().ToString("N");
        var logs = new CapturedLogs();
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["KAFKA_TOPIC"] = Topic,
            ["KAFKA_CONFIG:bootstrap.servers"] = kafka.BootstrapServers,
            ["KAFKA_CONFIG:security.protocol"] = "SASL_PLAINTEXT",
            ["KAFKA_CONFIG:sasl.mechanism"] = "PLAIN",
            ["KAFKA_CONFIG:sasl.username"] = "relay",
            ["KAFKA_CONFIG:sasl.password"] = password,
            ["KAFKA_CONFIG:debug"] = "conf,security,broker",
            ["Events:PublishTimeout"] = "00:00:02",
            ["Events:MaxBackoff"] = "00:00:00.500",
            ["Events:PollInterval"] = "00:00:00.200",
        }, logs);

        var catalog = await CatalogClient.StartAsync(app);
        await catalog.CreateNamespaceAsync("sasl");
        await catalog.CreateTableAsync("sasl", "t");
        await catalog.CommitAsync("sasl", "t", "k", "v");

        await Eventually.TrueAsync(async () => await RelayHealthAsync(app) == "Degraded", TimeSpan.FromSeconds(60), "the relay to report degraded health");
        await Eventually.TrueAsync(
            () => Task.FromResult(logs.Lines.Any(l => l.Contains("Kafka client error", StringComparison.Ordinal) && l.Contains("SASL", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), "the authentication failure to be logged");
        var outbox = await catalog.OutboxAsync();
        Assert.Equal(3, outbox.Count);
        Assert.All(outbox, e => Assert.False(e.Published));

        // librdkafka logged its configuration (debug "conf") and its SASL steps: the password is in neither.
        Assert.Contains(logs.Lines, l => l.Contains("sasl.username", StringComparison.Ordinal));
        Assert.DoesNotContain(password, logs.Text, StringComparison.Ordinal);
    }

    private static async Task<string?> RelayHealthAsync(StandaloneApp app)
    {
        using var response = await app.Client.GetAsync("/health/ready");
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("checks").TryGetProperty("events-relay", out var check) ? check.GetProperty("status").GetString() : null;
    }
}

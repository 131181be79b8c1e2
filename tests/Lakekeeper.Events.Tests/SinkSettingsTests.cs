using Lakekeeper.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Events.Tests;

/// <summary>
/// The sink settings under Lakekeeper's names: how <c>KAFKA_CONFIG</c> is read (variables, a JSON
/// object, a file), and each incomplete or unsafe combination refused at start with the variable to set.
/// </summary>
public sealed class SinkSettingsTests
{
    [Theory]
    [InlineData("NATS_ADDRESS=nats://n:4222", "LAKEKEEPER__NATS_TOPIC is required when LAKEKEEPER__NATS_ADDRESS is set")]
    [InlineData("NATS_TOPIC=events", "LAKEKEEPER__NATS_ADDRESS is required when LAKEKEEPER__NATS_TOPIC is set")]
    [InlineData("NATS_ADDRESS=nats://n:4222;NATS_TOPIC=events;NATS_USER=relay", "LAKEKEEPER__NATS_USER and LAKEKEEPER__NATS_PASSWORD are set together or not at all.")]
    [InlineData("NATS_ADDRESS=nats://n:4222;NATS_TOPIC=events;NATS_PASSWORD=pw", "LAKEKEEPER__NATS_USER and LAKEKEEPER__NATS_PASSWORD are set together or not at all.")]
    [InlineData("NATS_ADDRESS=nats://n:4222;NATS_TOPIC=events;NATS_CREDS_FILE=/nonexistent/relay.creds", "LAKEKEEPER__NATS_CREDS_FILE: /nonexistent/relay.creds does not exist.")]
    [InlineData("KAFKA_TOPIC=events", "LAKEKEEPER__KAFKA_CONFIG__bootstrap.servers is required when LAKEKEEPER__KAFKA_TOPIC is set.")]
    [InlineData("KAFKA_TOPIC=events;KAFKA_CONFIG:bootstrap.servers=k:9092;KAFKA_CONFIG:enable.idempotence=false", "LAKEKEEPER__KAFKA_CONFIG__enable.idempotence cannot be turned off")]
    [InlineData("KAFKA_CONFIG:bootstrap.servers=k:9092", "LAKEKEEPER__KAFKA_TOPIC is required when Kafka properties are set.")]
    [InlineData("KAFKA_TOPIC=events;KAFKA_CONFIG={not json", "LAKEKEEPER__KAFKA_CONFIG must be a JSON object of strings")]
    [InlineData("KAFKA_TOPIC=events;KAFKA_CONFIG_FILE=/nonexistent/kafka.json", "LAKEKEEPER__KAFKA_CONFIG_FILE: cannot read /nonexistent/kafka.json")]
    public void Incomplete_or_unsafe_sink_settings_are_refused_with_the_variable_to_set(string settings, string expected)
    {
        var (options, result) = Read(settings);
        Assert.True(result.Failed, $"accepted: {settings}");
        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Complete_settings_are_accepted_and_kafka_properties_merge_file_then_json_then_variables_lower_cased()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("lakekeeper-kafka-").FullName, "kafka.json");
        File.WriteAllText(file, """{"bootstrap.servers": "from-file:9092", "Security.Protocol": "SASL_SSL", "linger.ms": 5}""");
        var creds = Path.Combine(Path.GetDirectoryName(file)!, "relay.creds");
        File.WriteAllText(creds, "a creds file");
        var (options, result) = Read(
            $"NATS_ADDRESS=nats://n:4222;NATS_TOPIC=events;NATS_USER=relay;NATS_PASSWORD=pw;NATS_CREDS_FILE={creds};" +
            $"KAFKA_TOPIC=events;KAFKA_CONFIG_FILE={file};KAFKA_CONFIG={{\"sasl.username\":\"from-json\",\"linger.ms\":\"7\"}};KAFKA_CONFIG:Bootstrap.Servers=from-variable:9092");

        Assert.False(result.Failed, string.Join("; ", result.Failures ?? []));
        Assert.True(options.NatsEnabled);
        Assert.True(options.KafkaEnabled);
        Assert.Equal("from-variable:9092", options.KafkaConfig["bootstrap.servers"]);
        Assert.Equal("SASL_SSL", options.KafkaConfig["security.protocol"]);
        Assert.Equal("from-json", options.KafkaConfig["sasl.username"]);
        Assert.Equal("7", options.KafkaConfig["linger.ms"]);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    [Fact]
    public async Task The_events_service_refuses_to_start_with_kafka_idempotence_turned_off()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync("events", FreePort.Next(), new Dictionary<string, string>
        {
            ["LAKEKEEPER__KAFKA_TOPIC"] = "events",
            ["LAKEKEEPER__KAFKA_CONFIG__bootstrap.servers"] = "127.0.0.1:9",
            ["LAKEKEEPER__KAFKA_CONFIG__enable.idempotence"] = "false",
        }, readyTimeout: TimeSpan.FromSeconds(60)));
        Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__KAFKA_CONFIG__enable.idempotence cannot be turned off", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Binds and validates <paramref name="settings"/> (<c>key=value</c> pairs separated by <c>;</c>) as the host does.</summary>
    private static (EventSinkOptions Options, ValidateOptionsResult Result) Read(string settings)
    {
        var values = settings.Split(';').Select(pair => pair.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);
        var setup = new EventSinkOptionsSetup(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        var options = new EventSinkOptions();
        setup.Configure(options);
        return (options, setup.Validate(Options.DefaultName, options));
    }
}

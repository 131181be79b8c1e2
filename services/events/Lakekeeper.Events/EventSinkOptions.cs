using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Events;

/// <summary>
/// Where events go, under Lakekeeper's setting names (top-level, e.g. <c>LAKEKEEPER__NATS_ADDRESS</c>).
/// Any combination of sinks; none configured: events are kept for the events API only.
/// </summary>
public sealed class EventSinkOptions
{
    [ConfigurationKeyName("NATS_ADDRESS")]
    public string? NatsAddress { get; set; }

    /// <summary>The subject events are published to.</summary>
    [ConfigurationKeyName("NATS_TOPIC")]
    public string? NatsTopic { get; set; }

    [ConfigurationKeyName("NATS_USER")]
    public string? NatsUser { get; set; }

    [ConfigurationKeyName("NATS_PASSWORD")]
    public string? NatsPassword { get; set; }

    [ConfigurationKeyName("NATS_TOKEN")]
    public string? NatsToken { get; set; }

    [ConfigurationKeyName("NATS_CREDS_FILE")]
    public string? NatsCredsFile { get; set; }

    [ConfigurationKeyName("KAFKA_TOPIC")]
    public string? KafkaTopic { get; set; }

    /// <summary>A JSON file of librdkafka properties, merged under <see cref="KafkaConfig"/>.</summary>
    [ConfigurationKeyName("KAFKA_CONFIG_FILE")]
    public string? KafkaConfigFile { get; set; }

    /// <summary>librdkafka properties (<c>LAKEKEEPER__KAFKA_CONFIG__bootstrap.servers=…</c>, or the whole map as JSON).</summary>
    public Dictionary<string, string> KafkaConfig { get; } = new(StringComparer.Ordinal);

    [ConfigurationKeyName("LOG_CLOUDEVENTS")]
    public bool LogCloudEvents { get; set; }

    /// <summary>Settings that could not be read (reported by validation at start).</summary>
    internal List<string> Problems { get; } = [];

    public bool NatsEnabled => !string.IsNullOrEmpty(NatsAddress);

    public bool KafkaEnabled => !string.IsNullOrEmpty(KafkaTopic);

    /// <summary>Reads <c>KAFKA_CONFIG</c>: child keys (lower-cased: librdkafka property names are) or one JSON object.</summary>
    internal static void ReadKafkaConfig(IConfiguration configuration, EventSinkOptions options)
    {
        if (options.KafkaConfigFile is { Length: > 0 } file)
        {
            try
            {
                MergeJson(File.ReadAllText(file), options.KafkaConfig);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
            {
                options.Problems.Add($"LAKEKEEPER__KAFKA_CONFIG_FILE: cannot read {file} as a JSON object of strings ({ex.GetType().Name}).");
            }
        }

        var section = configuration.GetSection("KAFKA_CONFIG");
        if (section.Value is { Length: > 0 } json)
        {
            try
            {
                MergeJson(json, options.KafkaConfig);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                options.Problems.Add("LAKEKEEPER__KAFKA_CONFIG must be a JSON object of strings, or set properties one by one as LAKEKEEPER__KAFKA_CONFIG__<property>.");
            }
        }

        foreach (var child in section.GetChildren())
        {
            if (child.Value is not null)
            {
                options.KafkaConfig[child.Key.ToLowerInvariant()] = child.Value;
            }
        }
    }

    private static void MergeJson(string json, Dictionary<string, string> into)
    {
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            into[property.Name.ToLowerInvariant()] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : property.Value.GetRawText();
        }
    }
}

/// <summary>Binds the top-level sink settings and reports every problem with the variable to set.</summary>
internal sealed class EventSinkOptionsSetup(IConfiguration configuration) : IConfigureOptions<EventSinkOptions>, IValidateOptions<EventSinkOptions>
{
    public void Configure(EventSinkOptions options)
    {
        configuration.Bind(options);
        EventSinkOptions.ReadKafkaConfig(configuration, options);
    }

    public ValidateOptionsResult Validate(string? name, EventSinkOptions options)
    {
        var problems = new List<string>(options.Problems);
        if (options.NatsEnabled)
        {
            if (string.IsNullOrEmpty(options.NatsTopic))
            {
                problems.Add("LAKEKEEPER__NATS_TOPIC is required when LAKEKEEPER__NATS_ADDRESS is set (the subject events are published to).");
            }

            if (!string.IsNullOrEmpty(options.NatsUser) != !string.IsNullOrEmpty(options.NatsPassword))
            {
                problems.Add("LAKEKEEPER__NATS_USER and LAKEKEEPER__NATS_PASSWORD are set together or not at all.");
            }

            if (options.NatsCredsFile is { Length: > 0 } creds && !File.Exists(creds))
            {
                problems.Add($"LAKEKEEPER__NATS_CREDS_FILE: {creds} does not exist.");
            }
        }
        else if (!string.IsNullOrEmpty(options.NatsTopic))
        {
            problems.Add("LAKEKEEPER__NATS_ADDRESS is required when LAKEKEEPER__NATS_TOPIC is set, e.g. nats://localhost:4222.");
        }

        if (options.KafkaEnabled)
        {
            if (!options.KafkaConfig.ContainsKey("bootstrap.servers"))
            {
                problems.Add("LAKEKEEPER__KAFKA_CONFIG__bootstrap.servers is required when LAKEKEEPER__KAFKA_TOPIC is set.");
            }

            if (options.KafkaConfig.TryGetValue("enable.idempotence", out var idempotence) && !string.Equals(idempotence, "true", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add("LAKEKEEPER__KAFKA_CONFIG__enable.idempotence cannot be turned off: the relay relies on it for order and no duplicates on retry.");
            }
        }
        else if (options.KafkaConfig.Count > 0)
        {
            problems.Add("LAKEKEEPER__KAFKA_TOPIC is required when Kafka properties are set.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

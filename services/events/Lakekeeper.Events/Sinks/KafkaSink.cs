using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Events.Sinks;

/// <summary>
/// Kafka: an idempotent producer (<c>enable.idempotence</c>, <c>acks=all</c>) writes binary-mode
/// CloudEvents keyed by the object id, so one table's events land in one partition, in order, and a
/// retry inside the producer never duplicates or reorders them. An event counts as delivered when
/// its delivery report says it is written to all in-sync replicas.
/// </summary>
internal sealed partial class KafkaSink : IEventSink
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;
    private readonly ILogger _logger;

    public KafkaSink(EventSinkOptions options, EventsOptions events, ILogger<KafkaSink> logger)
    {
        _topic = options.KafkaTopic!;
        _logger = logger;
        var config = new ProducerConfig(new Dictionary<string, string>(options.KafkaConfig))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
        };
        config.ClientId ??= "lakekeeper-events";
        if (!options.KafkaConfig.ContainsKey("message.timeout.ms"))
        {
            // Give up inside the producer when the relay gives up, so a retried round does not race old attempts.
            config.MessageTimeoutMs = (int)events.PublishTimeout.TotalMilliseconds;
        }

        _producer = new ProducerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) => LogError(_logger, error.Code.ToString(), error.Reason))
            .SetLogHandler((_, message) => LogClient(_logger, message.Facility, message.Message))
            .Build();
        LogStarted(logger, _topic, config.BootstrapServers ?? string.Empty);
    }

    public string Name => "kafka";

    public async Task<int[]> PublishAsync(IReadOnlyList<IReadOnlyList<RelayedEvent>> chains, CancellationToken cancellationToken)
    {
        // Everything is handed to the producer first, in order (it keeps a partition's order), then the reports are awaited.
        var deliveries = new List<Task<DeliveryResult<string, byte[]>>>[chains.Count];
        for (var i = 0; i < chains.Count; i++)
        {
            deliveries[i] = [];
            foreach (var e in chains[i])
            {
                try
                {
                    var message = KafkaCloudEvents.ToMessage(e.CloudEvent, e.ObjectId.ToString());
                    deliveries[i].Add(_producer.ProduceAsync(_topic, message, CancellationToken.None));
                }
                catch (KafkaException ex)
                {
                    LogUnavailable(_logger, ex.Error.Reason);
                    break;
                }
            }
        }

        var acknowledged = new int[chains.Count];
        for (var i = 0; i < chains.Count; i++)
        {
            foreach (var delivery in deliveries[i])
            {
                try
                {
                    var result = await delivery.WaitAsync(cancellationToken);
                    if (result.Status != PersistenceStatus.Persisted)
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is KafkaException or OperationCanceledException or TimeoutException)
                {
                    LogUnavailable(_logger, ex is KafkaException kafka ? kafka.Error.Reason : ex.Message);
                    break;
                }

                acknowledged[i]++;
            }
        }

        return acknowledged;
    }

    public ValueTask DisposeAsync()
    {
        _producer.Flush(TimeSpan.FromSeconds(2));
        _producer.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 1211, Level = LogLevel.Information, Message = "Publishing change events to Kafka topic {Topic} at {BootstrapServers}")]
    private static partial void LogStarted(ILogger logger, string topic, string bootstrapServers);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Warning, Message = "Kafka is unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason}")]
    private static partial void LogError(ILogger logger, string code, string reason);

    [LoggerMessage(EventId = 1214, Level = LogLevel.Debug, Message = "librdkafka {Facility}: {Message}")]
    private static partial void LogClient(ILogger logger, string facility, string message);

}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lakekeeper.Events.Sinks;

/// <summary>The sinks configured for this process (any combination of NATS, Kafka and the log).</summary>
internal sealed class EventSinks : IAsyncDisposable
{
    public EventSinks(IOptions<EventSinkOptions> sinkOptions, IOptions<EventsOptions> events, NpgsqlDataSource database, EventsMetrics metrics, ILoggerFactory loggers)
    {
        var settings = sinkOptions.Value;
        var list = new List<IEventSink>();
        if (settings.NatsEnabled)
        {
            list.Add(new NatsSink(settings, events.Value, database, metrics, loggers.CreateLogger<NatsSink>()));
        }

        if (settings.KafkaEnabled)
        {
            list.Add(new KafkaSink(settings, events.Value, loggers.CreateLogger<KafkaSink>()));
        }

        if (settings.LogCloudEvents)
        {
            list.Add(new LogSink(loggers.CreateLogger<LogSink>()));
        }

        All = list;
    }

    public IReadOnlyList<IEventSink> All { get; }

    public async ValueTask DisposeAsync()
    {
        foreach (var sink in All)
        {
            await sink.DisposeAsync();
        }
    }
}

using Microsoft.Extensions.Logging;

namespace Lakekeeper.Events.Sinks;

/// <summary><c>LAKEKEEPER__LOG_CLOUDEVENTS=true</c>: one structured log line per event.</summary>
internal sealed partial class LogSink(ILogger<LogSink> logger) : IEventSink
{
    public string Name => "log";

    public Task<int[]> PublishAsync(IReadOnlyList<IReadOnlyList<RelayedEvent>> chains, CancellationToken cancellationToken)
    {
        foreach (var chain in chains)
        {
            foreach (var e in chain)
            {
                LogEvent(logger, e.Id, e.CloudEvent.Type ?? string.Empty, e.ObjectId, e.StructuredJson);
            }
        }

        return Task.FromResult(chains.Select(c => c.Count).ToArray());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [LoggerMessage(EventId = 1220, Level = LogLevel.Information, Message = "CloudEvent {EventId} {EventType} on {ObjectId}: {CloudEvent}")]
    private static partial void LogEvent(ILogger logger, Guid eventId, string eventType, Guid objectId, string cloudEvent);
}

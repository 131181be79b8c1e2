using System.Text;
using CloudNative.CloudEvents;

namespace Lakekeeper.Events.Sinks;

/// <summary>A stored event on its way to the brokers: the structured CloudEvent as the catalog built it.</summary>
internal sealed class RelayedEvent(Guid id, Guid objectId, DateTimeOffset createdAt, string structuredJson)
{
    private CloudEvent? _cloudEvent;

    public Guid Id { get; } = id;

    /// <summary>The table, view or namespace: its events are published in order.</summary>
    public Guid ObjectId { get; } = objectId;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public string StructuredJson { get; } = structuredJson;

    public ReadOnlyMemory<byte> Structured { get; } = Encoding.UTF8.GetBytes(structuredJson);

    /// <summary>The event read back with the CloudEvents SDK (for sinks that need its attributes).</summary>
    public CloudEvent CloudEvent => _cloudEvent ??= ChangeEventFormat.Decode(Structured);
}

/// <summary>A broker (or the log) the relay publishes to.</summary>
internal interface IEventSink : IAsyncDisposable
{
    /// <summary>Short name for logs, metrics and health: <c>nats</c>, <c>kafka</c>, <c>log</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Publishes the events of each chain (one object's events, oldest first) in order and returns,
    /// per chain, how many of its first events the broker acknowledged. A chain stops at its first
    /// failure, so what is acknowledged is always a prefix: a later event of an object is never
    /// delivered before an earlier one.
    /// </summary>
    Task<int[]> PublishAsync(IReadOnlyList<IReadOnlyList<RelayedEvent>> chains, CancellationToken cancellationToken);

    /// <summary>
    /// Gets ready before the first event (connect, create what the broker needs), so that what consumers
    /// expect exists from the start. Best effort: a broker that is away is retried by the first round.
    /// </summary>
    Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

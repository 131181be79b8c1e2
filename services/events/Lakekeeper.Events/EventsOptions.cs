using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Events;

/// <summary>The relay (section <c>Events</c>): how it claims, publishes and keeps events.</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>Run the relay in this process (the events service and standalone do by default).</summary>
    public bool Relay { get; set; } = true;

    /// <summary>Most events one relay round claims, publishes and marks in one transaction.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>Most objects (tables, views, namespaces) one round takes; the rest is left to other relays.</summary>
    [Range(1, 100_000)]
    public int ObjectsPerRound { get; set; } = 1000;

    /// <summary>How often the relay looks for events when no notification woke it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a round that found fewer events than <see cref="BatchSize"/>, how long the relay lets more
    /// commits gather before the next round. Under a stream of small commits it bounds the rounds (each a
    /// claim, a publish and a mark in one transaction) to one per interval, at the price of this much added
    /// delivery latency; zero claims again at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan GatherDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long one round waits for the brokers' acknowledgements before giving up and retrying.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait between retries while a broker is unavailable (the wait doubles from 100 ms).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long published events are kept (and readable through the events API).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// A JetStream stream to create over the NATS subject when no stream covers it yet. Unset: use the
    /// stream that covers the subject, or core NATS when there is none.
    /// </summary>
    public string? NatsStream { get; set; }
}

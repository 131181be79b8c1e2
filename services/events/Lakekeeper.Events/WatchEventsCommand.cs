using System.Text;
using Lakekeeper.Events.Sinks;
using Lakekeeper.Abstractions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Lakekeeper.Events;

/// <summary>
/// <c>watch-events [--all]</c>: prints the change events on the NATS subject, one CloudEvent (JSON)
/// per line, until stopped. With a JetStream stream over the subject it reads the stream (so nothing
/// published while the watcher reconnects is missed; <c>--all</c> starts at the stream's beginning),
/// otherwise it subscribes. There is no <c>nats</c> CLI in Debian; this is the command
/// <c>./lakekeeper events</c> runs.
/// </summary>
internal sealed class WatchEventsCommand : IHostCommand
{
    public string Name => "watch-events";

    public string Description => "print the change events published to NATS (LAKEKEEPER__NATS_ADDRESS/__NATS_TOPIC); --all replays the stream";

    /// <summary>Only the NATS settings: the watcher needs no database.</summary>
    public bool UsesServiceSettings => false;

    public async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<EventSinkOptions>>().Value;
        if (!options.NatsEnabled)
        {
            await Console.Error.WriteLineAsync("Set LAKEKEEPER__NATS_ADDRESS and LAKEKEEPER__NATS_TOPIC to watch events (./lakekeeper events does).");
            return 64;
        }

        var replay = Environment.GetCommandLineArgs().Contains("--all", StringComparer.Ordinal);
        await using var connection = new NatsConnection(NatsSink.Connect(options));
        try
        {
            await connection.ConnectAsync();
        }
        catch (NatsException ex)
        {
            // One line that says why (wrong credentials, no server), never a stack trace; the client
            // masks a password in the address, and no secret is in the server's reasons.
            await Console.Error.WriteLineAsync("Cannot watch events: " + NatsSink.Reason(ex));
            return 69; // EX_UNAVAILABLE
        }
        var subject = options.NatsTopic!;
        var jetStream = connection.CreateJetStreamContext();
        string? stream = null;
        try
        {
            await foreach (var name in jetStream.ListStreamNamesAsync(subject, cancellationToken))
            {
                stream = name;
                break;
            }
        }
        catch (NatsException)
        {
            // No JetStream on this server: subscribe.
        }

        await Console.Error.WriteLineAsync(stream is null
            ? $"Watching NATS subject {subject} at {options.NatsAddress} (core NATS). Ctrl+C stops."
            : $"Watching NATS subject {subject} at {options.NatsAddress} (JetStream stream {stream}{(replay ? ", from its start" : string.Empty)}). Ctrl+C stops.");
        try
        {
            if (stream is not null)
            {
                var consumer = await jetStream.CreateOrderedConsumerAsync(stream, new NatsJSOrderedConsumerOpts
                {
                    FilterSubjects = [subject],
                    DeliverPolicy = replay ? ConsumerConfigDeliverPolicy.All : ConsumerConfigDeliverPolicy.New,
                }, cancellationToken);
                await foreach (var message in consumer.ConsumeAsync<ReadOnlyMemory<byte>>(cancellationToken: cancellationToken))
                {
                    await Console.Out.WriteLineAsync(Encoding.UTF8.GetString(message.Data.Span));
                }
            }
            else
            {
                await foreach (var message in connection.SubscribeAsync<ReadOnlyMemory<byte>>(subject, cancellationToken: cancellationToken))
                {
                    await Console.Out.WriteLineAsync(Encoding.UTF8.GetString(message.Data.Span));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C.
        }

        return 0;
    }
}

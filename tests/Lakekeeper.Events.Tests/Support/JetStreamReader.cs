using CloudNative.CloudEvents;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Lakekeeper.Events.Tests.Support;

/// <summary>A message of a JetStream stream: its CloudEvent (read with the SDK) and its Nats-Msg-Id.</summary>
internal sealed record StoredMessage(CloudEvent Event, string? MsgId, string? ContentType);

/// <summary>Reads a JetStream stream from its beginning with a real NATS client.</summary>
internal static class JetStreamReader
{
    public static async Task<long> CountAsync(string url, string stream)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = url });
        var info = await connection.CreateJetStreamContext().GetStreamAsync(stream);
        return info.Info.State.Messages;
    }

    public static async Task<IReadOnlyList<StoredMessage>> ReadAllAsync(string url, string stream, NatsAuthOpts? auth = null)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = url, AuthOpts = auth ?? NatsAuthOpts.Default });
        var js = connection.CreateJetStreamContext();
        var count = (await js.GetStreamAsync(stream)).Info.State.Messages;
        var messages = new List<StoredMessage>();
        if (count == 0)
        {
            return messages;
        }

        var consumer = await js.CreateOrderedConsumerAsync(stream, new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.All });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var message in consumer.ConsumeAsync<ReadOnlyMemory<byte>>(cancellationToken: deadline.Token))
        {
            string? header(string name) => message.Headers is { } h && h.TryGetValue(name, out var v) ? v.ToString() : null;
            messages.Add(new StoredMessage(ChangeEventFormat.Decode(message.Data), header("Nats-Msg-Id"), header("Content-Type")));
            if (messages.Count == count)
            {
                break;
            }
        }

        return messages;
    }
}

using System.Text;
using CloudNative.CloudEvents;
using Confluent.Kafka;

namespace Lakekeeper.Events.Sinks;

/// <summary>
/// The CloudEvents Kafka protocol binding in binary mode, through the SDK's attribute model: each
/// attribute becomes a <c>ce_&lt;name&gt;</c> header formatted by the attribute itself,
/// <c>datacontenttype</c> becomes <c>content-type</c>, and the value is the event data. (The SDK's
/// own Kafka binding package is not available here; this maps the same attributes the same way.)
/// </summary>
internal static class KafkaCloudEvents
{
    public const string HeaderPrefix = "ce_";
    public const string ContentTypeHeader = "content-type";

    public static Message<string, byte[]> ToMessage(CloudEvent cloudEvent, string key)
    {
        var headers = new Headers
        {
            { HeaderPrefix + CloudEventsSpecVersion.SpecVersionAttribute.Name, Encoding.UTF8.GetBytes(cloudEvent.SpecVersion.VersionId) },
        };
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            var text = Encoding.UTF8.GetBytes(attribute.Format(value));
            headers.Add(attribute == cloudEvent.SpecVersion.DataContentTypeAttribute ? ContentTypeHeader : HeaderPrefix + attribute.Name, text);
        }

        return new Message<string, byte[]> { Key = key, Value = ChangeEventFormat.EncodeData(cloudEvent).ToArray(), Headers = headers };
    }

    /// <summary>Reads a binary-mode message back into a CloudEvent (consumers, tests, the watch command).</summary>
    public static CloudEvent FromMessage(Message<string, byte[]> message)
    {
        var version = message.Headers.TryGetLastBytes(HeaderPrefix + "specversion", out var versionBytes)
            ? CloudEventsSpecVersion.FromVersionId(Encoding.UTF8.GetString(versionBytes))
            : null;
        var cloudEvent = new CloudEvent(version ?? throw new FormatException("The message has no ce_specversion header: not a binary-mode CloudEvent."),
            ChangeEventFormat.Extensions);
        foreach (var header in message.Headers)
        {
            var value = Encoding.UTF8.GetString(header.GetValueBytes());
            if (header.Key == ContentTypeHeader)
            {
                cloudEvent.DataContentType = value;
            }
            else if (header.Key.StartsWith(HeaderPrefix, StringComparison.Ordinal) && header.Key != HeaderPrefix + "specversion")
            {
                cloudEvent.SetAttributeFromString(header.Key[HeaderPrefix.Length..], value);
            }
        }

        ChangeEventFormat.DecodeData(message.Value, cloudEvent);
        return cloudEvent.Validate();
    }
}

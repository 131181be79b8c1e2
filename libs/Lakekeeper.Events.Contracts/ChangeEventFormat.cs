using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Lakekeeper.Events;

/// <summary>
/// Change events as CloudEvents 1.0, built and read with the CloudEvents SDK. The extension
/// attributes carry Lakekeeper's fields under spec-conformant names (the specification allows only
/// <c>a-z</c> and <c>0-9</c> in attribute names, and the SDK enforces it): Lakekeeper's
/// <c>tabular-id</c> is <c>tabularid</c>, <c>num-events</c> is <c>numevents</c>, and so on.
/// </summary>
public static class ChangeEventFormat
{
    public const string ContentType = "application/cloudevents+json";

    public static readonly CloudEventAttribute TabularType = CloudEventAttribute.CreateExtension("tabulartype", CloudEventAttributeType.String);
    public static readonly CloudEventAttribute TabularId = CloudEventAttribute.CreateExtension("tabularid", CloudEventAttributeType.String);
    public static readonly CloudEventAttribute NamespaceId = CloudEventAttribute.CreateExtension("namespaceid", CloudEventAttributeType.String);
    public static readonly CloudEventAttribute WarehouseId = CloudEventAttribute.CreateExtension("warehouseid", CloudEventAttributeType.String);
    public static readonly CloudEventAttribute Name = CloudEventAttribute.CreateExtension("name", CloudEventAttributeType.String);
    public static readonly CloudEventAttribute Namespace = CloudEventAttribute.CreateExtension("namespace", CloudEventAttributeType.String);
    public static readonly CloudEventAttribute Prefix = CloudEventAttribute.CreateExtension("prefix", CloudEventAttributeType.String);
    public static readonly CloudEventAttribute NumEvents = CloudEventAttribute.CreateExtension("numevents", CloudEventAttributeType.Integer);
    public static readonly CloudEventAttribute SequenceNumber = CloudEventAttribute.CreateExtension("sequencenumber", CloudEventAttributeType.Integer);
    public static readonly CloudEventAttribute TraceId = CloudEventAttribute.CreateExtension("traceid", CloudEventAttributeType.String);
    public static readonly CloudEventAttribute Actor = CloudEventAttribute.CreateExtension("actor", CloudEventAttributeType.String);

    /// <summary>Every extension attribute a change event may carry (typed, for decoding).</summary>
    public static IReadOnlyList<CloudEventAttribute> Extensions { get; } =
        [TabularType, TabularId, NamespaceId, WarehouseId, Name, Namespace, Prefix, NumEvents, SequenceNumber, TraceId, Actor];

    private static readonly JsonEventFormatter Formatter = new();

    /// <summary>The CloudEvent <c>source</c> of events made on <paramref name="host"/>, as Lakekeeper names it.</summary>
    public static Uri Source(string host) => new("uri:iceberg-catalog-service:" + host);

    public static CloudEvent ToCloudEvent(ChangeEvent change, Uri source)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, Extensions)
        {
            Id = change.Id.ToString(),
            Source = source,
            Type = change.Type,
            Time = change.Time,
            DataContentType = MediaTypeNames.Application.Json,
            Data = change.Data is { } data ? ParseData(data) : null,
        };
        if (change.ObjectType == ChangeObjectType.Namespace)
        {
            cloudEvent[NamespaceId] = change.ObjectId.ToString();
        }
        else
        {
            cloudEvent[TabularType] = change.ObjectType == ChangeObjectType.Table ? "table" : "view";
            cloudEvent[TabularId] = change.ObjectId.ToString();
            cloudEvent[Name] = change.Name;
        }

        cloudEvent[WarehouseId] = change.WarehouseId.ToString();
        cloudEvent[Prefix] = change.WarehouseId.ToString();
        cloudEvent[Namespace] = string.Join('.', change.Namespace);
        cloudEvent[NumEvents] = change.NumEvents;
        cloudEvent[SequenceNumber] = change.SequenceNumber;
        if (change.RequestId is { Length: > 0 } requestId)
        {
            cloudEvent[TraceId] = requestId;
        }

        cloudEvent[Actor] = change.Actor.ToJson();
        return cloudEvent.Validate();
    }

    /// <summary>The event in structured mode: one JSON object (what NATS carries and the outbox stores).</summary>
    public static ReadOnlyMemory<byte> Encode(CloudEvent cloudEvent) => Formatter.EncodeStructuredModeMessage(cloudEvent, out _);

    /// <summary>The change as a structured-mode event in text, as the outbox stores it.</summary>
    public static string ToJson(ChangeEvent change, Uri source) => System.Text.Encoding.UTF8.GetString(Encode(ToCloudEvent(change, source)).Span);

    /// <summary>Reads a structured-mode event written by <see cref="Encode"/>.</summary>
    public static CloudEvent Decode(ReadOnlyMemory<byte> structured) =>
        Formatter.DecodeStructuredModeMessage(structured, new ContentType(ContentType), Extensions);

    /// <summary>The data of an event in binary mode (the message body; attributes travel as headers).</summary>
    public static ReadOnlyMemory<byte> EncodeData(CloudEvent cloudEvent) => Formatter.EncodeBinaryModeEventData(cloudEvent);

    /// <summary>Sets the data of an event read in binary mode.</summary>
    public static void DecodeData(ReadOnlyMemory<byte> body, CloudEvent cloudEvent) => Formatter.DecodeBinaryModeEventData(body, cloudEvent);

    private static JsonElement ParseData(ReadOnlyMemory<byte> data)
    {
        using var document = JsonDocument.Parse(data);
        return document.RootElement.Clone();
    }
}

namespace Lakekeeper.Events;

/// <summary>What a change event is about: a namespace, a table or a view.</summary>
public enum ChangeObjectType
{
    Namespace,
    Table,
    View,
}

/// <summary>
/// One committed change of the catalog, as the catalog records it in the transaction of the change
/// and the relay publishes it. <see cref="ChangeEventFormat"/> turns it into a CloudEvent.
/// </summary>
/// <param name="Id">UUIDv7, the CloudEvent <c>id</c>; sinks deduplicate by it.</param>
/// <param name="Type">The operation, e.g. <c>updateTable</c> (the CloudEvent <c>type</c>).</param>
/// <param name="ObjectId">The table, view or namespace id; events of one object are delivered in order.</param>
/// <param name="Namespace">The namespace levels (for a namespace event: the namespace itself).</param>
/// <param name="Name">The table or view name; null for namespace events.</param>
/// <param name="RequestId">The request that made the change (CloudEvent <c>traceid</c>).</param>
/// <param name="Actor">Who made the change.</param>
/// <param name="Data">The operation's JSON data (for a commit: the request), or null.</param>
/// <param name="NumEvents">How many events the request produced (a multi-table commit: one per table).</param>
/// <param name="SequenceNumber">This event's position among them, 0..<paramref name="NumEvents"/>-1.</param>
public sealed record ChangeEvent(
    Guid Id,
    DateTimeOffset Time,
    string Type,
    Guid WarehouseId,
    ChangeObjectType ObjectType,
    Guid ObjectId,
    IReadOnlyList<string> Namespace,
    string? Name,
    string? RequestId,
    ChangeActor Actor,
    ReadOnlyMemory<byte>? Data,
    int NumEvents = 1,
    int SequenceNumber = 0)
{
    /// <summary>The object's full name: the namespace levels, then the table or view name.</summary>
    public IReadOnlyList<string> FullName => Name is null ? Namespace : [.. Namespace, Name];

    /// <summary>The object type as the outbox stores it and the events API names it: <c>namespace</c>, <c>table</c> or <c>view</c>.</summary>
    public string ObjectTypeName => ObjectType switch
    {
        ChangeObjectType.Table => "table",
        ChangeObjectType.View => "view",
        _ => "namespace",
    };
}

/// <summary>
/// Who made a change, as Lakekeeper writes it in the <c>actor</c> attribute:
/// <c>{"type":"anonymous"}</c>, <c>{"type":"principal","principal":…}</c> or
/// <c>{"type":"role","principal":…,"assumed-role":…}</c>.
/// </summary>
public sealed record ChangeActor(string? PrincipalId, string? AssumedRole = null)
{
    public static ChangeActor Anonymous { get; } = new(PrincipalId: null);

    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (PrincipalId is null)
            {
                writer.WriteString("type", "anonymous");
            }
            else if (AssumedRole is null)
            {
                writer.WriteString("type", "principal");
                writer.WriteString("principal", PrincipalId);
            }
            else
            {
                writer.WriteString("type", "role");
                writer.WriteString("principal", PrincipalId);
                writer.WriteString("assumed-role", AssumedRole);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

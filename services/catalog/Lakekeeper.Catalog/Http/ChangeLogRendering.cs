using System.Text;
using System.Text.Json;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Events;
using Lakekeeper.Persistence.Catalog;

namespace Lakekeeper.Catalog.Http;

/// <summary>A page of the change log as the events proposal writes it: events, and the token to go on from.</summary>
internal static class ChangeLogRendering
{
    public static byte[] Page(ChangeLogPage page) => ResponseJson.Write(w =>
    {
        w.WriteStartObject();
        if (page.Last is { } position)
        {
            w.WriteString("continuation-token", ChangeLogService.Token(position));
        }
        else
        {
            w.WriteNull("continuation-token");
        }

        w.WriteStartArray("events");
        foreach (var entry in page.Events)
        {
            WriteEvent(w, entry);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteEvent(Utf8JsonWriter w, ChangeLogEntry entry)
    {
        var cloudEvent = ChangeEventFormat.Decode(Encoding.UTF8.GetBytes(entry.EventJson));
        var data = cloudEvent.Data is JsonElement element ? element : (JsonElement?)null;
        w.WriteStartObject();
        w.WriteString("event-id", cloudEvent.Id);
        w.WriteString("request-id", (string?)cloudEvent[ChangeEventFormat.TraceId] ?? cloudEvent.Id);
        w.WriteNumber("request-event-count", (int?)cloudEvent[ChangeEventFormat.NumEvents] ?? 1);
        w.WriteNumber("timestamp-ms", cloudEvent.Time?.ToUnixTimeMilliseconds() ?? 0);
        w.WritePropertyName("actor");
        w.WriteRawValue((string?)cloudEvent[ChangeEventFormat.Actor] ?? """{"type":"anonymous"}""");
        w.WriteStartObject("operation");
        var operation = ChangeLogService.OperationTypes.TryGetValue(cloudEvent.Type ?? string.Empty, out var known) ? known : "x-" + cloudEvent.Type;
        w.WriteString("operation-type", operation);
        WriteOperation(w, operation, entry, data);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The operation's fields: the object and, where the event's data has them, the change itself.</summary>
    private static void WriteOperation(Utf8JsonWriter w, string operation, ChangeLogEntry entry, JsonElement? data)
    {
        if (entry.ObjectType == "namespace")
        {
            w.WriteStringArray("namespace", entry.ObjectName);
            w.WriteString("namespace-uuid", entry.ObjectId.ToString());
            CopyFields(w, data, operation switch
            {
                "create-namespace" => ["properties"],
                "x-move-namespace" => ["source", "destination"],
                _ => ["updates", "removals"],
            });
            return;
        }

        var uuidField = entry.ObjectType == "table" ? "table-uuid" : "view-uuid";
        w.WriteString(uuidField, entry.ObjectId.ToString());
        if (operation is "rename-table" or "rename-view" && data is { ValueKind: JsonValueKind.Object } rename)
        {
            CopyFields(w, rename, ["source", "destination"]);
            return;
        }

        w.WriteStartObject("identifier");
        w.WriteStringArray("namespace", entry.ObjectName.Take(entry.ObjectName.Count - 1));
        w.WriteString("name", entry.ObjectName[^1]);
        w.WriteEndObject();
        if (operation is "update-table" or "update-view")
        {
            CopyFields(w, data, ["requirements", "updates"]);
        }
    }

    private static void CopyFields(Utf8JsonWriter w, JsonElement? data, string[] names)
    {
        if (data is not { ValueKind: JsonValueKind.Object } value)
        {
            return;
        }

        foreach (var name in names)
        {
            if (value.TryGetProperty(name, out var field))
            {
                w.WritePropertyName(name);
                field.WriteTo(w);
            }
        }
    }
}

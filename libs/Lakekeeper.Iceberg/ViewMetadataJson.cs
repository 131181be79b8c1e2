using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Lakekeeper.Iceberg.Json;

namespace Lakekeeper.Iceberg;

/// <summary>Reads and writes view metadata JSON (view format v1), canonically.</summary>
public static class ViewMetadataJson
{
    public static Result<ViewMetadata> Parse(ReadOnlySpan<byte> utf8Json) => JsonCore.Run(utf8Json, Read);

    public static Result<ViewMetadata> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json));
    }

    public static byte[] Write(ViewMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        using var buffer = new PooledBufferWriter(4096);
        using (var writer = new Utf8JsonWriter(buffer, JsonCore.WriterOptions))
        {
            Write(writer, metadata);
        }

        return buffer.ToArray();
    }

    public static string WriteString(ViewMetadata metadata) => Encoding.UTF8.GetString(Write(metadata));

    public static void Write(Utf8JsonWriter writer, ViewMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(metadata);
        var w = writer;
        var m = metadata;
        w.WriteStartObject();
        w.WriteString(Names.ViewUuid, m.ViewUuid);
        w.WriteNumber(Names.FormatVersion, m.FormatVersion);
        w.WriteString(Names.Location, m.Location);
        if (m.Properties.Count > 0)
        {
            w.WritePropertyName(Names.Properties);
            JsonCore.WriteStringMap(w, m.Properties);
        }

        w.WriteStartArray(Names.Schemas);
        foreach (var s in m.Schemas)
        {
            JsonCore.WriteSchema(w, s);
        }

        w.WriteEndArray();
        w.WriteNumber(Names.CurrentVersionId, m.CurrentVersionId);
        w.WriteStartArray(Names.Versions);
        foreach (var v in m.Versions)
        {
            JsonCore.WriteViewVersion(w, v);
        }

        w.WriteEndArray();
        w.WriteStartArray(Names.VersionLog);
        foreach (var e in m.VersionLog)
        {
            w.WriteStartObject();
            w.WriteNumber(Names.TimestampMs, e.TimestampMs);
            w.WriteNumber(Names.VersionId, e.VersionId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        foreach (var (name, raw) in m.ExtraFields)
        {
            w.WritePropertyName(name);
            JsonCore.WriteRaw(w, raw);
        }

        w.WriteEndObject();
    }

    internal static ViewMetadata Read(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "view metadata");
        Guid? uuid = null;
        int? formatVersion = null, currentVersionId = null;
        string? location = null;
        List<ViewVersion>? versions = null;
        List<ViewHistoryEntry>? log = null;
        List<Schema>? schemas = null;
        var properties = StringMap.Empty;
        List<KeyValuePair<string, RawJson>>? extras = null;
        while (JsonCore.NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("view-uuid"u8))
            {
                uuid = JsonCore.ReadUuid(ref r, "view-uuid");
            }
            else if (name.SequenceEqual("format-version"u8))
            {
                formatVersion = JsonCore.ReadInt(ref r, "format-version");
            }
            else if (name.SequenceEqual("location"u8))
            {
                location = JsonCore.ReadString(ref r, "location");
            }
            else if (name.SequenceEqual("current-version-id"u8))
            {
                currentVersionId = JsonCore.ReadInt(ref r, "current-version-id");
            }
            else if (name.SequenceEqual("versions"u8))
            {
                versions = TableMetadataJson.ReadList(ref r, "versions", static (ref Utf8JsonReader x) => JsonCore.ReadViewVersion(ref x));
            }
            else if (name.SequenceEqual("version-log"u8))
            {
                log = TableMetadataJson.ReadList(ref r, "version-log", static (ref Utf8JsonReader x) => ReadHistoryEntry(ref x));
            }
            else if (name.SequenceEqual("schemas"u8))
            {
                schemas = TableMetadataJson.ReadList(ref r, "schemas", static (ref Utf8JsonReader x) => JsonCore.ReadSchema(ref x, out _));
            }
            else if (name.SequenceEqual("properties"u8))
            {
                properties = JsonCore.ReadStringMap(ref r, "properties");
            }
            else
            {
                var fieldName = Encoding.UTF8.GetString(name);
                var raw = JsonCore.ReadRaw(ref r);
                extras ??= [];
                extras.RemoveAll(e => e.Key == fieldName);
                extras.Add(new(fieldName, raw));
            }
        }

        var version = formatVersion ?? JsonCore.Fail<int>("Cannot parse missing int: format-version");
        if (version != ViewMetadata.SupportedFormatVersion)
        {
            JsonCore.Fail($"Cannot read unsupported version {version}");
        }

        var metadata = new ViewMetadata
        {
            ViewUuid = uuid ?? JsonCore.Fail<Guid>("Cannot parse missing string: view-uuid"),
            FormatVersion = version,
            Location = location ?? JsonCore.Fail<string>("Cannot parse missing string: location"),
            CurrentVersionId = currentVersionId ?? JsonCore.Fail<int>("Cannot parse missing int: current-version-id"),
            Versions = versions is null ? JsonCore.Fail<ImmutableArray<ViewVersion>>("Cannot parse missing field: versions") : [.. versions],
            VersionLog = log is null ? JsonCore.Fail<ImmutableArray<ViewHistoryEntry>>("Cannot parse missing field: version-log") : [.. log],
            Schemas = schemas is null ? JsonCore.Fail<ImmutableArray<Schema>>("Cannot parse missing field: schemas") : [.. schemas],
            Properties = properties,
            ExtraFields = extras is null ? [] : [.. extras],
        };

        if (metadata.Validate() is { } problem)
        {
            JsonCore.Fail(problem);
        }

        return metadata;
    }

    private static ViewHistoryEntry ReadHistoryEntry(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "version log entry");
        long? ts = null;
        int? id = null;
        while (JsonCore.NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("timestamp-ms"u8))
            {
                ts = JsonCore.ReadLong(ref r, "timestamp-ms");
            }
            else if (name.SequenceEqual("version-id"u8))
            {
                id = JsonCore.ReadInt(ref r, "version-id");
            }
            else
            {
                r.Skip();
            }
        }

        return new ViewHistoryEntry(
            ts ?? JsonCore.Fail<long>("Cannot parse missing long: timestamp-ms"),
            id ?? JsonCore.Fail<int>("Cannot parse missing int: version-id"));
    }
}

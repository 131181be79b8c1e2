using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Lakekeeper.Iceberg.Json;

namespace Lakekeeper.Iceberg;

/// <summary>
/// Reads and writes table metadata JSON (format v1–v3). Writing is canonical: a fixed field order,
/// compact UTF-8, maps in ordinal key order, so the same model always gives the same bytes.
/// </summary>
public static class TableMetadataJson
{
    /// <summary>Parses table metadata; every problem is a 400 failure, never an exception.</summary>
    public static Result<TableMetadata> Parse(ReadOnlySpan<byte> utf8Json) => JsonCore.Run(utf8Json, Read);

    public static Result<TableMetadata> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json));
    }

    public static byte[] Write(TableMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        using var buffer = new PooledBufferWriter(EstimateSize(metadata));
        using (var writer = new Utf8JsonWriter(buffer, JsonCore.WriterOptions))
        {
            Write(writer, metadata);
        }

        return buffer.ToArray();
    }

    public static string WriteString(TableMetadata metadata) => Encoding.UTF8.GetString(Write(metadata));

    public static void Write(Utf8JsonWriter writer, TableMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(metadata);
        var w = writer;
        var m = metadata;
        var v = m.FormatVersion;
        w.WriteStartObject();
        w.WriteNumber(Names.FormatVersion, v);
        if (m.TableUuid != Guid.Empty || v >= 2)
        {
            w.WriteString(Names.TableUuid, m.TableUuid);
        }

        w.WriteString(Names.Location, m.Location);
        if (v >= 2)
        {
            w.WriteNumber(Names.LastSequenceNumber, m.LastSequenceNumber);
        }

        w.WriteNumber(Names.LastUpdatedMs, m.LastUpdatedMs);
        w.WriteNumber(Names.LastColumnId, m.LastColumnId);
        if (v >= 3)
        {
            w.WriteNumber(Names.NextRowId, m.NextRowId ?? 0);
        }

        if (v == 1 && m.SchemaById(m.CurrentSchemaId) is { } currentSchema)
        {
            w.WritePropertyName(Names.Schema);
            JsonCore.WriteSchema(w, currentSchema);
        }

        w.WriteNumber(Names.CurrentSchemaId, m.CurrentSchemaId);
        w.WriteStartArray(Names.Schemas);
        foreach (var s in m.Schemas)
        {
            JsonCore.WriteSchema(w, s);
        }

        w.WriteEndArray();
        if (v == 1 && m.SpecById(m.DefaultSpecId) is { } defaultSpec)
        {
            w.WritePropertyName(Names.PartitionSpec);
            JsonCore.WritePartitionFields(w, defaultSpec.Fields, v);
        }

        w.WriteNumber(Names.DefaultSpecId, m.DefaultSpecId);
        w.WriteStartArray(Names.PartitionSpecs);
        foreach (var s in m.PartitionSpecs)
        {
            JsonCore.WritePartitionSpec(w, s, v);
        }

        w.WriteEndArray();
        w.WriteNumber(Names.LastPartitionId, m.LastPartitionId);
        w.WriteNumber(Names.DefaultSortOrderId, m.DefaultSortOrderId);
        w.WriteStartArray(Names.SortOrders);
        foreach (var o in m.SortOrders)
        {
            JsonCore.WriteSortOrder(w, o.OrderId, o.Fields, v);
        }

        w.WriteEndArray();
        w.WritePropertyName(Names.Properties);
        JsonCore.WriteStringMap(w, m.Properties);
        if (m.CurrentSnapshotId is { } current)
        {
            w.WriteNumber(Names.CurrentSnapshotId, current);
        }
        else if (v >= 3)
        {
            w.WriteNull(Names.CurrentSnapshotId);
        }
        else
        {
            w.WriteNumber(Names.CurrentSnapshotId, -1);
        }

        w.WriteStartObject(Names.Refs);
        foreach (var (name, r) in m.Refs)
        {
            w.WriteStartObject(name);
            JsonCore.WriteRefBody(w, r);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteStartArray(Names.Snapshots);
        foreach (var s in m.Snapshots.AsSpan())
        {
            JsonCore.WriteSnapshot(w, s, v);
        }

        w.WriteEndArray();
        w.WriteStartArray(Names.Statistics);
        foreach (var s in m.Statistics)
        {
            JsonCore.WriteStatisticsFile(w, s);
        }

        w.WriteEndArray();
        w.WriteStartArray(Names.PartitionStatistics);
        foreach (var s in m.PartitionStatistics)
        {
            JsonCore.WritePartitionStatisticsFile(w, s);
        }

        w.WriteEndArray();
        w.WriteStartArray(Names.SnapshotLog);
        foreach (var e in m.SnapshotLog.AsSpan())
        {
            w.WriteStartObject();
            w.WriteNumber(Names.TimestampMs, e.TimestampMs);
            w.WriteNumber(Names.SnapshotId, e.SnapshotId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray(Names.MetadataLog);
        foreach (var e in m.MetadataLog)
        {
            w.WriteStartObject();
            w.WriteNumber(Names.TimestampMs, e.TimestampMs);
            w.WriteString(Names.MetadataFile, e.MetadataFile);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (m.EncryptionKeys.Length > 0)
        {
            w.WriteStartArray(Names.EncryptionKeys);
            foreach (var k in m.EncryptionKeys)
            {
                JsonCore.WriteEncryptedKey(w, k);
            }

            w.WriteEndArray();
        }

        foreach (var (name, raw) in m.ExtraFields)
        {
            w.WritePropertyName(name);
            JsonCore.WriteRaw(w, raw);
        }

        w.WriteEndObject();
    }

    private static int EstimateSize(TableMetadata m) =>
        (int)Math.Min(int.MaxValue / 2, 4096L + (m.Snapshots.Length * 640L) + (m.Schemas.Length * 8192L) + (m.SnapshotLog.Length * 64L) + (m.MetadataLog.Length * 160L));

    internal static TableMetadata Read(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "table metadata");
        int? formatVersion = null, lastColumnId = null, currentSchemaId = null, defaultSpecId = null, lastPartitionId = null, defaultSortOrderId = null;
        Guid? tableUuid = null;
        string? location = null;
        long? lastSequenceNumber = null, lastUpdatedMs = null, currentSnapshotId = null, nextRowId = null;
        Schema? legacySchema = null;
        List<Schema>? schemas = null;
        ImmutableArray<UnboundPartitionField>? legacySpecFields = null;
        List<UnboundPartitionSpec>? specs = null;
        List<UnboundSortOrder>? orders = null;
        var properties = StringMap.Empty;
        List<Snapshot>? snapshots = null;
        ImmutableSortedDictionary<string, SnapshotRef>.Builder? refs = null;
        List<SnapshotLogEntry>? snapshotLog = null;
        List<MetadataLogEntry>? metadataLog = null;
        List<StatisticsFile>? statistics = null;
        List<PartitionStatisticsFile>? partitionStatistics = null;
        List<EncryptedKey>? encryptionKeys = null;
        List<KeyValuePair<string, RawJson>>? extras = null;

        while (JsonCore.NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("format-version"u8))
            {
                formatVersion = JsonCore.ReadInt(ref r, "format-version");
            }
            else if (name.SequenceEqual("table-uuid"u8))
            {
                tableUuid = r.TokenType == JsonTokenType.Null ? null : JsonCore.ReadUuid(ref r, "table-uuid");
            }
            else if (name.SequenceEqual("location"u8))
            {
                location = JsonCore.ReadNullableString(ref r, "location");
            }
            else if (name.SequenceEqual("last-sequence-number"u8))
            {
                lastSequenceNumber = JsonCore.ReadNullableLong(ref r, "last-sequence-number");
            }
            else if (name.SequenceEqual("last-updated-ms"u8))
            {
                lastUpdatedMs = JsonCore.ReadLong(ref r, "last-updated-ms");
            }
            else if (name.SequenceEqual("last-column-id"u8))
            {
                lastColumnId = JsonCore.ReadInt(ref r, "last-column-id");
            }
            else if (name.SequenceEqual("next-row-id"u8))
            {
                nextRowId = JsonCore.ReadNullableLong(ref r, "next-row-id");
            }
            else if (name.SequenceEqual("schema"u8))
            {
                legacySchema = r.TokenType == JsonTokenType.Null ? null : JsonCore.ReadSchema(ref r, out _);
            }
            else if (name.SequenceEqual("schemas"u8))
            {
                schemas = ReadList(ref r, "schemas", static (ref Utf8JsonReader x) => JsonCore.ReadSchema(ref x, out _));
            }
            else if (name.SequenceEqual("current-schema-id"u8))
            {
                currentSchemaId = JsonCore.ReadNullableInt(ref r, "current-schema-id");
            }
            else if (name.SequenceEqual("partition-spec"u8))
            {
                legacySpecFields = r.TokenType == JsonTokenType.Null ? null : JsonCore.ReadPartitionFields(ref r);
            }
            else if (name.SequenceEqual("partition-specs"u8))
            {
                specs = ReadList(ref r, "partition-specs", static (ref Utf8JsonReader x) => JsonCore.ReadPartitionSpec(ref x));
            }
            else if (name.SequenceEqual("default-spec-id"u8))
            {
                defaultSpecId = JsonCore.ReadNullableInt(ref r, "default-spec-id");
            }
            else if (name.SequenceEqual("last-partition-id"u8))
            {
                lastPartitionId = JsonCore.ReadNullableInt(ref r, "last-partition-id");
            }
            else if (name.SequenceEqual("sort-orders"u8))
            {
                orders = ReadList(ref r, "sort-orders", static (ref Utf8JsonReader x) => JsonCore.ReadSortOrder(ref x));
            }
            else if (name.SequenceEqual("default-sort-order-id"u8))
            {
                defaultSortOrderId = JsonCore.ReadNullableInt(ref r, "default-sort-order-id");
            }
            else if (name.SequenceEqual("properties"u8))
            {
                properties = JsonCore.ReadStringMap(ref r, "properties");
            }
            else if (name.SequenceEqual("current-snapshot-id"u8))
            {
                currentSnapshotId = JsonCore.ReadNullableLong(ref r, "current-snapshot-id");
            }
            else if (name.SequenceEqual("snapshots"u8))
            {
                snapshots = ReadList(ref r, "snapshots", static (ref Utf8JsonReader x) => JsonCore.ReadSnapshot(ref x));
            }
            else if (name.SequenceEqual("refs"u8))
            {
                refs = ReadRefs(ref r);
            }
            else if (name.SequenceEqual("snapshot-log"u8))
            {
                snapshotLog = ReadList(ref r, "snapshot-log", static (ref Utf8JsonReader x) => JsonCore.ReadSnapshotLogEntry(ref x));
            }
            else if (name.SequenceEqual("metadata-log"u8))
            {
                metadataLog = ReadList(ref r, "metadata-log", static (ref Utf8JsonReader x) => JsonCore.ReadMetadataLogEntry(ref x));
            }
            else if (name.SequenceEqual("statistics"u8))
            {
                statistics = ReadList(ref r, "statistics", static (ref Utf8JsonReader x) => JsonCore.ReadStatisticsFile(ref x));
            }
            else if (name.SequenceEqual("partition-statistics"u8))
            {
                partitionStatistics = ReadList(ref r, "partition-statistics", static (ref Utf8JsonReader x) => JsonCore.ReadPartitionStatisticsFile(ref x));
            }
            else if (name.SequenceEqual("encryption-keys"u8))
            {
                encryptionKeys = ReadList(ref r, "encryption-keys", static (ref Utf8JsonReader x) => JsonCore.ReadEncryptedKey(ref x));
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
        if (version > TableMetadata.SupportedFormatVersion)
        {
            JsonCore.Fail($"Unsupported format version: v{version} (supported: v{TableMetadata.SupportedFormatVersion})");
        }

        if (version < 1)
        {
            JsonCore.Fail($"Invalid format version: {version}");
        }

        if (version >= 2 && tableUuid is null)
        {
            JsonCore.Fail("Cannot parse missing string: table-uuid");
        }

        // Schemas: v1 may only have the deprecated single schema.
        ImmutableArray<Schema> schemaList;
        int currentSchema;
        if (schemas is not null)
        {
            schemaList = [.. schemas];
            if (currentSchemaId is { } id)
            {
                currentSchema = id;
            }
            else if (version == 1 && (legacySchema is not null || schemas.Count == 1))
            {
                currentSchema = legacySchema is not null
                    ? schemas.FirstOrDefault(s => s.SameSchema(legacySchema))?.SchemaId ?? schemas[0].SchemaId
                    : schemas[0].SchemaId;
            }
            else
            {
                currentSchema = JsonCore.Fail<int>("Cannot parse missing int: current-schema-id");
            }
        }
        else if (version == 1 && legacySchema is not null)
        {
            schemaList = [legacySchema];
            currentSchema = legacySchema.SchemaId;
        }
        else
        {
            schemaList = JsonCore.Fail<ImmutableArray<Schema>>("Cannot parse missing field: schemas");
            currentSchema = 0;
        }

        // Partition specs: v1 may only have the deprecated field list.
        var boundSpecs = ImmutableArray.CreateBuilder<PartitionSpec>();
        int defaultSpec;
        if (specs is not null)
        {
            foreach (var s in specs)
            {
                boundSpecs.Add(AssignSpecIds(s.SpecId ?? JsonCore.Fail<int>("Cannot parse missing int: spec-id"), s.Fields));
            }

            defaultSpec = defaultSpecId ?? (version == 1 && specs.Count == 1 ? boundSpecs[0].SpecId : JsonCore.Fail<int>("Cannot parse missing int: default-spec-id"));
        }
        else if (version == 1 && legacySpecFields is { } legacyFields)
        {
            defaultSpec = defaultSpecId ?? 0;
            boundSpecs.Add(AssignSpecIds(defaultSpec, legacyFields));
        }
        else
        {
            defaultSpec = JsonCore.Fail<int>("Cannot parse missing field: partition-specs");
        }

        var specList = boundSpecs.ToImmutable();
        var lastPartition = lastPartitionId ?? (specList.Length == 0 ? PartitionSpec.PartitionDataIdStart - 1 : specList.Max(static s => s.LastAssignedFieldId));

        // Sort orders: absent in old v1 files means unsorted.
        ImmutableArray<SortOrder> orderList;
        int defaultOrder;
        if (orders is not null)
        {
            orderList = [.. orders.Select(static o => new SortOrder(o.OrderId ?? JsonCore.Fail<int>("Cannot parse missing int: order-id"), o.Fields))];
            defaultOrder = defaultSortOrderId ?? (version == 1 && orderList.Length == 1 ? orderList[0].OrderId : JsonCore.Fail<int>("Cannot parse missing int: default-sort-order-id"));
        }
        else if (version == 1)
        {
            orderList = [SortOrder.Unsorted];
            defaultOrder = SortOrder.UnsortedOrderId;
        }
        else
        {
            orderList = JsonCore.Fail<ImmutableArray<SortOrder>>("Cannot parse missing field: sort-orders");
            defaultOrder = 0;
        }

        long? current = currentSnapshotId is -1 ? null : currentSnapshotId;
        var refMap = refs?.ToImmutable() ?? ImmutableSortedDictionary.Create<string, SnapshotRef>(StringComparer.Ordinal);
        if (current is { } c && !refMap.ContainsKey(SnapshotRef.MainBranch))
        {
            refMap = refMap.Add(SnapshotRef.MainBranch, SnapshotRef.Branch(c));
        }

        var snapshotArray = snapshots is null ? ImmutableArray<Snapshot>.Empty : ImmutableCollectionsMarshal.AsImmutableArray(snapshots.ToArray());
        if (version == 1 && snapshotArray.Any(static s => s.SequenceNumber != 0))
        {
            snapshotArray = [.. snapshotArray.Select(static s => s with { SequenceNumber = 0 })];
        }

        var metadata = new TableMetadata
        {
            FormatVersion = version,
            TableUuid = tableUuid ?? Guid.Empty,
            Location = location ?? JsonCore.Fail<string>("Cannot parse missing string: location"),
            LastSequenceNumber = version >= 2 ? lastSequenceNumber ?? 0 : 0,
            LastUpdatedMs = lastUpdatedMs ?? JsonCore.Fail<long>("Cannot parse missing long: last-updated-ms"),
            LastColumnId = lastColumnId ?? JsonCore.Fail<int>("Cannot parse missing int: last-column-id"),
            CurrentSchemaId = currentSchema,
            Schemas = schemaList,
            DefaultSpecId = defaultSpec,
            PartitionSpecs = specList,
            LastPartitionId = lastPartition,
            DefaultSortOrderId = defaultOrder,
            SortOrders = orderList,
            Properties = properties,
            CurrentSnapshotId = current,
            Snapshots = snapshotArray,
            SnapshotLog = ToArray(snapshotLog),
            MetadataLog = ToArray(metadataLog),
            Refs = refMap,
            Statistics = ToArray(statistics),
            PartitionStatistics = ToArray(partitionStatistics),
            NextRowId = version >= TableMetadata.MinFormatVersionRowLineage ? nextRowId ?? 0 : null,
            EncryptionKeys = ToArray(encryptionKeys),
            ExtraFields = ToArray(extras),
        };

        if (metadata.Validate() is { } problem)
        {
            JsonCore.Fail(problem);
        }

        return metadata;
    }

    private static PartitionSpec AssignSpecIds(int specId, ImmutableArray<UnboundPartitionField> fields)
    {
        var next = PartitionSpec.PartitionDataIdStart - 1;
        var builder = ImmutableArray.CreateBuilder<PartitionField>(fields.Length);
        var ids = new HashSet<int>();
        foreach (var f in fields)
        {
            var id = f.FieldId ?? next + 1;
            next = Math.Max(next, id);
            if (!ids.Add(id))
            {
                JsonCore.Fail($"Invalid partition spec {specId}: duplicate partition field id {id}");
            }

            builder.Add(new PartitionField(f.SourceIds, id, f.Name, f.Transform));
        }

        return new PartitionSpec(specId, builder.MoveToImmutable());
    }

    private static ImmutableSortedDictionary<string, SnapshotRef>.Builder ReadRefs(ref Utf8JsonReader r)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, SnapshotRef>(StringComparer.Ordinal);
        if (r.TokenType == JsonTokenType.Null)
        {
            return builder;
        }

        JsonCore.ExpectObject(ref r, "refs");
        while (JsonCore.NextProperty(ref r, out var name))
        {
            var refName = Encoding.UTF8.GetString(name);
            builder[refName] = JsonCore.ReadSnapshotRef(ref r);
        }

        return builder;
    }

    internal static List<T> ReadList<T>(ref Utf8JsonReader r, string field, JsonReadFunc<T> read)
    {
        var list = new List<T>();
        if (r.TokenType == JsonTokenType.Null)
        {
            return list;
        }

        JsonCore.ExpectArray(ref r, field);
        while (JsonCore.NextItem(ref r))
        {
            list.Add(read(ref r));
        }

        return list;
    }

    private static ImmutableArray<T> ToArray<T>(List<T>? list) =>
        list is null || list.Count == 0 ? [] : ImmutableCollectionsMarshal.AsImmutableArray(list.ToArray());
}

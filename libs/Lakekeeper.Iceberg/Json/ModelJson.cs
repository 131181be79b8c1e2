using System.Collections.Immutable;
using System.Text.Json;

namespace Lakekeeper.Iceberg.Json;

/// <summary>JSON reading and writing of schemas, types, specs, orders, snapshots and their parts.</summary>
internal static partial class JsonCore
{
    // ----------------------------------------------------------------- types and schemas

    internal static IcebergType ReadType(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.String)
        {
            var text = Str(ref r)!;
            if (!PrimitiveType.TryParse(text, out var primitive, out var error))
            {
                Fail(error!);
            }

            return primitive!;
        }

        ExpectObject(ref r, field);
        string? type = null;
        ImmutableArray<NestedField>? fields = null;
        int? elementId = null, keyId = null, valueId = null;
        IcebergType? element = null, key = null, value = null;
        bool? elementRequired = null, valueRequired = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("type"u8))
            {
                type = ReadString(ref r, "type");
            }
            else if (name.SequenceEqual("fields"u8))
            {
                fields = ReadStructFields(ref r);
            }
            else if (name.SequenceEqual("element-id"u8))
            {
                elementId = ReadInt(ref r, "element-id");
            }
            else if (name.SequenceEqual("element"u8))
            {
                element = ReadType(ref r, "element");
            }
            else if (name.SequenceEqual("element-required"u8))
            {
                elementRequired = ReadBool(ref r, "element-required");
            }
            else if (name.SequenceEqual("key-id"u8))
            {
                keyId = ReadInt(ref r, "key-id");
            }
            else if (name.SequenceEqual("key"u8))
            {
                key = ReadType(ref r, "key");
            }
            else if (name.SequenceEqual("value-id"u8))
            {
                valueId = ReadInt(ref r, "value-id");
            }
            else if (name.SequenceEqual("value"u8))
            {
                value = ReadType(ref r, "value");
            }
            else if (name.SequenceEqual("value-required"u8))
            {
                valueRequired = ReadBool(ref r, "value-required");
            }
            else
            {
                r.Skip();
            }
        }

        switch (type)
        {
            case "struct":
                return new StructType(fields ?? Fail<ImmutableArray<NestedField>>("Cannot parse struct type: missing fields"));
            case "list":
                return new ListType(
                    elementId ?? Fail<int>("Cannot parse missing int: element-id"),
                    element ?? Fail<IcebergType>("Cannot parse missing field: element"),
                    elementRequired ?? Fail<bool>("Cannot parse missing boolean: element-required"));
            case "map":
                return new MapType(
                    keyId ?? Fail<int>("Cannot parse missing int: key-id"),
                    key ?? Fail<IcebergType>("Cannot parse missing field: key"),
                    valueId ?? Fail<int>("Cannot parse missing int: value-id"),
                    value ?? Fail<IcebergType>("Cannot parse missing field: value"),
                    valueRequired ?? Fail<bool>("Cannot parse missing boolean: value-required"));
            case null:
                return Fail<IcebergType>("Cannot parse type from object: missing type");
            default:
                return Fail<IcebergType>($"Cannot parse type from json: unknown type {type}");
        }
    }

    internal static ImmutableArray<NestedField> ReadStructFields(ref Utf8JsonReader r)
    {
        ExpectArray(ref r, "fields");
        var builder = ImmutableArray.CreateBuilder<NestedField>();
        while (NextItem(ref r))
        {
            builder.Add(ReadStructField(ref r));
        }

        return builder.ToImmutable();
    }

    private static NestedField ReadStructField(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "struct field");
        int? id = null;
        string? name = null;
        bool? required = null;
        IcebergType? type = null;
        string? doc = null;
        RawJson? initialDefault = null, writeDefault = null;
        while (NextProperty(ref r, out var prop))
        {
            if (prop.SequenceEqual("id"u8))
            {
                id = ReadInt(ref r, "id");
            }
            else if (prop.SequenceEqual("name"u8))
            {
                name = ReadString(ref r, "name");
            }
            else if (prop.SequenceEqual("required"u8))
            {
                required = ReadBool(ref r, "required");
            }
            else if (prop.SequenceEqual("type"u8))
            {
                type = ReadType(ref r, "type");
            }
            else if (prop.SequenceEqual("doc"u8))
            {
                doc = ReadNullableString(ref r, "doc");
            }
            else if (prop.SequenceEqual("initial-default"u8))
            {
                initialDefault = ReadRaw(ref r);
            }
            else if (prop.SequenceEqual("write-default"u8))
            {
                writeDefault = ReadRaw(ref r);
            }
            else
            {
                r.Skip();
            }
        }

        return new NestedField(
            id ?? Fail<int>("Cannot parse missing int: id"),
            name ?? Fail<string>("Cannot parse missing string: name"),
            required ?? Fail<bool>("Cannot parse missing boolean: required"),
            type ?? Fail<IcebergType>("Cannot parse missing field: type"),
            doc,
            initialDefault,
            writeDefault);
    }

    /// <summary>Reads a schema object. <paramref name="hasSchemaId"/> tells whether <c>schema-id</c> was present (default 0).</summary>
    internal static Schema ReadSchema(ref Utf8JsonReader r, out bool hasSchemaId)
    {
        ExpectObject(ref r, "schema");
        int? schemaId = null;
        ImmutableArray<int> identifiers = [];
        ImmutableArray<NestedField>? fields = null;
        string? type = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("type"u8))
            {
                type = ReadString(ref r, "type");
            }
            else if (name.SequenceEqual("schema-id"u8))
            {
                schemaId = ReadNullableInt(ref r, "schema-id");
            }
            else if (name.SequenceEqual("identifier-field-ids"u8))
            {
                identifiers = ReadIntArray(ref r, "identifier-field-ids");
            }
            else if (name.SequenceEqual("fields"u8))
            {
                fields = ReadStructFields(ref r);
            }
            else
            {
                r.Skip();
            }
        }

        if (type is not null && type != "struct")
        {
            Fail($"Cannot parse schema: type must be struct, not {type}");
        }

        hasSchemaId = schemaId is not null;
        return new Schema(schemaId ?? 0, fields ?? Fail<ImmutableArray<NestedField>>("Cannot parse missing field: fields"), identifiers);
    }

    internal static Schema ReadValidSchema(ref Utf8JsonReader r)
    {
        var schema = ReadSchema(ref r, out _);
        if (schema.Validate() is { } problem)
        {
            Fail(problem);
        }

        return schema;
    }

    internal static void WriteType(Utf8JsonWriter w, IcebergType type)
    {
        switch (type)
        {
            case StructType s:
                w.WriteStartObject();
                w.WriteString(Names.Type, "struct");
                WriteStructFields(w, s.Fields);
                w.WriteEndObject();
                break;
            case ListType l:
                w.WriteStartObject();
                w.WriteString(Names.Type, "list");
                w.WriteNumber(Names.ElementId, l.ElementId);
                w.WritePropertyName(Names.Element);
                WriteType(w, l.ElementType);
                w.WriteBoolean(Names.ElementRequired, l.ElementRequired);
                w.WriteEndObject();
                break;
            case MapType m:
                w.WriteStartObject();
                w.WriteString(Names.Type, "map");
                w.WriteNumber(Names.KeyId, m.KeyId);
                w.WritePropertyName(Names.Key);
                WriteType(w, m.KeyType);
                w.WriteNumber(Names.ValueId, m.ValueId);
                w.WritePropertyName(Names.Value);
                WriteType(w, m.ValueType);
                w.WriteBoolean(Names.ValueRequired, m.ValueRequired);
                w.WriteEndObject();
                break;
            default:
                w.WriteStringValue(type.ToString());
                break;
        }
    }

    private static void WriteStructFields(Utf8JsonWriter w, ImmutableArray<NestedField> fields)
    {
        w.WriteStartArray(Names.Fields);
        foreach (var f in fields)
        {
            w.WriteStartObject();
            w.WriteNumber(Names.Id, f.Id);
            w.WriteString(Names.Name, f.Name);
            w.WriteBoolean(Names.Required, f.Required);
            w.WritePropertyName(Names.Type);
            WriteType(w, f.Type);
            if (f.Doc is not null)
            {
                w.WriteString(Names.Doc, f.Doc);
            }

            if (f.InitialDefault is not null)
            {
                w.WritePropertyName(Names.InitialDefault);
                WriteRaw(w, f.InitialDefault);
            }

            if (f.WriteDefault is not null)
            {
                w.WritePropertyName(Names.WriteDefault);
                WriteRaw(w, f.WriteDefault);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    internal static void WriteSchema(Utf8JsonWriter w, Schema schema)
    {
        w.WriteStartObject();
        w.WriteString(Names.Type, "struct");
        w.WriteNumber(Names.SchemaId, schema.SchemaId);
        if (schema.IdentifierFieldIds.Length > 0)
        {
            w.WriteStartArray(Names.IdentifierFieldIds);
            foreach (var id in schema.IdentifierFieldIds)
            {
                w.WriteNumberValue(id);
            }

            w.WriteEndArray();
        }

        WriteStructFields(w, schema.Fields);
        w.WriteEndObject();
    }

    // ----------------------------------------------------------------- transforms, specs, orders

    internal static Transform ReadTransform(ref Utf8JsonReader r)
    {
        var text = ReadString(ref r, "transform");
        var parsed = Transform.Parse(text);
        if (parsed.IsFailure)
        {
            Fail(parsed.Error.Message);
        }

        return parsed.Value;
    }

    internal static UnboundPartitionSpec ReadPartitionSpec(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "partition spec");
        int? specId = null;
        ImmutableArray<UnboundPartitionField>? fields = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("spec-id"u8))
            {
                specId = ReadNullableInt(ref r, "spec-id");
            }
            else if (name.SequenceEqual("fields"u8))
            {
                fields = ReadPartitionFields(ref r);
            }
            else
            {
                r.Skip();
            }
        }

        return new UnboundPartitionSpec(specId, fields ?? Fail<ImmutableArray<UnboundPartitionField>>("Cannot parse missing field: fields"));
    }

    internal static ImmutableArray<UnboundPartitionField> ReadPartitionFields(ref Utf8JsonReader r)
    {
        ExpectArray(ref r, "partition fields");
        var builder = ImmutableArray.CreateBuilder<UnboundPartitionField>();
        while (NextItem(ref r))
        {
            ExpectObject(ref r, "partition field");
            int? sourceId = null, fieldId = null;
            ImmutableArray<int>? sourceIds = null;
            string? fieldName = null;
            Transform? transform = null;
            while (NextProperty(ref r, out var name))
            {
                if (name.SequenceEqual("source-id"u8))
                {
                    sourceId = ReadNullableInt(ref r, "source-id");
                }
                else if (name.SequenceEqual("source-ids"u8))
                {
                    sourceIds = r.TokenType == JsonTokenType.Null ? null : ReadIntArray(ref r, "source-ids");
                }
                else if (name.SequenceEqual("field-id"u8))
                {
                    fieldId = ReadNullableInt(ref r, "field-id");
                }
                else if (name.SequenceEqual("name"u8))
                {
                    fieldName = ReadString(ref r, "name");
                }
                else if (name.SequenceEqual("transform"u8))
                {
                    transform = ReadTransform(ref r);
                }
                else
                {
                    r.Skip();
                }
            }

            var ids = ResolveSourceIds(sourceId, sourceIds, "partition field");
            builder.Add(new UnboundPartitionField(
                ids,
                fieldId,
                fieldName ?? Fail<string>("Cannot parse missing string: name"),
                transform ?? Fail<Transform>("Cannot parse missing string: transform")));
        }

        return builder.ToImmutable();
    }

    private static ImmutableArray<int> ResolveSourceIds(int? sourceId, ImmutableArray<int>? sourceIds, string what)
    {
        if (sourceIds is { Length: > 0 } ids)
        {
            if (sourceId is { } single && single != ids[0])
            {
                Fail($"Invalid {what}: source-id {single} does not match the first of source-ids [{string.Join(", ", ids)}]");
            }

            return ids;
        }

        if (sourceIds is { Length: 0 })
        {
            Fail($"Invalid {what}: source-ids must not be empty");
        }

        return sourceId is { } id ? [id] : Fail<ImmutableArray<int>>("Cannot parse missing int: source-id");
    }

    internal static void WritePartitionFields(Utf8JsonWriter w, ImmutableArray<PartitionField> fields, int formatVersion)
    {
        w.WriteStartArray();
        foreach (var f in fields)
        {
            w.WriteStartObject();
            w.WriteString(Names.Name, f.Name);
            w.WriteString(Names.Transform, f.Transform.ToString());
            WriteSourceIds(w, f.SourceIds, formatVersion);
            w.WriteNumber(Names.FieldId, f.FieldId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    internal static void WriteUnboundPartitionFields(Utf8JsonWriter w, ImmutableArray<UnboundPartitionField> fields)
    {
        w.WriteStartArray();
        foreach (var f in fields)
        {
            w.WriteStartObject();
            w.WriteString(Names.Name, f.Name);
            w.WriteString(Names.Transform, f.Transform.ToString());
            WriteSourceIds(w, f.SourceIds, 3);
            if (f.FieldId is { } id)
            {
                w.WriteNumber(Names.FieldId, id);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>Single source: <c>source-id</c>. Multiple: <c>source-ids</c>, plus the first as <c>source-id</c> before v3.</summary>
    private static void WriteSourceIds(Utf8JsonWriter w, ImmutableArray<int> sourceIds, int formatVersion)
    {
        if (sourceIds.Length == 1)
        {
            w.WriteNumber(Names.SourceId, sourceIds[0]);
            return;
        }

        if (formatVersion < 3)
        {
            w.WriteNumber(Names.SourceId, sourceIds[0]);
        }

        w.WriteStartArray(Names.SourceIds);
        foreach (var id in sourceIds)
        {
            w.WriteNumberValue(id);
        }

        w.WriteEndArray();
    }

    internal static void WritePartitionSpec(Utf8JsonWriter w, PartitionSpec spec, int formatVersion)
    {
        w.WriteStartObject();
        w.WriteNumber(Names.SpecId, spec.SpecId);
        w.WritePropertyName(Names.Fields);
        WritePartitionFields(w, spec.Fields, formatVersion);
        w.WriteEndObject();
    }

    internal static void WriteUnboundPartitionSpec(Utf8JsonWriter w, UnboundPartitionSpec spec)
    {
        w.WriteStartObject();
        if (spec.SpecId is { } id)
        {
            w.WriteNumber(Names.SpecId, id);
        }

        w.WritePropertyName(Names.Fields);
        WriteUnboundPartitionFields(w, spec.Fields);
        w.WriteEndObject();
    }

    internal static UnboundSortOrder ReadSortOrder(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "sort order");
        int? orderId = null;
        ImmutableArray<SortField>? fields = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("order-id"u8))
            {
                orderId = ReadNullableInt(ref r, "order-id");
            }
            else if (name.SequenceEqual("fields"u8))
            {
                fields = ReadSortFields(ref r);
            }
            else
            {
                r.Skip();
            }
        }

        return new UnboundSortOrder(orderId, fields ?? Fail<ImmutableArray<SortField>>("Cannot parse missing field: fields"));
    }

    private static ImmutableArray<SortField> ReadSortFields(ref Utf8JsonReader r)
    {
        ExpectArray(ref r, "sort fields");
        var builder = ImmutableArray.CreateBuilder<SortField>();
        while (NextItem(ref r))
        {
            ExpectObject(ref r, "sort field");
            int? sourceId = null;
            ImmutableArray<int>? sourceIds = null;
            Transform? transform = null;
            SortDirection? direction = null;
            NullOrder? nullOrder = null;
            while (NextProperty(ref r, out var name))
            {
                if (name.SequenceEqual("source-id"u8))
                {
                    sourceId = ReadNullableInt(ref r, "source-id");
                }
                else if (name.SequenceEqual("source-ids"u8))
                {
                    sourceIds = r.TokenType == JsonTokenType.Null ? null : ReadIntArray(ref r, "source-ids");
                }
                else if (name.SequenceEqual("transform"u8))
                {
                    transform = ReadTransform(ref r);
                }
                else if (name.SequenceEqual("direction"u8))
                {
                    var s = ReadString(ref r, "direction");
                    direction = s.ToLowerInvariant() switch
                    {
                        "asc" => SortDirection.Asc,
                        "desc" => SortDirection.Desc,
                        _ => Fail<SortDirection>($"Invalid sort direction: {s}"),
                    };
                }
                else if (name.SequenceEqual("null-order"u8))
                {
                    var s = ReadString(ref r, "null-order");
                    nullOrder = s.ToLowerInvariant() switch
                    {
                        "nulls-first" => NullOrder.NullsFirst,
                        "nulls-last" => NullOrder.NullsLast,
                        _ => Fail<NullOrder>($"Invalid null order: {s}"),
                    };
                }
                else
                {
                    r.Skip();
                }
            }

            builder.Add(new SortField(
                transform ?? Fail<Transform>("Cannot parse missing string: transform"),
                ResolveSourceIds(sourceId, sourceIds, "sort field"),
                direction ?? Fail<SortDirection>("Cannot parse missing string: direction"),
                nullOrder ?? Fail<NullOrder>("Cannot parse missing string: null-order")));
        }

        return builder.ToImmutable();
    }

    internal static void WriteSortOrder(Utf8JsonWriter w, int? orderId, ImmutableArray<SortField> fields, int formatVersion)
    {
        w.WriteStartObject();
        if (orderId is { } id)
        {
            w.WriteNumber(Names.OrderId, id);
        }

        w.WriteStartArray(Names.Fields);
        foreach (var f in fields)
        {
            w.WriteStartObject();
            w.WriteString(Names.Transform, f.Transform.ToString());
            WriteSourceIds(w, f.SourceIds, formatVersion);
            w.WriteString(Names.Direction, f.Direction == SortDirection.Asc ? "asc" : "desc");
            w.WriteString(Names.NullOrder, f.NullOrder == NullOrder.NullsFirst ? "nulls-first" : "nulls-last");
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    // ----------------------------------------------------------------- snapshots and refs

    internal static Snapshot ReadSnapshot(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "snapshot");
        long? snapshotId = null, parentId = null, sequenceNumber = null, timestampMs = null, firstRowId = null, addedRows = null;
        string? manifestList = null, keyId = null;
        ImmutableArray<string> manifests = [];
        StringMap summary = StringMap.Empty;
        int? schemaId = null;
        while (NextProperty(ref r, out var name))
        {
            switch (name.Length)
            {
                case 11 when name.SequenceEqual("snapshot-id"u8):
                    snapshotId = ReadLong(ref r, "snapshot-id");
                    continue;
                case 18 when name.SequenceEqual("parent-snapshot-id"u8):
                    parentId = ReadNullableLong(ref r, "parent-snapshot-id");
                    continue;
                case 15 when name.SequenceEqual("sequence-number"u8):
                    sequenceNumber = ReadNullableLong(ref r, "sequence-number");
                    continue;
                case 12 when name.SequenceEqual("timestamp-ms"u8):
                    timestampMs = ReadLong(ref r, "timestamp-ms");
                    continue;
                case 13 when name.SequenceEqual("manifest-list"u8):
                    manifestList = ReadNullableString(ref r, "manifest-list");
                    continue;
                case 9 when name.SequenceEqual("manifests"u8):
                    manifests = ReadStringArray(ref r, "manifests");
                    continue;
                case 7 when name.SequenceEqual("summary"u8):
                    summary = ReadStringMap(ref r, "summary");
                    continue;
                case 9 when name.SequenceEqual("schema-id"u8):
                    schemaId = ReadNullableInt(ref r, "schema-id");
                    continue;
                case 12 when name.SequenceEqual("first-row-id"u8):
                    firstRowId = ReadNullableLong(ref r, "first-row-id");
                    continue;
                case 10 when name.SequenceEqual("added-rows"u8):
                    addedRows = ReadNullableLong(ref r, "added-rows");
                    continue;
                case 6 when name.SequenceEqual("key-id"u8):
                    keyId = ReadNullableString(ref r, "key-id");
                    continue;
                default:
                    r.Skip();
                    continue;
            }
        }

        return new Snapshot
        {
            SnapshotId = snapshotId ?? Fail<long>("Cannot parse missing long: snapshot-id"),
            ParentSnapshotId = parentId,
            SequenceNumber = sequenceNumber ?? 0,
            TimestampMs = timestampMs ?? Fail<long>("Cannot parse missing long: timestamp-ms"),
            ManifestList = manifestList,
            Manifests = manifests,
            Summary = summary,
            SchemaId = schemaId,
            FirstRowId = firstRowId,
            AddedRows = addedRows,
            KeyId = keyId,
        };
    }

    internal static void WriteSnapshot(Utf8JsonWriter w, Snapshot s, int formatVersion)
    {
        w.WriteStartObject();
        w.WriteNumber(Names.SnapshotId, s.SnapshotId);
        if (s.ParentSnapshotId is { } parent)
        {
            w.WriteNumber(Names.ParentSnapshotId, parent);
        }

        if (formatVersion >= 2)
        {
            w.WriteNumber(Names.SequenceNumber, s.SequenceNumber);
        }

        w.WriteNumber(Names.TimestampMs, s.TimestampMs);
        if (formatVersion >= 2 || s.Summary.Count > 0)
        {
            w.WriteStartObject(Names.Summary);
            var items = s.Summary.Items;
            foreach (var item in items)
            {
                if (item.Key == "operation")
                {
                    w.WriteString(Names.Operation, item.Value);
                    break;
                }
            }

            foreach (var item in items)
            {
                if (item.Key != "operation")
                {
                    w.WriteString(item.Key, item.Value);
                }
            }

            w.WriteEndObject();
        }

        if (s.ManifestList is not null)
        {
            w.WriteString(Names.ManifestList, s.ManifestList);
        }

        if (s.Manifests.Length > 0)
        {
            w.WriteStartArray(Names.Manifests);
            foreach (var m in s.Manifests)
            {
                w.WriteStringValue(m);
            }

            w.WriteEndArray();
        }

        if (s.SchemaId is { } schemaId)
        {
            w.WriteNumber(Names.SchemaId, schemaId);
        }

        if (s.FirstRowId is { } firstRowId)
        {
            w.WriteNumber(Names.FirstRowId, firstRowId);
        }

        if (s.AddedRows is { } addedRows)
        {
            w.WriteNumber(Names.AddedRows, addedRows);
        }

        if (s.KeyId is not null)
        {
            w.WriteString(Names.SnapshotKeyId, s.KeyId);
        }

        w.WriteEndObject();
    }

    internal static SnapshotRefType ParseRefType(string s) => s.ToLowerInvariant() switch
    {
        "branch" => SnapshotRefType.Branch,
        "tag" => SnapshotRefType.Tag,
        _ => Fail<SnapshotRefType>($"Invalid snapshot ref type: {s}"),
    };

    internal static SnapshotRef ReadSnapshotRef(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "snapshot ref");
        long? snapshotId = null, maxRefAge = null, maxSnapshotAge = null;
        int? minSnapshots = null;
        SnapshotRefType? type = null;
        while (NextProperty(ref r, out var name))
        {
            if (!ReadRefProperty(ref r, name, ref snapshotId, ref type, ref maxRefAge, ref maxSnapshotAge, ref minSnapshots))
            {
                r.Skip();
            }
        }

        return BuildRef(snapshotId, type, maxRefAge, maxSnapshotAge, minSnapshots);
    }

    internal static bool ReadRefProperty(
        ref Utf8JsonReader r,
        scoped ReadOnlySpan<byte> name,
        ref long? snapshotId,
        ref SnapshotRefType? type,
        ref long? maxRefAge,
        ref long? maxSnapshotAge,
        ref int? minSnapshots)
    {
        if (name.SequenceEqual("snapshot-id"u8))
        {
            snapshotId = ReadLong(ref r, "snapshot-id");
        }
        else if (name.SequenceEqual("type"u8))
        {
            type = ParseRefType(ReadString(ref r, "type"));
        }
        else if (name.SequenceEqual("max-ref-age-ms"u8))
        {
            maxRefAge = ReadNullableLong(ref r, "max-ref-age-ms");
        }
        else if (name.SequenceEqual("max-snapshot-age-ms"u8))
        {
            maxSnapshotAge = ReadNullableLong(ref r, "max-snapshot-age-ms");
        }
        else if (name.SequenceEqual("min-snapshots-to-keep"u8))
        {
            minSnapshots = ReadNullableInt(ref r, "min-snapshots-to-keep");
        }
        else
        {
            return false;
        }

        return true;
    }

    internal static SnapshotRef BuildRef(long? snapshotId, SnapshotRefType? type, long? maxRefAge, long? maxSnapshotAge, int? minSnapshots)
    {
        // Retention settings are validated when a ref is set (engine), not when reading stored metadata.
        return new SnapshotRef(
            snapshotId ?? Fail<long>("Cannot parse missing long: snapshot-id"),
            type ?? Fail<SnapshotRefType>("Cannot parse missing string: type"),
            maxRefAge,
            maxSnapshotAge,
            minSnapshots);
    }

    internal static void WriteRefBody(Utf8JsonWriter w, SnapshotRef r)
    {
        w.WriteNumber(Names.SnapshotId, r.SnapshotId);
        w.WriteString(Names.Type, r.IsBranch ? "branch" : "tag");
        if (r.MaxRefAgeMs is { } maxRefAge)
        {
            w.WriteNumber(Names.MaxRefAgeMs, maxRefAge);
        }

        if (r.MaxSnapshotAgeMs is { } maxSnapshotAge)
        {
            w.WriteNumber(Names.MaxSnapshotAgeMs, maxSnapshotAge);
        }

        if (r.MinSnapshotsToKeep is { } minSnapshots)
        {
            w.WriteNumber(Names.MinSnapshotsToKeep, minSnapshots);
        }
    }

    // ----------------------------------------------------------------- logs, statistics, keys

    internal static SnapshotLogEntry ReadSnapshotLogEntry(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "snapshot log entry");
        long? ts = null, id = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("timestamp-ms"u8))
            {
                ts = ReadLong(ref r, "timestamp-ms");
            }
            else if (name.SequenceEqual("snapshot-id"u8))
            {
                id = ReadLong(ref r, "snapshot-id");
            }
            else
            {
                r.Skip();
            }
        }

        return new SnapshotLogEntry(ts ?? Fail<long>("Cannot parse missing long: timestamp-ms"), id ?? Fail<long>("Cannot parse missing long: snapshot-id"));
    }

    internal static MetadataLogEntry ReadMetadataLogEntry(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "metadata log entry");
        long? ts = null;
        string? file = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("timestamp-ms"u8))
            {
                ts = ReadLong(ref r, "timestamp-ms");
            }
            else if (name.SequenceEqual("metadata-file"u8))
            {
                file = ReadString(ref r, "metadata-file");
            }
            else
            {
                r.Skip();
            }
        }

        return new MetadataLogEntry(ts ?? Fail<long>("Cannot parse missing long: timestamp-ms"), file ?? Fail<string>("Cannot parse missing string: metadata-file"));
    }

    internal static StatisticsFile ReadStatisticsFile(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "statistics file");
        long? snapshotId = null, size = null, footer = null;
        string? path = null, keyMetadata = null;
        ImmutableArray<BlobMetadata>? blobs = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("snapshot-id"u8))
            {
                snapshotId = ReadLong(ref r, "snapshot-id");
            }
            else if (name.SequenceEqual("statistics-path"u8))
            {
                path = ReadString(ref r, "statistics-path");
            }
            else if (name.SequenceEqual("file-size-in-bytes"u8))
            {
                size = ReadLong(ref r, "file-size-in-bytes");
            }
            else if (name.SequenceEqual("file-footer-size-in-bytes"u8))
            {
                footer = ReadLong(ref r, "file-footer-size-in-bytes");
            }
            else if (name.SequenceEqual("key-metadata"u8))
            {
                keyMetadata = ReadNullableString(ref r, "key-metadata");
            }
            else if (name.SequenceEqual("blob-metadata"u8))
            {
                blobs = ReadBlobs(ref r);
            }
            else
            {
                r.Skip();
            }
        }

        return new StatisticsFile(
            snapshotId ?? Fail<long>("Cannot parse missing long: snapshot-id"),
            path ?? Fail<string>("Cannot parse missing string: statistics-path"),
            size ?? Fail<long>("Cannot parse missing long: file-size-in-bytes"),
            footer ?? Fail<long>("Cannot parse missing long: file-footer-size-in-bytes"),
            blobs ?? Fail<ImmutableArray<BlobMetadata>>("Cannot parse missing field: blob-metadata"),
            keyMetadata);
    }

    private static ImmutableArray<BlobMetadata> ReadBlobs(ref Utf8JsonReader r)
    {
        ExpectArray(ref r, "blob-metadata");
        var builder = ImmutableArray.CreateBuilder<BlobMetadata>();
        while (NextItem(ref r))
        {
            ExpectObject(ref r, "blob metadata");
            string? type = null;
            long? snapshotId = null, sequenceNumber = null;
            ImmutableArray<int>? fields = null;
            var properties = StringMap.Empty;
            while (NextProperty(ref r, out var name))
            {
                if (name.SequenceEqual("type"u8))
                {
                    type = ReadString(ref r, "type");
                }
                else if (name.SequenceEqual("snapshot-id"u8))
                {
                    snapshotId = ReadLong(ref r, "snapshot-id");
                }
                else if (name.SequenceEqual("sequence-number"u8))
                {
                    sequenceNumber = ReadLong(ref r, "sequence-number");
                }
                else if (name.SequenceEqual("fields"u8))
                {
                    fields = ReadIntArray(ref r, "fields");
                }
                else if (name.SequenceEqual("properties"u8))
                {
                    properties = ReadStringMap(ref r, "properties");
                }
                else
                {
                    r.Skip();
                }
            }

            builder.Add(new BlobMetadata(
                type ?? Fail<string>("Cannot parse missing string: type"),
                snapshotId ?? Fail<long>("Cannot parse missing long: snapshot-id"),
                sequenceNumber ?? Fail<long>("Cannot parse missing long: sequence-number"),
                fields ?? Fail<ImmutableArray<int>>("Cannot parse missing field: fields"),
                properties));
        }

        return builder.ToImmutable();
    }

    internal static void WriteStatisticsFile(Utf8JsonWriter w, StatisticsFile s)
    {
        w.WriteStartObject();
        w.WriteNumber(Names.SnapshotId, s.SnapshotId);
        w.WriteString(Names.StatisticsPath, s.StatisticsPath);
        w.WriteNumber(Names.FileSizeInBytes, s.FileSizeInBytes);
        w.WriteNumber(Names.FileFooterSizeInBytes, s.FileFooterSizeInBytes);
        if (s.KeyMetadata is not null)
        {
            w.WriteString(Names.KeyMetadata, s.KeyMetadata);
        }

        w.WriteStartArray(Names.BlobMetadata);
        foreach (var b in s.BlobMetadata)
        {
            w.WriteStartObject();
            w.WriteString(Names.Type, b.Type);
            w.WriteNumber(Names.SnapshotId, b.SnapshotId);
            w.WriteNumber(Names.SequenceNumber, b.SequenceNumber);
            w.WriteStartArray(Names.Fields);
            foreach (var f in b.Fields)
            {
                w.WriteNumberValue(f);
            }

            w.WriteEndArray();
            if (b.Properties.Count > 0)
            {
                w.WritePropertyName(Names.Properties);
                WriteStringMap(w, b.Properties);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static PartitionStatisticsFile ReadPartitionStatisticsFile(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "partition statistics file");
        long? snapshotId = null, size = null;
        string? path = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("snapshot-id"u8))
            {
                snapshotId = ReadLong(ref r, "snapshot-id");
            }
            else if (name.SequenceEqual("statistics-path"u8))
            {
                path = ReadString(ref r, "statistics-path");
            }
            else if (name.SequenceEqual("file-size-in-bytes"u8))
            {
                size = ReadLong(ref r, "file-size-in-bytes");
            }
            else
            {
                r.Skip();
            }
        }

        return new PartitionStatisticsFile(
            snapshotId ?? Fail<long>("Cannot parse missing long: snapshot-id"),
            path ?? Fail<string>("Cannot parse missing string: statistics-path"),
            size ?? Fail<long>("Cannot parse missing long: file-size-in-bytes"));
    }

    internal static void WritePartitionStatisticsFile(Utf8JsonWriter w, PartitionStatisticsFile s)
    {
        w.WriteStartObject();
        w.WriteNumber(Names.SnapshotId, s.SnapshotId);
        w.WriteString(Names.StatisticsPath, s.StatisticsPath);
        w.WriteNumber(Names.FileSizeInBytes, s.FileSizeInBytes);
        w.WriteEndObject();
    }

    internal static EncryptedKey ReadEncryptedKey(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "encryption key");
        string? keyId = null, metadata = null, encryptedBy = null;
        var properties = StringMap.Empty;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("key-id"u8))
            {
                keyId = ReadString(ref r, "key-id");
            }
            else if (name.SequenceEqual("encrypted-key-metadata"u8))
            {
                metadata = ReadString(ref r, "encrypted-key-metadata");
                if (!IsBase64(metadata))
                {
                    Fail($"Cannot parse encrypted-key-metadata: not valid base64: {metadata}");
                }
            }
            else if (name.SequenceEqual("encrypted-by-id"u8))
            {
                encryptedBy = ReadNullableString(ref r, "encrypted-by-id");
            }
            else if (name.SequenceEqual("properties"u8))
            {
                properties = ReadStringMap(ref r, "properties");
            }
            else
            {
                r.Skip();
            }
        }

        return new EncryptedKey(
            keyId ?? Fail<string>("Cannot parse missing string: key-id"),
            metadata ?? Fail<string>("Cannot parse missing string: encrypted-key-metadata"),
            encryptedBy,
            properties);
    }

    internal static void WriteEncryptedKey(Utf8JsonWriter w, EncryptedKey k)
    {
        w.WriteStartObject();
        w.WriteString(Names.SnapshotKeyId, k.KeyId);
        w.WriteString(Names.EncryptedKeyMetadata, k.EncryptedKeyMetadata);
        if (k.EncryptedById is not null)
        {
            w.WriteString(Names.EncryptedById, k.EncryptedById);
        }

        if (k.Properties.Count > 0)
        {
            w.WritePropertyName(Names.Properties);
            WriteStringMap(w, k.Properties);
        }

        w.WriteEndObject();
    }
}

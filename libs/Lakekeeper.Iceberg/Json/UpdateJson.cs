using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace Lakekeeper.Iceberg.Json;

/// <summary>JSON for table/view updates, requirements and view versions.</summary>
internal static partial class JsonCore
{
    /// <summary>Finds the string value of a discriminator property without moving <paramref name="r"/>.</summary>
    private static string? PeekDiscriminator(Utf8JsonReader r, ReadOnlySpan<byte> discriminator, string what)
    {
        ExpectObject(ref r, what);
        string? value = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual(discriminator))
            {
                value = ReadString(ref r, Encoding.UTF8.GetString(discriminator));
            }
            else
            {
                r.Skip();
            }
        }

        return value;
    }

    // ----------------------------------------------------------------- table updates

    internal static TableUpdate ReadTableUpdate(ref Utf8JsonReader r)
    {
        var action = PeekDiscriminator(r, "action"u8, "metadata update")
            ?? Fail<string>("Cannot parse metadata update. Missing field: action");
        switch (action)
        {
            case "assign-uuid":
                {
                    Guid? uuid = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("uuid"u8))
                        {
                            uuid = ReadUuid(ref x, "uuid");
                            return true;
                        }

                        return false;
                    });
                    return new TableUpdate.AssignUuid(uuid ?? Fail<Guid>("Cannot parse missing string: uuid"));
                }

            case "upgrade-format-version":
                return new TableUpdate.UpgradeFormatVersion(ReadSingleInt(ref r, "format-version"u8, "format-version"));
            case "add-schema":
                {
                    Schema? schema = null;
                    int? lastColumnId = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("schema"u8))
                        {
                            schema = ReadValidSchema(ref x);
                        }
                        else if (n.SequenceEqual("last-column-id"u8))
                        {
                            lastColumnId = ReadNullableInt(ref x, "last-column-id");
                        }
                        else
                        {
                            return false;
                        }

                        return true;
                    });
                    return new TableUpdate.AddSchema(schema ?? Fail<Schema>("Cannot parse missing field: schema"), lastColumnId);
                }

            case "set-current-schema":
                return new TableUpdate.SetCurrentSchema(ReadSingleInt(ref r, "schema-id"u8, "schema-id"));
            case "add-spec":
                {
                    UnboundPartitionSpec? spec = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("spec"u8))
                        {
                            spec = ReadPartitionSpec(ref x);
                            return true;
                        }

                        return false;
                    });
                    return new TableUpdate.AddPartitionSpec(spec ?? Fail<UnboundPartitionSpec>("Cannot parse missing field: spec"));
                }

            case "set-default-spec":
                return new TableUpdate.SetDefaultSpec(ReadSingleInt(ref r, "spec-id"u8, "spec-id"));
            case "add-sort-order":
                {
                    UnboundSortOrder? order = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("sort-order"u8))
                        {
                            order = ReadSortOrder(ref x);
                            return true;
                        }

                        return false;
                    });
                    return new TableUpdate.AddSortOrder(order ?? Fail<UnboundSortOrder>("Cannot parse missing field: sort-order"));
                }

            case "set-default-sort-order":
                return new TableUpdate.SetDefaultSortOrder(ReadSingleInt(ref r, "sort-order-id"u8, "sort-order-id"));
            case "add-snapshot":
                {
                    Snapshot? snapshot = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("snapshot"u8))
                        {
                            snapshot = ReadSnapshot(ref x);
                            return true;
                        }

                        return false;
                    });
                    return new TableUpdate.AddSnapshot(snapshot ?? Fail<Snapshot>("Cannot parse missing field: snapshot"));
                }

            case "set-snapshot-ref":
                {
                    string? refName = null;
                    long? snapshotId = null, maxRefAge = null, maxSnapshotAge = null;
                    int? minSnapshots = null;
                    SnapshotRefType? type = null;
                    ExpectObject(ref r, "metadata update");
                    while (NextProperty(ref r, out var n))
                    {
                        if (n.SequenceEqual("ref-name"u8))
                        {
                            refName = ReadString(ref r, "ref-name");
                        }
                        else if (!ReadRefProperty(ref r, n, ref snapshotId, ref type, ref maxRefAge, ref maxSnapshotAge, ref minSnapshots))
                        {
                            r.Skip();
                        }
                    }

                    return new TableUpdate.SetSnapshotRef(
                        refName ?? Fail<string>("Cannot parse missing string: ref-name"),
                        BuildRef(snapshotId, type, maxRefAge, maxSnapshotAge, minSnapshots));
                }

            case "remove-snapshots":
                {
                    ImmutableArray<long>? ids = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("snapshot-ids"u8))
                        {
                            ids = ReadLongArray(ref x, "snapshot-ids");
                            return true;
                        }

                        return false;
                    });
                    return new TableUpdate.RemoveSnapshots(ids ?? Fail<ImmutableArray<long>>("Cannot parse missing field: snapshot-ids"));
                }

            case "remove-snapshot-ref":
                return new TableUpdate.RemoveSnapshotRef(ReadSingleString(ref r, "ref-name"u8, "ref-name"));
            case "set-location":
                return new TableUpdate.SetLocation(ReadSingleString(ref r, "location"u8, "location"));
            case "set-properties":
                return new TableUpdate.SetProperties(ReadSingleMap(ref r, "updates"u8, "updates"));
            case "remove-properties":
                return new TableUpdate.RemoveProperties(ReadSingleStringArray(ref r, "removals"u8, "removals"));
            case "set-statistics":
                {
                    StatisticsFile? statistics = null;
                    long? snapshotId = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("statistics"u8))
                        {
                            statistics = ReadStatisticsFile(ref x);
                        }
                        else if (n.SequenceEqual("snapshot-id"u8))
                        {
                            snapshotId = ReadNullableLong(ref x, "snapshot-id");
                        }
                        else
                        {
                            return false;
                        }

                        return true;
                    });
                    return new TableUpdate.SetStatistics(statistics ?? Fail<StatisticsFile>("Cannot parse missing field: statistics"), snapshotId);
                }

            case "remove-statistics":
                return new TableUpdate.RemoveStatistics(ReadSingleLong(ref r, "snapshot-id"u8, "snapshot-id"));
            case "set-partition-statistics":
                {
                    PartitionStatisticsFile? statistics = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("partition-statistics"u8))
                        {
                            statistics = ReadPartitionStatisticsFile(ref x);
                            return true;
                        }

                        return false;
                    });
                    return new TableUpdate.SetPartitionStatistics(statistics ?? Fail<PartitionStatisticsFile>("Cannot parse missing field: partition-statistics"));
                }

            case "remove-partition-statistics":
                return new TableUpdate.RemovePartitionStatistics(ReadSingleLong(ref r, "snapshot-id"u8, "snapshot-id"));
            case "remove-partition-specs":
                return new TableUpdate.RemovePartitionSpecs(ReadSingleIntArray(ref r, "spec-ids"u8, "spec-ids"));
            case "remove-schemas":
                return new TableUpdate.RemoveSchemas(ReadSingleIntArray(ref r, "schema-ids"u8, "schema-ids"));
            case "add-encryption-key":
                {
                    EncryptedKey? key = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("encryption-key"u8))
                        {
                            key = ReadEncryptedKey(ref x);
                            return true;
                        }

                        return false;
                    });
                    return new TableUpdate.AddEncryptionKey(key ?? Fail<EncryptedKey>("Cannot parse missing field: encryption-key"));
                }

            case "remove-encryption-key":
                return new TableUpdate.RemoveEncryptionKey(ReadSingleString(ref r, "key-id"u8, "key-id"));
            default:
                r.Skip();
                return Fail<TableUpdate>($"Cannot parse metadata update. Invalid action: {action}");
        }
    }

    private delegate bool FieldReader(ref Utf8JsonReader r, scoped ReadOnlySpan<byte> name);

    /// <summary>Iterates an object's properties, skipping the ones <paramref name="read"/> does not consume.</summary>
    private static void ReadFields(ref Utf8JsonReader r, FieldReader read)
    {
        ExpectObject(ref r, "object");
        while (NextProperty(ref r, out var name))
        {
            if (!read(ref r, name))
            {
                r.Skip();
            }
        }
    }

    private static int ReadSingleInt(ref Utf8JsonReader r, ReadOnlySpan<byte> field, string fieldName)
    {
        int? value = null;
        ExpectObject(ref r, "object");
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual(field))
            {
                value = ReadInt(ref r, fieldName);
            }
            else
            {
                r.Skip();
            }
        }

        return value ?? Fail<int>($"Cannot parse missing int: {fieldName}");
    }

    private static long ReadSingleLong(ref Utf8JsonReader r, ReadOnlySpan<byte> field, string fieldName)
    {
        long? value = null;
        ExpectObject(ref r, "object");
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual(field))
            {
                value = ReadLong(ref r, fieldName);
            }
            else
            {
                r.Skip();
            }
        }

        return value ?? Fail<long>($"Cannot parse missing long: {fieldName}");
    }

    private static string ReadSingleString(ref Utf8JsonReader r, ReadOnlySpan<byte> field, string fieldName)
    {
        string? value = null;
        ExpectObject(ref r, "object");
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual(field))
            {
                value = ReadString(ref r, fieldName);
            }
            else
            {
                r.Skip();
            }
        }

        return value ?? Fail<string>($"Cannot parse missing string: {fieldName}");
    }

    private static StringMap ReadSingleMap(ref Utf8JsonReader r, ReadOnlySpan<byte> field, string fieldName)
    {
        StringMap? value = null;
        ExpectObject(ref r, "object");
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual(field))
            {
                value = ReadStringMap(ref r, fieldName);
            }
            else
            {
                r.Skip();
            }
        }

        return value ?? Fail<StringMap>($"Cannot parse missing field: {fieldName}");
    }

    private static ImmutableArray<string> ReadSingleStringArray(ref Utf8JsonReader r, ReadOnlySpan<byte> field, string fieldName)
    {
        ImmutableArray<string>? value = null;
        ExpectObject(ref r, "object");
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual(field))
            {
                value = ReadStringArray(ref r, fieldName);
            }
            else
            {
                r.Skip();
            }
        }

        return value ?? Fail<ImmutableArray<string>>($"Cannot parse missing field: {fieldName}");
    }

    private static ImmutableArray<int> ReadSingleIntArray(ref Utf8JsonReader r, ReadOnlySpan<byte> field, string fieldName)
    {
        ImmutableArray<int>? value = null;
        ExpectObject(ref r, "object");
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual(field))
            {
                value = ReadIntArray(ref r, fieldName);
            }
            else
            {
                r.Skip();
            }
        }

        return value ?? Fail<ImmutableArray<int>>($"Cannot parse missing field: {fieldName}");
    }

    internal static void WriteTableUpdate(Utf8JsonWriter w, TableUpdate update)
    {
        w.WriteStartObject();
        w.WriteString("action", update.Action);
        switch (update)
        {
            case TableUpdate.AssignUuid u:
                w.WriteString("uuid", u.Uuid);
                break;
            case TableUpdate.UpgradeFormatVersion u:
                w.WriteNumber(Names.FormatVersion, u.FormatVersion);
                break;
            case TableUpdate.AddSchema u:
                w.WritePropertyName(Names.Schema);
                WriteSchema(w, u.Schema);
                if (u.LastColumnId is { } lastColumnId)
                {
                    w.WriteNumber(Names.LastColumnId, lastColumnId);
                }

                break;
            case TableUpdate.SetCurrentSchema u:
                w.WriteNumber(Names.SchemaId, u.SchemaId);
                break;
            case TableUpdate.AddPartitionSpec u:
                w.WritePropertyName("spec");
                WriteUnboundPartitionSpec(w, u.Spec);
                break;
            case TableUpdate.SetDefaultSpec u:
                w.WriteNumber(Names.SpecId, u.SpecId);
                break;
            case TableUpdate.AddSortOrder u:
                w.WritePropertyName("sort-order");
                WriteSortOrder(w, u.SortOrder.OrderId, u.SortOrder.Fields, 3);
                break;
            case TableUpdate.SetDefaultSortOrder u:
                w.WriteNumber("sort-order-id", u.SortOrderId);
                break;
            case TableUpdate.AddSnapshot u:
                w.WritePropertyName("snapshot");
                WriteSnapshot(w, u.Snapshot, 3);
                break;
            case TableUpdate.SetSnapshotRef u:
                w.WriteString("ref-name", u.RefName);
                WriteRefBody(w, u.Ref);
                break;
            case TableUpdate.RemoveSnapshots u:
                w.WriteStartArray("snapshot-ids");
                foreach (var id in u.SnapshotIds)
                {
                    w.WriteNumberValue(id);
                }

                w.WriteEndArray();
                break;
            case TableUpdate.RemoveSnapshotRef u:
                w.WriteString("ref-name", u.RefName);
                break;
            case TableUpdate.SetLocation u:
                w.WriteString(Names.Location, u.Location);
                break;
            case TableUpdate.SetProperties u:
                w.WritePropertyName("updates");
                WriteStringMap(w, u.Updates);
                break;
            case TableUpdate.RemoveProperties u:
                WriteStringArray(w, "removals", u.Removals);
                break;
            case TableUpdate.SetStatistics u:
                if (u.SnapshotId is { } statsSnapshotId)
                {
                    w.WriteNumber(Names.SnapshotId, statsSnapshotId);
                }

                w.WritePropertyName(Names.Statistics);
                WriteStatisticsFile(w, u.Statistics);
                break;
            case TableUpdate.RemoveStatistics u:
                w.WriteNumber(Names.SnapshotId, u.SnapshotId);
                break;
            case TableUpdate.SetPartitionStatistics u:
                w.WritePropertyName(Names.PartitionStatistics);
                WritePartitionStatisticsFile(w, u.PartitionStatistics);
                break;
            case TableUpdate.RemovePartitionStatistics u:
                w.WriteNumber(Names.SnapshotId, u.SnapshotId);
                break;
            case TableUpdate.RemovePartitionSpecs u:
                WriteIntArray(w, "spec-ids", u.SpecIds);
                break;
            case TableUpdate.RemoveSchemas u:
                WriteIntArray(w, "schema-ids", u.SchemaIds);
                break;
            case TableUpdate.AddEncryptionKey u:
                w.WritePropertyName("encryption-key");
                WriteEncryptedKey(w, u.Key);
                break;
            case TableUpdate.RemoveEncryptionKey u:
                w.WriteString("key-id", u.KeyId);
                break;
            default:
                throw new InvalidOperationException($"Unhandled update {update.GetType().Name}");
        }

        w.WriteEndObject();
    }

    private static void WriteIntArray(Utf8JsonWriter w, string name, ImmutableArray<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteStringArray(Utf8JsonWriter w, string name, ImmutableArray<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    // ----------------------------------------------------------------- table requirements

    internal static TableRequirement ReadTableRequirement(ref Utf8JsonReader r)
    {
        var type = PeekDiscriminator(r, "type"u8, "update requirement")
            ?? Fail<string>("Cannot parse update requirement. Missing field: type");
        switch (type)
        {
            case "assert-create":
                r.Skip();
                return new TableRequirement.AssertCreate();
            case "assert-table-uuid":
                return new TableRequirement.AssertTableUuid(ReadSingleString(ref r, "uuid"u8, "uuid"));
            case "assert-ref-snapshot-id":
                {
                    string? refName = null;
                    long? snapshotId = null;
                    ExpectObject(ref r, "update requirement");
                    while (NextProperty(ref r, out var n))
                    {
                        if (n.SequenceEqual("ref"u8))
                        {
                            refName = ReadString(ref r, "ref");
                        }
                        else if (n.SequenceEqual("snapshot-id"u8))
                        {
                            snapshotId = ReadNullableLong(ref r, "snapshot-id");
                        }
                        else
                        {
                            r.Skip();
                        }
                    }

                    return new TableRequirement.AssertRefSnapshotId(refName ?? Fail<string>("Cannot parse missing string: ref"), snapshotId);
                }

            case "assert-last-assigned-field-id":
                return new TableRequirement.AssertLastAssignedFieldId(ReadSingleInt(ref r, "last-assigned-field-id"u8, "last-assigned-field-id"));
            case "assert-current-schema-id":
                return new TableRequirement.AssertCurrentSchemaId(ReadSingleInt(ref r, "current-schema-id"u8, "current-schema-id"));
            case "assert-last-assigned-partition-id":
                return new TableRequirement.AssertLastAssignedPartitionId(ReadSingleInt(ref r, "last-assigned-partition-id"u8, "last-assigned-partition-id"));
            case "assert-default-spec-id":
                return new TableRequirement.AssertDefaultSpecId(ReadSingleInt(ref r, "default-spec-id"u8, "default-spec-id"));
            case "assert-default-sort-order-id":
                return new TableRequirement.AssertDefaultSortOrderId(ReadSingleInt(ref r, "default-sort-order-id"u8, "default-sort-order-id"));
            default:
                r.Skip();
                return Fail<TableRequirement>($"Cannot parse update requirement. Invalid type: {type}");
        }
    }

    internal static void WriteTableRequirement(Utf8JsonWriter w, TableRequirement requirement)
    {
        w.WriteStartObject();
        w.WriteString(Names.Type, requirement.Type);
        switch (requirement)
        {
            case TableRequirement.AssertCreate:
                break;
            case TableRequirement.AssertTableUuid q:
                w.WriteString("uuid", q.Uuid);
                break;
            case TableRequirement.AssertRefSnapshotId q:
                w.WriteString("ref", q.Ref);
                if (q.SnapshotId is { } id)
                {
                    w.WriteNumber(Names.SnapshotId, id);
                }
                else
                {
                    w.WriteNull(Names.SnapshotId);
                }

                break;
            case TableRequirement.AssertLastAssignedFieldId q:
                w.WriteNumber("last-assigned-field-id", q.LastAssignedFieldId);
                break;
            case TableRequirement.AssertCurrentSchemaId q:
                w.WriteNumber(Names.CurrentSchemaId, q.CurrentSchemaId);
                break;
            case TableRequirement.AssertLastAssignedPartitionId q:
                w.WriteNumber("last-assigned-partition-id", q.LastAssignedPartitionId);
                break;
            case TableRequirement.AssertDefaultSpecId q:
                w.WriteNumber(Names.DefaultSpecId, q.DefaultSpecId);
                break;
            case TableRequirement.AssertDefaultSortOrderId q:
                w.WriteNumber(Names.DefaultSortOrderId, q.DefaultSortOrderId);
                break;
            default:
                throw new InvalidOperationException($"Unhandled requirement {requirement.GetType().Name}");
        }

        w.WriteEndObject();
    }

    // ----------------------------------------------------------------- view versions and updates

    internal static ViewVersion ReadViewVersion(ref Utf8JsonReader r)
    {
        ExpectObject(ref r, "view version");
        int? versionId = null, schemaId = null;
        long? timestampMs = null;
        var summary = StringMap.Empty;
        ImmutableArray<ViewRepresentation>? representations = null;
        string? defaultCatalog = null;
        ImmutableArray<string> defaultNamespace = [];
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("version-id"u8))
            {
                versionId = ReadInt(ref r, "version-id");
            }
            else if (name.SequenceEqual("timestamp-ms"u8))
            {
                timestampMs = ReadLong(ref r, "timestamp-ms");
            }
            else if (name.SequenceEqual("schema-id"u8))
            {
                schemaId = ReadInt(ref r, "schema-id");
            }
            else if (name.SequenceEqual("summary"u8))
            {
                summary = ReadStringMap(ref r, "summary");
            }
            else if (name.SequenceEqual("representations"u8))
            {
                ExpectArray(ref r, "representations");
                var builder = ImmutableArray.CreateBuilder<ViewRepresentation>();
                while (NextItem(ref r))
                {
                    builder.Add(ReadViewRepresentation(ref r));
                }

                representations = builder.ToImmutable();
            }
            else if (name.SequenceEqual("default-catalog"u8))
            {
                defaultCatalog = ReadNullableString(ref r, "default-catalog");
            }
            else if (name.SequenceEqual("default-namespace"u8))
            {
                defaultNamespace = ReadStringArray(ref r, "default-namespace");
            }
            else
            {
                r.Skip();
            }
        }

        return new ViewVersion
        {
            VersionId = versionId ?? Fail<int>("Cannot parse missing int: version-id"),
            TimestampMs = timestampMs ?? Fail<long>("Cannot parse missing long: timestamp-ms"),
            SchemaId = schemaId ?? Fail<int>("Cannot parse missing int: schema-id"),
            Summary = summary,
            Representations = representations ?? Fail<ImmutableArray<ViewRepresentation>>("Cannot parse missing field: representations"),
            DefaultCatalog = defaultCatalog,
            DefaultNamespace = defaultNamespace,
        };
    }

    private static ViewRepresentation ReadViewRepresentation(ref Utf8JsonReader r)
    {
        var type = PeekDiscriminator(r, "type"u8, "view representation")
            ?? Fail<string>("Cannot parse missing string: type");
        if (!type.Equals("sql", StringComparison.OrdinalIgnoreCase))
        {
            return new UnknownViewRepresentation(type, ReadRaw(ref r));
        }

        string? sql = null, dialect = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("sql"u8))
            {
                sql = ReadString(ref r, "sql");
            }
            else if (name.SequenceEqual("dialect"u8))
            {
                dialect = ReadString(ref r, "dialect");
            }
            else
            {
                r.Skip();
            }
        }

        return new SqlViewRepresentation(sql ?? Fail<string>("Cannot parse missing string: sql"), dialect ?? Fail<string>("Cannot parse missing string: dialect"));
    }

    internal static void WriteViewVersion(Utf8JsonWriter w, ViewVersion v)
    {
        w.WriteStartObject();
        w.WriteNumber(Names.VersionId, v.VersionId);
        w.WriteNumber(Names.TimestampMs, v.TimestampMs);
        w.WriteNumber(Names.SchemaId, v.SchemaId);
        w.WritePropertyName(Names.Summary);
        WriteStringMap(w, v.Summary);
        w.WriteStartArray(Names.Representations);
        foreach (var rep in v.Representations)
        {
            switch (rep)
            {
                case SqlViewRepresentation sql:
                    w.WriteStartObject();
                    w.WriteString(Names.Type, "sql");
                    w.WriteString(Names.Sql, sql.Sql);
                    w.WriteString(Names.Dialect, sql.Dialect);
                    w.WriteEndObject();
                    break;
                case UnknownViewRepresentation unknown:
                    WriteRaw(w, unknown.Json);
                    break;
                default:
                    throw new InvalidOperationException($"Unhandled representation {rep.GetType().Name}");
            }
        }

        w.WriteEndArray();
        if (v.DefaultCatalog is not null)
        {
            w.WriteString(Names.DefaultCatalog, v.DefaultCatalog);
        }

        WriteStringArray(w, "default-namespace", v.DefaultNamespace);
        w.WriteEndObject();
    }

    internal static ViewUpdate ReadViewUpdate(ref Utf8JsonReader r)
    {
        var action = PeekDiscriminator(r, "action"u8, "view update")
            ?? Fail<string>("Cannot parse metadata update. Missing field: action");
        switch (action)
        {
            case "assign-uuid":
                {
                    var uuid = ReadSingleString(ref r, "uuid"u8, "uuid");
                    return Guid.TryParseExact(uuid, "D", out var parsed)
                        ? new ViewUpdate.AssignUuid(parsed)
                        : Fail<ViewUpdate>($"Cannot parse to a UUID value: uuid: \"{uuid}\"");
                }

            case "upgrade-format-version":
                return new ViewUpdate.UpgradeFormatVersion(ReadSingleInt(ref r, "format-version"u8, "format-version"));
            case "add-schema":
                {
                    Schema? schema = null;
                    int? lastColumnId = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("schema"u8))
                        {
                            schema = ReadValidSchema(ref x);
                        }
                        else if (n.SequenceEqual("last-column-id"u8))
                        {
                            lastColumnId = ReadNullableInt(ref x, "last-column-id");
                        }
                        else
                        {
                            return false;
                        }

                        return true;
                    });
                    return new ViewUpdate.AddSchema(schema ?? Fail<Schema>("Cannot parse missing field: schema"), lastColumnId);
                }

            case "set-location":
                return new ViewUpdate.SetLocation(ReadSingleString(ref r, "location"u8, "location"));
            case "set-properties":
                return new ViewUpdate.SetProperties(ReadSingleMap(ref r, "updates"u8, "updates"));
            case "remove-properties":
                return new ViewUpdate.RemoveProperties(ReadSingleStringArray(ref r, "removals"u8, "removals"));
            case "add-view-version":
                {
                    ViewVersion? version = null;
                    ReadFields(ref r, (ref Utf8JsonReader x, scoped ReadOnlySpan<byte> n) =>
                    {
                        if (n.SequenceEqual("view-version"u8))
                        {
                            version = ReadViewVersion(ref x);
                            return true;
                        }

                        return false;
                    });
                    return new ViewUpdate.AddViewVersion(version ?? Fail<ViewVersion>("Cannot parse missing field: view-version"));
                }

            case "set-current-view-version":
                return new ViewUpdate.SetCurrentViewVersion(ReadSingleInt(ref r, "view-version-id"u8, "view-version-id"));
            default:
                r.Skip();
                return Fail<ViewUpdate>($"Cannot parse view update. Invalid action: {action}");
        }
    }

    internal static void WriteViewUpdate(Utf8JsonWriter w, ViewUpdate update)
    {
        w.WriteStartObject();
        w.WriteString("action", update.Action);
        switch (update)
        {
            case ViewUpdate.AssignUuid u:
                w.WriteString("uuid", u.Uuid);
                break;
            case ViewUpdate.UpgradeFormatVersion u:
                w.WriteNumber(Names.FormatVersion, u.FormatVersion);
                break;
            case ViewUpdate.AddSchema u:
                w.WritePropertyName(Names.Schema);
                WriteSchema(w, u.Schema);
                if (u.LastColumnId is { } lastColumnId)
                {
                    w.WriteNumber(Names.LastColumnId, lastColumnId);
                }

                break;
            case ViewUpdate.SetLocation u:
                w.WriteString(Names.Location, u.Location);
                break;
            case ViewUpdate.SetProperties u:
                w.WritePropertyName("updates");
                WriteStringMap(w, u.Updates);
                break;
            case ViewUpdate.RemoveProperties u:
                WriteStringArray(w, "removals", u.Removals);
                break;
            case ViewUpdate.AddViewVersion u:
                w.WritePropertyName("view-version");
                WriteViewVersion(w, u.ViewVersion);
                break;
            case ViewUpdate.SetCurrentViewVersion u:
                w.WriteNumber("view-version-id", u.ViewVersionId);
                break;
            default:
                throw new InvalidOperationException($"Unhandled view update {update.GetType().Name}");
        }

        w.WriteEndObject();
    }

    internal static ViewRequirement ReadViewRequirement(ref Utf8JsonReader r)
    {
        var type = PeekDiscriminator(r, "type"u8, "view requirement")
            ?? Fail<string>("Cannot parse update requirement. Missing field: type");
        if (type != "assert-view-uuid")
        {
            r.Skip();
            return Fail<ViewRequirement>($"Cannot parse view requirement. Invalid type: {type}");
        }

        return new ViewRequirement.AssertViewUuid(ReadSingleString(ref r, "uuid"u8, "uuid"));
    }

    internal static void WriteViewRequirement(Utf8JsonWriter w, ViewRequirement requirement)
    {
        w.WriteStartObject();
        w.WriteString(Names.Type, requirement.Type);
        if (requirement is ViewRequirement.AssertViewUuid q)
        {
            w.WriteString("uuid", q.Uuid);
        }

        w.WriteEndObject();
    }
}

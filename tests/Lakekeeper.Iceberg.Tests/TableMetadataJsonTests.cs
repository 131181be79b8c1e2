using System.Text.Json.Nodes;

namespace Lakekeeper.Iceberg.Tests;

public sealed class TableMetadataJsonTests
{
    public static TheoryData<string, string> Golden => new()
    {
        { "v1", GoldenDocs.V1 },
        { "v2", GoldenDocs.V2 },
        { "v3", GoldenDocs.V3 },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void Golden_documents_write_back_equal_and_canonically_stable(string name, string json)
    {
        var metadata = Json.ParseTable(json);
        var written = Json.Str(TableMetadataJson.Write(metadata));
        Json.AssertSemanticallyEqual(json, written);
        Json.AssertCanonicalStable(metadata);
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public void V2_fields_are_read()
    {
        var m = Json.ParseTable(GoldenDocs.V2);
        Assert.Equal(2, m.FormatVersion);
        Assert.Equal(Guid.Parse("9c12d441-03fe-4693-9a96-a0705ddf69c1"), m.TableUuid);
        Assert.Equal(34, m.LastSequenceNumber);
        Assert.Equal(1, m.CurrentSchemaId);
        Assert.Equal([1, 2], m.CurrentSchema.IdentifierFieldIds);
        Assert.Equal(1000, m.LastPartitionId);
        Assert.Equal(3, m.DefaultSortOrder.OrderId);
        Assert.Equal(3055729675574597004, m.CurrentSnapshotId);
        Assert.Equal("append", m.CurrentSnapshot!.Operation);
        Assert.Equal("4", m.CurrentSnapshot.Summary["added-data-files"]);
        Assert.Equal(3, m.Refs.Count);
        Assert.Equal(new SnapshotRef(3055729675574597004, SnapshotRefType.Branch, 86400000, 3600000, 2), m.Refs["audit"]);
        Assert.Equal(SnapshotRefType.Tag, m.Refs["test"].Type);
        Assert.Equal("a2V5", m.Statistics[0].KeyMetadata);
        Assert.Equal("3", m.Statistics[0].BlobMetadata[0].Properties["ndv"]);
        Assert.Equal(43, m.PartitionStatistics[0].FileSizeInBytes);
        Assert.Equal(2, m.SnapshotLog.Length);
        Assert.Single(m.MetadataLog);
        Assert.Null(m.NextRowId);
    }

    [Fact]
    public void V3_fields_are_read()
    {
        var m = Json.ParseTable(GoldenDocs.V3);
        Assert.Equal(150, m.NextRowId);
        Assert.Equal(100, m.CurrentSnapshot!.FirstRowId);
        Assert.Equal(50, m.CurrentSnapshot.AddedRows);
        Assert.Equal("k1", m.CurrentSnapshot.KeyId);
        Assert.Equal(2, m.EncryptionKeys.Length);
        Assert.Equal("kms-1", m.EncryptionKeys[0].EncryptedById);
        Assert.Equal("34", m.CurrentSchema.FindField("n")!.InitialDefault!.Json);
        Assert.True(m.CurrentSchema.FindField("s")!.WriteDefault!.IsNull);
        Assert.Equal(TypeId.Geography, m.CurrentSchema.FindField("h")!.Type.TypeId);
        Assert.Equal([1, 5], m.DefaultSpec.Fields[1].SourceIds);
        var extra = Assert.Single(m.ExtraFields);
        Assert.Equal("x-vendor-extension", extra.Key);
        Assert.Equal("""{"nested":[1,2.5,{"deep":null}],"flag":true}""", extra.Value.Json);
    }

    [Fact]
    public void V1_writes_the_deprecated_fields_and_omits_v2_fields()
    {
        var m = Json.ParseTable(GoldenDocs.V1);
        var node = JsonNode.Parse(TableMetadataJson.Write(m))!.AsObject();
        Assert.True(node.ContainsKey("schema"));
        Assert.True(node.ContainsKey("partition-spec"));
        Assert.False(node.ContainsKey("last-sequence-number"));
        Assert.False(node.ContainsKey("next-row-id"));
        Assert.False(node["snapshots"]![0]!.AsObject().ContainsKey("sequence-number"));
        Assert.Equal(["s3://a/b/m1.avro", "s3://a/b/m2.avro"], m.Snapshots[0].Manifests);
    }

    [Fact]
    public void Legacy_v1_without_uuid_schemas_or_specs_is_read_and_upgraded_on_write()
    {
        var m = Json.ParseTable(GoldenDocs.V1Legacy);
        Assert.Equal(Guid.Empty, m.TableUuid);
        Assert.Equal(0, m.CurrentSchemaId);
        Assert.Single(m.Schemas);
        Assert.Equal(1000, Assert.Single(m.DefaultSpec.Fields).FieldId);
        Assert.Equal(1000, m.LastPartitionId);
        Assert.True(m.DefaultSortOrder.IsUnsorted);
        Assert.Null(m.CurrentSnapshotId);
        Assert.Empty(m.Refs);
        var node = JsonNode.Parse(TableMetadataJson.Write(m))!.AsObject();
        Assert.False(node.ContainsKey("table-uuid"));
        Assert.Equal(-1, node["current-snapshot-id"]!.GetValue<long>());
        Assert.True(node.ContainsKey("schemas"));
        Json.AssertCanonicalStable(m);
    }

    [Fact]
    public void Current_snapshot_id_is_minus_one_before_v3_and_null_in_v3()
    {
        var v2 = Tables.Create(2);
        Assert.Contains("\"current-snapshot-id\":-1", Json.Str(TableMetadataJson.Write(v2)), StringComparison.Ordinal);
        var v3 = Tables.Create(3);
        Assert.Contains("\"current-snapshot-id\":null", Json.Str(TableMetadataJson.Write(v3)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"current-snapshot-id\": -1,")]
    [InlineData("\"current-snapshot-id\": null,")]
    [InlineData("")]
    public void Current_snapshot_id_none_is_accepted_in_all_spellings(string field)
    {
        var json = GoldenDocs.V1Legacy.Replace("\"current-snapshot-id\": -1,", field, StringComparison.Ordinal);
        Assert.Null(Json.ParseTable(json).CurrentSnapshotId);
    }

    [Fact]
    public void Missing_refs_with_a_current_snapshot_creates_main()
    {
        var node = JsonNode.Parse(GoldenDocs.V1)!.AsObject();
        node.Remove("refs");
        var m = Json.ParseTable(node.ToJsonString());
        Assert.Equal(SnapshotRef.Branch(3051729675574597004), m.Refs["main"]);
    }

    [Fact]
    public void Writing_is_compact_and_deterministic()
    {
        var m = Json.ParseTable(GoldenDocs.V2);
        var a = TableMetadataJson.Write(m);
        var b = TableMetadataJson.Write(Json.ParseTable(GoldenDocs.V2));
        Assert.Equal(a, b);
        var text = Json.Str(a);
        Assert.DoesNotContain("\n", text, StringComparison.Ordinal);
        Assert.StartsWith("{\"format-version\":2,\"table-uuid\":\"9c12d441-03fe-4693-9a96-a0705ddf69c1\",\"location\":", text, StringComparison.Ordinal);
        // Properties are written in ordinal key order regardless of input order.
        Assert.Contains("\"properties\":{\"commit.retry.num-retries\":\"4\",\"write.format.default\":\"avro\"}", text, StringComparison.Ordinal);
        // The summary writes operation first.
        Assert.Contains("\"summary\":{\"operation\":\"append\",\"added-data-files\":\"4\",\"total-records\":\"100\"}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_ascii_and_special_characters_round_trip()
    {
        var node = JsonNode.Parse(GoldenDocs.V2)!.AsObject();
        node["properties"]!["comment"] = "naïve <b>&'\"\\ \u0001 日本 😀";
        var m = Json.ParseTable(node.ToJsonString());
        Assert.Equal("naïve <b>&'\"\\ \u0001 日本 😀", m.Properties["comment"]);
        var written = TableMetadataJson.Write(m);
        Assert.Equal("naïve <b>&'\"\\ \u0001 日本 😀", Json.ParseTable(Json.Str(written)).Properties["comment"]);
        Assert.Contains("日本", Json.Str(written), StringComparison.Ordinal);
    }

    [Fact]
    public void Referenced_snapshots_only_keeps_ref_targets_and_full_logs()
    {
        var m = Json.ParseTable(GoldenDocs.V2);
        var node = JsonNode.Parse(GoldenDocs.V2)!.AsObject();
        node["refs"]!.AsObject().Remove("test");
        var trimmed = Json.ParseTable(node.ToJsonString()).WithReferencedSnapshotsOnly();
        Assert.Equal([3055729675574597004L], trimmed.Snapshots.Select(s => s.SnapshotId));
        Assert.Equal(2, trimmed.SnapshotLog.Length);
        Assert.Same(m, m.WithReferencedSnapshotsOnly());
        Json.AssertCanonicalStable(trimmed);
    }

    public static TheoryData<string, string, string> InvalidDocuments => new()
    {
        { "format-version", "4", "Unsupported format version: v4 (supported: v3)" },
        { "format-version", "0", "Invalid format version: 0" },
        { "format-version", "\"2\"", "Cannot parse to an integer value: format-version: \"2\"" },
        { "last-column-id", "2147483648", "Cannot parse to an integer value: last-column-id: 2147483648" },
        { "last-updated-ms", "1e400", "Cannot parse to a long value: last-updated-ms: 1e400" },
        { "last-updated-ms", "99999999999999999999", "Cannot parse to a long value: last-updated-ms: 99999999999999999999" },
        { "table-uuid", "\"not-a-uuid\"", "Cannot parse to a UUID value: table-uuid: \"not-a-uuid\"" },
        { "current-schema-id", "7", "Invalid table metadata: cannot find current schema with id 7 in schemas" },
        { "default-spec-id", "7", "Invalid table metadata: cannot find default partition spec with id 7" },
        { "default-sort-order-id", "7", "Invalid table metadata: cannot find default sort order with id 7" },
        { "current-snapshot-id", "42", "Invalid table metadata: cannot find current snapshot 42" },
        { "properties", "{\"a\": 1}", "Cannot parse to a string value: properties.a: 1" },
        { "snapshots", "{}", "Cannot parse snapshots from non-array value: an object" },
        { "refs", "{\"b\": {\"snapshot-id\": 1, \"type\": \"branch\"}}", "Invalid table metadata: ref b points to unknown snapshot 1" },
        { "refs", "{\"b\": {\"snapshot-id\": 3055729675574597004, \"type\": \"twig\"}}", "Invalid snapshot ref type: twig" },
        { "location", "null", "Cannot parse missing string: location" },
    };

    [Theory]
    [MemberData(nameof(InvalidDocuments))]
    public void Invalid_documents_are_typed_400s(string field, string value, string message)
    {
        var node = JsonNode.Parse(GoldenDocs.V2)!.AsObject();
        node[field] = JsonNode.Parse(value);
        var error = Json.Fails(TableMetadataJson.Parse(Json.Utf8(node.ToJsonString())));
        Assert.Equal(400, error.Code);
        Assert.Equal("BadRequestException", error.Type);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Duplicate_ids_in_metadata_are_rejected()
    {
        var node = JsonNode.Parse(GoldenDocs.V2)!.AsObject();
        node["schemas"]![1]!["schema-id"] = 0;
        node["current-schema-id"] = 0;
        Assert.Equal("Invalid table metadata: duplicate schema id 0", Json.Fails(TableMetadataJson.Parse(Json.Utf8(node.ToJsonString()))).Message);

        node = JsonNode.Parse(GoldenDocs.V2)!.AsObject();
        node["snapshots"]![0]!["snapshot-id"] = 3055729675574597004;
        Assert.Equal("Invalid table metadata: duplicate snapshot id 3055729675574597004", Json.Fails(TableMetadataJson.Parse(Json.Utf8(node.ToJsonString()))).Message);
    }

    [Theory]
    [InlineData("table-uuid", "Cannot parse missing string: table-uuid")]
    [InlineData("last-column-id", "Cannot parse missing int: last-column-id")]
    [InlineData("schemas", "Cannot parse missing field: schemas")]
    [InlineData("partition-specs", "Cannot parse missing field: partition-specs")]
    [InlineData("sort-orders", "Cannot parse missing field: sort-orders")]
    [InlineData("format-version", "Cannot parse missing int: format-version")]
    public void Required_v2_fields_are_required(string field, string message)
    {
        var node = JsonNode.Parse(GoldenDocs.V2)!.AsObject();
        node.Remove(field);
        Assert.Equal(message, Json.Fails(TableMetadataJson.Parse(Json.Utf8(node.ToJsonString()))).Message);
    }

    [Fact]
    public void Non_object_and_empty_documents_fail_cleanly()
    {
        Assert.Equal("Cannot parse table metadata from non-object value: an array", Json.Fails(TableMetadataJson.Parse("[]")).Message);
        Assert.Equal(400, Json.Fails(TableMetadataJson.Parse(string.Empty)).Code);
        Assert.StartsWith("Invalid JSON", Json.Fails(TableMetadataJson.Parse("{\"format-version\": 2,}")).Message, StringComparison.Ordinal);
        Assert.StartsWith("Invalid JSON", Json.Fails(TableMetadataJson.Parse(GoldenDocs.V2 + " {}")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Utf8JsonWriter_overload_writes_the_same_bytes()
    {
        var m = Json.ParseTable(GoldenDocs.V3);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            TableMetadataJson.Write(writer, m);
        }

        Json.AssertSemanticallyEqual(Json.Str(TableMetadataJson.Write(m)), Json.Str(buffer.WrittenSpan.ToArray()));
    }
}

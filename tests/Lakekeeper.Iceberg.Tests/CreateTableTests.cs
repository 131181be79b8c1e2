namespace Lakekeeper.Iceberg.Tests;

public sealed class CreateTableTests
{
    private const string RequestJson = """
        {
          "name": "tbl",
          "location": "s3://bucket/wh/ns/tbl/",
          "schema": {"type": "struct", "schema-id": 5, "identifier-field-ids": [11], "fields": [
            {"id": 11, "name": "id", "required": true, "type": "long"},
            {"id": 12, "name": "data", "required": false, "type": "string"},
            {"id": 13, "name": "list_data", "required": false, "type": {"type": "list", "element-id": 20, "element": "string", "element-required": true}},
            {"id": 14, "name": "map_data", "required": false, "type": {"type": "map", "key-id": 21, "key": "string", "value-id": 22, "value": "int", "value-required": false}},
            {"id": 15, "name": "struct_data", "required": false, "type": {"type": "struct", "fields": [{"id": 23, "name": "v", "required": false, "type": "timestamp"}]}}]},
          "partition-spec": {"spec-id": 7, "fields": [
            {"name": "data_bucket", "transform": "bucket[16]", "source-id": 12, "field-id": 2000},
            {"name": "v_day", "transform": "day", "source-id": 23}]},
          "write-order": {"order-id": 4, "fields": [{"transform": "identity", "source-id": 11, "direction": "asc", "null-order": "nulls-first"}]},
          "stage-create": false,
          "properties": {"owner": "me", "format-version": "2", "current-snapshot-id": "5", "uuid": "x"}
        }
        """;

    private static CreateTableRequest Request(string json = RequestJson) => Json.Ok(RestRequestJson.ParseCreateTable(Json.Utf8(json)));

    [Fact]
    public void Create_assigns_fresh_ids_and_defaults()
    {
        var m = Json.Ok(TableCommitEngine.CreateTable(Request(), "s3://bucket/wh/ns/tbl/", Tables.Uuid, Tables.Now));
        Assert.Equal(2, m.FormatVersion);
        Assert.Equal(Tables.Uuid, m.TableUuid);
        Assert.Equal("s3://bucket/wh/ns/tbl", m.Location);
        Assert.Equal(0, m.CurrentSchemaId);
        var schema = m.CurrentSchema;
        Assert.Equal(0, schema.SchemaId);
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, schema.Fields.Select(f => f.Id));
        Assert.Equal(6, schema.FindField("list_data.element")!.Id);
        Assert.Equal(7, schema.FindField("map_data.key")!.Id);
        Assert.Equal(8, schema.FindField("map_data.value")!.Id);
        Assert.Equal(9, schema.FindField("struct_data.v")!.Id);
        Assert.Equal([1], schema.IdentifierFieldIds);
        Assert.Equal(9, m.LastColumnId);

        var spec = m.DefaultSpec;
        Assert.Equal(0, spec.SpecId);
        Assert.Equal([1000, 1001], spec.Fields.Select(f => f.FieldId));
        Assert.Equal([2, 9], spec.Fields.Select(f => f.SourceId));
        Assert.Equal(1001, m.LastPartitionId);

        Assert.Equal(1, m.DefaultSortOrderId);
        var order = Assert.Single(m.SortOrders);
        Assert.Equal(1, order.Fields[0].SourceId);

        Assert.Equal(StringMap.Of(("owner", "me")), m.Properties);
        Assert.Null(m.CurrentSnapshotId);
        Assert.Equal(0, m.LastSequenceNumber);
        Assert.Equal(Tables.Now, m.LastUpdatedMs);
        Assert.Empty(m.Snapshots);
        Assert.Empty(m.SnapshotLog);
        Assert.Empty(m.MetadataLog);
        Assert.Empty(m.Refs);
        Assert.Null(m.NextRowId);
        Json.AssertCanonicalStable(m);
    }

    [Fact]
    public void Unpartitioned_and_unsorted_create_uses_999_and_order_0()
    {
        var request = new CreateTableRequest { Name = "t", Schema = Tables.SimpleSchema() };
        var m = Json.Ok(TableCommitEngine.CreateTable(request, "s3://b/t", Tables.Uuid, Tables.Now));
        Assert.Equal(999, m.LastPartitionId);
        Assert.Empty(m.DefaultSpec.Fields);
        Assert.Equal(0, m.DefaultSortOrderId);
        Assert.True(Assert.Single(m.SortOrders).IsUnsorted);
        Assert.Equal(2, m.FormatVersion);
    }

    [Theory]
    [InlineData("1", 1, null)]
    [InlineData("3", 3, 0L)]
    public void The_format_version_property_selects_the_version(string value, int expected, long? nextRowId)
    {
        var request = new CreateTableRequest { Name = "t", Schema = Tables.SimpleSchema(), Properties = StringMap.Of(("format-version", value)) };
        var m = Json.Ok(TableCommitEngine.CreateTable(request, "s3://b/t", Tables.Uuid, Tables.Now));
        Assert.Equal(expected, m.FormatVersion);
        Assert.Equal(nextRowId, m.NextRowId);
        Assert.Empty(m.Properties);
    }

    [Theory]
    [InlineData("abc", "Invalid format version: abc")]
    [InlineData("4", "Unsupported format version: v4 (supported: v3)")]
    [InlineData("0", "Unsupported format version: v0 (supported: v3)")]
    public void Bad_format_versions_are_400(string value, string message)
    {
        var request = new CreateTableRequest { Name = "t", Schema = Tables.SimpleSchema(), Properties = StringMap.Of(("format-version", value)) };
        var error = Json.Fails(TableCommitEngine.CreateTable(request, "s3://b/t", Tables.Uuid, Tables.Now));
        Assert.Equal(400, error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Variant_in_a_v2_create_is_refused()
    {
        var request = new CreateTableRequest { Name = "t", Schema = new Schema(0, NestedField.Require(1, "id", PrimitiveType.Long), NestedField.Optional(2, "data", PrimitiveType.Variant)) };
        var error = Json.Fails(TableCommitEngine.CreateTable(request, "s3://b/t", Tables.Uuid, Tables.Now));
        Assert.Equal("Invalid schema for v2:\n- Invalid type for data: variant is not supported until v3", error.Message);
    }

    [Fact]
    public void Partition_sources_must_exist_in_the_request_schema()
    {
        var request = new CreateTableRequest
        {
            Name = "t",
            Schema = Tables.SimpleSchema(),
            PartitionSpec = new UnboundPartitionSpec(null, [new UnboundPartitionField(77, null, "p", Transform.Identity)]),
        };
        Assert.Equal("Cannot find source column for partition field: 77", Json.Fails(TableCommitEngine.CreateTable(request, "s3://b/t", Tables.Uuid, Tables.Now)).Message);
    }

    private static IReadOnlyList<TableUpdate> StagedCreateUpdates(int formatVersion = 2) =>
    [
        new TableUpdate.AssignUuid(Tables.Uuid),
        new TableUpdate.UpgradeFormatVersion(formatVersion),
        new TableUpdate.AddSchema(Tables.SimpleSchema(), 3),
        new TableUpdate.SetCurrentSchema(-1),
        new TableUpdate.AddPartitionSpec(new UnboundPartitionSpec(0, [new UnboundPartitionField(3, 1000, "ts_day", Transform.Day)])),
        new TableUpdate.SetDefaultSpec(-1),
        new TableUpdate.AddSortOrder(new UnboundSortOrder(1, [new SortField(Transform.Identity, 1, SortDirection.Asc, NullOrder.NullsFirst)])),
        new TableUpdate.SetDefaultSortOrder(-1),
        new TableUpdate.SetLocation("s3://bucket/wh/ns/staged"),
        new TableUpdate.SetProperties(StringMap.Of(("created-at", "2026-11-21T00:00:00Z"))),
        new TableUpdate.AddSnapshot(Tables.Snap(10, null, 1, Tables.Now - 50, formatVersion >= 3 ? 0 : null, formatVersion >= 3 ? 3 : null)),
        new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(10)),
    ];

    [Fact]
    public void Staged_create_applies_updates_to_empty_metadata()
    {
        var outcome = TableCommitEngine.Commit(null, null, [new TableRequirement.AssertCreate()], StagedCreateUpdates(), Tables.Now);
        var m = Tables.Changed(outcome);
        Assert.Equal(Tables.Uuid, m.TableUuid);
        Assert.Equal(2, m.FormatVersion);
        Assert.Equal(0, m.CurrentSchemaId);
        Assert.Equal(0, m.DefaultSpecId);
        Assert.Equal(1000, m.LastPartitionId);
        Assert.Equal(1, m.DefaultSortOrderId);
        Assert.Equal("s3://bucket/wh/ns/staged", m.Location);
        Assert.Equal(10, m.CurrentSnapshotId);
        Assert.Equal(1, m.LastSequenceNumber);
        Assert.Single(m.SnapshotLog);
        Assert.Empty(m.MetadataLog);
        Assert.Equal(Tables.Now, m.LastUpdatedMs);
        Json.AssertCanonicalStable(m);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Staged_create_can_choose_any_supported_version(int version)
    {
        var m = Tables.Changed(TableCommitEngine.Commit(null, null, [new TableRequirement.AssertCreate()], StagedCreateUpdates(version), Tables.Now));
        Assert.Equal(version, m.FormatVersion);
        Assert.Equal(version >= 3 ? 3 : null, m.NextRowId);
    }

    [Fact]
    public void Staged_create_defaults_what_the_updates_leave_out()
    {
        var updates = new TableUpdate[] { new TableUpdate.AddSchema(Tables.SimpleSchema()), new TableUpdate.SetCurrentSchema(-1) };
        var newUuid = Guid.Parse("11111111-2222-3333-4444-555555555555");
        var m = Tables.Changed(TableCommitEngine.Commit(null, null, [new TableRequirement.AssertCreate()], updates, Tables.Now, newUuid, "s3://default/loc"));
        Assert.Equal(newUuid, m.TableUuid);
        Assert.Equal("s3://default/loc", m.Location);
        Assert.Equal(2, m.FormatVersion);
        Assert.Equal(999, m.LastPartitionId);
        Assert.Equal(0, m.DefaultSortOrderId);

        var noLocation = Tables.Failed(TableCommitEngine.Commit(null, null, [new TableRequirement.AssertCreate()], updates, Tables.Now));
        Assert.Equal("Cannot create a table without a location: set-location is required", noLocation.Message);
        var noSchema = Tables.Failed(TableCommitEngine.Commit(null, null, [new TableRequirement.AssertCreate()], [new TableUpdate.SetLocation("s3://x")], Tables.Now));
        Assert.Equal("Cannot create a table without a schema: add-schema is required", noSchema.Message);
    }

    [Fact]
    public void Staged_create_against_an_existing_table_is_409()
    {
        var error = Tables.Failed(TableCommitEngine.Commit(Tables.Create(), Tables.MetadataLocation, [new TableRequirement.AssertCreate()], StagedCreateUpdates(), Tables.Now));
        Assert.Equal(409, error.Code);
        Assert.Equal("Requirement failed: table already exists", error.Message);
    }

    [Fact]
    public void Replace_transactions_keep_the_snapshot_log()
    {
        var m = Tables.Append(Tables.Append(Tables.Create(), 1, Tables.Now - 300), 2, Tables.Now - 200);
        var replacementSchema = new Schema(0, NestedField.Require(1, "id", PrimitiveType.Long), NestedField.Optional(4, "other", PrimitiveType.Double));
        var outcome = TableCommitEngine.Commit(
            m,
            Tables.MetadataLocation,
            [new TableRequirement.AssertTableUuid(Tables.Uuid.ToString()), new TableRequirement.AssertLastAssignedFieldId(3), new TableRequirement.AssertLastAssignedPartitionId(999)],
            [
                new TableUpdate.RemoveSnapshotRef("main"),
                new TableUpdate.AddSchema(replacementSchema),
                new TableUpdate.SetCurrentSchema(-1),
                new TableUpdate.AddPartitionSpec(new UnboundPartitionSpec(null, [new UnboundPartitionField(1, 1000, "id_bucket", Transform.Bucket(4))])),
                new TableUpdate.SetDefaultSpec(-1),
                new TableUpdate.AddSortOrder(UnboundSortOrder.Unsorted),
                new TableUpdate.SetDefaultSortOrder(0),
                new TableUpdate.SetLocation(Tables.BaseLocation),
                new TableUpdate.SetProperties(StringMap.Of(("replaced", "true"))),
                new TableUpdate.AddSnapshot(Tables.Snap(3, null, 3, Tables.Now - 10)),
                new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(3)),
            ],
            Tables.Now);
        var replaced = Tables.Changed(outcome);
        Assert.Equal([1L, 2L, 3L], replaced.SnapshotLog.Select(e => e.SnapshotId));
        Assert.Equal(3, replaced.CurrentSnapshotId);
        Assert.Equal(1, replaced.CurrentSchemaId);
        Assert.Equal(4, replaced.LastColumnId);
        Assert.Equal(1, replaced.DefaultSpecId);
        Assert.Equal(0, replaced.DefaultSortOrderId);
        Assert.Equal(3, replaced.Snapshots.Length);
        Assert.Equal(3, replaced.MetadataLog.Length);
    }
}

namespace Lakekeeper.Iceberg.Tests;

public sealed class RequirementTests
{
    private static readonly TableMetadata Base = Tables.Append(Tables.Create(), 1, Tables.Now - 5000);

    private static IcebergError Fail(TableRequirement requirement)
    {
        var error = Tables.Failed(Tables.Commit(Base, [requirement], new TableUpdate.SetProperties(StringMap.Of(("k", "v")))));
        Assert.Equal(409, error.Code);
        Assert.Equal("CommitFailedException", error.Type);
        return error;
    }

    private static void Pass(TableRequirement requirement) =>
        Tables.Changed(Tables.Commit(Base, [requirement], new TableUpdate.SetProperties(StringMap.Of(("k", "v")))));

    [Fact]
    public void Assert_create_fails_when_the_table_exists() =>
        Assert.Equal("Requirement failed: table already exists", Fail(new TableRequirement.AssertCreate()).Message);

    [Fact]
    public void Assert_create_cannot_be_mixed_with_other_requirements()
    {
        var error = Tables.Failed(TableCommitEngine.Commit(null, null, [new TableRequirement.AssertCreate(), new TableRequirement.AssertCurrentSchemaId(0)], [], Tables.Now));
        Assert.Equal(400, error.Code);
        Assert.Equal("BadRequestException", error.Type);
        Assert.StartsWith("Invalid create requirements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assert_table_uuid_reports_base_first()
    {
        Assert.Equal(
            "Requirement failed: UUID does not match: expected 9c12d441-03fe-4693-9a96-a0705ddf69c1 != 00000000-0000-0000-0000-000000000001",
            Fail(new TableRequirement.AssertTableUuid("00000000-0000-0000-0000-000000000001")).Message);
        Pass(new TableRequirement.AssertTableUuid("9C12D441-03FE-4693-9A96-A0705DDF69C1"));
    }

    [Fact]
    public void Assert_ref_snapshot_id_null_fails_when_the_ref_exists()
    {
        Assert.Equal("Requirement failed: branch main was created concurrently", Fail(new TableRequirement.AssertRefSnapshotId("main", null)).Message);
        Pass(new TableRequirement.AssertRefSnapshotId("other", null));
    }

    [Fact]
    public void Assert_ref_snapshot_id_reports_a_changed_ref()
    {
        Assert.Equal("Requirement failed: branch main has changed: expected id 5 != 1", Fail(new TableRequirement.AssertRefSnapshotId("main", 5)).Message);
        var tagged = Tables.Changed(Tables.Commit(Base, new TableUpdate.SetSnapshotRef("t", SnapshotRef.Tag(1))));
        var error = Tables.Failed(Tables.Commit(tagged, [new TableRequirement.AssertRefSnapshotId("t", 7)], new TableUpdate.RemoveSnapshotRef("t")));
        Assert.Equal("Requirement failed: tag t has changed: expected id 7 != 1", error.Message);
        Pass(new TableRequirement.AssertRefSnapshotId("main", 1));
    }

    [Fact]
    public void Assert_ref_snapshot_id_reports_a_missing_ref() =>
        Assert.Equal("Requirement failed: branch or tag dev is missing, expected 7", Fail(new TableRequirement.AssertRefSnapshotId("dev", 7)).Message);

    [Fact]
    public void Assert_last_assigned_field_id()
    {
        Assert.Equal("Requirement failed: last assigned field id changed: expected id 7 != 3", Fail(new TableRequirement.AssertLastAssignedFieldId(7)).Message);
        Pass(new TableRequirement.AssertLastAssignedFieldId(3));
    }

    [Fact]
    public void Assert_current_schema_id()
    {
        Assert.Equal("Requirement failed: current schema changed: expected id 1 != 0", Fail(new TableRequirement.AssertCurrentSchemaId(1)).Message);
        Pass(new TableRequirement.AssertCurrentSchemaId(0));
    }

    [Fact]
    public void Assert_last_assigned_partition_id()
    {
        Assert.Equal("Requirement failed: last assigned partition id changed: expected id 1000 != 999", Fail(new TableRequirement.AssertLastAssignedPartitionId(1000)).Message);
        Pass(new TableRequirement.AssertLastAssignedPartitionId(999));
    }

    [Fact]
    public void Assert_default_spec_id()
    {
        Assert.Equal("Requirement failed: default partition spec changed: expected id 1 != 0", Fail(new TableRequirement.AssertDefaultSpecId(1)).Message);
        Pass(new TableRequirement.AssertDefaultSpecId(0));
    }

    [Fact]
    public void Assert_default_sort_order_id()
    {
        Assert.Equal("Requirement failed: default sort order changed: expected id 1 != 0", Fail(new TableRequirement.AssertDefaultSortOrderId(1)).Message);
        Pass(new TableRequirement.AssertDefaultSortOrderId(0));
    }

    [Fact]
    public void A_failed_requirement_applies_nothing_even_after_passing_ones()
    {
        var outcome = Tables.Commit(Base, [new TableRequirement.AssertCurrentSchemaId(0), new TableRequirement.AssertDefaultSpecId(3)], new TableUpdate.SetLocation("s3://elsewhere"));
        Assert.Equal("Requirement failed: default partition spec changed: expected id 3 != 0", Tables.Failed(outcome).Message);
        Assert.Equal(Tables.BaseLocation, Base.Location);
        Assert.Null(outcome.MetadataOrDefault);
    }

    [Fact]
    public void Requirements_without_a_table_are_not_found()
    {
        var error = Tables.Failed(TableCommitEngine.Commit(null, null, [new TableRequirement.AssertCurrentSchemaId(0)], [], Tables.Now));
        Assert.Equal(404, error.Code);
        Assert.Equal("NoSuchTableException", error.Type);
    }

    [Fact]
    public void Requirement_parsing_treats_a_missing_snapshot_id_as_null()
    {
        var requirement = Json.Ok(RestRequestJson.ParseTableRequirement(Json.Utf8("""{"type":"assert-ref-snapshot-id","ref":"main"}""")));
        Assert.Equal(new TableRequirement.AssertRefSnapshotId("main", null), requirement);
        Assert.Equal("""{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}""", Json.Str(IcebergJsonWriter.Write(requirement)));
    }
}

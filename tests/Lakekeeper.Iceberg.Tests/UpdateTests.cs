using System.Collections.Immutable;

namespace Lakekeeper.Iceberg.Tests;

/// <summary>One or more tests per table update action, asserting exact ids and messages.</summary>
public sealed class UpdateTests
{
    private static readonly TableMetadata V2 = Tables.Create(2);

    private static Schema WithExtraColumn(int schemaId = 0) => new(
        schemaId,
        NestedField.Require(1, "id", PrimitiveType.Long),
        NestedField.Optional(2, "data", PrimitiveType.String),
        NestedField.Optional(3, "ts", PrimitiveType.TimestampTz),
        NestedField.Optional(4, "extra", PrimitiveType.Int));

    private static void AssertUnchanged(CommitOutcome<TableMetadata> outcome, TableMetadata current)
    {
        var unchanged = Assert.IsType<CommitOutcome<TableMetadata>.Unchanged>(outcome, exactMatch: true);
        Assert.Same(current, unchanged.Metadata);
    }

    private static IcebergError Bad(CommitOutcome<TableMetadata> outcome, string message, string type = "IllegalArgumentException")
    {
        var error = Tables.Failed(outcome);
        Assert.Equal(400, error.Code);
        Assert.Equal(type, error.Type);
        Assert.Equal(message, error.Message);
        return error;
    }

    // assign-uuid

    [Fact]
    public void Assign_uuid_same_is_a_no_op_and_a_different_one_is_refused()
    {
        AssertUnchanged(Tables.Commit(V2, new TableUpdate.AssignUuid(Tables.Uuid)), V2);
        Bad(Tables.Commit(V2, new TableUpdate.AssignUuid(Guid.Parse("00000000-0000-0000-0000-000000000002"))),
            "Cannot reassign uuid: table uuid is 9c12d441-03fe-4693-9a96-a0705ddf69c1");
    }

    // upgrade-format-version

    [Fact]
    public void Upgrade_to_v3_starts_row_lineage_at_zero()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.UpgradeFormatVersion(3)));
        Assert.Equal(3, m.FormatVersion);
        Assert.Equal(0, m.NextRowId);
        Assert.Null(V2.NextRowId);
    }

    [Fact]
    public void Upgrade_v1_to_v2_and_equal_version_is_a_no_op()
    {
        var v1 = Tables.Create(1);
        var v2 = Tables.Changed(Tables.Commit(v1, new TableUpdate.UpgradeFormatVersion(2)));
        Assert.Equal(2, v2.FormatVersion);
        Assert.Null(v2.NextRowId);
        AssertUnchanged(Tables.Commit(v2, new TableUpdate.UpgradeFormatVersion(2)), v2);
    }

    [Fact]
    public void Downgrade_and_unsupported_versions_are_refused()
    {
        var v3 = Tables.Create(3);
        Bad(Tables.Commit(v3, new TableUpdate.UpgradeFormatVersion(2)), "Cannot downgrade v3 table to v2");
        Bad(Tables.Commit(v3, new TableUpdate.UpgradeFormatVersion(4)), "Cannot upgrade table to unsupported format version: v4 (supported: v3)");
    }

    // add-schema

    [Fact]
    public void Add_schema_assigns_the_next_id_and_raises_last_column_id()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSchema(WithExtraColumn(17))));
        Assert.Equal([0, 1], m.Schemas.Select(s => s.SchemaId));
        Assert.Equal(4, m.LastColumnId);
        Assert.Equal(0, m.CurrentSchemaId);
    }

    [Fact]
    public void Adding_an_identical_schema_reuses_its_id_and_changes_nothing()
    {
        AssertUnchanged(Tables.Commit(V2, new TableUpdate.AddSchema(Tables.SimpleSchema(5))), V2);
        Bad(Tables.Commit(V2, new TableUpdate.AddSchema(Tables.SimpleSchema(5)), new TableUpdate.SetCurrentSchema(-1)),
            "Cannot set last added schema: no schema has been added");
    }

    [Fact]
    public void A_schema_added_twice_in_one_request_stays_last_added()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSchema(WithExtraColumn()), new TableUpdate.AddSchema(WithExtraColumn()), new TableUpdate.SetCurrentSchema(-1)));
        Assert.Equal(1, m.CurrentSchemaId);
        Assert.Equal(2, m.Schemas.Length);
    }

    [Fact]
    public void Last_column_id_never_decreases()
    {
        var narrow = new Schema(0, NestedField.Require(1, "id", PrimitiveType.Long));
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSchema(narrow), new TableUpdate.SetCurrentSchema(-1)));
        Assert.Equal(3, m.LastColumnId);
        Assert.Equal(1, m.CurrentSchemaId);
        Bad(Tables.Commit(V2, new TableUpdate.AddSchema(narrow, LastColumnId: 2)), "Invalid last column ID: 2 < 3 (previous last column ID)");
        var raised = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSchema(narrow, LastColumnId: 10)));
        Assert.Equal(10, raised.LastColumnId);
    }

    [Fact]
    public void Add_schema_with_a_v3_type_in_v2_is_refused_with_the_reference_message()
    {
        var schema = new Schema(0, NestedField.Require(1, "id", PrimitiveType.Long), NestedField.Optional(2, "data", PrimitiveType.Variant));
        var error = Bad(Tables.Commit(V2, new TableUpdate.AddSchema(schema)), "Invalid schema for v2:\n- Invalid type for data: variant is not supported until v3");
        Assert.Contains("variant is not supported until v3", error.Message, StringComparison.Ordinal);
        Tables.Changed(Tables.Commit(Tables.Create(3), new TableUpdate.AddSchema(schema)));
    }

    // set-current-schema

    [Fact]
    public void Set_current_schema_by_id_last_added_and_unknown()
    {
        var added = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSchema(WithExtraColumn())));
        var m = Tables.Changed(Tables.Commit(added, new TableUpdate.SetCurrentSchema(1)));
        Assert.Equal(1, m.CurrentSchemaId);
        AssertUnchanged(Tables.Commit(m, new TableUpdate.SetCurrentSchema(1)), m);
        Bad(Tables.Commit(V2, new TableUpdate.SetCurrentSchema(9)), "Cannot set current schema to unknown schema: 9");
        Bad(Tables.Commit(V2, new TableUpdate.SetCurrentSchema(-1)), "Cannot set last added schema: no schema has been added");
    }

    [Fact]
    public void Set_current_schema_rebinds_specs_and_orders_without_validating_old_ones()
    {
        var partitioned = Tables.Create(2, new UnboundPartitionSpec(null, [new UnboundPartitionField(3, null, "ts_day", Transform.Day)]));
        var withoutTs = new Schema(0, NestedField.Require(1, "id", PrimitiveType.Long), NestedField.Optional(2, "data", PrimitiveType.String));
        var m = Tables.Changed(Tables.Commit(partitioned, new TableUpdate.AddSchema(withoutTs), new TableUpdate.SetCurrentSchema(-1)));
        Assert.Equal(1, m.CurrentSchemaId);
        Assert.Equal(3, m.DefaultSpec.Fields[0].SourceId);

        // New specs and orders bind to the new current schema.
        Bad(Tables.Commit(m, new TableUpdate.AddPartitionSpec(new UnboundPartitionSpec(null, [new UnboundPartitionField(3, null, "ts_hour", Transform.Hour)]))),
            "Cannot find source column for partition field: 3");
        Bad(Tables.Commit(m, new TableUpdate.AddSortOrder(new UnboundSortOrder(null, [new SortField(Transform.Identity, 3, SortDirection.Asc, NullOrder.NullsFirst)]))),
            "Cannot find source column for sort field: 3");
    }

    // add-spec

    [Fact]
    public void Add_spec_numbers_fields_from_1000_and_raises_last_partition_id()
    {
        var spec = new UnboundPartitionSpec(null, [new UnboundPartitionField(1, null, "id_bucket", Transform.Bucket(16)), new UnboundPartitionField(3, null, "ts_day", Transform.Day)]);
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddPartitionSpec(spec), new TableUpdate.SetDefaultSpec(-1)));
        Assert.Equal(1, m.DefaultSpecId);
        Assert.Equal([1000, 1001], m.DefaultSpec.Fields.Select(f => f.FieldId));
        Assert.Equal(1001, m.LastPartitionId);

        // Re-adding a compatible spec reuses its id; then the unpartitioned spec 0 is still there.
        AssertUnchanged(Tables.Commit(m, new TableUpdate.AddPartitionSpec(spec)), m);
        var reverted = Tables.Changed(Tables.Commit(m, new TableUpdate.AddPartitionSpec(UnboundPartitionSpec.Unpartitioned), new TableUpdate.SetDefaultSpec(0)));
        Assert.Equal(0, reverted.DefaultSpecId);
        Assert.Equal(2, reverted.PartitionSpecs.Length);
        Assert.Equal(1001, reverted.LastPartitionId);
    }

    [Fact]
    public void Add_spec_keeps_explicit_field_ids()
    {
        var spec = new UnboundPartitionSpec(7, [new UnboundPartitionField(1, 1004, "id", Transform.Identity)]);
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddPartitionSpec(spec)));
        Assert.Equal(1, m.PartitionSpecs[1].SpecId);
        Assert.Equal(1004, m.PartitionSpecs[1].Fields[0].FieldId);
        Assert.Equal(1004, m.LastPartitionId);
        Assert.Equal(0, m.DefaultSpecId);
    }

    [Fact]
    public void V1_specs_need_sequential_field_ids()
    {
        var v1 = Tables.Create(1);
        var spec = new UnboundPartitionSpec(null, [new UnboundPartitionField(1, 1001, "id", Transform.Identity)]);
        Bad(Tables.Commit(v1, new TableUpdate.AddPartitionSpec(spec)),
            "Spec does not use sequential IDs that are required in v1: spec 0 [1001: id: identity(1)]", "ValidationException");
        Tables.Changed(Tables.Commit(v1, new TableUpdate.AddPartitionSpec(new UnboundPartitionSpec(null, [new UnboundPartitionField(1, null, "id", Transform.Identity)]))));
    }

    [Fact]
    public void Add_spec_validates_transforms_against_the_current_schema() =>
        Bad(Tables.Commit(V2, new TableUpdate.AddPartitionSpec(new UnboundPartitionSpec(null, [new UnboundPartitionField(2, null, "d", Transform.Day)]))),
            "Invalid source type string for transform: day");

    // set-default-spec

    [Fact]
    public void Set_default_spec_errors()
    {
        Bad(Tables.Commit(V2, new TableUpdate.SetDefaultSpec(-1)), "Cannot set last added spec: no spec has been added");
        Bad(Tables.Commit(V2, new TableUpdate.SetDefaultSpec(5)), "Cannot set default partition spec to unknown spec: 5");
        AssertUnchanged(Tables.Commit(V2, new TableUpdate.SetDefaultSpec(0)), V2);
    }

    // add-sort-order

    [Fact]
    public void Add_sort_order_uses_id_1_reuses_identical_orders_and_keeps_0_for_unsorted()
    {
        var order = new UnboundSortOrder(null, [new SortField(Transform.Identity, 2, SortDirection.Asc, NullOrder.NullsFirst)]);
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSortOrder(order), new TableUpdate.SetDefaultSortOrder(-1)));
        Assert.Equal(1, m.DefaultSortOrderId);
        Assert.Equal([0, 1], m.SortOrders.Select(o => o.OrderId));
        AssertUnchanged(Tables.Commit(m, new TableUpdate.AddSortOrder(order)), m);
        var second = Tables.Changed(Tables.Commit(m, new TableUpdate.AddSortOrder(new UnboundSortOrder(null, [new SortField(Transform.Identity, 1, SortDirection.Desc, NullOrder.NullsLast)]))));
        Assert.Equal(2, second.SortOrders[^1].OrderId);
        var unsorted = Tables.Changed(Tables.Commit(m, new TableUpdate.AddSortOrder(UnboundSortOrder.Unsorted), new TableUpdate.SetDefaultSortOrder(0)));
        Assert.Equal(0, unsorted.DefaultSortOrderId);
        Assert.Equal(2, unsorted.SortOrders.Length);
    }

    [Fact]
    public void Add_sort_order_validates_sources_and_transforms()
    {
        Bad(Tables.Commit(V2, new TableUpdate.AddSortOrder(new UnboundSortOrder(null, [new SortField(Transform.Identity, 9, SortDirection.Asc, NullOrder.NullsFirst)]))),
            "Cannot find source column for sort field: 9");
        Bad(Tables.Commit(V2, new TableUpdate.AddSortOrder(new UnboundSortOrder(null, [new SortField(Transform.Day, 2, SortDirection.Asc, NullOrder.NullsFirst)]))),
            "Invalid source type string for transform: day");
    }

    // set-default-sort-order

    [Fact]
    public void Set_default_sort_order_errors()
    {
        Bad(Tables.Commit(V2, new TableUpdate.SetDefaultSortOrder(-1)), "Cannot set last added sort order: no sort order has been added");
        Bad(Tables.Commit(V2, new TableUpdate.SetDefaultSortOrder(7)), "Cannot set default sort order to unknown sort order: 7");
    }

    // add-snapshot

    [Fact]
    public void Add_snapshot_sets_last_sequence_number_but_moves_no_ref()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSnapshot(Tables.Snap(1, null, 1, Tables.Now - 100))));
        Assert.Equal(1, m.LastSequenceNumber);
        Assert.Null(m.CurrentSnapshotId);
        Assert.Empty(m.Refs);
        Assert.Empty(m.SnapshotLog);
        Assert.Single(m.Snapshots);
    }

    [Fact]
    public void Add_snapshot_refuses_duplicate_ids()
    {
        var m = Tables.Append(V2, 1, Tables.Now - 100);
        Bad(Tables.Commit(m, new TableUpdate.AddSnapshot(Tables.Snap(1, 1, 2, Tables.Now))), "Snapshot already exists for id: 1", "ValidationException");
    }

    [Fact]
    public void A_stale_sequence_number_is_a_retryable_409()
    {
        var m = Tables.Append(Tables.Append(V2, 1, Tables.Now - 200), 2, Tables.Now - 100);
        Assert.Equal(2, m.LastSequenceNumber);
        var error = Tables.Failed(Tables.Commit(m, new TableUpdate.AddSnapshot(Tables.Snap(3, 2, 2, Tables.Now))));
        Assert.Equal(409, error.Code);
        Assert.Equal("CommitFailedException", error.Type);
        Assert.Contains("Validation failed, please retry", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Cannot add snapshot with sequence number 2 older than last sequence number 2", error.Message, StringComparison.Ordinal);

        // Without a parent (replace) an older sequence number is accepted; last-sequence-number never goes back.
        var replaced = Tables.Changed(Tables.Commit(m, new TableUpdate.AddSnapshot(Tables.Snap(3, null, 1, Tables.Now))));
        Assert.Equal(2, replaced.LastSequenceNumber);
    }

    [Fact]
    public void V3_snapshots_need_first_row_id_and_advance_next_row_id()
    {
        var v3 = Tables.Create(3);
        Bad(Tables.Commit(v3, new TableUpdate.AddSnapshot(Tables.Snap(1, null, 1, Tables.Now, firstRowId: null, addedRows: 5))),
            "Cannot add a snapshot: first-row-id is null", "ValidationException");
        var m = Tables.Changed(Tables.Commit(v3, new TableUpdate.AddSnapshot(Tables.Snap(1, null, 1, Tables.Now, firstRowId: 0, addedRows: 5))));
        Assert.Equal(5, m.NextRowId);
        var error = Tables.Failed(Tables.Commit(m, new TableUpdate.AddSnapshot(Tables.Snap(2, 1, 2, Tables.Now, firstRowId: 4, addedRows: 5))));
        Assert.Equal(409, error.Code);
        Assert.Equal("Cannot add a snapshot, first-row-id is behind table next-row-id: 4 < 5. Validation failed, please retry", error.Message);
        var next = Tables.Changed(Tables.Commit(m, new TableUpdate.AddSnapshot(Tables.Snap(2, 1, 2, Tables.Now, firstRowId: 5, addedRows: 7))));
        Assert.Equal(12, next.NextRowId);
    }

    [Fact]
    public void V1_snapshots_have_sequence_number_zero()
    {
        var m = Tables.Changed(Tables.Commit(Tables.Create(1), new TableUpdate.AddSnapshot(Tables.Snap(1, null, 9, Tables.Now))));
        Assert.Equal(0, m.Snapshots[0].SequenceNumber);
        Assert.Equal(0, m.LastSequenceNumber);
        Json.AssertCanonicalStable(m);
    }

    // set-snapshot-ref

    [Fact]
    public void Setting_main_to_a_snapshot_added_in_the_commit_logs_its_timestamp()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSnapshot(Tables.Snap(1, null, 1, Tables.Now - 300)), new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(1))));
        Assert.Equal(1, m.CurrentSnapshotId);
        Assert.Equal(new SnapshotLogEntry(Tables.Now - 300, 1), Assert.Single(m.SnapshotLog));
        Assert.Equal(SnapshotRef.Branch(1), m.Refs["main"]);
    }

    [Fact]
    public void Setting_main_to_an_existing_snapshot_logs_the_commit_time()
    {
        var m = Tables.Append(Tables.Append(V2, 1, Tables.Now - 300), 2, Tables.Now - 200);
        var rolledBack = Tables.Changed(Tables.Commit(m, new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(1))));
        Assert.Equal(1, rolledBack.CurrentSnapshotId);
        Assert.Equal(new SnapshotLogEntry(Tables.Now, 1), rolledBack.SnapshotLog[^1]);
        Assert.Equal(3, rolledBack.SnapshotLog.Length);
        AssertUnchanged(Tables.Commit(rolledBack, new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(1))), rolledBack);
    }

    [Fact]
    public void Set_snapshot_ref_errors()
    {
        var m = Tables.Append(V2, 1, Tables.Now - 300);
        Bad(Tables.Commit(m, new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(99))), "Cannot set main to unknown snapshot: 99", "ValidationException");
        Bad(Tables.Commit(m, new TableUpdate.SetSnapshotRef("main", SnapshotRef.Tag(1))), "Cannot set main to a tag: main must be a branch");
        Bad(Tables.Commit(m, new TableUpdate.SetSnapshotRef("t", new SnapshotRef(1, SnapshotRefType.Tag, MinSnapshotsToKeep: 2))), "Tags do not support setting minSnapshotsToKeep");
        Bad(Tables.Commit(m, new TableUpdate.SetSnapshotRef("b", new SnapshotRef(1, SnapshotRefType.Branch, MaxRefAgeMs: 0))), "Max reference age must be greater than 0");
    }

    [Fact]
    public void Tags_and_branches_other_than_main_do_not_touch_the_log()
    {
        var m = Tables.Append(V2, 1, Tables.Now - 300);
        var tagged = Tables.Changed(Tables.Commit(m, new TableUpdate.SetSnapshotRef("v1.0", SnapshotRef.Tag(1)), new TableUpdate.SetSnapshotRef("dev", new SnapshotRef(1, SnapshotRefType.Branch, 1000, 2000, 3))));
        Assert.Equal(m.SnapshotLog, tagged.SnapshotLog);
        Assert.Equal(3, tagged.Refs.Count);
        Assert.Equal(3, tagged.Refs["dev"].MinSnapshotsToKeep);
    }

    [Fact]
    public void Only_the_final_main_move_of_a_commit_is_logged()
    {
        var m = Tables.Append(V2, 1, Tables.Now - 300);
        var result = Tables.Changed(Tables.Commit(
            m,
            new TableUpdate.AddSnapshot(Tables.Snap(2, 1, 2, Tables.Now - 200)),
            new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(2)),
            new TableUpdate.AddSnapshot(Tables.Snap(3, 2, 3, Tables.Now - 100)),
            new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(3))));
        Assert.Equal([1L, 3L], result.SnapshotLog.Select(e => e.SnapshotId));
        Assert.Equal(3, result.CurrentSnapshotId);
        Assert.Equal(3, result.LastSequenceNumber);
    }

    // remove-snapshots

    [Fact]
    public void Remove_snapshots_drops_stats_dangling_refs_and_earlier_log_entries()
    {
        var m = Tables.Append(Tables.Append(Tables.Append(V2, 1, Tables.Now - 300), 2, Tables.Now - 200), 3, Tables.Now - 100);
        m = Tables.Changed(Tables.Commit(
            m,
            new TableUpdate.SetSnapshotRef("t2", SnapshotRef.Tag(2)),
            new TableUpdate.SetStatistics(new StatisticsFile(2, "s3://s/2.puffin", 10, 5, [])),
            new TableUpdate.SetStatistics(new StatisticsFile(3, "s3://s/3.puffin", 10, 5, [])),
            new TableUpdate.SetPartitionStatistics(new PartitionStatisticsFile(2, "s3://s/p2.parquet", 10))));
        var result = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveSnapshots([2, 404])));
        Assert.Equal([1L, 3L], result.Snapshots.Select(s => s.SnapshotId));
        Assert.False(result.Refs.ContainsKey("t2"));
        Assert.Equal([3L], result.Statistics.Select(s => s.SnapshotId));
        Assert.Empty(result.PartitionStatistics);
        Assert.Equal([3L], result.SnapshotLog.Select(e => e.SnapshotId));
        Assert.Equal(3, result.CurrentSnapshotId);
    }

    [Fact]
    public void Removing_the_current_snapshot_drops_main()
    {
        var m = Tables.Append(Tables.Append(V2, 1, Tables.Now - 300), 2, Tables.Now - 200);
        var result = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveSnapshots([2])));
        Assert.Null(result.CurrentSnapshotId);
        Assert.False(result.Refs.ContainsKey("main"));
        Assert.Empty(result.SnapshotLog);
        AssertUnchanged(Tables.Commit(result, new TableUpdate.RemoveSnapshots([2, 7])), result);
    }

    // remove-snapshot-ref

    [Fact]
    public void Remove_snapshot_ref_for_tags_and_main()
    {
        var m = Tables.Changed(Tables.Commit(Tables.Append(V2, 1, Tables.Now - 300), new TableUpdate.SetSnapshotRef("t", SnapshotRef.Tag(1))));
        var noTag = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveSnapshotRef("t")));
        Assert.False(noTag.Refs.ContainsKey("t"));
        Assert.Equal(1, noTag.CurrentSnapshotId);
        var noMain = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveSnapshotRef("main")));
        Assert.Null(noMain.CurrentSnapshotId);
        Assert.Single(noMain.Snapshots);
        Assert.Single(noMain.SnapshotLog);
        AssertUnchanged(Tables.Commit(noMain, new TableUpdate.RemoveSnapshotRef("absent")), noMain);
    }

    // set-location

    [Fact]
    public void Set_location()
    {
        Assert.Equal("s3://new/place", Tables.Changed(Tables.Commit(V2, new TableUpdate.SetLocation("s3://new/place"))).Location);
        AssertUnchanged(Tables.Commit(V2, new TableUpdate.SetLocation(Tables.BaseLocation)), V2);
    }

    // set-properties / remove-properties

    [Fact]
    public void Set_properties_merges_and_never_persists_reserved_keys()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.SetProperties(StringMap.Of(("a", "1"), ("format-version", "3"), ("uuid", "x")))));
        Assert.Equal(StringMap.Of(("a", "1")), m.Properties);
        Assert.Equal(2, m.FormatVersion);
        AssertUnchanged(Tables.Commit(m, new TableUpdate.SetProperties(StringMap.Of(("a", "1")))), m);
        AssertUnchanged(Tables.Commit(m, new TableUpdate.SetProperties(StringMap.Empty)), m);
    }

    [Fact]
    public void Remove_properties_ignores_missing_keys()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.SetProperties(StringMap.Of(("a", "1"), ("b", "2")))));
        var removed = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveProperties(["a", "zz"])));
        Assert.Equal(StringMap.Of(("b", "2")), removed.Properties);
        AssertUnchanged(Tables.Commit(removed, new TableUpdate.RemoveProperties(["zz"])), removed);
    }

    // statistics

    [Fact]
    public void Set_statistics_keeps_one_file_per_snapshot()
    {
        var m = Tables.Append(V2, 1, Tables.Now - 300);
        var first = new StatisticsFile(1, "s3://s/a.puffin", 10, 5, [new BlobMetadata("ndv", 1, 1, [1])]);
        var second = new StatisticsFile(1, "s3://s/b.puffin", 20, 6, []);
        var a = Tables.Changed(Tables.Commit(m, new TableUpdate.SetStatistics(first)));
        AssertUnchanged(Tables.Commit(a, new TableUpdate.SetStatistics(first)), a);
        var b = Tables.Changed(Tables.Commit(a, new TableUpdate.SetStatistics(second, SnapshotId: 1)));
        Assert.Equal(second, Assert.Single(b.Statistics));
        var c = Tables.Changed(Tables.Commit(b, new TableUpdate.RemoveStatistics(1)));
        Assert.Empty(c.Statistics);
        AssertUnchanged(Tables.Commit(c, new TableUpdate.RemoveStatistics(1)), c);
    }

    [Fact]
    public void Set_and_remove_partition_statistics()
    {
        var m = Tables.Append(V2, 1, Tables.Now - 300);
        var a = Tables.Changed(Tables.Commit(m, new TableUpdate.SetPartitionStatistics(new PartitionStatisticsFile(1, "s3://s/p.parquet", 4))));
        var b = Tables.Changed(Tables.Commit(a, new TableUpdate.SetPartitionStatistics(new PartitionStatisticsFile(1, "s3://s/q.parquet", 8))));
        Assert.Equal("s3://s/q.parquet", Assert.Single(b.PartitionStatistics).StatisticsPath);
        var c = Tables.Changed(Tables.Commit(b, new TableUpdate.RemovePartitionStatistics(1)));
        Assert.Empty(c.PartitionStatistics);
        AssertUnchanged(Tables.Commit(c, new TableUpdate.RemovePartitionStatistics(1)), c);
    }

    [Fact]
    public void Remove_statistics_removes_only_that_snapshot()
    {
        var m = Tables.Append(Tables.Append(V2, 1, Tables.Now - 300), 2, Tables.Now - 200);
        m = Tables.Changed(Tables.Commit(m, new TableUpdate.SetStatistics(new StatisticsFile(1, "s3://s/1", 1, 1, [])), new TableUpdate.SetStatistics(new StatisticsFile(2, "s3://s/2", 1, 1, []))));
        var removed = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveStatistics(1)));
        Assert.Equal([2L], removed.Statistics.Select(s => s.SnapshotId));
        AssertUnchanged(Tables.Commit(removed, new TableUpdate.RemoveStatistics(42)), removed);
    }

    [Fact]
    public void Remove_partition_statistics_removes_only_that_snapshot()
    {
        var m = Tables.Append(Tables.Append(V2, 1, Tables.Now - 300), 2, Tables.Now - 200);
        m = Tables.Changed(Tables.Commit(m, new TableUpdate.SetPartitionStatistics(new PartitionStatisticsFile(1, "s3://p/1", 1)), new TableUpdate.SetPartitionStatistics(new PartitionStatisticsFile(2, "s3://p/2", 1))));
        var removed = Tables.Changed(Tables.Commit(m, new TableUpdate.RemovePartitionStatistics(2)));
        Assert.Equal([1L], removed.PartitionStatistics.Select(s => s.SnapshotId));
        AssertUnchanged(Tables.Commit(removed, new TableUpdate.RemovePartitionStatistics(2)), removed);
    }

    [Fact]
    public void Remove_encryption_key_removes_only_that_key()
    {
        var m = Tables.Changed(Tables.Commit(Tables.Create(3), new TableUpdate.AddEncryptionKey(new EncryptedKey("a", "AAAA")), new TableUpdate.AddEncryptionKey(new EncryptedKey("b", "BBBB"))));
        var removed = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveEncryptionKey("a")));
        Assert.Equal(["b"], removed.EncryptionKeys.Select(k => k.KeyId));
        AssertUnchanged(Tables.Commit(removed, new TableUpdate.RemoveEncryptionKey("zz")), removed);
    }

    [Fact]
    public void Assign_uuid_sets_the_uuid_of_a_new_table()
    {
        var uuid = Guid.Parse("12345678-1234-1234-1234-123456789abc");
        var m = Tables.Changed(TableCommitEngine.Commit(null, null, [new TableRequirement.AssertCreate()], [new TableUpdate.AssignUuid(uuid), new TableUpdate.AddSchema(Tables.SimpleSchema()), new TableUpdate.SetLocation("s3://n")], Tables.Now));
        Assert.Equal(uuid, m.TableUuid);
        Assert.Equal(0, m.CurrentSchemaId);
    }

    // remove-partition-specs / remove-schemas

    [Fact]
    public void Remove_partition_specs_refuses_the_default()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddPartitionSpec(new UnboundPartitionSpec(null, [new UnboundPartitionField(1, null, "id", Transform.Identity)]))));
        Bad(Tables.Commit(m, new TableUpdate.RemovePartitionSpecs([0])), "Cannot remove the default partition spec");
        var removed = Tables.Changed(Tables.Commit(m, new TableUpdate.RemovePartitionSpecs([1, 42])));
        Assert.Equal([0], removed.PartitionSpecs.Select(s => s.SpecId));
        Assert.Equal(1000, removed.LastPartitionId);
        AssertUnchanged(Tables.Commit(removed, new TableUpdate.RemovePartitionSpecs([42])), removed);
    }

    [Fact]
    public void Remove_schemas_refuses_the_current_schema()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.AddSchema(WithExtraColumn()), new TableUpdate.SetCurrentSchema(-1)));
        Bad(Tables.Commit(m, new TableUpdate.RemoveSchemas([1])), "Cannot remove current schema: 1");
        var removed = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveSchemas([0])));
        Assert.Equal([1], removed.Schemas.Select(s => s.SchemaId));
        Assert.Equal(4, removed.LastColumnId);
    }

    // encryption keys

    [Fact]
    public void Add_and_remove_encryption_keys()
    {
        var v3 = Tables.Create(3);
        var key = new EncryptedKey("k1", "AAECAw==", "kms", StringMap.Of(("p", "q")));
        var m = Tables.Changed(Tables.Commit(v3, new TableUpdate.AddEncryptionKey(key)));
        Assert.Equal(key, Assert.Single(m.EncryptionKeys));
        AssertUnchanged(Tables.Commit(m, new TableUpdate.AddEncryptionKey(key with { EncryptedKeyMetadata = "BBBB" })), m);
        var removed = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveEncryptionKey("k1")));
        Assert.Empty(removed.EncryptionKeys);
        AssertUnchanged(Tables.Commit(removed, new TableUpdate.RemoveEncryptionKey("k1")), removed);
        Json.AssertCanonicalStable(m);
    }

    // commit-wide behaviour

    [Fact]
    public void A_commit_appends_the_previous_file_to_the_metadata_log()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.SetProperties(StringMap.Of(("a", "1")))));
        Assert.Equal(new MetadataLogEntry(V2.LastUpdatedMs, Tables.MetadataLocation), Assert.Single(m.MetadataLog));
        Assert.Equal(Tables.Now, m.LastUpdatedMs);
    }

    [Fact]
    public void The_metadata_log_is_trimmed_to_previous_versions_max()
    {
        var m = Tables.Changed(Tables.Commit(V2, new TableUpdate.SetProperties(StringMap.Of(("write.metadata.previous-versions-max", "2")))));
        for (var i = 0; i < 5; i++)
        {
            m = Tables.Changed(TableCommitEngine.Commit(m, $"s3://m/{i}.metadata.json", [], [new TableUpdate.SetProperties(StringMap.Of(("i", i.ToString(System.Globalization.CultureInfo.InvariantCulture))))], Tables.Now + i));
        }

        Assert.Equal(["s3://m/3.metadata.json", "s3://m/4.metadata.json"], m.MetadataLog.Select(e => e.MetadataFile));
    }

    [Fact]
    public void Last_updated_ms_never_goes_backwards()
    {
        var m = Tables.Changed(TableCommitEngine.Commit(V2, Tables.MetadataLocation, [], [new TableUpdate.SetLocation("s3://x")], V2.LastUpdatedMs - 50_000));
        Assert.Equal(V2.LastUpdatedMs, m.LastUpdatedMs);
        var future = Tables.Changed(TableCommitEngine.Commit(V2, null, [], [new TableUpdate.AddSnapshot(Tables.Snap(1, null, 1, Tables.Now + 999)), new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(1))], Tables.Now));
        Assert.Equal(Tables.Now + 999, future.LastUpdatedMs);
        Assert.Empty(future.MetadataLog);
    }

    [Fact]
    public void A_commit_that_changes_nothing_is_unchanged()
    {
        AssertUnchanged(Tables.Commit(V2), V2);
        AssertUnchanged(Tables.Commit(V2, new TableUpdate.SetLocation(Tables.BaseLocation), new TableUpdate.SetDefaultSpec(0), new TableUpdate.RemoveProperties(["nope"])), V2);
    }

    [Fact]
    public void Committed_metadata_round_trips_canonically()
    {
        var m = Tables.Append(Tables.Append(Tables.Create(3), 1, Tables.Now - 100), 2, Tables.Now);
        Json.AssertCanonicalStable(m);
        Assert.Equal(20, m.NextRowId);
        Assert.Equal(ImmutableArray.Create(1L, 2L), m.Snapshots.Select(s => s.SnapshotId).ToImmutableArray());
    }
}

using System.Collections.Immutable;
using System.Globalization;

namespace Lakekeeper.Iceberg.Tests;

/// <summary>Behaviour on a large table (10,000 snapshots, 200 columns) as in the benchmarks.</summary>
public sealed class LargeTableTests
{
    private static TableMetadata Large(int snapshots)
    {
        var fields = Enumerable.Range(1, 200).Select(i => NestedField.Optional(i, "c" + i.ToString(CultureInfo.InvariantCulture), PrimitiveType.Long)).ToImmutableArray();
        var list = new Snapshot[snapshots];
        var log = new SnapshotLogEntry[snapshots];
        for (var i = 0; i < snapshots; i++)
        {
            list[i] = Tables.Snap(i + 1, i == 0 ? null : i, i + 1, Tables.Now + i);
            log[i] = new SnapshotLogEntry(Tables.Now + i, i + 1);
        }

        return new TableMetadata
        {
            FormatVersion = 2,
            TableUuid = Tables.Uuid,
            Location = Tables.BaseLocation,
            LastSequenceNumber = snapshots,
            LastUpdatedMs = Tables.Now + snapshots,
            LastColumnId = 200,
            CurrentSchemaId = 0,
            Schemas = [new Schema(0, fields)],
            DefaultSpecId = 0,
            PartitionSpecs = [PartitionSpec.Unpartitioned],
            LastPartitionId = 999,
            DefaultSortOrderId = 0,
            SortOrders = [SortOrder.Unsorted],
            CurrentSnapshotId = snapshots,
            Snapshots = [.. list],
            SnapshotLog = [.. log],
            Refs = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [new KeyValuePair<string, SnapshotRef>("main", SnapshotRef.Branch(snapshots))]),
        };
    }

    [Fact]
    public void An_append_copies_the_snapshot_list_once_and_reuses_every_snapshot()
    {
        var m = Large(10_000);
        Assert.Null(m.Validate());
        TableMetadataBuilder.SnapshotArrayCopies = 0;
        var next = Tables.Changed(TableCommitEngine.Commit(
            m,
            Tables.MetadataLocation,
            [new TableRequirement.AssertRefSnapshotId("main", 10_000)],
            [new TableUpdate.AddSnapshot(Tables.Snap(20_000, 10_000, 10_001, Tables.Now + 20_000)), new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(20_000))],
            Tables.Now + 30_000));
        Assert.Equal(1, TableMetadataBuilder.SnapshotArrayCopies);
        Assert.Equal(10_001, next.Snapshots.Length);
        for (var i = 0; i < m.Snapshots.Length; i++)
        {
            Assert.Same(m.Snapshots[i], next.Snapshots[i]);
        }

        Assert.Equal(10_001, next.SnapshotLog.Length);
        Assert.Same(m.Schemas[0], next.Schemas[0]);

        // Property-only commits do not copy the snapshot list at all.
        TableMetadataBuilder.SnapshotArrayCopies = 0;
        var props = Tables.Changed(Tables.Commit(next, new TableUpdate.SetProperties(StringMap.Of(("a", "b")))));
        Assert.Equal(0, TableMetadataBuilder.SnapshotArrayCopies);
        Assert.Equal(next.Snapshots, props.Snapshots);
    }

    [Fact]
    public void Large_metadata_round_trips()
    {
        var m = Large(2_000);
        Json.AssertCanonicalStable(m);
        var reparsed = Json.Ok(TableMetadataJson.Parse(TableMetadataJson.Write(m)));
        Assert.Equal(m.Snapshots, reparsed.Snapshots);
        Assert.Equal(m.SnapshotLog, reparsed.SnapshotLog);
    }

    [Fact]
    public void Expiring_many_snapshots_keeps_the_log_consistent()
    {
        var m = Large(1_000);
        var expired = Tables.Changed(Tables.Commit(m, new TableUpdate.RemoveSnapshots([.. Enumerable.Range(1, 900).Select(i => (long)i)])));
        Assert.Equal(100, expired.Snapshots.Length);
        Assert.Equal(100, expired.SnapshotLog.Length);
        Assert.Equal(901, expired.SnapshotLog[0].SnapshotId);
        Assert.Equal(1000, expired.CurrentSnapshotId);
    }
}

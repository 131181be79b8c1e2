using System.Collections.Immutable;
using System.Globalization;
using Lakekeeper.Iceberg;

namespace Lakekeeper.Benchmarks;

/// <summary>A realistic large table: a 200-column schema and 10,000 snapshots with full summaries and logs.</summary>
public static class MetadataFixture
{
    public const int Columns = 200;
    public const int SnapshotCount = 10_000;
    private const long Start = 1_700_000_000_000;

    public static TableMetadata Build(int snapshotCount = SnapshotCount, int columns = Columns)
    {
        IcebergType[] types =
        [
            PrimitiveType.Long, PrimitiveType.String, PrimitiveType.Int, PrimitiveType.Double, PrimitiveType.TimestampTz,
            PrimitiveType.Decimal(18, 4), PrimitiveType.Date, PrimitiveType.Boolean, PrimitiveType.Binary, PrimitiveType.Uuid,
        ];
        var fields = ImmutableArray.CreateBuilder<NestedField>(columns);
        fields.Add(NestedField.Require(1, "id", PrimitiveType.Long, "primary key"));
        for (var i = 2; i <= columns; i++)
        {
            fields.Add(new NestedField(i, "column_" + i.ToString(CultureInfo.InvariantCulture), i % 7 == 0, types[i % types.Length], i % 5 == 0 ? "documentation for column " + i.ToString(CultureInfo.InvariantCulture) : null));
        }

        var schema = new Schema(0, fields.MoveToImmutable(), [1]);
        var spec = new PartitionSpec(0, [new PartitionField(5, 1000, "column_5_day", Transform.Day), new PartitionField(1, 1001, "id_bucket", Transform.Bucket(16))]);
        var order = new SortOrder(1, [new SortField(Transform.Identity, 1, SortDirection.Asc, NullOrder.NullsFirst)]);

        var snapshots = new Snapshot[snapshotCount];
        var log = new SnapshotLogEntry[snapshotCount];
        long totalRecords = 0, totalFiles = 0;
        for (var i = 0; i < snapshotCount; i++)
        {
            var id = 4_000_000_000_000_000_000L + (i * 7919L);
            var ts = Start + (i * 60_000L);
            var added = 1000 + (i % 97);
            totalRecords += added;
            totalFiles += 2;
            var s = i.ToString(CultureInfo.InvariantCulture);
            snapshots[i] = new Snapshot
            {
                SnapshotId = id,
                ParentSnapshotId = i == 0 ? null : id - 7919L,
                SequenceNumber = i + 1,
                TimestampMs = ts,
                ManifestList = "s3://warehouse-bucket/analytics/events/metadata/snap-" + id.ToString(CultureInfo.InvariantCulture) + "-1-6c3b9c1e-5d2a-4f8b-9f3e-2b7a1c0d" + (i % 10000).ToString("D4", CultureInfo.InvariantCulture) + ".avro",
                Summary = StringMap.Of(
                    ("operation", i % 10 == 9 ? "overwrite" : "append"),
                    ("spark.app.id", "local-1700000000" + s),
                    ("added-data-files", "2"),
                    ("added-records", added.ToString(CultureInfo.InvariantCulture)),
                    ("added-files-size", (added * 37).ToString(CultureInfo.InvariantCulture)),
                    ("changed-partition-count", "1"),
                    ("total-records", totalRecords.ToString(CultureInfo.InvariantCulture)),
                    ("total-files-size", (totalRecords * 37).ToString(CultureInfo.InvariantCulture)),
                    ("total-data-files", totalFiles.ToString(CultureInfo.InvariantCulture)),
                    ("total-delete-files", "0"),
                    ("total-position-deletes", "0"),
                    ("total-equality-deletes", "0")),
                SchemaId = 0,
            };
            log[i] = new SnapshotLogEntry(ts, id);
        }

        var metadataLog = Enumerable.Range(0, 100)
            .Select(i => new MetadataLogEntry(Start + (i * 60_000L), "s3://warehouse-bucket/analytics/events/metadata/" + i.ToString("D5", CultureInfo.InvariantCulture) + "-0b6c2f7e-8d6a-4c1b-9e8f-1a2b3c4d5e6f.metadata.json"))
            .ToImmutableArray();
        var last = snapshots[^1];
        return new TableMetadata
        {
            FormatVersion = 2,
            TableUuid = Guid.Parse("9c12d441-03fe-4693-9a96-a0705ddf69c1"),
            Location = "s3://warehouse-bucket/analytics/events",
            LastSequenceNumber = snapshotCount,
            LastUpdatedMs = last.TimestampMs,
            LastColumnId = columns,
            CurrentSchemaId = 0,
            Schemas = [schema],
            DefaultSpecId = 0,
            PartitionSpecs = [spec],
            LastPartitionId = 1001,
            DefaultSortOrderId = 1,
            SortOrders = [order],
            Properties = StringMap.From(Enumerable.Range(0, 20).Select(i => new KeyValuePair<string, string>("write.property." + i.ToString(CultureInfo.InvariantCulture), "value-" + i.ToString(CultureInfo.InvariantCulture)))),
            CurrentSnapshotId = last.SnapshotId,
            Snapshots = [.. snapshots],
            SnapshotLog = [.. log],
            MetadataLog = metadataLog,
            Refs = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new[]
            {
                new KeyValuePair<string, SnapshotRef>("main", SnapshotRef.Branch(last.SnapshotId)),
                new KeyValuePair<string, SnapshotRef>("nightly", SnapshotRef.Tag(snapshots[snapshotCount / 2].SnapshotId)),
            }),
        };
    }

    /// <summary>The next append as a Java client sends it.</summary>
    public static (TableRequirement[] Requirements, TableUpdate[] Updates) NextAppend(TableMetadata m)
    {
        var id = 9_100_000_000_000_000_000L;
        var snapshot = new Snapshot
        {
            SnapshotId = id,
            ParentSnapshotId = m.CurrentSnapshotId,
            SequenceNumber = m.LastSequenceNumber + 1,
            TimestampMs = m.LastUpdatedMs + 1000,
            ManifestList = "s3://warehouse-bucket/analytics/events/metadata/snap-next.avro",
            Summary = StringMap.Of(("operation", "append"), ("added-data-files", "1"), ("added-records", "10")),
            SchemaId = 0,
        };
        return (
            [new TableRequirement.AssertTableUuid(m.TableUuid.ToString()), new TableRequirement.AssertRefSnapshotId("main", m.CurrentSnapshotId)],
            [new TableUpdate.AddSnapshot(snapshot), new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(id))]);
    }
}

using System.Collections.Immutable;
using System.Globalization;

namespace Lakekeeper.Iceberg.Tests;

/// <summary>
/// Random sequences of (mostly valid) updates must keep the metadata invariants. Seeds are fixed
/// so failures reproduce; set ICEBERG_PROPERTY_SEED to replay one seed.
/// </summary>
public sealed class PropertyTests
{
    private const int Seeds = 120;
    private const int Steps = 40;

    private static IEnumerable<ulong> SeedsToRun() =>
        Environment.GetEnvironmentVariable("ICEBERG_PROPERTY_SEED") is { } s
            ? [ulong.Parse(s, CultureInfo.InvariantCulture)]
            : Enumerable.Range(1, Seeds).Select(i => (ulong)i * 7919UL);

    [Fact]
    public void Random_table_update_sequences_keep_the_invariants()
    {
        var changed = 0;
        var failed = 0;
        foreach (var seed in SeedsToRun())
        {
            try
            {
                var (c, f) = RunTable(seed);
                changed += c;
                failed += f;
            }
            catch (Exception e) when (e is not Xunit.Sdk.FailException)
            {
                Assert.Fail($"Table property failed for seed {seed} (replay with ICEBERG_PROPERTY_SEED={seed}): {e}");
            }
        }

        // The generator must actually exercise the engine.
        Assert.True(changed > Seeds * Steps / 2, $"only {changed} commits changed metadata");
        Assert.True(failed > 0, "no commit was refused; the generator never produced invalid updates");
    }

    private static (int Changed, int Failed) RunTable(ulong seed)
    {
        var rng = new SeededRandom(seed);
        var version = rng.Pick([1, 2, 3]);
        var m = Tables.Create(version);
        string? location = MetadataFiles.NextTableMetadataLocation(m, null, new Guid((int)seed, 0, 0, new byte[8]));
        var now = Tables.Now;
        long nextSnapshotId = 1;
        var changed = 0;
        var failed = 0;
        for (var step = 0; step < Steps; step++)
        {
            now += rng.Next(1, 5000);
            var updates = new List<TableUpdate>();
            var count = rng.Next(1, 4);
            for (var i = 0; i < count; i++)
            {
                updates.AddRange(Generate(rng, m, ref nextSnapshotId, now));
            }

            IReadOnlyList<TableRequirement> requirements = rng.Chance(30) ? [new TableRequirement.AssertTableUuid(m.TableUuid.ToString())] : [];
            var outcome = TableCommitEngine.Commit(m, location, requirements, updates, now);
            switch (outcome)
            {
                case CommitOutcome<TableMetadata>.Failed f:
                    Assert.True(f.Error.Code is 400 or 409, $"step {step}: unexpected code {f.Error}");
                    Assert.False(string.IsNullOrWhiteSpace(f.Error.Type));
                    failed++;
                    break;
                case CommitOutcome<TableMetadata>.Unchanged u:
                    Assert.Same(m, u.Metadata);
                    break;
                case CommitOutcome<TableMetadata>.Changed c:
                    CheckTable(m, c.Metadata, location, step);
                    m = c.Metadata;
                    location = MetadataFiles.NextTableMetadataLocation(m, location, new Guid((int)seed, (short)step, 0, new byte[8]));
                    changed++;
                    break;
                default:
                    Assert.Fail("unknown outcome");
                    break;
            }
        }

        return (changed, failed);
    }

    private static IEnumerable<TableUpdate> Generate(SeededRandom rng, TableMetadata m, ref long nextSnapshotId, long now)
    {
        var v3 = m.FormatVersion >= 3;
        var schema = m.CurrentSchema;
        var snapshots = m.Snapshots;
        switch (rng.Next(20))
        {
            case 0:
            case 1:
            case 2:
                {
                    var id = nextSnapshotId++;
                    var snapshot = Tables.Snap(id, m.CurrentSnapshotId, m.LastSequenceNumber + 1, now, v3 ? m.NextRowId + rng.Next(0, 3) : null, v3 ? rng.Next(0, 1000) : null);
                    return [new TableUpdate.AddSnapshot(snapshot), new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(id))];
                }

            case 3:
                return snapshots.Length == 0 ? [] : [new TableUpdate.SetSnapshotRef(rng.Pick(["dev", "audit", "v1"]), rng.Chance(50) ? SnapshotRef.Tag(rng.Pick(snapshots).SnapshotId) : new SnapshotRef(rng.Pick(snapshots).SnapshotId, SnapshotRefType.Branch, MinSnapshotsToKeep: rng.Next(1, 4)))];
            case 4:
                return [new TableUpdate.RemoveSnapshotRef(rng.Pick(["dev", "audit", "v1", "main"]))];
            case 5:
                return snapshots.Length == 0 ? [] : [new TableUpdate.RemoveSnapshots([.. Enumerable.Range(0, rng.Next(1, 3)).Select(_ => rng.Pick(snapshots).SnapshotId)])];
            case 6:
                return snapshots.Length == 0 ? [] : [new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(rng.Pick(snapshots).SnapshotId))];
            case 7:
                {
                    // Evolve: add a column or drop a non-identifier one; sometimes make it current.
                    var fields = schema.Fields.ToList();
                    if (fields.Count > 2 && rng.Chance(30))
                    {
                        fields.RemoveAt(rng.Next(1, fields.Count));
                    }
                    else
                    {
                        var type = rng.Pick<IcebergType>([PrimitiveType.Int, PrimitiveType.String, PrimitiveType.Date, PrimitiveType.Decimal(9, 2), v3 && rng.Chance(50) ? PrimitiveType.Variant : PrimitiveType.Long]);
                        fields.Add(NestedField.Optional(m.LastColumnId + 1, "c" + (m.LastColumnId + 1).ToString(CultureInfo.InvariantCulture), type));
                    }

                    var added = new TableUpdate.AddSchema(new Schema(0, [.. fields]));
                    return rng.Chance(60) ? [added, new TableUpdate.SetCurrentSchema(-1)] : [added];
                }

            case 8:
                return [new TableUpdate.SetCurrentSchema(rng.Chance(90) ? rng.Pick(m.Schemas).SchemaId : 77)];
            case 9:
                {
                    var candidates = schema.Fields.Where(f => f.Type.IsPrimitive && f.Type.TypeId != TypeId.Variant).ToList();
                    var fields = new List<UnboundPartitionField>();
                    var nextId = m.LastPartitionId;
                    foreach (var f in candidates.Where(_ => rng.Chance(40)))
                    {
                        var transform = f.Type.TypeId switch
                        {
                            TypeId.Date => rng.Pick([Transform.Year, Transform.Month, Transform.Day]),
                            TypeId.TimestampTz => Transform.Hour,
                            TypeId.String or TypeId.Int or TypeId.Long => rng.Chance(50) ? Transform.Bucket(rng.Next(1, 64)) : Transform.Truncate(rng.Next(1, 10)),
                            _ => Transform.Identity,
                        };
                        int? fieldId = m.FormatVersion == 1 ? null : ++nextId;
                        fields.Add(new UnboundPartitionField(f.Id, fieldId, f.Name + "_" + transform.Kind.ToString().ToLowerInvariant(), transform));
                    }

                    var add = new TableUpdate.AddPartitionSpec(new UnboundPartitionSpec(null, [.. fields]));
                    return rng.Chance(60) ? [add, new TableUpdate.SetDefaultSpec(-1)] : [add];
                }

            case 10:
                {
                    var f = rng.Pick(schema.Fields.Where(x => x.Type.IsPrimitive).ToList());
                    var add = new TableUpdate.AddSortOrder(rng.Chance(20) ? UnboundSortOrder.Unsorted : new UnboundSortOrder(null, [new SortField(Transform.Identity, f.Id, rng.Chance(50) ? SortDirection.Asc : SortDirection.Desc, NullOrder.NullsLast)]));
                    return rng.Chance(60) ? [add, new TableUpdate.SetDefaultSortOrder(-1)] : [add];
                }

            case 11:
                return [new TableUpdate.SetProperties(StringMap.Of(
                    (rng.Pick(["a", "b", "owner", "write.metadata.previous-versions-max"]), rng.Next(1, 6).ToString(CultureInfo.InvariantCulture))))];
            case 12:
                return [new TableUpdate.RemoveProperties([rng.Pick(["a", "b", "owner", "nope"])])];
            case 13:
                return snapshots.Length == 0 ? [] : rng.Chance(60)
                    ? [new TableUpdate.SetStatistics(new StatisticsFile(rng.Pick(snapshots).SnapshotId, "s3://stats/" + rng.Next(1000), rng.Next(1, 100), 10, [new BlobMetadata("ndv", 1, 1, [1])]))]
                    : [new TableUpdate.RemoveStatistics(rng.Pick(snapshots).SnapshotId)];
            case 14:
                return snapshots.Length == 0 ? [] : rng.Chance(60)
                    ? [new TableUpdate.SetPartitionStatistics(new PartitionStatisticsFile(rng.Pick(snapshots).SnapshotId, "s3://pstats/" + rng.Next(1000), rng.Next(1, 100)))]
                    : [new TableUpdate.RemovePartitionStatistics(rng.Pick(snapshots).SnapshotId)];
            case 15:
                return rng.Chance(50)
                    ? [new TableUpdate.RemovePartitionSpecs([rng.Pick(m.PartitionSpecs).SpecId])]
                    : [new TableUpdate.RemoveSchemas([rng.Pick(m.Schemas).SchemaId])];
            case 16:
                return [new TableUpdate.UpgradeFormatVersion(Math.Min(4, m.FormatVersion + rng.Next(-1, 2)))];
            case 17:
                return [new TableUpdate.SetLocation(rng.Pick([Tables.BaseLocation, "s3://bucket/elsewhere"]))];
            case 18:
                return rng.Chance(50)
                    ? [new TableUpdate.AddEncryptionKey(new EncryptedKey("k" + rng.Next(3).ToString(CultureInfo.InvariantCulture), "AAEC"))]
                    : [new TableUpdate.RemoveEncryptionKey("k" + rng.Next(3).ToString(CultureInfo.InvariantCulture))];
            default:
                {
                    // A stale append: a retryable conflict unless there is no parent.
                    if (m.CurrentSnapshotId is null)
                    {
                        return [];
                    }

                    var id = nextSnapshotId++;
                    return [new TableUpdate.AddSnapshot(Tables.Snap(id, m.CurrentSnapshotId, m.LastSequenceNumber, now, v3 ? m.NextRowId : null, v3 ? 1 : null))];
                }
        }
    }

    private static void CheckTable(TableMetadata before, TableMetadata after, string? previousLocation, int step)
    {
        Assert.True(after.Validate() is null, $"step {step}: {after.Validate()}");
        Assert.Equal(before.TableUuid, after.TableUuid);
        Assert.True(after.FormatVersion >= before.FormatVersion);
        Assert.True(after.LastUpdatedMs >= before.LastUpdatedMs, "last-updated-ms went backwards");

        // Ids: unique, new ones above all earlier ones, last-assigned ids only grow and cover all fields.
        AssertStrictlyIncreasing(after.Schemas.Select(s => s.SchemaId), "schema ids");
        AssertStrictlyIncreasing(after.PartitionSpecs.Select(s => s.SpecId), "spec ids");
        Assert.Equal(after.SortOrders.Length, after.SortOrders.Select(o => o.OrderId).Distinct().Count());
        Assert.True(after.LastColumnId >= before.LastColumnId, "last-column-id decreased");
        Assert.All(after.Schemas, s => Assert.True(s.HighestFieldId <= after.LastColumnId));
        Assert.True(after.LastPartitionId >= before.LastPartitionId, "last-partition-id decreased");
        Assert.All(after.PartitionSpecs, s => Assert.True(s.LastAssignedFieldId <= after.LastPartitionId || s.Fields.Length == 0));
        if (after.FormatVersion >= 2)
        {
            Assert.True(after.LastSequenceNumber >= before.LastSequenceNumber, "last-sequence-number decreased");
            Assert.All(after.Snapshots, s => Assert.True(s.SequenceNumber <= after.LastSequenceNumber));
        }

        if (after.FormatVersion >= 3)
        {
            Assert.NotNull(after.NextRowId);
            Assert.True(after.NextRowId >= (before.NextRowId ?? 0), "next-row-id decreased");
        }

        // Snapshot ids unique, kept snapshots keep their order.
        Assert.Equal(after.Snapshots.Length, after.Snapshots.Select(s => s.SnapshotId).Distinct().Count());
        var kept = before.Snapshots.Select(s => s.SnapshotId).Where(id => after.SnapshotById(id) is not null).ToList();
        Assert.Equal(kept, after.Snapshots.Select(s => s.SnapshotId).Take(kept.Count));

        // Current ids point at existing entries; refs point at snapshots; main is the current snapshot.
        Assert.NotNull(after.SchemaById(after.CurrentSchemaId));
        Assert.NotNull(after.SpecById(after.DefaultSpecId));
        Assert.NotNull(after.SortOrderById(after.DefaultSortOrderId));
        Assert.All(after.Refs.Values, r => Assert.NotNull(after.SnapshotById(r.SnapshotId)));
        Assert.Equal(after.CurrentSnapshotId, after.Refs.TryGetValue("main", out var main) ? main.SnapshotId : null);
        Assert.Equal(after.Statistics.Length, after.Statistics.Select(s => s.SnapshotId).Distinct().Count());
        Assert.Equal(after.PartitionStatistics.Length, after.PartitionStatistics.Select(s => s.SnapshotId).Distinct().Count());

        // Snapshot log: ordered, only existing snapshots, ends with the current snapshot.
        AssertNonDecreasing(after.SnapshotLog.Select(e => e.TimestampMs), "snapshot-log timestamps");
        Assert.All(after.SnapshotLog, e => Assert.NotNull(after.SnapshotById(e.SnapshotId)));
        if (after.CurrentSnapshotId is { } current && after.SnapshotLog.Length > 0)
        {
            Assert.Equal(current, after.SnapshotLog[^1].SnapshotId);
        }

        // Metadata log: ordered, bounded, ends with the previous file.
        AssertNonDecreasing(after.MetadataLog.Select(e => e.TimestampMs), "metadata-log timestamps");
        var max = after.Properties.TryGetValue("write.metadata.previous-versions-max", out var s) ? Math.Max(1, int.Parse(s, CultureInfo.InvariantCulture)) : 100;
        Assert.True(after.MetadataLog.Length <= max, "metadata-log longer than previous-versions-max");
        Assert.Equal(previousLocation, after.MetadataLog[^1].MetadataFile);
        Assert.Equal(before.LastUpdatedMs, after.MetadataLog[^1].TimestampMs);

        // JSON round trip is stable and reproduces the model.
        Json.AssertCanonicalStable(after);
        var reparsed = Json.Ok(TableMetadataJson.Parse(TableMetadataJson.Write(after)));
        Assert.Equal(after.Snapshots, reparsed.Snapshots);
        Assert.Equal(after.Schemas, reparsed.Schemas);
        Assert.Equal(after.Refs, reparsed.Refs);
    }

    private static void AssertStrictlyIncreasing(IEnumerable<int> ids, string what)
    {
        var list = ids.ToList();
        for (var i = 1; i < list.Count; i++)
        {
            Assert.True(list[i] > list[i - 1], $"{what} not increasing: {string.Join(",", list)}");
        }
    }

    private static void AssertNonDecreasing(IEnumerable<long> values, string what)
    {
        var list = values.ToList();
        for (var i = 1; i < list.Count; i++)
        {
            Assert.True(list[i] >= list[i - 1], $"{what} not ordered: {string.Join(",", list)}");
        }
    }

    [Fact]
    public void Random_view_update_sequences_keep_the_invariants()
    {
        foreach (var seed in SeedsToRun())
        {
            try
            {
                RunView(seed);
            }
            catch (Exception e) when (e is not Xunit.Sdk.FailException)
            {
                Assert.Fail($"View property failed for seed {seed} (replay with ICEBERG_PROPERTY_SEED={seed}): {e}");
            }
        }
    }

    private static void RunView(ulong seed)
    {
        var rng = new SeededRandom(seed);
        var now = Tables.Now;
        string[] dialects = ["spark", "trino", "flink"];
        ViewVersion Version(int id, long ts, int schemaId, IEnumerable<string> ds) => new()
        {
            VersionId = id,
            TimestampMs = ts,
            SchemaId = schemaId,
            Summary = StringMap.Of(("engine-name", rng.Pick(dialects))),
            Representations = [.. ds.Select(d => (ViewRepresentation)new SqlViewRepresentation("select " + rng.Next(4).ToString(CultureInfo.InvariantCulture), d))],
            DefaultNamespace = ["ns"],
        };

        var view = Json.Ok(ViewCommitEngine.CreateView(
            new CreateViewRequest { Name = "v", Schema = new Schema(3, NestedField.Optional(1, "x", PrimitiveType.Int)), ViewVersion = Version(1, now, 3, ["spark"]) },
            "s3://b/v",
            Guid.Parse("fa6506c3-7681-40c8-86dc-e36561f83385"),
            now));
        for (var step = 0; step < Steps; step++)
        {
            now += rng.Next(1, 1000);
            var updates = new List<ViewUpdate>();
            switch (rng.Next(5))
            {
                case 0:
                case 1:
                    {
                        if (rng.Chance(40))
                        {
                            updates.Add(new ViewUpdate.AddSchema(new Schema(0, NestedField.Optional(1, "x" + rng.Next(3).ToString(CultureInfo.InvariantCulture), PrimitiveType.Int))));
                        }

                        var ds = view.CurrentVersion.SqlDialects().Concat(rng.Chance(30) ? [rng.Pick(dialects)] : []).Distinct().ToList();
                        if (rng.Chance(15) && ds.Count > 1)
                        {
                            ds.RemoveAt(0);
                        }

                        updates.Add(new ViewUpdate.AddViewVersion(Version(rng.Next(1, 5), now, updates.Count > 0 ? -1 : view.CurrentVersion.SchemaId, ds)));
                        updates.Add(new ViewUpdate.SetCurrentViewVersion(-1));
                        break;
                    }

                case 2:
                    updates.Add(new ViewUpdate.SetProperties(StringMap.Of(
                        (rng.Pick(["version.history.num-entries", "replace.drop-dialect.allowed", "comment"]), rng.Pick(["1", "2", "3", "true", "x"])))));
                    break;
                case 3:
                    updates.Add(new ViewUpdate.SetCurrentViewVersion(rng.Chance(90) ? rng.Pick(view.Versions).VersionId : 99));
                    break;
                default:
                    updates.Add(new ViewUpdate.SetLocation(rng.Pick(["s3://b/v", "s3://b/w"])));
                    break;
            }

            var outcome = ViewCommitEngine.Commit(view, null, [new ViewRequirement.AssertViewUuid(view.ViewUuid.ToString())], updates, now);
            switch (outcome)
            {
                case CommitOutcome<ViewMetadata>.Failed f:
                    Assert.Equal(400, f.Error.Code);
                    break;
                case CommitOutcome<ViewMetadata>.Unchanged u:
                    Assert.Same(view, u.Metadata);
                    break;
                case CommitOutcome<ViewMetadata>.Changed c:
                    var next = c.Metadata;
                    Assert.Null(next.Validate());
                    Assert.Equal(next.Versions.Length, next.Versions.Select(v => v.VersionId).Distinct().Count());
                    Assert.Equal(next.Schemas.Length, next.Schemas.Select(s => s.SchemaId).Distinct().Count());
                    Assert.All(next.VersionLog, e => Assert.NotNull(next.VersionById(e.VersionId)));
                    var history = next.Properties.TryGetValue("version.history.num-entries", out var h) && int.TryParse(h, CultureInfo.InvariantCulture, out var n) ? n : 10;
                    Assert.True(next.Versions.Length <= Math.Max(history, 2), $"step {step}: {next.Versions.Length} versions kept with history {history}");
                    if (next.CurrentVersionId != view.CurrentVersionId)
                    {
                        Assert.Equal(next.CurrentVersionId, next.VersionLog[^1].VersionId);
                        if (!next.Properties.ContainsKey("replace.drop-dialect.allowed") || next.Properties["replace.drop-dialect.allowed"] != "true")
                        {
                            Assert.Superset(view.CurrentVersion.SqlDialects().ToHashSet(), next.CurrentVersion.SqlDialects().ToHashSet());
                        }
                    }

                    Json.AssertCanonicalStable(next);
                    view = next;
                    break;
                default:
                    Assert.Fail("unknown outcome");
                    break;
            }
        }

        Assert.True(ImmutableArray.CreateRange(view.Versions).Length >= 1);
    }
}

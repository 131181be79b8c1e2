using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;

namespace Lakekeeper.Iceberg.Tests;

/// <summary>SplitMix64: a small, fully deterministic seeded generator for the property tests.</summary>
internal sealed class SeededRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong Seed { get; } = seed;

    public ulong NextULong()
    {
        _state += 0x9E3779B97F4A7C15UL;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, max).</summary>
    public int Next(int max) => max <= 0 ? 0 : (int)(NextULong() % (ulong)max);

    public int Next(int min, int max) => min + Next(max - min);

    public long NextLong() => (long)(NextULong() >> 1);

    public bool Chance(int percent) => Next(100) < percent;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}

internal static class Json
{
    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static string Str(byte[] b) => Encoding.UTF8.GetString(b);

    public static void AssertSemanticallyEqual(string expected, string actual)
    {
        var e = JsonNode.Parse(expected);
        var a = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(e, a), $"JSON differs.\nExpected: {e?.ToJsonString()}\nActual:   {a?.ToJsonString()}");
    }

    public static TableMetadata ParseTable(string json)
    {
        var result = TableMetadataJson.Parse(Utf8(json));
        Assert.True(result.IsSuccess, result.IsFailure ? result.Error.ToString() : string.Empty);
        return result.Value;
    }

    public static ViewMetadata ParseView(string json)
    {
        var result = ViewMetadataJson.Parse(Utf8(json));
        Assert.True(result.IsSuccess, result.IsFailure ? result.Error.ToString() : string.Empty);
        return result.Value;
    }

    public static T Ok<T>(Result<T> result)
    {
        Assert.True(result.IsSuccess, result.IsFailure ? result.Error.ToString() : string.Empty);
        return result.Value;
    }

    public static IcebergError Fails<T>(Result<T> result)
    {
        Assert.True(result.IsFailure, "expected a failure");
        return result.Error;
    }

    /// <summary>write(parse(write(x))) must equal write(x) byte for byte.</summary>
    public static void AssertCanonicalStable(TableMetadata metadata)
    {
        var first = TableMetadataJson.Write(metadata);
        var reparsed = TableMetadataJson.Parse(first);
        Assert.True(reparsed.IsSuccess, reparsed.IsFailure ? reparsed.Error.ToString() : string.Empty);
        var second = TableMetadataJson.Write(reparsed.Value);
        Assert.Equal(Str(first), Str(second));
    }

    public static void AssertCanonicalStable(ViewMetadata metadata)
    {
        var first = ViewMetadataJson.Write(metadata);
        var reparsed = ViewMetadataJson.Parse(first);
        Assert.True(reparsed.IsSuccess, reparsed.IsFailure ? reparsed.Error.ToString() : string.Empty);
        Assert.Equal(Str(first), Str(ViewMetadataJson.Write(reparsed.Value)));
    }
}

/// <summary>Commit helpers and a standard base table.</summary>
internal static class Tables
{
    public const long Now = 1_700_000_000_000;
    public const string BaseLocation = "s3://bucket/wh/ns/tbl";
    public const string MetadataLocation = "s3://bucket/wh/ns/tbl/metadata/00003-8a2c6e3a-3b5f-4a52-9a6b-1f0c3a2b4c5d.metadata.json";
    public static readonly Guid Uuid = Guid.Parse("9c12d441-03fe-4693-9a96-a0705ddf69c1");

    public static Schema SimpleSchema(int schemaId = 0) => new(
        schemaId,
        NestedField.Require(1, "id", PrimitiveType.Long),
        NestedField.Optional(2, "data", PrimitiveType.String),
        NestedField.Optional(3, "ts", PrimitiveType.TimestampTz));

    /// <summary>A fresh v2 (or other version) table created through the engine.</summary>
    public static TableMetadata Create(int formatVersion = 2, UnboundPartitionSpec? spec = null, UnboundSortOrder? order = null, StringMap? properties = null)
    {
        var props = (properties ?? StringMap.Empty).SetItems([new("format-version", formatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var request = new CreateTableRequest
        {
            Name = "tbl",
            Schema = SimpleSchema(),
            PartitionSpec = spec,
            WriteOrder = order,
            Properties = props,
        };
        return Json.Ok(TableCommitEngine.CreateTable(request, BaseLocation, Uuid, Now - 10_000));
    }

    public static Snapshot Snap(long id, long? parent, long sequenceNumber, long timestampMs, long? firstRowId = null, long? addedRows = null) => new()
    {
        SnapshotId = id,
        ParentSnapshotId = parent,
        SequenceNumber = sequenceNumber,
        TimestampMs = timestampMs,
        ManifestList = $"s3://bucket/wh/ns/tbl/metadata/snap-{id}.avro",
        Summary = StringMap.Of(("operation", "append"), ("added-data-files", "1")),
        SchemaId = 0,
        FirstRowId = firstRowId,
        AddedRows = addedRows,
    };

    public static CommitOutcome<TableMetadata> Commit(TableMetadata current, IReadOnlyList<TableRequirement> requirements, params TableUpdate[] updates) =>
        TableCommitEngine.Commit(current, MetadataLocation, requirements, updates, Now);

    public static CommitOutcome<TableMetadata> Commit(TableMetadata current, params TableUpdate[] updates) =>
        TableCommitEngine.Commit(current, MetadataLocation, [], updates, Now);

    public static TableMetadata Changed(CommitOutcome<TableMetadata> outcome)
    {
        Assert.False(outcome.IsFailed, $"commit failed: {outcome.ErrorOrDefault}");
        var changed = Assert.IsType<CommitOutcome<TableMetadata>.Changed>(outcome, exactMatch: true);
        return changed.Metadata;
    }

    public static IcebergError Failed(CommitOutcome<TableMetadata> outcome)
    {
        var failed = Assert.IsType<CommitOutcome<TableMetadata>.Failed>(outcome, exactMatch: true);
        return failed.Error;
    }

    /// <summary>Appends a snapshot on main with the next sequence number.</summary>
    public static TableMetadata Append(TableMetadata m, long snapshotId, long timestampMs)
    {
        var v3 = m.FormatVersion >= 3;
        var snapshot = Snap(snapshotId, m.CurrentSnapshotId, m.LastSequenceNumber + 1, timestampMs, v3 ? m.NextRowId : null, v3 ? 10 : null);
        return Changed(TableCommitEngine.Commit(m, MetadataLocation, [], [new TableUpdate.AddSnapshot(snapshot), new TableUpdate.SetSnapshotRef("main", SnapshotRef.Branch(snapshotId))], timestampMs + 1));
    }

    public static ImmutableArray<T> Arr<T>(params T[] items) => [.. items];
}

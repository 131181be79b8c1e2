using System.Collections.Frozen;
using System.Globalization;

namespace Lakekeeper.Iceberg;

/// <summary>Table and view property names the core library interprets.</summary>
public static class TableProperties
{
    public const string FormatVersion = "format-version";
    public const string Uuid = "uuid";
    public const string SnapshotCount = "snapshot-count";
    public const string CurrentSnapshotId = "current-snapshot-id";
    public const string CurrentSnapshotSummary = "current-snapshot-summary";
    public const string CurrentSnapshotTimestampMs = "current-snapshot-timestamp-ms";
    public const string CurrentSchema = "current-schema";
    public const string DefaultPartitionSpec = "default-partition-spec";
    public const string DefaultSortOrder = "default-sort-order";

    public const string MetadataPreviousVersionsMax = "write.metadata.previous-versions-max";
    public const int MetadataPreviousVersionsMaxDefault = 100;
    public const string MetadataCompressionCodec = "write.metadata.compression-codec";
    public const string WriteMetadataPath = "write.metadata.path";

    public const string ViewVersionHistorySize = "version.history.num-entries";
    public const int ViewVersionHistorySizeDefault = 10;
    public const string ReplaceDropDialectAllowed = "replace.drop-dialect.allowed";

    /// <summary>Properties that configure table creation and are never persisted.</summary>
    public static FrozenSet<string> Reserved { get; } = new[]
    {
        FormatVersion, Uuid, SnapshotCount, CurrentSnapshotId, CurrentSnapshotSummary,
        CurrentSnapshotTimestampMs, CurrentSchema, DefaultPartitionSpec, DefaultSortOrder,
    }.ToFrozenSet(StringComparer.Ordinal);

    internal static int GetInt(StringMap properties, string key, int defaultValue) =>
        properties.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : defaultValue;

    internal static StringMap WithoutReserved(StringMap properties) =>
        properties.Keys.Any(Reserved.Contains) ? properties.RemoveKeys(Reserved) : properties;
}

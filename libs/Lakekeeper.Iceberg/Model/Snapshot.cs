using System.Collections.Immutable;

namespace Lakekeeper.Iceberg;

/// <summary>
/// A table snapshot. <see cref="ManifestList"/> is required from v2; v1 may instead list
/// <see cref="Manifests"/>. <see cref="FirstRowId"/>/<see cref="AddedRows"/> are v3 row lineage.
/// </summary>
public sealed record Snapshot
{
    public required long SnapshotId { get; init; }

    public long? ParentSnapshotId { get; init; }

    /// <summary>Data sequence number (0 for v1 snapshots).</summary>
    public long SequenceNumber { get; init; }

    public required long TimestampMs { get; init; }

    public string? ManifestList { get; init; }

    /// <summary>v1 only: manifest file locations when no manifest list is used (empty otherwise).</summary>
    public ImmutableArray<string> Manifests { get; init; } = [];

    /// <summary>Snapshot summary including the <c>operation</c> key.</summary>
    public StringMap Summary { get; init; } = StringMap.Empty;

    public int? SchemaId { get; init; }

    public long? FirstRowId { get; init; }

    public long? AddedRows { get; init; }

    public string? KeyId { get; init; }

    /// <summary>The summary's <c>operation</c> (append, replace, overwrite, delete), if any.</summary>
    public string? Operation => Summary.GetValueOrDefault("operation");

    public bool Equals(Snapshot? other) =>
        other is not null
        && SnapshotId == other.SnapshotId
        && ParentSnapshotId == other.ParentSnapshotId
        && SequenceNumber == other.SequenceNumber
        && TimestampMs == other.TimestampMs
        && ManifestList == other.ManifestList
        && Seq.Equal(Manifests, other.Manifests)
        && Summary.Equals(other.Summary)
        && SchemaId == other.SchemaId
        && FirstRowId == other.FirstRowId
        && AddedRows == other.AddedRows
        && KeyId == other.KeyId;

    public override int GetHashCode() => HashCode.Combine(SnapshotId, SequenceNumber, TimestampMs, ManifestList);
}

public enum SnapshotRefType
{
    Branch,
    Tag,
}

/// <summary>A named reference (branch or tag) to a snapshot with optional retention settings.</summary>
public sealed record SnapshotRef(
    long SnapshotId,
    SnapshotRefType Type,
    long? MaxRefAgeMs = null,
    long? MaxSnapshotAgeMs = null,
    int? MinSnapshotsToKeep = null)
{
    public const string MainBranch = "main";

    public bool IsBranch => Type == SnapshotRefType.Branch;

    public static SnapshotRef Branch(long snapshotId) => new(snapshotId, SnapshotRefType.Branch);

    public static SnapshotRef Tag(long snapshotId) => new(snapshotId, SnapshotRefType.Tag);

    /// <summary>Retention settings must be positive and tags cannot keep snapshots; null when valid.</summary>
    internal string? Validate()
    {
        if (Type == SnapshotRefType.Tag && MinSnapshotsToKeep is not null)
        {
            return "Tags do not support setting minSnapshotsToKeep";
        }

        if (Type == SnapshotRefType.Tag && MaxSnapshotAgeMs is not null)
        {
            return "Tags do not support setting maxSnapshotAgeMs";
        }

        if (MinSnapshotsToKeep is <= 0)
        {
            return "Min snapshots to keep must be greater than 0";
        }

        if (MaxSnapshotAgeMs is <= 0)
        {
            return "Max snapshot age must be greater than 0 ms";
        }

        if (MaxRefAgeMs is <= 0)
        {
            return "Max reference age must be greater than 0";
        }

        return null;
    }
}

public sealed record SnapshotLogEntry(long TimestampMs, long SnapshotId);

public sealed record MetadataLogEntry(long TimestampMs, string MetadataFile);

/// <summary>A blob in a Puffin statistics file.</summary>
public sealed record BlobMetadata
{
    public BlobMetadata(string type, long snapshotId, long sequenceNumber, ImmutableArray<int> fields, StringMap? properties = null)
    {
        Type = type ?? throw new ArgumentNullException(nameof(type));
        SnapshotId = snapshotId;
        SequenceNumber = sequenceNumber;
        Fields = fields.OrEmpty();
        Properties = properties ?? StringMap.Empty;
    }

    public string Type { get; }

    public long SnapshotId { get; }

    public long SequenceNumber { get; }

    public ImmutableArray<int> Fields { get; }

    public StringMap Properties { get; }

    public bool Equals(BlobMetadata? other) =>
        other is not null && Type == other.Type && SnapshotId == other.SnapshotId && SequenceNumber == other.SequenceNumber
        && Seq.Equal(Fields, other.Fields) && Properties.Equals(other.Properties);

    public override int GetHashCode() => HashCode.Combine(Type, SnapshotId, SequenceNumber, Seq.Hash(Fields), Properties);
}

/// <summary>A table statistics (Puffin) file for one snapshot.</summary>
public sealed record StatisticsFile
{
    public StatisticsFile(long snapshotId, string statisticsPath, long fileSizeInBytes, long fileFooterSizeInBytes, ImmutableArray<BlobMetadata> blobMetadata, string? keyMetadata = null)
    {
        SnapshotId = snapshotId;
        StatisticsPath = statisticsPath ?? throw new ArgumentNullException(nameof(statisticsPath));
        FileSizeInBytes = fileSizeInBytes;
        FileFooterSizeInBytes = fileFooterSizeInBytes;
        BlobMetadata = blobMetadata.OrEmpty();
        KeyMetadata = keyMetadata;
    }

    public long SnapshotId { get; }

    public string StatisticsPath { get; }

    public long FileSizeInBytes { get; }

    public long FileFooterSizeInBytes { get; }

    public string? KeyMetadata { get; }

    public ImmutableArray<BlobMetadata> BlobMetadata { get; }

    public bool Equals(StatisticsFile? other) =>
        other is not null && SnapshotId == other.SnapshotId && StatisticsPath == other.StatisticsPath
        && FileSizeInBytes == other.FileSizeInBytes && FileFooterSizeInBytes == other.FileFooterSizeInBytes
        && KeyMetadata == other.KeyMetadata && Seq.Equal(BlobMetadata, other.BlobMetadata);

    public override int GetHashCode() => HashCode.Combine(SnapshotId, StatisticsPath, FileSizeInBytes, FileFooterSizeInBytes, KeyMetadata, Seq.Hash(BlobMetadata));
}

/// <summary>A partition statistics file for one snapshot.</summary>
public sealed record PartitionStatisticsFile(long SnapshotId, string StatisticsPath, long FileSizeInBytes);

/// <summary>A v3 encryption key entry; <see cref="EncryptedKeyMetadata"/> is base64.</summary>
public sealed record EncryptedKey(string KeyId, string EncryptedKeyMetadata, string? EncryptedById = null, StringMap? Properties = null)
{
    public StringMap Properties { get; init; } = Properties ?? StringMap.Empty;
}

using System.Collections.Immutable;

namespace Lakekeeper.Iceberg;

/// <summary>
/// Immutable Iceberg table metadata (format v1, v2 or v3). Produce new versions with
/// <see cref="TableCommitEngine"/>; read and write JSON with <see cref="TableMetadataJson"/>.
/// </summary>
public sealed class TableMetadata
{
    public const int SupportedFormatVersion = 3;
    public const int DefaultFormatVersion = 2;
    public const int MinFormatVersionRowLineage = 3;

    public required int FormatVersion { get; init; }

    /// <summary>The table UUID; <see cref="Guid.Empty"/> only for a v1 file that had none.</summary>
    public required Guid TableUuid { get; init; }

    public required string Location { get; init; }

    public long LastSequenceNumber { get; init; }

    public required long LastUpdatedMs { get; init; }

    public required int LastColumnId { get; init; }

    public required int CurrentSchemaId { get; init; }

    public required ImmutableArray<Schema> Schemas { get; init; }

    public required int DefaultSpecId { get; init; }

    public required ImmutableArray<PartitionSpec> PartitionSpecs { get; init; }

    public required int LastPartitionId { get; init; }

    public required int DefaultSortOrderId { get; init; }

    public required ImmutableArray<SortOrder> SortOrders { get; init; }

    public StringMap Properties { get; init; } = StringMap.Empty;

    public long? CurrentSnapshotId { get; init; }

    public ImmutableArray<Snapshot> Snapshots { get; init; } = [];

    public ImmutableArray<SnapshotLogEntry> SnapshotLog { get; init; } = [];

    public ImmutableArray<MetadataLogEntry> MetadataLog { get; init; } = [];

    /// <summary>Branches and tags by name (ordinal order).</summary>
    public ImmutableSortedDictionary<string, SnapshotRef> Refs { get; init; } = ImmutableSortedDictionary.Create<string, SnapshotRef>(StringComparer.Ordinal);

    public ImmutableArray<StatisticsFile> Statistics { get; init; } = [];

    public ImmutableArray<PartitionStatisticsFile> PartitionStatistics { get; init; } = [];

    /// <summary>v3 row lineage: the next row id to assign (null before v3).</summary>
    public long? NextRowId { get; init; }

    public ImmutableArray<EncryptedKey> EncryptionKeys { get; init; } = [];

    /// <summary>Top-level fields this library does not know, preserved verbatim and written back.</summary>
    public ImmutableArray<KeyValuePair<string, RawJson>> ExtraFields { get; init; } = [];

    public Schema CurrentSchema => SchemaById(CurrentSchemaId)
        ?? throw new InvalidOperationException($"Current schema {CurrentSchemaId} is missing");

    public PartitionSpec DefaultSpec => SpecById(DefaultSpecId)
        ?? throw new InvalidOperationException($"Default spec {DefaultSpecId} is missing");

    public SortOrder DefaultSortOrder => SortOrderById(DefaultSortOrderId)
        ?? throw new InvalidOperationException($"Default sort order {DefaultSortOrderId} is missing");

    public Snapshot? CurrentSnapshot => CurrentSnapshotId is { } id ? SnapshotById(id) : null;

    public Schema? SchemaById(int schemaId)
    {
        foreach (var s in Schemas)
        {
            if (s.SchemaId == schemaId)
            {
                return s;
            }
        }

        return null;
    }

    public PartitionSpec? SpecById(int specId)
    {
        foreach (var s in PartitionSpecs)
        {
            if (s.SpecId == specId)
            {
                return s;
            }
        }

        return null;
    }

    public SortOrder? SortOrderById(int orderId)
    {
        foreach (var o in SortOrders)
        {
            if (o.OrderId == orderId)
            {
                return o;
            }
        }

        return null;
    }

    /// <summary>Finds a snapshot by id (searching newest first).</summary>
    public Snapshot? SnapshotById(long snapshotId)
    {
        var snapshots = Snapshots.AsSpan();
        for (var i = snapshots.Length - 1; i >= 0; i--)
        {
            if (snapshots[i].SnapshotId == snapshotId)
            {
                return snapshots[i];
            }
        }

        return null;
    }

    /// <summary>
    /// A copy that keeps only snapshots a ref points at directly (for <c>loadTable?snapshots=refs</c>).
    /// Logs are kept complete; this is a view, not a change.
    /// </summary>
    public TableMetadata WithReferencedSnapshotsOnly()
    {
        var referenced = new HashSet<long>(Refs.Values.Select(static r => r.SnapshotId));
        if (CurrentSnapshotId is { } current)
        {
            referenced.Add(current);
        }

        if (Snapshots.All(s => referenced.Contains(s.SnapshotId)))
        {
            return this;
        }

        return CopyWith(Snapshots.Where(s => referenced.Contains(s.SnapshotId)).ToImmutableArray());
    }

    private TableMetadata CopyWith(ImmutableArray<Snapshot> snapshots) => new()
    {
        FormatVersion = FormatVersion,
        TableUuid = TableUuid,
        Location = Location,
        LastSequenceNumber = LastSequenceNumber,
        LastUpdatedMs = LastUpdatedMs,
        LastColumnId = LastColumnId,
        CurrentSchemaId = CurrentSchemaId,
        Schemas = Schemas,
        DefaultSpecId = DefaultSpecId,
        PartitionSpecs = PartitionSpecs,
        LastPartitionId = LastPartitionId,
        DefaultSortOrderId = DefaultSortOrderId,
        SortOrders = SortOrders,
        Properties = Properties,
        CurrentSnapshotId = CurrentSnapshotId,
        Snapshots = snapshots,
        SnapshotLog = SnapshotLog,
        MetadataLog = MetadataLog,
        Refs = Refs,
        Statistics = Statistics,
        PartitionStatistics = PartitionStatistics,
        NextRowId = NextRowId,
        EncryptionKeys = EncryptionKeys,
        ExtraFields = ExtraFields,
    };

    /// <summary>
    /// Checks the cross-field invariants (ids unique, current/default ids present, refs point at
    /// snapshots, main equals the current snapshot). Null when valid.
    /// </summary>
    public string? Validate()
    {
        if (FormatVersion is < 1 or > SupportedFormatVersion)
        {
            return $"Unsupported format version: v{FormatVersion} (supported: v{SupportedFormatVersion})";
        }

        if (FormatVersion >= 2 && TableUuid == Guid.Empty)
        {
            return "Invalid table metadata: table-uuid is required for v2 and later";
        }

        var schemaIds = new HashSet<int>();
        foreach (var s in Schemas)
        {
            if (!schemaIds.Add(s.SchemaId))
            {
                return $"Invalid table metadata: duplicate schema id {s.SchemaId}";
            }

            if (s.Validate() is { } problem)
            {
                return problem;
            }
        }

        if (!schemaIds.Contains(CurrentSchemaId))
        {
            return $"Invalid table metadata: cannot find current schema with id {CurrentSchemaId} in schemas";
        }

        var specIds = new HashSet<int>();
        foreach (var s in PartitionSpecs)
        {
            if (!specIds.Add(s.SpecId))
            {
                return $"Invalid table metadata: duplicate partition spec id {s.SpecId}";
            }
        }

        if (!specIds.Contains(DefaultSpecId))
        {
            return $"Invalid table metadata: cannot find default partition spec with id {DefaultSpecId}";
        }

        var orderIds = new HashSet<int>();
        foreach (var o in SortOrders)
        {
            if (!orderIds.Add(o.OrderId))
            {
                return $"Invalid table metadata: duplicate sort order id {o.OrderId}";
            }
        }

        if (!orderIds.Contains(DefaultSortOrderId))
        {
            return $"Invalid table metadata: cannot find default sort order with id {DefaultSortOrderId}";
        }

        var snapshotIds = new HashSet<long>(Snapshots.Length);
        foreach (var s in Snapshots)
        {
            if (!snapshotIds.Add(s.SnapshotId))
            {
                return $"Invalid table metadata: duplicate snapshot id {s.SnapshotId}";
            }
        }

        if (CurrentSnapshotId is { } current && !snapshotIds.Contains(current))
        {
            return $"Invalid table metadata: cannot find current snapshot {current}";
        }

        foreach (var (name, r) in Refs)
        {
            if (!snapshotIds.Contains(r.SnapshotId))
            {
                return $"Invalid table metadata: ref {name} points to unknown snapshot {r.SnapshotId}";
            }
        }

        if (Refs.TryGetValue(SnapshotRef.MainBranch, out var main))
        {
            if (!main.IsBranch)
            {
                return "Invalid table metadata: main must be a branch";
            }

            if (CurrentSnapshotId != main.SnapshotId)
            {
                return $"Invalid table metadata: current snapshot {CurrentSnapshotId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} does not match main branch {main.SnapshotId}";
            }
        }
        else if (CurrentSnapshotId is not null)
        {
            return "Invalid table metadata: current snapshot is set but there is no main branch";
        }

        if (FormatVersion >= MinFormatVersionRowLineage && NextRowId is null)
        {
            return "Invalid table metadata: next-row-id is required for v3";
        }

        return null;
    }
}

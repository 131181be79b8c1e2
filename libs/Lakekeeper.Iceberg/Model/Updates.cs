using System.Collections.Immutable;

namespace Lakekeeper.Iceberg;

/// <summary>A table metadata update (one entry of <c>updates</c>), discriminated by <see cref="Action"/>.</summary>
public abstract record TableUpdate
{
    private TableUpdate()
    {
    }

    /// <summary>The JSON <c>action</c> value.</summary>
    public abstract string Action { get; }

    public sealed record AssignUuid(Guid Uuid) : TableUpdate
    {
        public override string Action => "assign-uuid";
    }

    public sealed record UpgradeFormatVersion(int FormatVersion) : TableUpdate
    {
        public override string Action => "upgrade-format-version";
    }

    /// <summary><paramref name="LastColumnId"/> is the deprecated optional field.</summary>
    public sealed record AddSchema(Schema Schema, int? LastColumnId = null) : TableUpdate
    {
        public override string Action => "add-schema";
    }

    /// <summary><c>-1</c> means the schema added last in this request.</summary>
    public sealed record SetCurrentSchema(int SchemaId) : TableUpdate
    {
        public override string Action => "set-current-schema";
    }

    public sealed record AddPartitionSpec(UnboundPartitionSpec Spec) : TableUpdate
    {
        public override string Action => "add-spec";
    }

    /// <summary><c>-1</c> means the spec added last in this request.</summary>
    public sealed record SetDefaultSpec(int SpecId) : TableUpdate
    {
        public override string Action => "set-default-spec";
    }

    public sealed record AddSortOrder(UnboundSortOrder SortOrder) : TableUpdate
    {
        public override string Action => "add-sort-order";
    }

    /// <summary><c>-1</c> means the sort order added last in this request.</summary>
    public sealed record SetDefaultSortOrder(int SortOrderId) : TableUpdate
    {
        public override string Action => "set-default-sort-order";
    }

    public sealed record AddSnapshot(Snapshot Snapshot) : TableUpdate
    {
        public override string Action => "add-snapshot";
    }

    public sealed record SetSnapshotRef(string RefName, SnapshotRef Ref) : TableUpdate
    {
        public override string Action => "set-snapshot-ref";
    }

    public sealed record RemoveSnapshots(ImmutableArray<long> SnapshotIds) : TableUpdate
    {
        public override string Action => "remove-snapshots";

        public bool Equals(RemoveSnapshots? other) => other is not null && Seq.Equal(SnapshotIds, other.SnapshotIds);

        public override int GetHashCode() => Seq.Hash(SnapshotIds);
    }

    public sealed record RemoveSnapshotRef(string RefName) : TableUpdate
    {
        public override string Action => "remove-snapshot-ref";
    }

    public sealed record SetLocation(string Location) : TableUpdate
    {
        public override string Action => "set-location";
    }

    public sealed record SetProperties(StringMap Updates) : TableUpdate
    {
        public override string Action => "set-properties";
    }

    public sealed record RemoveProperties(ImmutableArray<string> Removals) : TableUpdate
    {
        public override string Action => "remove-properties";

        public bool Equals(RemoveProperties? other) => other is not null && Seq.Equal(Removals, other.Removals);

        public override int GetHashCode() => Seq.Hash(Removals);
    }

    /// <summary><paramref name="SnapshotId"/> is the deprecated optional field; <c>statistics.snapshot-id</c> is authoritative.</summary>
    public sealed record SetStatistics(StatisticsFile Statistics, long? SnapshotId = null) : TableUpdate
    {
        public override string Action => "set-statistics";
    }

    public sealed record RemoveStatistics(long SnapshotId) : TableUpdate
    {
        public override string Action => "remove-statistics";
    }

    public sealed record SetPartitionStatistics(PartitionStatisticsFile PartitionStatistics) : TableUpdate
    {
        public override string Action => "set-partition-statistics";
    }

    public sealed record RemovePartitionStatistics(long SnapshotId) : TableUpdate
    {
        public override string Action => "remove-partition-statistics";
    }

    public sealed record RemovePartitionSpecs(ImmutableArray<int> SpecIds) : TableUpdate
    {
        public override string Action => "remove-partition-specs";

        public bool Equals(RemovePartitionSpecs? other) => other is not null && Seq.Equal(SpecIds, other.SpecIds);

        public override int GetHashCode() => Seq.Hash(SpecIds);
    }

    public sealed record RemoveSchemas(ImmutableArray<int> SchemaIds) : TableUpdate
    {
        public override string Action => "remove-schemas";

        public bool Equals(RemoveSchemas? other) => other is not null && Seq.Equal(SchemaIds, other.SchemaIds);

        public override int GetHashCode() => Seq.Hash(SchemaIds);
    }

    public sealed record AddEncryptionKey(EncryptedKey Key) : TableUpdate
    {
        public override string Action => "add-encryption-key";
    }

    public sealed record RemoveEncryptionKey(string KeyId) : TableUpdate
    {
        public override string Action => "remove-encryption-key";
    }
}

/// <summary>A commit precondition checked against the current table metadata (409 when it fails).</summary>
public abstract record TableRequirement
{
    private TableRequirement()
    {
    }

    /// <summary>The JSON <c>type</c> value.</summary>
    public abstract string Type { get; }

    public sealed record AssertCreate : TableRequirement
    {
        public override string Type => "assert-create";
    }

    /// <summary>The UUID as sent (compared case-insensitively).</summary>
    public sealed record AssertTableUuid(string Uuid) : TableRequirement
    {
        public override string Type => "assert-table-uuid";
    }

    /// <summary>A null snapshot id asserts that the ref does not exist.</summary>
    public sealed record AssertRefSnapshotId(string Ref, long? SnapshotId) : TableRequirement
    {
        public override string Type => "assert-ref-snapshot-id";
    }

    public sealed record AssertLastAssignedFieldId(int LastAssignedFieldId) : TableRequirement
    {
        public override string Type => "assert-last-assigned-field-id";
    }

    public sealed record AssertCurrentSchemaId(int CurrentSchemaId) : TableRequirement
    {
        public override string Type => "assert-current-schema-id";
    }

    public sealed record AssertLastAssignedPartitionId(int LastAssignedPartitionId) : TableRequirement
    {
        public override string Type => "assert-last-assigned-partition-id";
    }

    public sealed record AssertDefaultSpecId(int DefaultSpecId) : TableRequirement
    {
        public override string Type => "assert-default-spec-id";
    }

    public sealed record AssertDefaultSortOrderId(int DefaultSortOrderId) : TableRequirement
    {
        public override string Type => "assert-default-sort-order-id";
    }
}

/// <summary>A view metadata update, discriminated by <see cref="Action"/>.</summary>
public abstract record ViewUpdate
{
    private ViewUpdate()
    {
    }

    public abstract string Action { get; }

    public sealed record AssignUuid(Guid Uuid) : ViewUpdate
    {
        public override string Action => "assign-uuid";
    }

    public sealed record UpgradeFormatVersion(int FormatVersion) : ViewUpdate
    {
        public override string Action => "upgrade-format-version";
    }

    public sealed record AddSchema(Schema Schema, int? LastColumnId = null) : ViewUpdate
    {
        public override string Action => "add-schema";
    }

    public sealed record SetLocation(string Location) : ViewUpdate
    {
        public override string Action => "set-location";
    }

    public sealed record SetProperties(StringMap Updates) : ViewUpdate
    {
        public override string Action => "set-properties";
    }

    public sealed record RemoveProperties(ImmutableArray<string> Removals) : ViewUpdate
    {
        public override string Action => "remove-properties";

        public bool Equals(RemoveProperties? other) => other is not null && Seq.Equal(Removals, other.Removals);

        public override int GetHashCode() => Seq.Hash(Removals);
    }

    public sealed record AddViewVersion(ViewVersion ViewVersion) : ViewUpdate
    {
        public override string Action => "add-view-version";
    }

    /// <summary><c>-1</c> means the version added last in this request.</summary>
    public sealed record SetCurrentViewVersion(int ViewVersionId) : ViewUpdate
    {
        public override string Action => "set-current-view-version";
    }
}

/// <summary>A view commit precondition; only <c>assert-view-uuid</c> exists.</summary>
public abstract record ViewRequirement
{
    private ViewRequirement()
    {
    }

    public abstract string Type { get; }

    public sealed record AssertViewUuid(string Uuid) : ViewRequirement
    {
        public override string Type => "assert-view-uuid";
    }
}

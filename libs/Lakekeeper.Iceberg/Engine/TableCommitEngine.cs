using System.Collections.Immutable;
using System.Globalization;

namespace Lakekeeper.Iceberg;

/// <summary>
/// Validates requirements and applies updates to table metadata (the server side of
/// <c>updateTable</c>, staged creates and transactions) and builds metadata for <c>createTable</c>.
/// Pure: no I/O; every expected failure is a value.
/// </summary>
public static class TableCommitEngine
{
    /// <summary>
    /// Builds version-0 metadata for a create request: fresh column ids, schema id 0, spec id 0 with
    /// partition field ids from 1000, sort order id 1 (0 when unsorted), format version from the
    /// <c>format-version</c> property (default <paramref name="defaultFormatVersion"/>, 2 unless the
    /// catalog says otherwise); reserved properties are not persisted.
    /// </summary>
    public static Result<TableMetadata> CreateTable(
        CreateTableRequest request, string location, Guid tableUuid, long nowMs, int defaultFormatVersion = TableMetadata.DefaultFormatVersion)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(location);
        var formatVersion = defaultFormatVersion;
        if (request.Properties.TryGetValue(TableProperties.FormatVersion, out var requested))
        {
            if (!int.TryParse(requested, NumberStyles.Integer, CultureInfo.InvariantCulture, out formatVersion))
            {
                return IcebergError.IllegalArgument($"Invalid format version: {requested}");
            }

            if (formatVersion is < 1 or > TableMetadata.SupportedFormatVersion)
            {
                return IcebergError.IllegalArgument($"Unsupported format version: v{formatVersion} (supported: v{TableMetadata.SupportedFormatVersion})");
            }
        }

        if (request.Schema.Validate() is { } invalidSchema)
        {
            return IcebergError.IllegalArgument(invalidSchema);
        }

        var lastColumnId = 0;
        var schema = request.Schema.AssignFreshIds(0, ref lastColumnId);
        if (schema.CheckCompatibility(formatVersion) is { } incompatible)
        {
            return IcebergError.IllegalArgument(incompatible);
        }

        var spec = PartitionSpec.Unpartitioned;
        if (request.PartitionSpec is { } unboundSpec)
        {
            var fields = ImmutableArray.CreateBuilder<UnboundPartitionField>(unboundSpec.Fields.Length);
            foreach (var f in unboundSpec.Fields)
            {
                var sources = RemapSources(request.Schema, schema, f.SourceIds, "partition field");
                if (sources.IsFailure)
                {
                    return sources.Error;
                }

                fields.Add(new UnboundPartitionField(sources.Value, null, f.Name, f.Transform));
            }

            var bound = new UnboundPartitionSpec(0, fields.MoveToImmutable()).Bind(schema, 0);
            if (bound.IsFailure)
            {
                return bound.Error;
            }

            spec = bound.Value;
        }

        var order = SortOrder.Unsorted;
        if (request.WriteOrder is { IsUnsorted: false } unboundOrder)
        {
            var fields = ImmutableArray.CreateBuilder<SortField>(unboundOrder.Fields.Length);
            foreach (var f in unboundOrder.Fields)
            {
                var sources = RemapSources(request.Schema, schema, f.SourceIds, "sort field");
                if (sources.IsFailure)
                {
                    return sources.Error;
                }

                fields.Add(new SortField(f.Transform, sources.Value, f.Direction, f.NullOrder));
            }

            order = new SortOrder(1, fields.MoveToImmutable());
            if (SortOrder.CheckCompatibility(order.Fields, schema) is { } orderError)
            {
                return orderError;
            }
        }

        var trimmed = location.TrimEnd('/');
        var metadata = new TableMetadata
        {
            FormatVersion = formatVersion,
            TableUuid = tableUuid,
            Location = trimmed.Length == 0 ? location : trimmed,
            LastSequenceNumber = 0,
            LastUpdatedMs = nowMs,
            LastColumnId = lastColumnId,
            CurrentSchemaId = schema.SchemaId,
            Schemas = [schema],
            DefaultSpecId = spec.SpecId,
            PartitionSpecs = [spec],
            LastPartitionId = spec.LastAssignedFieldId,
            DefaultSortOrderId = order.OrderId,
            SortOrders = [order],
            Properties = TableProperties.WithoutReserved(request.Properties),
            NextRowId = formatVersion >= TableMetadata.MinFormatVersionRowLineage ? 0 : null,
        };

        return metadata.Validate() is { } problem ? IcebergError.IllegalArgument(problem) : metadata;
    }

    /// <summary>
    /// Applies a commit. With an <c>assert-create</c> requirement this is the create path
    /// (<paramref name="current"/> must be null; updates start from empty metadata and
    /// <paramref name="newTableUuid"/>/<paramref name="newTableLocation"/> fill in a missing
    /// <c>assign-uuid</c>/<c>set-location</c>). Otherwise requirements are checked against
    /// <paramref name="current"/> and the updates applied; <paramref name="currentMetadataLocation"/>
    /// is appended to the metadata log.
    /// </summary>
    public static CommitOutcome<TableMetadata> Commit(
        TableMetadata? current,
        string? currentMetadataLocation,
        IReadOnlyList<TableRequirement> requirements,
        IReadOnlyList<TableUpdate> updates,
        long nowMs,
        Guid? newTableUuid = null,
        string? newTableLocation = null)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        ArgumentNullException.ThrowIfNull(updates);
        var isCreate = requirements.Any(static r => r is TableRequirement.AssertCreate);
        TableMetadataBuilder builder;
        if (isCreate)
        {
            if (requirements.Any(static r => r is not TableRequirement.AssertCreate))
            {
                return new CommitOutcome<TableMetadata>.Failed(IcebergError.BadRequest("Invalid create requirements: assert-create must be the only requirement"));
            }

            if (current is not null)
            {
                return new CommitOutcome<TableMetadata>.Failed(IcebergError.CommitFailed("Requirement failed: table already exists"));
            }

            builder = TableMetadataBuilder.ForCreate(nowMs);
        }
        else
        {
            if (current is null)
            {
                return new CommitOutcome<TableMetadata>.Failed(IcebergError.NotFound("NoSuchTableException", "Table does not exist"));
            }

            foreach (var requirement in requirements)
            {
                if (CheckRequirement(current, requirement) is { } failure)
                {
                    return new CommitOutcome<TableMetadata>.Failed(failure);
                }
            }

            builder = TableMetadataBuilder.From(current, currentMetadataLocation, nowMs);
        }

        foreach (var update in updates)
        {
            if (builder.Apply(update) is { } error)
            {
                return new CommitOutcome<TableMetadata>.Failed(error);
            }
        }

        var built = builder.Build(newTableUuid, newTableLocation);
        if (built.IsFailure)
        {
            return new CommitOutcome<TableMetadata>.Failed(built.Error);
        }

        return built.Value is { } changed
            ? new CommitOutcome<TableMetadata>.Changed(changed)
            : new CommitOutcome<TableMetadata>.Unchanged(current!);
    }

    /// <summary>Checks one requirement against the current metadata (null = table does not exist). Null when it holds.</summary>
    public static IcebergError? CheckRequirement(TableMetadata? current, TableRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        switch (requirement)
        {
            case TableRequirement.AssertCreate:
                return current is null ? null : IcebergError.CommitFailed("Requirement failed: table already exists");
            case TableRequirement.AssertTableUuid q:
                if (current is null)
                {
                    return IcebergError.CommitFailed("Requirement failed: table does not exist");
                }

                return string.Equals(current.TableUuid.ToString(), q.Uuid, StringComparison.OrdinalIgnoreCase)
                    ? null
                    : IcebergError.CommitFailed($"Requirement failed: UUID does not match: expected {current.TableUuid} != {q.Uuid}");
            case TableRequirement.AssertRefSnapshotId q:
                {
                    SnapshotRef? existing = null;
                    current?.Refs.TryGetValue(q.Ref, out existing);
                    if (existing is not null)
                    {
                        var kind = existing.IsBranch ? "branch" : "tag";
                        if (q.SnapshotId is not { } expected)
                        {
                            return IcebergError.CommitFailed($"Requirement failed: {kind} {q.Ref} was created concurrently");
                        }

                        return expected == existing.SnapshotId
                            ? null
                            : IcebergError.CommitFailed($"Requirement failed: {kind} {q.Ref} has changed: expected id {expected} != {existing.SnapshotId}");
                    }

                    return q.SnapshotId is { } missing
                        ? IcebergError.CommitFailed($"Requirement failed: branch or tag {q.Ref} is missing, expected {missing}")
                        : null;
                }

            case TableRequirement.AssertLastAssignedFieldId q:
                return current is null || current.LastColumnId == q.LastAssignedFieldId
                    ? null
                    : IcebergError.CommitFailed($"Requirement failed: last assigned field id changed: expected id {q.LastAssignedFieldId} != {current.LastColumnId}");
            case TableRequirement.AssertCurrentSchemaId q:
                if (current is null)
                {
                    return IcebergError.CommitFailed("Requirement failed: table does not exist");
                }

                return current.CurrentSchemaId == q.CurrentSchemaId
                    ? null
                    : IcebergError.CommitFailed($"Requirement failed: current schema changed: expected id {q.CurrentSchemaId} != {current.CurrentSchemaId}");
            case TableRequirement.AssertLastAssignedPartitionId q:
                return current is null || current.LastPartitionId == q.LastAssignedPartitionId
                    ? null
                    : IcebergError.CommitFailed($"Requirement failed: last assigned partition id changed: expected id {q.LastAssignedPartitionId} != {current.LastPartitionId}");
            case TableRequirement.AssertDefaultSpecId q:
                if (current is null)
                {
                    return IcebergError.CommitFailed("Requirement failed: table does not exist");
                }

                return current.DefaultSpecId == q.DefaultSpecId
                    ? null
                    : IcebergError.CommitFailed($"Requirement failed: default partition spec changed: expected id {q.DefaultSpecId} != {current.DefaultSpecId}");
            case TableRequirement.AssertDefaultSortOrderId q:
                if (current is null)
                {
                    return IcebergError.CommitFailed("Requirement failed: table does not exist");
                }

                return current.DefaultSortOrderId == q.DefaultSortOrderId
                    ? null
                    : IcebergError.CommitFailed($"Requirement failed: default sort order changed: expected id {q.DefaultSortOrderId} != {current.DefaultSortOrderId}");
            default:
                return IcebergError.BadRequest($"Unsupported requirement: {requirement.Type}");
        }
    }

    private static Result<ImmutableArray<int>> RemapSources(Schema requestSchema, Schema freshSchema, ImmutableArray<int> sourceIds, string what)
    {
        var builder = ImmutableArray.CreateBuilder<int>(sourceIds.Length);
        foreach (var id in sourceIds)
        {
            var name = requestSchema.FindColumnName(id);
            var field = name is null ? null : freshSchema.FindField(name);
            if (field is null)
            {
                return IcebergError.IllegalArgument($"Cannot find source column for {what}: {id}");
            }

            builder.Add(field.Id);
        }

        return builder.MoveToImmutable();
    }
}

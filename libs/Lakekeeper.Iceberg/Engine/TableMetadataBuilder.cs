using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Lakekeeper.Iceberg;

/// <summary>
/// Applies table updates to a base metadata with the reference builder semantics. The snapshot
/// list is copied at most once (at <see cref="Build"/>); nothing is materialized for unchanged parts.
/// </summary>
internal sealed class TableMetadataBuilder
{
    private readonly TableMetadata? _base;
    private readonly string? _previousLocation;
    private readonly bool _isCreate;

    private int? _formatVersion;
    private Guid _uuid;
    private string? _location;
    private long _lastSequenceNumber;
    private int _lastColumnId;
    private int _currentSchemaId;
    private readonly List<Schema> _schemas;
    private int _defaultSpecId;
    private readonly List<PartitionSpec> _specs;
    private int _lastPartitionId;
    private int _defaultSortOrderId;
    private readonly List<SortOrder> _orders;
    private StringMap _properties;
    private long? _currentSnapshotId;
    private readonly ImmutableArray<Snapshot> _baseSnapshots;
    private readonly List<Snapshot> _addedSnapshots = [];
    private HashSet<long>? _removedSnapshotIds;
    private readonly List<SnapshotLogEntry> _appendedLog = [];
    private ImmutableSortedDictionary<string, SnapshotRef> _refs;
    private ImmutableArray<StatisticsFile> _statistics;
    private ImmutableArray<PartitionStatisticsFile> _partitionStatistics;
    private long? _nextRowId;
    private ImmutableArray<EncryptedKey> _encryptionKeys;

    private bool _changed;
    private int? _lastAddedSchemaId;
    private int? _lastAddedSpecId;
    private int? _lastAddedOrderId;
    private readonly HashSet<int> _addedSchemaIds = [];
    private readonly HashSet<int> _addedSpecIds = [];
    private readonly HashSet<int> _addedOrderIds = [];
    private readonly HashSet<long> _addedSnapshotIds = [];
    private bool _removedSnapshots;
    private readonly long _nowMs;

    private TableMetadataBuilder(TableMetadata? baseMetadata, string? previousLocation, long nowMs)
    {
        _base = baseMetadata;
        _previousLocation = previousLocation;
        _isCreate = baseMetadata is null;
        _nowMs = nowMs;
        if (baseMetadata is { } b)
        {
            _formatVersion = b.FormatVersion;
            _uuid = b.TableUuid;
            _location = b.Location;
            _lastSequenceNumber = b.LastSequenceNumber;
            _lastColumnId = b.LastColumnId;
            _currentSchemaId = b.CurrentSchemaId;
            _schemas = [.. b.Schemas];
            _defaultSpecId = b.DefaultSpecId;
            _specs = [.. b.PartitionSpecs];
            _lastPartitionId = b.LastPartitionId;
            _defaultSortOrderId = b.DefaultSortOrderId;
            _orders = [.. b.SortOrders];
            _properties = b.Properties;
            _currentSnapshotId = b.CurrentSnapshotId;
            _baseSnapshots = b.Snapshots;
            _refs = b.Refs;
            _statistics = b.Statistics;
            _partitionStatistics = b.PartitionStatistics;
            _nextRowId = b.NextRowId;
            _encryptionKeys = b.EncryptionKeys;
        }
        else
        {
            _formatVersion = null;
            _uuid = Guid.Empty;
            _location = null;
            _lastColumnId = 0;
            _currentSchemaId = -1;
            _schemas = [];
            _defaultSpecId = -1;
            _specs = [];
            _lastPartitionId = PartitionSpec.PartitionDataIdStart - 1;
            _defaultSortOrderId = -1;
            _orders = [];
            _properties = StringMap.Empty;
            _baseSnapshots = [];
            _refs = ImmutableSortedDictionary.Create<string, SnapshotRef>(StringComparer.Ordinal);
            _statistics = [];
            _partitionStatistics = [];
            _encryptionKeys = [];
        }
    }

    public static TableMetadataBuilder From(TableMetadata current, string? currentLocation, long nowMs) => new(current, currentLocation, nowMs);

    public static TableMetadataBuilder ForCreate(long nowMs) => new(null, null, nowMs);

    private int FormatVersion => _formatVersion ?? TableMetadata.DefaultFormatVersion;

    private Schema? CurrentSchema => _schemas.Find(s => s.SchemaId == _currentSchemaId);

    public IcebergError? Apply(TableUpdate update) => update switch
    {
        TableUpdate.AssignUuid u => AssignUuid(u.Uuid),
        TableUpdate.UpgradeFormatVersion u => UpgradeFormatVersion(u.FormatVersion),
        TableUpdate.AddSchema u => AddSchema(u.Schema, u.LastColumnId),
        TableUpdate.SetCurrentSchema u => SetCurrentSchema(u.SchemaId),
        TableUpdate.AddPartitionSpec u => AddSpec(u.Spec),
        TableUpdate.SetDefaultSpec u => SetDefaultSpec(u.SpecId),
        TableUpdate.AddSortOrder u => AddSortOrder(u.SortOrder),
        TableUpdate.SetDefaultSortOrder u => SetDefaultSortOrder(u.SortOrderId),
        TableUpdate.AddSnapshot u => AddSnapshot(u.Snapshot),
        TableUpdate.SetSnapshotRef u => SetRef(u.RefName, u.Ref),
        TableUpdate.RemoveSnapshots u => RemoveSnapshots(u.SnapshotIds),
        TableUpdate.RemoveSnapshotRef u => RemoveRef(u.RefName),
        TableUpdate.SetLocation u => SetLocation(u.Location),
        TableUpdate.SetProperties u => SetProperties(u.Updates),
        TableUpdate.RemoveProperties u => RemoveProperties(u.Removals),
        TableUpdate.SetStatistics u => SetStatistics(u.Statistics),
        TableUpdate.RemoveStatistics u => RemoveStatistics(u.SnapshotId),
        TableUpdate.SetPartitionStatistics u => SetPartitionStatistics(u.PartitionStatistics),
        TableUpdate.RemovePartitionStatistics u => RemovePartitionStatistics(u.SnapshotId),
        TableUpdate.RemovePartitionSpecs u => RemoveSpecs(u.SpecIds),
        TableUpdate.RemoveSchemas u => RemoveSchemas(u.SchemaIds),
        TableUpdate.AddEncryptionKey u => AddEncryptionKey(u.Key),
        TableUpdate.RemoveEncryptionKey u => RemoveEncryptionKey(u.KeyId),
        _ => IcebergError.BadRequest($"Unsupported table update: {update.Action}"),
    };

    private IcebergError? AssignUuid(Guid uuid)
    {
        if (uuid == Guid.Empty)
        {
            return IcebergError.IllegalArgument("Cannot assign an empty uuid");
        }

        if (uuid == _uuid)
        {
            return null;
        }

        if (!_isCreate)
        {
            return IcebergError.IllegalArgument($"Cannot reassign uuid: table uuid is {_uuid}");
        }

        _uuid = uuid;
        _changed = true;
        return null;
    }

    private IcebergError? UpgradeFormatVersion(int version)
    {
        if (version > TableMetadata.SupportedFormatVersion)
        {
            return IcebergError.IllegalArgument($"Cannot upgrade table to unsupported format version: v{version} (supported: v{TableMetadata.SupportedFormatVersion})");
        }

        if (version < 1)
        {
            return IcebergError.IllegalArgument($"Invalid format version: {version}");
        }

        if (_formatVersion is { } current)
        {
            if (version < current)
            {
                return IcebergError.IllegalArgument($"Cannot downgrade v{current} table to v{version}");
            }

            if (version == current)
            {
                return null;
            }
        }

        var previous = _formatVersion ?? 0;
        _formatVersion = version;
        if (version >= TableMetadata.MinFormatVersionRowLineage && previous < TableMetadata.MinFormatVersionRowLineage)
        {
            _nextRowId ??= 0;
        }

        _changed = true;
        return null;
    }

    private IcebergError? AddSchema(Schema schema, int? requestedLastColumnId)
    {
        if (schema.Validate() is { } invalid)
        {
            return IcebergError.IllegalArgument(invalid);
        }

        if (schema.CheckCompatibility(FormatVersion) is { } incompatible)
        {
            return IcebergError.IllegalArgument(incompatible);
        }

        var newLastColumnId = Math.Max(_lastColumnId, schema.HighestFieldId);
        if (requestedLastColumnId is { } requested)
        {
            if (requested < _lastColumnId)
            {
                return IcebergError.IllegalArgument($"Invalid last column ID: {requested} < {_lastColumnId} (previous last column ID)");
            }

            newLastColumnId = Math.Max(requested, schema.HighestFieldId);
        }

        var existing = _schemas.Find(s => s.SameSchema(schema));
        if (existing is not null)
        {
            if (newLastColumnId != _lastColumnId)
            {
                _lastColumnId = newLastColumnId;
                _lastAddedSchemaId = existing.SchemaId;
                _changed = true;
            }
            else
            {
                _lastAddedSchemaId = _addedSchemaIds.Contains(existing.SchemaId) ? existing.SchemaId : null;
            }

            return null;
        }

        var newId = _schemas.Count == 0 ? 0 : Math.Max(_currentSchemaId, _schemas.Max(static s => s.SchemaId) + 1);
        _schemas.Add(schema.WithSchemaId(newId));
        _addedSchemaIds.Add(newId);
        _lastAddedSchemaId = newId;
        _lastColumnId = newLastColumnId;
        _changed = true;
        return null;
    }

    private IcebergError? SetCurrentSchema(int schemaId)
    {
        if (schemaId == -1)
        {
            if (_lastAddedSchemaId is not { } last)
            {
                return IcebergError.IllegalArgument("Cannot set last added schema: no schema has been added");
            }

            schemaId = last;
        }

        if (schemaId == _currentSchemaId)
        {
            return null;
        }

        if (!_schemas.Exists(s => s.SchemaId == schemaId))
        {
            return IcebergError.IllegalArgument($"Cannot set current schema to unknown schema: {schemaId}");
        }

        // Specs and sort orders are bound lazily to the current schema: later add-spec and
        // add-sort-order validate against it; existing specs stay as they are (unchecked rebind).
        _currentSchemaId = schemaId;
        _changed = true;
        return null;
    }

    private IcebergError? AddSpec(UnboundPartitionSpec unbound)
    {
        var schema = CurrentSchema;
        if (schema is null)
        {
            return IcebergError.IllegalArgument("Cannot add a partition spec before a schema is set");
        }

        var bound = unbound.Bind(schema, 0);
        if (bound.IsFailure)
        {
            return bound.Error;
        }

        var spec = bound.Value;
        if (FormatVersion == 1 && !PartitionSpec.HasSequentialIds(spec))
        {
            return IcebergError.Validation($"Spec does not use sequential IDs that are required in v1: {spec}");
        }

        var existing = _specs.Find(s => s.CompatibleWith(spec));
        if (existing is not null)
        {
            _lastAddedSpecId = _addedSpecIds.Contains(existing.SpecId) ? existing.SpecId : null;
            return null;
        }

        var newId = _specs.Count == 0 ? 0 : _specs.Max(static s => s.SpecId) + 1;
        spec = spec with { SpecId = newId };
        _specs.Add(spec);
        _addedSpecIds.Add(newId);
        _lastAddedSpecId = newId;
        _lastPartitionId = Math.Max(_lastPartitionId, spec.LastAssignedFieldId);
        _changed = true;
        return null;
    }

    private IcebergError? SetDefaultSpec(int specId)
    {
        if (specId == -1)
        {
            if (_lastAddedSpecId is not { } last)
            {
                return IcebergError.IllegalArgument("Cannot set last added spec: no spec has been added");
            }

            specId = last;
        }

        if (specId == _defaultSpecId)
        {
            return null;
        }

        if (!_specs.Exists(s => s.SpecId == specId))
        {
            return IcebergError.IllegalArgument($"Cannot set default partition spec to unknown spec: {specId}");
        }

        _defaultSpecId = specId;
        _changed = true;
        return null;
    }

    private IcebergError? AddSortOrder(UnboundSortOrder unbound)
    {
        var order = new SortOrder(0, unbound.Fields);
        if (!order.IsUnsorted)
        {
            var schema = CurrentSchema;
            if (schema is null)
            {
                return IcebergError.IllegalArgument("Cannot add a sort order before a schema is set");
            }

            if (SortOrder.CheckCompatibility(order.Fields, schema) is { } error)
            {
                return error;
            }
        }

        var existing = _orders.Find(o => o.SameOrder(order));
        if (existing is not null)
        {
            _lastAddedOrderId = _addedOrderIds.Contains(existing.OrderId) ? existing.OrderId : null;
            return null;
        }

        var newId = order.IsUnsorted ? SortOrder.UnsortedOrderId : Math.Max(1, _orders.Count == 0 ? 1 : _orders.Max(static o => o.OrderId) + 1);
        order = order with { OrderId = newId };
        _orders.Add(order);
        _addedOrderIds.Add(newId);
        _lastAddedOrderId = newId;
        _changed = true;
        return null;
    }

    private IcebergError? SetDefaultSortOrder(int orderId)
    {
        if (orderId == -1)
        {
            if (_lastAddedOrderId is not { } last)
            {
                return IcebergError.IllegalArgument("Cannot set last added sort order: no sort order has been added");
            }

            orderId = last;
        }

        if (orderId == _defaultSortOrderId)
        {
            return null;
        }

        if (!_orders.Exists(o => o.OrderId == orderId))
        {
            return IcebergError.IllegalArgument($"Cannot set default sort order to unknown sort order: {orderId}");
        }

        _defaultSortOrderId = orderId;
        _changed = true;
        return null;
    }

    private Snapshot? FindSnapshot(long snapshotId)
    {
        foreach (var s in _addedSnapshots)
        {
            if (s.SnapshotId == snapshotId)
            {
                return s;
            }
        }

        if (_removedSnapshotIds is not null && _removedSnapshotIds.Contains(snapshotId))
        {
            return null;
        }

        var span = _baseSnapshots.AsSpan();
        for (var i = span.Length - 1; i >= 0; i--)
        {
            if (span[i].SnapshotId == snapshotId)
            {
                return span[i];
            }
        }

        return null;
    }

    private IcebergError? AddSnapshot(Snapshot snapshot)
    {
        if (_schemas.Count == 0)
        {
            return IcebergError.Validation("Attempting to add a snapshot before a schema is added");
        }

        if (_specs.Count == 0)
        {
            return IcebergError.Validation("Attempting to add a snapshot before a partition spec is added");
        }

        if (_orders.Count == 0)
        {
            return IcebergError.Validation("Attempting to add a snapshot before a sort order is added");
        }

        if (FindSnapshot(snapshot.SnapshotId) is not null)
        {
            return IcebergError.Validation($"Snapshot already exists for id: {snapshot.SnapshotId}");
        }

        var version = FormatVersion;
        if (version >= 2 && snapshot.ParentSnapshotId is not null && snapshot.SequenceNumber <= _lastSequenceNumber)
        {
            return IcebergError.CommitFailed(
                $"Cannot add snapshot with sequence number {snapshot.SequenceNumber} older than last sequence number {_lastSequenceNumber}. Validation failed, please retry");
        }

        if (version >= TableMetadata.MinFormatVersionRowLineage)
        {
            if (snapshot.FirstRowId is not { } firstRowId)
            {
                return IcebergError.Validation("Cannot add a snapshot: first-row-id is null");
            }

            if (snapshot.AddedRows is not { } addedRows)
            {
                return IcebergError.Validation("Cannot add a snapshot: added-rows is null");
            }

            if (addedRows < 0)
            {
                return IcebergError.Validation($"Cannot add a snapshot: added-rows is negative: {addedRows}");
            }

            var nextRowId = _nextRowId ?? 0;
            if (firstRowId < nextRowId)
            {
                return IcebergError.CommitFailed(
                    $"Cannot add a snapshot, first-row-id is behind table next-row-id: {firstRowId} < {nextRowId}. Validation failed, please retry");
            }

            _nextRowId = nextRowId + addedRows;
        }

        if (version == 1)
        {
            snapshot = snapshot.SequenceNumber == 0 ? snapshot : snapshot with { SequenceNumber = 0 };
        }
        else
        {
            _lastSequenceNumber = Math.Max(_lastSequenceNumber, snapshot.SequenceNumber);
        }

        _addedSnapshots.Add(snapshot);
        _addedSnapshotIds.Add(snapshot.SnapshotId);
        _changed = true;
        return null;
    }

    private IcebergError? SetRef(string name, SnapshotRef snapshotRef)
    {
        if (string.IsNullOrEmpty(name))
        {
            return IcebergError.IllegalArgument("Invalid ref name: must not be empty");
        }

        if (snapshotRef.Validate() is { } invalid)
        {
            return IcebergError.IllegalArgument(invalid);
        }

        if (name == SnapshotRef.MainBranch && !snapshotRef.IsBranch)
        {
            return IcebergError.IllegalArgument("Cannot set main to a tag: main must be a branch");
        }

        if (_refs.TryGetValue(name, out var existing) && existing == snapshotRef)
        {
            return null;
        }

        var snapshot = FindSnapshot(snapshotRef.SnapshotId);
        if (snapshot is null)
        {
            return IcebergError.Validation($"Cannot set {name} to unknown snapshot: {snapshotRef.SnapshotId}");
        }

        if (name == SnapshotRef.MainBranch)
        {
            _currentSnapshotId = snapshot.SnapshotId;
            var timestamp = _addedSnapshotIds.Contains(snapshot.SnapshotId) ? snapshot.TimestampMs : _nowMs;
            _appendedLog.Add(new SnapshotLogEntry(timestamp, snapshot.SnapshotId));
        }

        _refs = _refs.SetItem(name, snapshotRef);
        _changed = true;
        return null;
    }

    private IcebergError? RemoveSnapshots(ImmutableArray<long> snapshotIds)
    {
        var removed = false;
        foreach (var id in snapshotIds)
        {
            if (FindSnapshot(id) is null)
            {
                continue;
            }

            removed = true;
            if (_addedSnapshotIds.Contains(id))
            {
                _addedSnapshots.RemoveAll(s => s.SnapshotId == id);
                _addedSnapshotIds.Remove(id);
            }
            else
            {
                (_removedSnapshotIds ??= []).Add(id);
            }

            RemoveStatistics(id);
            RemovePartitionStatistics(id);
        }

        if (!removed)
        {
            return null;
        }

        _removedSnapshots = true;
        _changed = true;
        foreach (var (name, r) in _refs)
        {
            if (FindSnapshot(r.SnapshotId) is null)
            {
                RemoveRef(name);
            }
        }

        return null;
    }

    private IcebergError? RemoveRef(string name)
    {
        if (name == SnapshotRef.MainBranch && _currentSnapshotId is not null)
        {
            _currentSnapshotId = null;
            _changed = true;
        }

        if (_refs.ContainsKey(name))
        {
            _refs = _refs.Remove(name);
            _changed = true;
        }

        return null;
    }

    private IcebergError? SetLocation(string location)
    {
        if (string.IsNullOrEmpty(location))
        {
            return IcebergError.IllegalArgument("Invalid location: must not be empty");
        }

        if (location == _location)
        {
            return null;
        }

        _location = location;
        _changed = true;
        return null;
    }

    private IcebergError? SetProperties(StringMap updates)
    {
        var updated = _properties.SetItems(updates.Where(static kv => !TableProperties.Reserved.Contains(kv.Key)));
        if (!updated.Equals(_properties))
        {
            _properties = updated;
            _changed = true;
        }

        return null;
    }

    private IcebergError? RemoveProperties(ImmutableArray<string> removals)
    {
        var updated = _properties.RemoveKeys(removals);
        if (!updated.Equals(_properties))
        {
            _properties = updated;
            _changed = true;
        }

        return null;
    }

    private IcebergError? SetStatistics(StatisticsFile statistics)
    {
        var index = -1;
        for (var i = 0; i < _statistics.Length; i++)
        {
            if (_statistics[i].SnapshotId == statistics.SnapshotId)
            {
                index = i;
                break;
            }
        }

        if (index >= 0)
        {
            if (_statistics[index] == statistics)
            {
                return null;
            }

            _statistics = _statistics.SetItem(index, statistics);
        }
        else
        {
            _statistics = _statistics.Add(statistics);
        }

        _changed = true;
        return null;
    }

    private IcebergError? RemoveStatistics(long snapshotId)
    {
        var kept = _statistics.RemoveAll(s => s.SnapshotId == snapshotId);
        if (kept.Length != _statistics.Length)
        {
            _statistics = kept;
            _changed = true;
        }

        return null;
    }

    private IcebergError? SetPartitionStatistics(PartitionStatisticsFile statistics)
    {
        var index = -1;
        for (var i = 0; i < _partitionStatistics.Length; i++)
        {
            if (_partitionStatistics[i].SnapshotId == statistics.SnapshotId)
            {
                index = i;
                break;
            }
        }

        if (index >= 0)
        {
            if (_partitionStatistics[index] == statistics)
            {
                return null;
            }

            _partitionStatistics = _partitionStatistics.SetItem(index, statistics);
        }
        else
        {
            _partitionStatistics = _partitionStatistics.Add(statistics);
        }

        _changed = true;
        return null;
    }

    private IcebergError? RemovePartitionStatistics(long snapshotId)
    {
        var kept = _partitionStatistics.RemoveAll(s => s.SnapshotId == snapshotId);
        if (kept.Length != _partitionStatistics.Length)
        {
            _partitionStatistics = kept;
            _changed = true;
        }

        return null;
    }

    private IcebergError? RemoveSpecs(ImmutableArray<int> specIds)
    {
        if (specIds.Contains(_defaultSpecId))
        {
            return IcebergError.IllegalArgument("Cannot remove the default partition spec");
        }

        if (_specs.RemoveAll(s => specIds.Contains(s.SpecId)) > 0)
        {
            _changed = true;
        }

        return null;
    }

    private IcebergError? RemoveSchemas(ImmutableArray<int> schemaIds)
    {
        if (schemaIds.Contains(_currentSchemaId))
        {
            return IcebergError.IllegalArgument($"Cannot remove current schema: {_currentSchemaId}");
        }

        if (_schemas.RemoveAll(s => schemaIds.Contains(s.SchemaId)) > 0)
        {
            _changed = true;
        }

        return null;
    }

    private IcebergError? AddEncryptionKey(EncryptedKey key)
    {
        if (_encryptionKeys.Any(k => k.KeyId == key.KeyId))
        {
            return null;
        }

        _encryptionKeys = _encryptionKeys.Add(key);
        _changed = true;
        return null;
    }

    private IcebergError? RemoveEncryptionKey(string keyId)
    {
        var kept = _encryptionKeys.RemoveAll(k => k.KeyId == keyId);
        if (kept.Length != _encryptionKeys.Length)
        {
            _encryptionKeys = kept;
            _changed = true;
        }

        return null;
    }

    /// <summary>
    /// Produces the new metadata, or null when nothing changed. For creates,
    /// <paramref name="defaultUuid"/> and <paramref name="defaultLocation"/> fill in what the updates did not set.
    /// </summary>
    public Result<TableMetadata?> Build(Guid? defaultUuid = null, string? defaultLocation = null)
    {
        if (!_changed && !_isCreate)
        {
            return new Result<TableMetadata?>((TableMetadata?)null);
        }

        var version = FormatVersion;
        if (_isCreate)
        {
            if (_schemas.Count == 0)
            {
                return IcebergError.IllegalArgument("Cannot create a table without a schema: add-schema is required");
            }

            if (_currentSchemaId < 0)
            {
                _currentSchemaId = _lastAddedSchemaId ?? _schemas[^1].SchemaId;
            }

            if (_specs.Count == 0)
            {
                _specs.Add(PartitionSpec.Unpartitioned);
            }

            if (_defaultSpecId < 0)
            {
                _defaultSpecId = _lastAddedSpecId ?? _specs[0].SpecId;
            }

            if (_orders.Count == 0)
            {
                _orders.Add(SortOrder.Unsorted);
            }

            if (_defaultSortOrderId < 0)
            {
                _defaultSortOrderId = _lastAddedOrderId ?? _orders[0].OrderId;
            }

            _location ??= defaultLocation;
            if (string.IsNullOrEmpty(_location))
            {
                return IcebergError.IllegalArgument("Cannot create a table without a location: set-location is required");
            }

            if (_uuid == Guid.Empty)
            {
                _uuid = defaultUuid ?? Guid.NewGuid();
            }

            foreach (var schema in _schemas)
            {
                if (schema.CheckCompatibility(version) is { } problem)
                {
                    return IcebergError.IllegalArgument(problem);
                }
            }

            if (version >= TableMetadata.MinFormatVersionRowLineage)
            {
                _nextRowId ??= 0;
            }
        }

        var snapshots = BuildSnapshots();
        var snapshotLog = BuildSnapshotLog(snapshots, out var logError);
        if (logError is not null)
        {
            return logError;
        }

        var metadataLog = _base?.MetadataLog ?? [];
        if (!_isCreate && _previousLocation is not null)
        {
            var max = Math.Max(1, TableProperties.GetInt(_properties, TableProperties.MetadataPreviousVersionsMax, TableProperties.MetadataPreviousVersionsMaxDefault));
            var count = metadataLog.Length + 1;
            var skip = Math.Max(0, count - max);
            var entries = new MetadataLogEntry[count - skip];
            var j = 0;
            for (var i = skip; i < metadataLog.Length; i++)
            {
                entries[j++] = metadataLog[i];
            }

            entries[j] = new MetadataLogEntry(_base!.LastUpdatedMs, _previousLocation);
            metadataLog = ImmutableCollectionsMarshal.AsImmutableArray(entries);
        }

        var lastUpdated = Math.Max(_nowMs, _base?.LastUpdatedMs ?? long.MinValue);
        foreach (var entry in _appendedLog)
        {
            lastUpdated = Math.Max(lastUpdated, entry.TimestampMs);
        }

        var metadata = new TableMetadata
        {
            FormatVersion = version,
            TableUuid = _uuid,
            Location = _location!,
            LastSequenceNumber = version >= 2 ? _lastSequenceNumber : 0,
            LastUpdatedMs = lastUpdated,
            LastColumnId = _lastColumnId,
            CurrentSchemaId = _currentSchemaId,
            Schemas = [.. _schemas],
            DefaultSpecId = _defaultSpecId,
            PartitionSpecs = [.. _specs],
            LastPartitionId = _lastPartitionId,
            DefaultSortOrderId = _defaultSortOrderId,
            SortOrders = [.. _orders],
            Properties = _properties,
            CurrentSnapshotId = _currentSnapshotId,
            Snapshots = snapshots,
            SnapshotLog = snapshotLog,
            MetadataLog = metadataLog,
            Refs = _refs,
            Statistics = _statistics,
            PartitionStatistics = _partitionStatistics,
            NextRowId = version >= TableMetadata.MinFormatVersionRowLineage ? _nextRowId ?? 0 : null,
            EncryptionKeys = _encryptionKeys,
            ExtraFields = _base?.ExtraFields ?? [],
        };

        if (metadata.Validate() is { } invalid)
        {
            return IcebergError.Validation(invalid);
        }

        return metadata;
    }

    /// <summary>Diagnostics for tests: how many snapshot arrays this thread's builds allocated.</summary>
    [ThreadStatic]
    private static int _snapshotArrayCopies;

    internal static int SnapshotArrayCopies
    {
        get => _snapshotArrayCopies;
        set => _snapshotArrayCopies = value;
    }

    /// <summary>Builds the final snapshot list with a single allocation.</summary>
    private ImmutableArray<Snapshot> BuildSnapshots()
    {
        if (_addedSnapshots.Count == 0 && _removedSnapshotIds is null)
        {
            return _baseSnapshots;
        }

        _snapshotArrayCopies++;

        var removed = _removedSnapshotIds;
        var keptBase = removed is null ? _baseSnapshots.Length : _baseSnapshots.Count(s => !removed.Contains(s.SnapshotId));
        var result = new Snapshot[keptBase + _addedSnapshots.Count];
        var j = 0;
        if (removed is null)
        {
            _baseSnapshots.AsSpan().CopyTo(result);
            j = _baseSnapshots.Length;
        }
        else
        {
            foreach (var s in _baseSnapshots)
            {
                if (!removed.Contains(s.SnapshotId))
                {
                    result[j++] = s;
                }
            }
        }

        foreach (var s in _addedSnapshots)
        {
            result[j++] = s;
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(result);
    }

    /// <summary>
    /// The snapshot log: appended main moves, minus intermediate snapshots of this commit (added but
    /// not current); when snapshots were removed, an entry for a missing snapshot drops all entries before it.
    /// </summary>
    private ImmutableArray<SnapshotLogEntry> BuildSnapshotLog(ImmutableArray<Snapshot> snapshots, out IcebergError? error)
    {
        error = null;
        var baseLog = _base?.SnapshotLog ?? [];
        var intermediate = new HashSet<long>(_addedSnapshotIds);
        if (_currentSnapshotId is { } currentId)
        {
            intermediate.Remove(currentId);
        }

        if (intermediate.Count == 0 && !_removedSnapshots)
        {
            if (_appendedLog.Count == 0)
            {
                return baseLog;
            }

            var combined = new SnapshotLogEntry[baseLog.Length + _appendedLog.Count];
            baseLog.AsSpan().CopyTo(combined);
            _appendedLog.CopyTo(combined, baseLog.Length);
            return ImmutableCollectionsMarshal.AsImmutableArray(combined);
        }

        var existing = new HashSet<long>(snapshots.Length);
        foreach (var s in snapshots)
        {
            existing.Add(s.SnapshotId);
        }

        var result = new List<SnapshotLogEntry>(baseLog.Length + _appendedLog.Count);
        foreach (var entry in baseLog.Concat(_appendedLog))
        {
            if (existing.Contains(entry.SnapshotId))
            {
                if (!intermediate.Contains(entry.SnapshotId))
                {
                    result.Add(entry);
                }
            }
            else if (_removedSnapshots)
            {
                result.Clear();
            }
        }

        if (_currentSnapshotId is { } current && existing.Contains(current) && result.Count > 0 && result[^1].SnapshotId != current)
        {
            error = IcebergError.Validation("Cannot set invalid snapshot log: latest entry is not the current snapshot");
        }

        return [.. result];
    }
}

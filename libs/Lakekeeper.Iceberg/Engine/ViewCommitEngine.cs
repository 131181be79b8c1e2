namespace Lakekeeper.Iceberg;

/// <summary>Creates views and applies view commits (<c>replaceView</c>) with the reference semantics.</summary>
public static class ViewCommitEngine
{
    /// <summary>
    /// Builds metadata for a create-view request: the schema gets id 0 and replaces the version's
    /// schema id, the version gets id 1, and the version log has one entry.
    /// </summary>
    public static Result<ViewMetadata> CreateView(CreateViewRequest request, string location, Guid viewUuid, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(location);
        var builder = ViewMetadataBuilder.ForCreate(nowMs);
        var trimmed = location.TrimEnd('/');
        var steps = new ViewUpdate[]
        {
            new ViewUpdate.AssignUuid(viewUuid),
            new ViewUpdate.SetLocation(trimmed.Length == 0 ? location : trimmed),
            new ViewUpdate.SetProperties(request.Properties),
            new ViewUpdate.AddSchema(request.Schema.WithSchemaId(0)),
            new ViewUpdate.AddViewVersion(request.ViewVersion with { VersionId = 1, SchemaId = -1 }),
            new ViewUpdate.SetCurrentViewVersion(-1),
        };
        foreach (var step in steps)
        {
            if (builder.Apply(step) is { } error)
            {
                return error;
            }
        }

        var built = builder.Build();
        return built.IsFailure ? built.Error : built.Value!;
    }

    /// <summary>
    /// Checks requirements against <paramref name="current"/> and applies the updates.
    /// <paramref name="currentMetadataLocation"/> is accepted for symmetry with tables; view metadata keeps no metadata log.
    /// </summary>
    public static CommitOutcome<ViewMetadata> Commit(
        ViewMetadata current,
        string? currentMetadataLocation,
        IReadOnlyList<ViewRequirement> requirements,
        IReadOnlyList<ViewUpdate> updates,
        long nowMs)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(requirements);
        ArgumentNullException.ThrowIfNull(updates);
        _ = currentMetadataLocation;
        foreach (var requirement in requirements)
        {
            if (CheckRequirement(current, requirement) is { } failure)
            {
                return new CommitOutcome<ViewMetadata>.Failed(failure);
            }
        }

        var builder = ViewMetadataBuilder.From(current, nowMs);
        foreach (var update in updates)
        {
            if (builder.Apply(update) is { } error)
            {
                return new CommitOutcome<ViewMetadata>.Failed(error);
            }
        }

        var built = builder.Build();
        if (built.IsFailure)
        {
            return new CommitOutcome<ViewMetadata>.Failed(built.Error);
        }

        return built.Value is { } changed
            ? new CommitOutcome<ViewMetadata>.Changed(changed)
            : new CommitOutcome<ViewMetadata>.Unchanged(current);
    }

    public static IcebergError? CheckRequirement(ViewMetadata current, ViewRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(requirement);
        return requirement switch
        {
            ViewRequirement.AssertViewUuid q => string.Equals(current.ViewUuid.ToString(), q.Uuid, StringComparison.OrdinalIgnoreCase)
                ? null
                : IcebergError.CommitFailed($"Requirement failed: view UUID does not match: expected {current.ViewUuid} != {q.Uuid}"),
            _ => IcebergError.BadRequest($"Unsupported view requirement: {requirement.Type}"),
        };
    }
}

internal sealed class ViewMetadataBuilder
{
    private readonly ViewMetadata? _base;
    private readonly long _nowMs;
    private Guid _uuid;
    private readonly int _formatVersion;
    private string? _location;
    private readonly List<Schema> _schemas;
    private readonly List<ViewVersion> _versions;
    private int _currentVersionId;
    private StringMap _properties;
    private ViewHistoryEntry? _historyEntry;
    private int? _lastAddedSchemaId;
    private int? _lastAddedVersionId;
    private readonly HashSet<int> _addedVersionIds = [];
    private bool _changed;

    private ViewMetadataBuilder(ViewMetadata? baseMetadata, long nowMs)
    {
        _base = baseMetadata;
        _nowMs = nowMs;
        _uuid = baseMetadata?.ViewUuid ?? Guid.Empty;
        _formatVersion = baseMetadata?.FormatVersion ?? ViewMetadata.SupportedFormatVersion;
        _location = baseMetadata?.Location;
        _schemas = baseMetadata is null ? [] : [.. baseMetadata.Schemas];
        _versions = baseMetadata is null ? [] : [.. baseMetadata.Versions];
        _currentVersionId = baseMetadata?.CurrentVersionId ?? -1;
        _properties = baseMetadata?.Properties ?? StringMap.Empty;
    }

    public static ViewMetadataBuilder ForCreate(long nowMs) => new(null, nowMs);

    public static ViewMetadataBuilder From(ViewMetadata current, long nowMs) => new(current, nowMs);

    public IcebergError? Apply(ViewUpdate update)
    {
        switch (update)
        {
            case ViewUpdate.AssignUuid u:
                if (u.Uuid == _uuid)
                {
                    return null;
                }

                if (_uuid != Guid.Empty)
                {
                    return IcebergError.IllegalArgument("Cannot reassign uuid");
                }

                _uuid = u.Uuid;
                _changed = true;
                return null;
            case ViewUpdate.UpgradeFormatVersion u:
                if (u.FormatVersion > ViewMetadata.SupportedFormatVersion)
                {
                    return IcebergError.IllegalArgument($"Cannot upgrade view to unsupported format version: v{u.FormatVersion} (supported: v{ViewMetadata.SupportedFormatVersion})");
                }

                if (u.FormatVersion < _formatVersion)
                {
                    return IcebergError.IllegalArgument($"Cannot downgrade v{_formatVersion} view to v{u.FormatVersion}");
                }

                return null;
            case ViewUpdate.AddSchema u:
                return AddSchema(u.Schema);
            case ViewUpdate.SetLocation u:
                if (string.IsNullOrEmpty(u.Location))
                {
                    return IcebergError.IllegalArgument("Invalid location: must not be empty");
                }

                if (u.Location != _location)
                {
                    _location = u.Location;
                    _changed = true;
                }

                return null;
            case ViewUpdate.SetProperties u:
                {
                    var updated = _properties.SetItems(u.Updates);
                    if (!updated.Equals(_properties))
                    {
                        _properties = updated;
                        _changed = true;
                    }

                    return null;
                }

            case ViewUpdate.RemoveProperties u:
                {
                    var updated = _properties.RemoveKeys(u.Removals);
                    if (!updated.Equals(_properties))
                    {
                        _properties = updated;
                        _changed = true;
                    }

                    return null;
                }

            case ViewUpdate.AddViewVersion u:
                return AddVersion(u.ViewVersion);
            case ViewUpdate.SetCurrentViewVersion u:
                return SetCurrentVersion(u.ViewVersionId);
            default:
                return IcebergError.BadRequest($"Unsupported view update: {update.Action}");
        }
    }

    private IcebergError? AddSchema(Schema schema)
    {
        if (schema.Validate() is { } invalid)
        {
            return IcebergError.IllegalArgument(invalid);
        }

        var existing = _schemas.Find(s => s.SameSchema(schema));
        if (existing is not null)
        {
            _lastAddedSchemaId = existing.SchemaId;
            return null;
        }

        var newId = _schemas.Count == 0 ? 0 : _schemas.Max(static s => s.SchemaId) + 1;
        _schemas.Add(schema.WithSchemaId(newId));
        _lastAddedSchemaId = newId;
        _changed = true;
        return null;
    }

    private IcebergError? AddVersion(ViewVersion version)
    {
        if (version.SchemaId == -1)
        {
            if (_lastAddedSchemaId is not { } lastSchema)
            {
                return IcebergError.IllegalArgument("Cannot set last added schema: no schema has been added");
            }

            version = version with { SchemaId = lastSchema };
        }

        if (!_schemas.Exists(s => s.SchemaId == version.SchemaId))
        {
            return IcebergError.IllegalArgument($"Cannot add version with unknown schema: {version.SchemaId}");
        }

        var dialects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sql in version.Representations.OfType<SqlViewRepresentation>())
        {
            var dialect = sql.Dialect.ToLowerInvariant();
            if (!dialects.Add(dialect))
            {
                return IcebergError.IllegalArgument($"Invalid view version: Cannot add multiple queries for dialect {dialect}");
            }
        }

        var existing = _versions.Find(v => v.SameVersion(version));
        if (existing is not null)
        {
            _lastAddedVersionId = _addedVersionIds.Contains(existing.VersionId) ? existing.VersionId : null;
            return null;
        }

        var newId = version.VersionId;
        if (_versions.Exists(v => v.VersionId >= newId))
        {
            newId = _versions.Max(static v => v.VersionId) + 1;
        }

        _versions.Add(version with { VersionId = newId });
        _addedVersionIds.Add(newId);
        _lastAddedVersionId = newId;
        _changed = true;
        return null;
    }

    private IcebergError? SetCurrentVersion(int versionId)
    {
        if (versionId == -1)
        {
            if (_lastAddedVersionId is not { } last)
            {
                return IcebergError.IllegalArgument("Cannot set last added version: no version has been added");
            }

            versionId = last;
        }

        var version = _versions.Find(v => v.VersionId == versionId);
        if (version is null)
        {
            return IcebergError.IllegalArgument($"Cannot set current version to unknown version: {versionId}");
        }

        if (versionId == _currentVersionId)
        {
            return null;
        }

        _currentVersionId = versionId;
        _historyEntry = new ViewHistoryEntry(_addedVersionIds.Contains(versionId) ? version.TimestampMs : _nowMs, versionId);
        _changed = true;
        return null;
    }

    /// <summary>The new metadata, or null when nothing changed.</summary>
    public Result<ViewMetadata?> Build()
    {
        if (!_changed && _base is not null)
        {
            return new Result<ViewMetadata?>((ViewMetadata?)null);
        }

        if (_currentVersionId < 0)
        {
            return IcebergError.IllegalArgument("Cannot create view without specifying a current version");
        }

        if (string.IsNullOrEmpty(_location))
        {
            return IcebergError.IllegalArgument("Invalid view metadata: location is required");
        }

        if (_uuid == Guid.Empty)
        {
            _uuid = Guid.NewGuid();
        }

        var historySize = TableProperties.GetInt(_properties, TableProperties.ViewVersionHistorySize, TableProperties.ViewVersionHistorySizeDefault);
        if (historySize <= 0)
        {
            return IcebergError.IllegalArgument($"{TableProperties.ViewVersionHistorySize} must be positive but was {historySize}");
        }

        var history = new List<ViewHistoryEntry>(_base?.VersionLog ?? []);
        if (_historyEntry is not null)
        {
            history.Add(_historyEntry);
        }

        var keep = new HashSet<int>(_addedVersionIds) { _currentVersionId };
        var numToKeep = Math.Max(keep.Count, historySize);
        var versions = _versions;
        if (versions.Count > numToKeep)
        {
            foreach (var id in versions.Select(static v => v.VersionId).OrderDescending())
            {
                if (keep.Count >= numToKeep)
                {
                    break;
                }

                keep.Add(id);
            }

            versions = versions.FindAll(v => keep.Contains(v.VersionId));
            var retainedHistory = new List<ViewHistoryEntry>(history.Count);
            foreach (var entry in history)
            {
                if (keep.Contains(entry.VersionId))
                {
                    retainedHistory.Add(entry);
                }
                else
                {
                    retainedHistory.Clear();
                }
            }

            history = retainedHistory;
        }

        var current = _versions.Find(v => v.VersionId == _currentVersionId)!;
        if (_base is not null
            && _base.CurrentVersionId != _currentVersionId
            && !string.Equals(_properties.GetValueOrDefault(TableProperties.ReplaceDropDialectAllowed), "true", StringComparison.OrdinalIgnoreCase))
        {
            var previous = _base.CurrentVersion.SqlDialects();
            var updated = current.SqlDialects();
            if (!previous.All(updated.Contains))
            {
                return IcebergError.BadRequest(
                    $"Cannot replace view due to loss of view dialects ({TableProperties.ReplaceDropDialectAllowed}=false):\n"
                    + $"Previous dialects: [{string.Join(", ", previous.Order(StringComparer.Ordinal))}]\n"
                    + $"New dialects: [{string.Join(", ", updated.Order(StringComparer.Ordinal))}]");
            }
        }

        var metadata = new ViewMetadata
        {
            ViewUuid = _uuid,
            FormatVersion = _formatVersion,
            Location = _location,
            CurrentVersionId = _currentVersionId,
            Versions = [.. versions],
            VersionLog = [.. history],
            Schemas = [.. _schemas],
            Properties = _properties,
            ExtraFields = _base?.ExtraFields ?? [],
        };

        return metadata.Validate() is { } problem ? IcebergError.Validation(problem) : metadata;
    }
}

using System.Collections.Immutable;

namespace Lakekeeper.Iceberg;

/// <summary>A view representation; SQL is the only known kind, others are kept verbatim.</summary>
public abstract record ViewRepresentation
{
    private protected ViewRepresentation()
    {
    }

    public abstract string Type { get; }
}

public sealed record SqlViewRepresentation(string Sql, string Dialect) : ViewRepresentation
{
    public override string Type => "sql";
}

/// <summary>A representation of a type this library does not know, preserved as raw JSON.</summary>
public sealed record UnknownViewRepresentation(string RepresentationType, RawJson Json) : ViewRepresentation
{
    public override string Type => RepresentationType;
}

/// <summary>One version of a view definition.</summary>
public sealed record ViewVersion
{
    public required int VersionId { get; init; }

    public required long TimestampMs { get; init; }

    /// <summary>Schema id; <c>-1</c> in a request means the schema added last.</summary>
    public required int SchemaId { get; init; }

    public StringMap Summary { get; init; } = StringMap.Empty;

    public ImmutableArray<ViewRepresentation> Representations { get; init; } = [];

    public string? DefaultCatalog { get; init; }

    public ImmutableArray<string> DefaultNamespace { get; init; } = [];

    /// <summary>Same definition: summary, representations, default catalog/namespace and schema id (id and time ignored).</summary>
    public bool SameVersion(ViewVersion other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Summary.Equals(other.Summary)
            && Seq.Equal(Representations, other.Representations)
            && DefaultCatalog == other.DefaultCatalog
            && Seq.Equal(DefaultNamespace, other.DefaultNamespace)
            && SchemaId == other.SchemaId;
    }

    /// <summary>Lower-cased SQL dialects of this version.</summary>
    public IReadOnlySet<string> SqlDialects() =>
        Representations.OfType<SqlViewRepresentation>().Select(static r => r.Dialect.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    public bool Equals(ViewVersion? other) =>
        other is not null && VersionId == other.VersionId && TimestampMs == other.TimestampMs && SameVersion(other);

    public override int GetHashCode() => HashCode.Combine(VersionId, TimestampMs, SchemaId, Summary);
}

public sealed record ViewHistoryEntry(long TimestampMs, int VersionId);

/// <summary>Immutable view metadata (view format v1).</summary>
public sealed class ViewMetadata
{
    public const int SupportedFormatVersion = 1;

    public required Guid ViewUuid { get; init; }

    public int FormatVersion { get; init; } = 1;

    public required string Location { get; init; }

    public required int CurrentVersionId { get; init; }

    public required ImmutableArray<ViewVersion> Versions { get; init; }

    public ImmutableArray<ViewHistoryEntry> VersionLog { get; init; } = [];

    public required ImmutableArray<Schema> Schemas { get; init; }

    public StringMap Properties { get; init; } = StringMap.Empty;

    /// <summary>Top-level fields this library does not know, preserved verbatim.</summary>
    public ImmutableArray<KeyValuePair<string, RawJson>> ExtraFields { get; init; } = [];

    public ViewVersion CurrentVersion => VersionById(CurrentVersionId)
        ?? throw new InvalidOperationException($"Current version {CurrentVersionId} is missing");

    /// <summary>The schema of the current version.</summary>
    public Schema CurrentSchema => SchemaById(CurrentVersion.SchemaId)
        ?? throw new InvalidOperationException($"Schema {CurrentVersion.SchemaId} is missing");

    public ViewVersion? VersionById(int versionId) => Versions.FirstOrDefault(v => v.VersionId == versionId);

    public Schema? SchemaById(int schemaId) => Schemas.FirstOrDefault(s => s.SchemaId == schemaId);

    /// <summary>Cross-field invariants; null when valid.</summary>
    public string? Validate()
    {
        if (FormatVersion != SupportedFormatVersion)
        {
            return $"Unsupported format version: v{FormatVersion} (supported: v{SupportedFormatVersion})";
        }

        var schemaIds = new HashSet<int>();
        foreach (var s in Schemas)
        {
            if (!schemaIds.Add(s.SchemaId))
            {
                return $"Invalid view metadata: duplicate schema id {s.SchemaId}";
            }

            if (s.Validate() is { } problem)
            {
                return problem;
            }
        }

        var versionIds = new HashSet<int>();
        foreach (var v in Versions)
        {
            if (!versionIds.Add(v.VersionId))
            {
                return $"Invalid view metadata: duplicate version id {v.VersionId}";
            }

            if (!schemaIds.Contains(v.SchemaId))
            {
                return $"Invalid view metadata: version {v.VersionId} has unknown schema {v.SchemaId}";
            }
        }

        if (!versionIds.Contains(CurrentVersionId))
        {
            return $"Invalid view metadata: cannot find current version {CurrentVersionId} in versions";
        }

        return null;
    }
}

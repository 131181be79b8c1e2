using System.Collections.Immutable;

namespace Lakekeeper.Iceberg;

/// <summary>A partition field: source column id(s), partition field id, name and transform.</summary>
public sealed record PartitionField
{
    public PartitionField(int sourceId, int fieldId, string name, Transform transform)
        : this([sourceId], fieldId, name, transform)
    {
    }

    public PartitionField(ImmutableArray<int> sourceIds, int fieldId, string name, Transform transform)
    {
        if (sourceIds.IsDefaultOrEmpty)
        {
            throw new ArgumentException("A partition field needs at least one source id", nameof(sourceIds));
        }

        SourceIds = sourceIds;
        FieldId = fieldId;
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Transform = transform ?? throw new ArgumentNullException(nameof(transform));
    }

    public ImmutableArray<int> SourceIds { get; }

    /// <summary>The (first) source column id.</summary>
    public int SourceId => SourceIds[0];

    public int FieldId { get; }

    public string Name { get; }

    public Transform Transform { get; }

    public bool Equals(PartitionField? other) =>
        other is not null && FieldId == other.FieldId && Name == other.Name && Transform == other.Transform && Seq.Equal(SourceIds, other.SourceIds);

    public override int GetHashCode() => HashCode.Combine(Seq.Hash(SourceIds), FieldId, Name, Transform);

    public override string ToString() => $"{FieldId}: {Name}: {Transform}({string.Join(", ", SourceIds)})";
}

/// <summary>A partition spec. Field ids start at 1000; an unpartitioned table has <c>last-partition-id</c> 999.</summary>
public sealed record PartitionSpec
{
    public const int PartitionDataIdStart = 1000;

    public PartitionSpec(int specId, ImmutableArray<PartitionField> fields)
    {
        SpecId = specId;
        Fields = fields.OrEmpty();
    }

    public static PartitionSpec Unpartitioned { get; } = new(0, []);

    public int SpecId { get; init; }

    public ImmutableArray<PartitionField> Fields { get; }

    /// <summary>True when there are no fields or all are <c>void</c>.</summary>
    public bool IsUnpartitioned => Fields.All(static f => f.Transform.IsVoid);

    /// <summary>The highest field id, or 999 when there are no fields.</summary>
    public int LastAssignedFieldId => Fields.Length == 0 ? PartitionDataIdStart - 1 : Fields.Max(static f => f.FieldId);

    /// <summary>Same fields by source ids, transform and name (field ids and spec ids ignored).</summary>
    public bool CompatibleWith(PartitionSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Fields.Length != other.Fields.Length)
        {
            return false;
        }

        for (var i = 0; i < Fields.Length; i++)
        {
            var a = Fields[i];
            var b = other.Fields[i];
            if (!Seq.Equal(a.SourceIds, b.SourceIds) || a.Transform.ToString() != b.Transform.ToString() || a.Name != b.Name)
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(PartitionSpec? other) => other is not null && SpecId == other.SpecId && Seq.Equal(Fields, other.Fields);

    public override int GetHashCode() => HashCode.Combine(SpecId, Seq.Hash(Fields));

    public override string ToString() => $"spec {SpecId} [{string.Join(", ", Fields)}]";

    /// <summary>Whether <paramref name="spec"/> uses field ids 1000, 1001, ... in order (required in v1).</summary>
    internal static bool HasSequentialIds(PartitionSpec spec)
    {
        for (var i = 0; i < spec.Fields.Length; i++)
        {
            if (spec.Fields[i].FieldId != PartitionDataIdStart + i)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A partition field as sent by clients: the field id is optional.</summary>
public sealed record UnboundPartitionField
{
    public UnboundPartitionField(ImmutableArray<int> sourceIds, int? fieldId, string name, Transform transform)
    {
        if (sourceIds.IsDefaultOrEmpty)
        {
            throw new ArgumentException("A partition field needs at least one source id", nameof(sourceIds));
        }

        SourceIds = sourceIds;
        FieldId = fieldId;
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Transform = transform ?? throw new ArgumentNullException(nameof(transform));
    }

    public UnboundPartitionField(int sourceId, int? fieldId, string name, Transform transform)
        : this([sourceId], fieldId, name, transform)
    {
    }

    public ImmutableArray<int> SourceIds { get; }

    public int SourceId => SourceIds[0];

    public int? FieldId { get; }

    public string Name { get; }

    public Transform Transform { get; }

    public bool Equals(UnboundPartitionField? other) =>
        other is not null && FieldId == other.FieldId && Name == other.Name && Transform == other.Transform && Seq.Equal(SourceIds, other.SourceIds);

    public override int GetHashCode() => HashCode.Combine(Seq.Hash(SourceIds), FieldId, Name, Transform);
}

/// <summary>A partition spec as sent by clients (spec id and field ids optional, source ids refer to a given schema).</summary>
public sealed record UnboundPartitionSpec
{
    public UnboundPartitionSpec(int? specId, ImmutableArray<UnboundPartitionField> fields)
    {
        SpecId = specId;
        Fields = fields.OrEmpty();
    }

    public static UnboundPartitionSpec Unpartitioned { get; } = new(null, []);

    public int? SpecId { get; }

    public ImmutableArray<UnboundPartitionField> Fields { get; }

    public bool Equals(UnboundPartitionSpec? other) => other is not null && SpecId == other.SpecId && Seq.Equal(Fields, other.Fields);

    public override int GetHashCode() => HashCode.Combine(SpecId, Seq.Hash(Fields));

    public static UnboundPartitionSpec From(PartitionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new UnboundPartitionSpec(spec.SpecId, [.. spec.Fields.Select(static f => new UnboundPartitionField(f.SourceIds, f.FieldId, f.Name, f.Transform))]);
    }

    /// <summary>
    /// Binds to <paramref name="schema"/>: validates sources and transforms and assigns missing
    /// field ids from 1000 up (after any explicit id seen so far).
    /// </summary>
    public Result<PartitionSpec> Bind(Schema schema, int specId)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var next = PartitionSpec.PartitionDataIdStart - 1;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var ids = new HashSet<int>();
        var builder = ImmutableArray.CreateBuilder<PartitionField>(Fields.Length);
        foreach (var f in Fields)
        {
            if (string.IsNullOrEmpty(f.Name))
            {
                return IcebergError.IllegalArgument($"Cannot use empty or null partition name: {f.Name}");
            }

            if (!names.Add(f.Name))
            {
                return IcebergError.IllegalArgument($"Cannot use partition name more than once: {f.Name}");
            }

            if (f.SourceIds.Length > 1 && f.Transform.Kind != TransformKind.Unknown)
            {
                return IcebergError.IllegalArgument($"Invalid partition field {f.Name}: transform {f.Transform} takes a single source column");
            }

            foreach (var sourceId in f.SourceIds)
            {
                if (schema.CheckSourceField(sourceId, "partition field") is { } problem)
                {
                    return IcebergError.IllegalArgument(problem);
                }

                var type = schema.FindField(sourceId)!.Type;
                if (!f.Transform.CanTransform(type))
                {
                    return IcebergError.IllegalArgument($"Invalid source type {type} for transform: {f.Transform}");
                }
            }

            int fieldId;
            if (f.FieldId is { } explicitId)
            {
                fieldId = explicitId;
                next = Math.Max(next, explicitId);
            }
            else
            {
                fieldId = ++next;
            }

            if (!ids.Add(fieldId))
            {
                return IcebergError.IllegalArgument($"Cannot use partition field id more than once: {fieldId}");
            }

            builder.Add(new PartitionField(f.SourceIds, fieldId, f.Name, f.Transform));
        }

        return new PartitionSpec(specId, builder.MoveToImmutable());
    }
}

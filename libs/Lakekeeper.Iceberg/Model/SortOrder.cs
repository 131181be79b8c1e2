using System.Collections.Immutable;

namespace Lakekeeper.Iceberg;

public enum SortDirection
{
    Asc,
    Desc,
}

public enum NullOrder
{
    NullsFirst,
    NullsLast,
}

/// <summary>A sort field: transform of source column(s), direction and null order.</summary>
public sealed record SortField
{
    public SortField(Transform transform, int sourceId, SortDirection direction, NullOrder nullOrder)
        : this(transform, [sourceId], direction, nullOrder)
    {
    }

    public SortField(Transform transform, ImmutableArray<int> sourceIds, SortDirection direction, NullOrder nullOrder)
    {
        if (sourceIds.IsDefaultOrEmpty)
        {
            throw new ArgumentException("A sort field needs at least one source id", nameof(sourceIds));
        }

        Transform = transform ?? throw new ArgumentNullException(nameof(transform));
        SourceIds = sourceIds;
        Direction = direction;
        NullOrder = nullOrder;
    }

    public Transform Transform { get; }

    public ImmutableArray<int> SourceIds { get; }

    public int SourceId => SourceIds[0];

    public SortDirection Direction { get; }

    public NullOrder NullOrder { get; }

    public bool Equals(SortField? other) =>
        other is not null && Transform == other.Transform && Direction == other.Direction && NullOrder == other.NullOrder && Seq.Equal(SourceIds, other.SourceIds);

    public override int GetHashCode() => HashCode.Combine(Transform, Seq.Hash(SourceIds), Direction, NullOrder);

    public override string ToString() => $"{Transform}({string.Join(", ", SourceIds)}) {Direction} {NullOrder}";
}

/// <summary>A sort order. Id 0 is reserved for the unsorted order.</summary>
public sealed record SortOrder
{
    public const int UnsortedOrderId = 0;

    public SortOrder(int orderId, ImmutableArray<SortField> fields)
    {
        OrderId = orderId;
        Fields = fields.OrEmpty();
    }

    public static SortOrder Unsorted { get; } = new(UnsortedOrderId, []);

    public int OrderId { get; init; }

    public ImmutableArray<SortField> Fields { get; }

    public bool IsUnsorted => Fields.Length == 0;

    /// <summary>Same fields, ignoring the order id.</summary>
    public bool SameOrder(SortOrder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Seq.Equal(Fields, other.Fields);
    }

    public bool Equals(SortOrder? other) => other is not null && OrderId == other.OrderId && Seq.Equal(Fields, other.Fields);

    public override int GetHashCode() => HashCode.Combine(OrderId, Seq.Hash(Fields));

    public override string ToString() => $"order {OrderId} [{string.Join(", ", Fields)}]";

    /// <summary>Checks every sort field against <paramref name="schema"/>; null when valid.</summary>
    internal static IcebergError? CheckCompatibility(ImmutableArray<SortField> fields, Schema schema)
    {
        foreach (var f in fields)
        {
            if (f.SourceIds.Length > 1 && f.Transform.Kind != TransformKind.Unknown)
            {
                return IcebergError.IllegalArgument($"Invalid sort field: transform {f.Transform} takes a single source column");
            }

            foreach (var sourceId in f.SourceIds)
            {
                if (schema.CheckSourceField(sourceId, "sort field") is { } problem)
                {
                    return IcebergError.IllegalArgument(problem);
                }

                var type = schema.FindField(sourceId)!.Type;
                if (!f.Transform.CanTransform(type))
                {
                    return IcebergError.IllegalArgument($"Invalid source type {type} for transform: {f.Transform}");
                }
            }
        }

        return null;
    }
}

/// <summary>A sort order as sent by clients; the order id is optional.</summary>
public sealed record UnboundSortOrder
{
    public UnboundSortOrder(int? orderId, ImmutableArray<SortField> fields)
    {
        OrderId = orderId;
        Fields = fields.OrEmpty();
    }

    public static UnboundSortOrder Unsorted { get; } = new(0, []);

    public int? OrderId { get; }

    public ImmutableArray<SortField> Fields { get; }

    public bool IsUnsorted => Fields.Length == 0;

    public static UnboundSortOrder From(SortOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new UnboundSortOrder(order.OrderId, order.Fields);
    }

    public bool Equals(UnboundSortOrder? other) => other is not null && OrderId == other.OrderId && Seq.Equal(Fields, other.Fields);

    public override int GetHashCode() => HashCode.Combine(OrderId, Seq.Hash(Fields));
}

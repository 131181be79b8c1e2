using System.Globalization;

namespace Lakekeeper.Iceberg;

public enum TransformKind
{
    Identity,
    Bucket,
    Truncate,
    Year,
    Month,
    Day,
    Hour,
    Void,

    /// <summary>A transform this library does not know; kept verbatim for forward compatibility.</summary>
    Unknown,
}

/// <summary>A partition or sort transform such as <c>identity</c>, <c>bucket[16]</c> or <c>truncate[4]</c>.</summary>
public sealed record Transform
{
    private Transform(TransformKind kind, int parameter, string? unknownName)
    {
        Kind = kind;
        Parameter = parameter;
        UnknownName = unknownName;
    }

    public static Transform Identity { get; } = new(TransformKind.Identity, 0, null);
    public static Transform Year { get; } = new(TransformKind.Year, 0, null);
    public static Transform Month { get; } = new(TransformKind.Month, 0, null);
    public static Transform Day { get; } = new(TransformKind.Day, 0, null);
    public static Transform Hour { get; } = new(TransformKind.Hour, 0, null);
    public static Transform Void { get; } = new(TransformKind.Void, 0, null);

    public TransformKind Kind { get; }

    /// <summary>Number of buckets for <c>bucket[N]</c>, width for <c>truncate[W]</c>, otherwise 0.</summary>
    public int Parameter { get; }

    /// <summary>The original text of an unknown transform.</summary>
    public string? UnknownName { get; }

    public bool IsVoid => Kind == TransformKind.Void;

    public bool IsIdentity => Kind == TransformKind.Identity;

    public static Transform Bucket(int numBuckets)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numBuckets);
        return new Transform(TransformKind.Bucket, numBuckets, null);
    }

    public static Transform Truncate(int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        return new Transform(TransformKind.Truncate, width, null);
    }

    /// <summary>Parses a transform string. Unknown names are kept as <see cref="TransformKind.Unknown"/>.</summary>
    public static Result<Transform> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        var lower = s.ToLowerInvariant();
        switch (lower)
        {
            case "identity":
                return Identity;
            case "year":
                return Year;
            case "month":
                return Month;
            case "day":
                return Day;
            case "hour":
                return Hour;
            case "void":
                return Void;
            default:
                break;
        }

        var open = lower.IndexOf('[', StringComparison.Ordinal);
        var name = open >= 0 ? lower[..open] : lower;
        if (name is "bucket" or "truncate")
        {
            if (open < 0 || !lower.EndsWith(']'))
            {
                return IcebergError.BadRequest($"Invalid transform: {text}");
            }

            var digits = lower[(open + 1)..^1].Trim();
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return IcebergError.BadRequest($"Invalid transform: {text}");
            }

            if (n <= 0)
            {
                return IcebergError.BadRequest(name == "bucket"
                    ? $"Invalid number of buckets: {n} (must be > 0)"
                    : $"Invalid truncate width: {n} (must be > 0)");
            }

            return name == "bucket" ? Bucket(n) : Truncate(n);
        }

        if (s.Length == 0)
        {
            return IcebergError.BadRequest("Invalid transform: empty string");
        }

        return new Transform(TransformKind.Unknown, 0, s);
    }

    /// <summary>Whether the transform can be applied to a value of <paramref name="type"/>.</summary>
    public bool CanTransform(IcebergType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var id = type.TypeId;
        return Kind switch
        {
            TransformKind.Identity => type.IsPrimitive && id is not (TypeId.Geometry or TypeId.Geography),
            TransformKind.Void => true,
            TransformKind.Unknown => true,
            TransformKind.Bucket => id is TypeId.Int or TypeId.Long or TypeId.Decimal or TypeId.Date or TypeId.Time
                or TypeId.Timestamp or TypeId.TimestampTz or TypeId.TimestampNs or TypeId.TimestampTzNs
                or TypeId.String or TypeId.Uuid or TypeId.Fixed or TypeId.Binary,
            TransformKind.Truncate => id is TypeId.Int or TypeId.Long or TypeId.Decimal or TypeId.String or TypeId.Binary,
            TransformKind.Year or TransformKind.Month or TransformKind.Day =>
                id is TypeId.Date or TypeId.Timestamp or TypeId.TimestampTz or TypeId.TimestampNs or TypeId.TimestampTzNs,
            TransformKind.Hour => id is TypeId.Timestamp or TypeId.TimestampTz or TypeId.TimestampNs or TypeId.TimestampTzNs,
            _ => false,
        };
    }

    /// <summary>The partition value type produced from <paramref name="sourceType"/> (null for unknown transforms).</summary>
    public IcebergType? ResultType(IcebergType sourceType)
    {
        ArgumentNullException.ThrowIfNull(sourceType);
        return Kind switch
        {
            TransformKind.Identity or TransformKind.Truncate or TransformKind.Void => sourceType,
            TransformKind.Bucket or TransformKind.Year or TransformKind.Month or TransformKind.Day or TransformKind.Hour => PrimitiveType.Int,
            _ => null,
        };
    }

    /// <summary>Whether two transforms on the same source would produce redundant partitions (time transforms collide).</summary>
    internal string DedupName => Kind switch
    {
        TransformKind.Year or TransformKind.Month or TransformKind.Day or TransformKind.Hour => "time",
        _ => ToString(),
    };

    public override string ToString() => Kind switch
    {
        TransformKind.Identity => "identity",
        TransformKind.Bucket => string.Create(CultureInfo.InvariantCulture, $"bucket[{Parameter}]"),
        TransformKind.Truncate => string.Create(CultureInfo.InvariantCulture, $"truncate[{Parameter}]"),
        TransformKind.Year => "year",
        TransformKind.Month => "month",
        TransformKind.Day => "day",
        TransformKind.Hour => "hour",
        TransformKind.Void => "void",
        _ => UnknownName!,
    };
}

using System.Collections.Immutable;
using System.Globalization;

namespace Lakekeeper.Iceberg;

/// <summary>Kinds of Iceberg types. Primitives come first, then variant, then nested types.</summary>
public enum TypeId
{
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Decimal,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    TimestampNs,
    TimestampTzNs,
    String,
    Uuid,
    Fixed,
    Binary,
    Geometry,
    Geography,
    Unknown,
    Variant,
    Struct,
    List,
    Map,
}

/// <summary>An Iceberg type: a <see cref="PrimitiveType"/>, <see cref="StructType"/>, <see cref="ListType"/> or <see cref="MapType"/>.</summary>
public abstract record IcebergType
{
    private protected IcebergType()
    {
    }

    public abstract TypeId TypeId { get; }

    /// <summary>True for primitive types (including geospatial and unknown; variant is not primitive).</summary>
    public bool IsPrimitive => TypeId < TypeId.Variant;

    public bool IsNested => TypeId >= TypeId.Struct;

    /// <summary>The first table format version that allows this type (nested types check their children separately).</summary>
    public int MinFormatVersion => TypeId switch
    {
        TypeId.TimestampNs or TypeId.TimestampTzNs or TypeId.Variant or TypeId.Geometry or TypeId.Geography or TypeId.Unknown => 3,
        _ => 1,
    };

    /// <summary>Parses a primitive type string such as <c>decimal(9,2)</c> or <c>fixed[16]</c>.</summary>
    public static Result<IcebergType> ParsePrimitive(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return PrimitiveType.TryParse(text, out var type, out var error) ? type! : IcebergError.BadRequest(error!);
    }
}

/// <summary>
/// A primitive (non-nested) type. Parameterized kinds use <see cref="Precision"/>/<see cref="Scale"/>
/// (decimal), <see cref="Length"/> (fixed), <see cref="Crs"/>/<see cref="Algorithm"/> (geospatial).
/// </summary>
public sealed record PrimitiveType : IcebergType
{
    private static readonly string[] EdgeAlgorithms = ["spherical", "vincenty", "thomas", "andoyer", "karney"];

    private PrimitiveType(TypeId id, int precision = 0, int scale = 0, int length = 0, string? crs = null, string? algorithm = null)
    {
        Kind = id;
        Precision = precision;
        Scale = scale;
        Length = length;
        Crs = crs;
        Algorithm = algorithm;
    }

    public static PrimitiveType Boolean { get; } = new(TypeId.Boolean);
    public static PrimitiveType Int { get; } = new(TypeId.Int);
    public static PrimitiveType Long { get; } = new(TypeId.Long);
    public static PrimitiveType Float { get; } = new(TypeId.Float);
    public static PrimitiveType Double { get; } = new(TypeId.Double);
    public static PrimitiveType Date { get; } = new(TypeId.Date);
    public static PrimitiveType Time { get; } = new(TypeId.Time);
    public static PrimitiveType Timestamp { get; } = new(TypeId.Timestamp);
    public static PrimitiveType TimestampTz { get; } = new(TypeId.TimestampTz);
    public static PrimitiveType TimestampNs { get; } = new(TypeId.TimestampNs);
    public static PrimitiveType TimestampTzNs { get; } = new(TypeId.TimestampTzNs);
    public static PrimitiveType String { get; } = new(TypeId.String);
    public static PrimitiveType Uuid { get; } = new(TypeId.Uuid);
    public static PrimitiveType Binary { get; } = new(TypeId.Binary);
    public static PrimitiveType Unknown { get; } = new(TypeId.Unknown);

    /// <summary>The semi-structured variant type (v3). Not a primitive in the partitioning sense.</summary>
    public static PrimitiveType Variant { get; } = new(TypeId.Variant);

    public TypeId Kind { get; }

    public override TypeId TypeId => Kind;

    public int Precision { get; }

    public int Scale { get; }

    public int Length { get; }

    /// <summary>Coordinate reference system of a geometry/geography; null means the default (OGC:CRS84).</summary>
    public string? Crs { get; }

    /// <summary>Edge interpolation algorithm of a geography; null means the default (spherical).</summary>
    public string? Algorithm { get; }

    public static PrimitiveType Decimal(int precision, int scale)
    {
        if (precision is < 1 or > 38 || scale < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), $"Invalid decimal({precision},{scale})");
        }

        return new PrimitiveType(TypeId.Decimal, precision, scale);
    }

    public static PrimitiveType Fixed(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new PrimitiveType(TypeId.Fixed, length: length);
    }

    public static PrimitiveType Geometry(string? crs = null) => new(TypeId.Geometry, crs: NullIfEmpty(crs));

    public static PrimitiveType Geography(string? crs = null, string? algorithm = null)
    {
        if (algorithm is not null && !EdgeAlgorithms.Contains(algorithm.ToLowerInvariant()))
        {
            throw new ArgumentException($"Invalid edge interpolation algorithm: {algorithm}", nameof(algorithm));
        }

        return new PrimitiveType(TypeId.Geography, crs: NullIfEmpty(crs), algorithm: algorithm?.ToLowerInvariant());
    }

    public override string ToString() => Kind switch
    {
        TypeId.Boolean => "boolean",
        TypeId.Int => "int",
        TypeId.Long => "long",
        TypeId.Float => "float",
        TypeId.Double => "double",
        TypeId.Decimal => string.Create(CultureInfo.InvariantCulture, $"decimal({Precision},{Scale})"),
        TypeId.Date => "date",
        TypeId.Time => "time",
        TypeId.Timestamp => "timestamp",
        TypeId.TimestampTz => "timestamptz",
        TypeId.TimestampNs => "timestamp_ns",
        TypeId.TimestampTzNs => "timestamptz_ns",
        TypeId.String => "string",
        TypeId.Uuid => "uuid",
        TypeId.Fixed => string.Create(CultureInfo.InvariantCulture, $"fixed[{Length}]"),
        TypeId.Binary => "binary",
        TypeId.Geometry => Crs is null ? "geometry" : $"geometry({Crs})",
        TypeId.Geography => (Crs, Algorithm) switch
        {
            (null, null) => "geography",
            (_, null) => $"geography({Crs})",
            _ => $"geography({Crs ?? "OGC:CRS84"}, {Algorithm})",
        },
        TypeId.Unknown => "unknown",
        TypeId.Variant => "variant",
        _ => Kind.ToString(),
    };

    internal static bool TryParse(string text, out PrimitiveType? type, out string? error)
    {
        type = null;
        error = null;
        var s = text.Trim();
        var lower = s.ToLowerInvariant();
        type = lower switch
        {
            "boolean" => Boolean,
            "int" => Int,
            "long" => Long,
            "float" => Float,
            "double" => Double,
            "date" => Date,
            "time" => Time,
            "timestamp" => Timestamp,
            "timestamptz" => TimestampTz,
            "timestamp_ns" => TimestampNs,
            "timestamptz_ns" => TimestampTzNs,
            "string" => String,
            "uuid" => Uuid,
            "binary" => Binary,
            "unknown" => Unknown,
            "variant" => Variant,
            "geometry" => Geometry(),
            "geography" => Geography(),
            _ => null,
        };
        if (type is not null)
        {
            return true;
        }

        if (lower.StartsWith("decimal(", StringComparison.Ordinal) && lower.EndsWith(')'))
        {
            var parts = lower["decimal(".Length..^1].Split(',');
            if (parts.Length == 2
                && TryParseDigits(parts[0], out var precision)
                && TryParseDigits(parts[1], out var scale))
            {
                if (precision is < 1 or > 38)
                {
                    error = $"Invalid decimal precision {precision} in {text}: must be between 1 and 38";
                    return false;
                }

                type = new PrimitiveType(TypeId.Decimal, precision, scale);
                return true;
            }
        }
        else if (lower.StartsWith("fixed[", StringComparison.Ordinal) && lower.EndsWith(']'))
        {
            if (TryParseDigits(lower["fixed[".Length..^1], out var length))
            {
                type = new PrimitiveType(TypeId.Fixed, length: length);
                return true;
            }
        }
        else if (lower.StartsWith("geometry(", StringComparison.Ordinal) && lower.EndsWith(')'))
        {
            var crs = s["geometry(".Length..^1].Trim();
            if (crs.Length > 0)
            {
                type = new PrimitiveType(TypeId.Geometry, crs: crs);
                return true;
            }
        }
        else if (lower.StartsWith("geography(", StringComparison.Ordinal) && lower.EndsWith(')'))
        {
            var inner = s["geography(".Length..^1];
            var comma = inner.LastIndexOf(',');
            string crs;
            string? algorithm = null;
            if (comma >= 0)
            {
                crs = inner[..comma].Trim();
                algorithm = inner[(comma + 1)..].Trim().ToLowerInvariant();
                if (!EdgeAlgorithms.Contains(algorithm))
                {
                    error = $"Invalid edge interpolation algorithm in {text}: {algorithm}";
                    return false;
                }
            }
            else
            {
                crs = inner.Trim();
            }

            if (crs.Length > 0)
            {
                type = new PrimitiveType(TypeId.Geography, crs: crs, algorithm: algorithm);
                return true;
            }
        }

        error = $"Cannot parse type string to primitive: {text}";
        return false;
    }

    private static bool TryParseDigits(string s, out int value)
    {
        s = s.Trim();
        value = 0;
        if (s.Length == 0 || s.Length > 9)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        value = int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>A struct field: id, name, optionality, type, doc and the v3 defaults (kept as raw JSON).</summary>
public sealed record NestedField(
    int Id,
    string Name,
    bool Required,
    IcebergType Type,
    string? Doc = null,
    RawJson? InitialDefault = null,
    RawJson? WriteDefault = null)
{
    public bool IsOptional => !Required;

    public static NestedField Optional(int id, string name, IcebergType type, string? doc = null) => new(id, name, false, type, doc);

    public static NestedField Require(int id, string name, IcebergType type, string? doc = null) => new(id, name, true, type, doc);

    public override string ToString() => $"{Id}: {Name}: {(Required ? "required" : "optional")} {Type}{(Doc is null ? string.Empty : " (" + Doc + ")")}";
}

/// <summary>A struct: an ordered list of fields.</summary>
public sealed record StructType : IcebergType
{
    public StructType(ImmutableArray<NestedField> fields) => Fields = fields.OrEmpty();

    public StructType(params NestedField[] fields) => Fields = [.. fields];

    public override TypeId TypeId => TypeId.Struct;

    public ImmutableArray<NestedField> Fields { get; }

    public NestedField? Field(string name)
    {
        foreach (var f in Fields)
        {
            if (f.Name == name)
            {
                return f;
            }
        }

        return null;
    }

    public bool Equals(StructType? other) => other is not null && Seq.Equal(Fields, other.Fields);

    public override int GetHashCode() => Seq.Hash(Fields);

    public override string ToString() => "struct<" + string.Join(", ", Fields) + ">";
}

/// <summary>A list with element id, element type and element optionality.</summary>
public sealed record ListType(int ElementId, IcebergType ElementType, bool ElementRequired) : IcebergType
{
    public override TypeId TypeId => TypeId.List;

    public NestedField ElementField => new(ElementId, "element", ElementRequired, ElementType);

    public override string ToString() => $"list<{ElementType}>";
}

/// <summary>A map with key/value ids and types; keys are always required.</summary>
public sealed record MapType(int KeyId, IcebergType KeyType, int ValueId, IcebergType ValueType, bool ValueRequired) : IcebergType
{
    public override TypeId TypeId => TypeId.Map;

    public NestedField KeyField => new(KeyId, "key", true, KeyType);

    public NestedField ValueField => new(ValueId, "value", ValueRequired, ValueType);

    public override string ToString() => $"map<{KeyType}, {ValueType}>";
}

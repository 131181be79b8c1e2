using System.Collections.Immutable;
using System.Text;

namespace Lakekeeper.Iceberg;

/// <summary>A table or view schema: a struct with a schema id and optional identifier field ids.</summary>
public sealed class Schema : IEquatable<Schema>
{
    private Index? _index;

    public Schema(int schemaId, ImmutableArray<NestedField> fields, ImmutableArray<int> identifierFieldIds = default)
    {
        SchemaId = schemaId;
        Struct = new StructType(fields);
        IdentifierFieldIds = identifierFieldIds.OrEmpty();
    }

    public Schema(int schemaId, params NestedField[] fields)
        : this(schemaId, ImmutableArray.Create(fields))
    {
    }

    public int SchemaId { get; }

    public StructType Struct { get; }

    public ImmutableArray<NestedField> Fields => Struct.Fields;

    public ImmutableArray<int> IdentifierFieldIds { get; }

    /// <summary>The highest field id anywhere in the schema (0 when empty).</summary>
    public int HighestFieldId => GetIndex().HighestId;

    public Schema WithSchemaId(int schemaId) => schemaId == SchemaId ? this : new Schema(schemaId, Fields, IdentifierFieldIds);

    /// <summary>Finds a field (including list elements and map keys/values) by id.</summary>
    public NestedField? FindField(int id) => GetIndex().ById.TryGetValue(id, out var info) ? info.Field : null;

    /// <summary>Finds a field by its full dotted name (e.g. <c>a.b</c>, <c>list.element</c>).</summary>
    public NestedField? FindField(string fullName) =>
        GetIndex().ByName.TryGetValue(fullName, out var id) ? FindField(id) : null;

    /// <summary>The full dotted name of a field id, or null when absent.</summary>
    public string? FindColumnName(int id) => GetIndex().ById.TryGetValue(id, out var info) ? info.FullName : null;

    /// <summary>Same fields and identifier fields (the schema id is ignored).</summary>
    public bool SameSchema(Schema other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Struct.Equals(other.Struct) && SameIds(IdentifierFieldIds, other.IdentifierFieldIds);
    }

    public bool Equals(Schema? other) => other is not null && SchemaId == other.SchemaId && SameSchema(other);

    public override bool Equals(object? obj) => obj is Schema other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(SchemaId, Struct);

    public override string ToString() => $"schema {SchemaId} {Struct}";

    /// <summary>
    /// Checks structural validity: unique field ids, unknown-typed fields optional, identifier fields valid.
    /// Returns null when valid, otherwise the reference-style message.
    /// </summary>
    public string? Validate()
    {
        var index = GetIndex();
        if (index.DuplicateId is { } dup)
        {
            return $"Invalid schema: multiple fields with id {dup}";
        }

        if (index.NegativeId is { } negative)
        {
            return $"Invalid schema: field id must not be negative: {negative}";
        }

        foreach (var info in index.ById.Values)
        {
            if (info.Field.Required && info.Field.Type.TypeId == TypeId.Unknown)
            {
                return $"Cannot create required field with unknown type: {info.FullName}";
            }
        }

        foreach (var id in IdentifierFieldIds)
        {
            if (!index.ById.TryGetValue(id, out var info))
            {
                return $"Cannot add fieldId {id} as an identifier field: field does not exist";
            }

            var name = info.FullName;
            if (!info.Field.Type.IsPrimitive)
            {
                return $"Cannot add field {name} as an identifier field: not a primitive type field";
            }

            if (!info.Field.Required)
            {
                return $"Cannot add field {name} as an identifier field: not a required field";
            }

            if (info.Field.Type.TypeId is TypeId.Float or TypeId.Double)
            {
                return $"Cannot add field {name} as an identifier field: must not be float or double field";
            }

            var parentId = info.ParentId;
            while (parentId is { } pid)
            {
                var parent = index.ById[pid];
                if (parent.Field.Type.TypeId is TypeId.List or TypeId.Map)
                {
                    return $"Cannot add field {name} as an identifier field: must not be nested in {parent.Field.Type}";
                }

                if (!parent.Field.Required)
                {
                    return $"Cannot add field {name} as an identifier field: must not be nested in an optional field {parent.FullName}";
                }

                parentId = parent.ParentId;
            }
        }

        return null;
    }

    /// <summary>
    /// Checks that every type and default is allowed in the table format version. Returns null when
    /// compatible, otherwise <c>Invalid schema for v2:\n- Invalid type for data: variant is not supported until v3</c>.
    /// </summary>
    public string? CheckCompatibility(int formatVersion)
    {
        List<string>? problems = null;
        foreach (var info in GetIndex().InOrder)
        {
            var type = info.Field.Type;
            var min = type.MinFormatVersion;
            if (min > formatVersion)
            {
                (problems ??= []).Add($"Invalid type for {info.FullName}: {type} is not supported until v{min}");
            }

            if (formatVersion < 3 && info.Field.InitialDefault is { IsNull: false } def)
            {
                (problems ??= []).Add($"Invalid initial default for {info.FullName}: non-null default ({def.Json}) is not supported until v3");
            }
        }

        if (problems is null)
        {
            return null;
        }

        var sb = new StringBuilder().Append("Invalid schema for v").Append(formatVersion).Append(':');
        foreach (var p in problems)
        {
            sb.Append("\n- ").Append(p);
        }

        return sb.ToString();
    }

    /// <summary>
    /// Whether the field is a valid partition/sort source: it exists, is primitive and is not inside a list or map.
    /// Returns null when fine, otherwise an error message.
    /// </summary>
    internal string? CheckSourceField(int sourceId, string what)
    {
        var index = GetIndex();
        if (!index.ById.TryGetValue(sourceId, out var info))
        {
            return $"Cannot find source column for {what}: {sourceId}";
        }

        if (!info.Field.Type.IsPrimitive)
        {
            return $"Cannot {(what == "sort field" ? "sort" : "partition")} by non-primitive source field: {info.FullName}";
        }

        var parentId = info.ParentId;
        while (parentId is { } pid)
        {
            var parent = index.ById[pid];
            if (parent.Field.Type.TypeId is TypeId.List or TypeId.Map)
            {
                return $"Invalid {what} parent: {parent.FullName} is a {parent.Field.Type.TypeId.ToString().ToLowerInvariant()}";
            }

            parentId = parent.ParentId;
        }

        return null;
    }

    /// <summary>
    /// Assigns fresh ids in the reference order: all direct fields of a struct first, then recurse into
    /// each field's type; a list element takes one id; a map takes the key id, then the value id.
    /// Identifier field ids are remapped. <paramref name="lastColumnId"/> is the last id already used.
    /// </summary>
    public Schema AssignFreshIds(int schemaId, ref int lastColumnId)
    {
        var next = lastColumnId;
        var mapping = new Dictionary<int, int>();
        var fields = FreshStruct(Fields, ref next, mapping);
        var identifiers = IdentifierFieldIds.Select(id => mapping.TryGetValue(id, out var n) ? n : id).ToImmutableArray();
        lastColumnId = next;
        return new Schema(schemaId, fields, identifiers);
    }

    private static ImmutableArray<NestedField> FreshStruct(ImmutableArray<NestedField> fields, ref int next, Dictionary<int, int> mapping)
    {
        var ids = new int[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            ids[i] = ++next;
            mapping.TryAdd(fields[i].Id, ids[i]);
        }

        var builder = ImmutableArray.CreateBuilder<NestedField>(fields.Length);
        for (var i = 0; i < fields.Length; i++)
        {
            var f = fields[i];
            builder.Add(f with { Id = ids[i], Type = FreshType(f.Type, ref next, mapping) });
        }

        return builder.MoveToImmutable();
    }

    private static IcebergType FreshType(IcebergType type, ref int next, Dictionary<int, int> mapping)
    {
        switch (type)
        {
            case StructType s:
                return new StructType(FreshStruct(s.Fields, ref next, mapping));
            case ListType l:
                {
                    var elementId = ++next;
                    mapping.TryAdd(l.ElementId, elementId);
                    return new ListType(elementId, FreshType(l.ElementType, ref next, mapping), l.ElementRequired);
                }

            case MapType m:
                {
                    var keyId = ++next;
                    var valueId = ++next;
                    mapping.TryAdd(m.KeyId, keyId);
                    mapping.TryAdd(m.ValueId, valueId);
                    var keyType = FreshType(m.KeyType, ref next, mapping);
                    var valueType = FreshType(m.ValueType, ref next, mapping);
                    return new MapType(keyId, keyType, valueId, valueType, m.ValueRequired);
                }

            default:
                return type;
        }
    }

    private static bool SameIds(ImmutableArray<int> a, ImmutableArray<int> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        return a.Length == 0 || new HashSet<int>(a).SetEquals(b);
    }

    private Index GetIndex() => _index ??= new Index(this);

    private sealed record FieldInfo(NestedField Field, string FullName, int? ParentId);

    private sealed class Index
    {
        public Index(Schema schema)
        {
            foreach (var f in schema.Fields)
            {
                Visit(f, null, null);
            }
        }

        public Dictionary<int, FieldInfo> ById { get; } = [];

        public Dictionary<string, int> ByName { get; } = new(StringComparer.Ordinal);

        public List<FieldInfo> InOrder { get; } = [];

        public int HighestId { get; private set; }

        public int? DuplicateId { get; private set; }

        public int? NegativeId { get; private set; }

        private void Visit(NestedField field, string? prefix, int? parentId)
        {
            var fullName = prefix is null ? field.Name : prefix + "." + field.Name;
            var info = new FieldInfo(field, fullName, parentId);
            if (!ById.TryAdd(field.Id, info))
            {
                DuplicateId ??= field.Id;
            }

            if (field.Id < 0)
            {
                NegativeId ??= field.Id;
            }

            ByName.TryAdd(fullName, field.Id);
            InOrder.Add(info);
            HighestId = Math.Max(HighestId, field.Id);
            switch (field.Type)
            {
                case StructType s:
                    foreach (var child in s.Fields)
                    {
                        Visit(child, fullName, field.Id);
                    }

                    break;
                case ListType l:
                    Visit(l.ElementField, fullName, field.Id);
                    break;
                case MapType m:
                    Visit(m.KeyField, fullName, field.Id);
                    Visit(m.ValueField, fullName, field.Id);
                    break;
                default:
                    break;
            }
        }
    }
}

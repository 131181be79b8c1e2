using System.Collections.Immutable;

namespace Lakekeeper.Iceberg.Tests;

public sealed class TypesAndSchemaTests
{
    [Theory]
    [InlineData("boolean", TypeId.Boolean)]
    [InlineData("int", TypeId.Int)]
    [InlineData("long", TypeId.Long)]
    [InlineData("float", TypeId.Float)]
    [InlineData("double", TypeId.Double)]
    [InlineData("decimal(9,2)", TypeId.Decimal)]
    [InlineData("date", TypeId.Date)]
    [InlineData("time", TypeId.Time)]
    [InlineData("timestamp", TypeId.Timestamp)]
    [InlineData("timestamptz", TypeId.TimestampTz)]
    [InlineData("timestamp_ns", TypeId.TimestampNs)]
    [InlineData("timestamptz_ns", TypeId.TimestampTzNs)]
    [InlineData("string", TypeId.String)]
    [InlineData("uuid", TypeId.Uuid)]
    [InlineData("fixed[16]", TypeId.Fixed)]
    [InlineData("binary", TypeId.Binary)]
    [InlineData("variant", TypeId.Variant)]
    [InlineData("geometry", TypeId.Geometry)]
    [InlineData("geometry(srid:4326)", TypeId.Geometry)]
    [InlineData("geography", TypeId.Geography)]
    [InlineData("geography(srid:4326)", TypeId.Geography)]
    [InlineData("geography(srid:4326, karney)", TypeId.Geography)]
    [InlineData("unknown", TypeId.Unknown)]
    public void Primitive_types_parse_and_print_canonically(string text, TypeId expected)
    {
        var type = Json.Ok(IcebergType.ParsePrimitive(text));
        Assert.Equal(expected, type.TypeId);
        Assert.Equal(text, type.ToString());
    }

    [Theory]
    [InlineData("decimal(9, 2)", "decimal(9,2)")]
    [InlineData("DECIMAL( 38 ,0 )", "decimal(38,0)")]
    [InlineData("fixed[ 4 ]", "fixed[4]")]
    [InlineData("geography(srid:4326,spherical)", "geography(srid:4326, spherical)")]
    [InlineData("Long", "long")]
    public void Primitive_type_spellings_are_normalized(string text, string canonical) =>
        Assert.Equal(canonical, Json.Ok(IcebergType.ParsePrimitive(text)).ToString());

    [Theory]
    [InlineData("decimal(39,2)")]
    [InlineData("decimal(0,0)")]
    [InlineData("decimal(9)")]
    [InlineData("fixed[-1]")]
    [InlineData("fixed[99999999999]")]
    [InlineData("geography(srid:4326, flat)")]
    [InlineData("varchar")]
    [InlineData("")]
    public void Invalid_primitive_types_are_rejected(string text)
    {
        var error = Json.Fails(IcebergType.ParsePrimitive(text));
        Assert.Equal(400, error.Code);
    }

    [Fact]
    public void Decimal_and_fixed_keep_their_parameters()
    {
        var d = (PrimitiveType)Json.Ok(IcebergType.ParsePrimitive("decimal(10,3)"));
        Assert.Equal((10, 3), (d.Precision, d.Scale));
        var f = (PrimitiveType)Json.Ok(IcebergType.ParsePrimitive("fixed[7]"));
        Assert.Equal(7, f.Length);
        Assert.Equal(PrimitiveType.Decimal(10, 3), d);
        Assert.NotEqual(PrimitiveType.Decimal(10, 2), d);
    }

    private const string NestedSchemaJson = """
        {"type":"struct","schema-id":3,"identifier-field-ids":[1],"fields":[
          {"id":1,"name":"id","required":true,"type":"long"},
          {"id":2,"name":"data","required":false,"type":"string","doc":"payload"},
          {"id":3,"name":"list_data","required":false,"type":{"type":"list","element-id":6,"element":"string","element-required":true}},
          {"id":4,"name":"map_data","required":false,"type":{"type":"map","key-id":7,"key":"string","value-id":8,"value":"double","value-required":false}},
          {"id":5,"name":"struct_data","required":false,"type":{"type":"struct","fields":[{"id":9,"name":"v","required":false,"type":"decimal(9,2)"}]}}
        ]}
        """;

    [Fact]
    public void Schema_json_round_trips_with_nested_types()
    {
        var schema = Json.Ok(RestRequestJson.ParseSchema(Json.Utf8(NestedSchemaJson)));
        Assert.Equal(3, schema.SchemaId);
        Assert.Equal([1], schema.IdentifierFieldIds);
        Assert.Equal(9, schema.HighestFieldId);
        var list = Assert.IsType<ListType>(schema.Fields[2].Type);
        Assert.Equal((6, true), (list.ElementId, list.ElementRequired));
        var map = Assert.IsType<MapType>(schema.Fields[3].Type);
        Assert.Equal((7, 8, false), (map.KeyId, map.ValueId, map.ValueRequired));
        Assert.Equal("payload", schema.Fields[1].Doc);
        Assert.Equal("struct_data.v", schema.FindColumnName(9));
        Assert.Equal("map_data.value", schema.FindColumnName(8));
        Assert.Equal("list_data.element", schema.FindColumnName(6));
        var written = Json.Str(IcebergJsonWriter.Write(schema));
        Json.AssertSemanticallyEqual(NestedSchemaJson, written);
        Assert.Equal(schema, Json.Ok(RestRequestJson.ParseSchema(Json.Utf8(written))));
    }

    [Fact]
    public void Schema_json_field_order_is_canonical()
    {
        var schema = new Schema(0, [NestedField.Require(1, "a", PrimitiveType.Int, "doc")], [1]);
        Assert.Equal(
            """{"type":"struct","schema-id":0,"identifier-field-ids":[1],"fields":[{"id":1,"name":"a","required":true,"type":"int","doc":"doc"}]}""",
            Json.Str(IcebergJsonWriter.Write(schema)));
    }

    [Fact]
    public void Defaults_are_kept_as_raw_json()
    {
        const string json = """{"type":"struct","fields":[{"id":1,"name":"a","required":false,"type":"struct","initial-default":{"x" : [1, 2.50, "s"]},"write-default":"w"}]}""";
        var error = Json.Fails(RestRequestJson.ParseSchema(Json.Utf8(json)));
        Assert.Equal("Cannot parse type string to primitive: struct", error.Message);

        const string valid = """{"type":"struct","fields":[{"id":1,"name":"a","required":false,"type":"long","initial-default":  12345678901234567890 ,"write-default":"w"}]}""";
        var schema = Json.Ok(RestRequestJson.ParseSchema(Json.Utf8(valid)));
        Assert.Equal("12345678901234567890", schema.Fields[0].InitialDefault!.Json);
        Assert.Equal("\"w\"", schema.Fields[0].WriteDefault!.Json);
        Assert.Contains("\"initial-default\":12345678901234567890", Json.Str(IcebergJsonWriter.Write(schema)), StringComparison.Ordinal);
    }

    [Fact]
    public void Fresh_ids_follow_the_reference_order()
    {
        // notes §3.3: id, data, list_data<elem>, map_data<k,v>, struct_data<v>
        var request = Json.Ok(RestRequestJson.ParseSchema(Json.Utf8(NestedSchemaJson.Replace("\"schema-id\":3,", string.Empty, StringComparison.Ordinal)
            .Replace("\"id\":1,", "\"id\":11,", StringComparison.Ordinal)
            .Replace("[1]", "[11]", StringComparison.Ordinal))));
        var last = 0;
        var fresh = request.AssignFreshIds(0, ref last);
        Assert.Equal(9, last);
        Assert.Equal(1, fresh.FindField("id")!.Id);
        Assert.Equal(2, fresh.FindField("data")!.Id);
        Assert.Equal(3, fresh.FindField("list_data")!.Id);
        Assert.Equal(4, fresh.FindField("map_data")!.Id);
        Assert.Equal(5, fresh.FindField("struct_data")!.Id);
        Assert.Equal(6, fresh.FindField("list_data.element")!.Id);
        Assert.Equal(7, fresh.FindField("map_data.key")!.Id);
        Assert.Equal(8, fresh.FindField("map_data.value")!.Id);
        Assert.Equal(9, fresh.FindField("struct_data.v")!.Id);
        Assert.Equal([1], fresh.IdentifierFieldIds);
    }

    [Fact]
    public void Fresh_ids_for_deeper_nesting_assign_struct_fields_before_recursing()
    {
        var schema = new Schema(
            7,
            NestedField.Optional(100, "a", new ListType(101, new StructType(NestedField.Optional(102, "x", PrimitiveType.Int), NestedField.Optional(103, "y", PrimitiveType.Int)), false)),
            NestedField.Optional(104, "b", new MapType(105, PrimitiveType.String, 106, new ListType(107, PrimitiveType.Int, true), true)));
        var last = 0;
        var fresh = schema.AssignFreshIds(0, ref last);
        Assert.Equal(0, fresh.SchemaId);
        Assert.Equal(1, fresh.FindField("a")!.Id);
        Assert.Equal(2, fresh.FindField("b")!.Id);
        Assert.Equal(3, fresh.FindField("a.element")!.Id);
        Assert.Equal(4, fresh.FindField("a.element.x")!.Id);
        Assert.Equal(5, fresh.FindField("a.element.y")!.Id);
        Assert.Equal(6, fresh.FindField("b.key")!.Id);
        Assert.Equal(7, fresh.FindField("b.value")!.Id);
        Assert.Equal(8, fresh.FindField("b.value.element")!.Id);
        Assert.Equal(8, last);
    }

    [Fact]
    public void V3_types_in_v2_schema_report_the_reference_message()
    {
        var schema = new Schema(0, NestedField.Require(1, "id", PrimitiveType.Long), NestedField.Optional(2, "data", PrimitiveType.Variant));
        Assert.Equal("Invalid schema for v2:\n- Invalid type for data: variant is not supported until v3", schema.CheckCompatibility(2));
        Assert.Null(schema.CheckCompatibility(3));
    }

    [Theory]
    [InlineData("timestamp_ns")]
    [InlineData("timestamptz_ns")]
    [InlineData("variant")]
    [InlineData("geometry")]
    [InlineData("geography")]
    [InlineData("unknown")]
    public void Every_v3_type_is_refused_before_v3(string typeName)
    {
        var type = Json.Ok(IcebergType.ParsePrimitive(typeName));
        var schema = new Schema(0, NestedField.Optional(1, "s", new StructType(NestedField.Optional(2, "c", type))));
        var message = schema.CheckCompatibility(1);
        Assert.Equal($"Invalid schema for v1:\n- Invalid type for s.c: {typeName} is not supported until v3", message);
    }

    [Fact]
    public void Non_null_initial_default_is_v3_only()
    {
        var field = new NestedField(1, "a", false, PrimitiveType.Int, InitialDefault: Json.Ok(RawJson.Parse("34")));
        var schema = new Schema(0, field);
        Assert.Equal("Invalid schema for v2:\n- Invalid initial default for a: non-null default (34) is not supported until v3", schema.CheckCompatibility(2));
        Assert.Null(schema.CheckCompatibility(3));
    }

    [Fact]
    public void Duplicate_field_ids_are_rejected()
    {
        const string json = """{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"int"},{"id":1,"name":"b","required":true,"type":"int"}]}""";
        var error = Json.Fails(RestRequestJson.ParseSchema(Json.Utf8(json)));
        Assert.Equal(400, error.Code);
        Assert.Equal("Invalid schema: multiple fields with id 1", error.Message);
    }

    [Theory]
    [InlineData("[9]", "Cannot add fieldId 9 as an identifier field: field does not exist")]
    [InlineData("[2]", "Cannot add field b as an identifier field: not a required field")]
    [InlineData("[3]", "Cannot add field c as an identifier field: must not be float or double field")]
    [InlineData("[4]", "Cannot add field s as an identifier field: not a primitive type field")]
    [InlineData("[6]", "Cannot add field l.element as an identifier field: must not be nested in list<int>")]
    [InlineData("[8]", "Cannot add field o.x as an identifier field: must not be nested in an optional field o")]
    public void Identifier_fields_are_validated(string ids, string message)
    {
        var json = "{\"type\":\"struct\",\"identifier-field-ids\":" + ids + """
            ,"fields":[
              {"id":1,"name":"a","required":true,"type":"int"},
              {"id":2,"name":"b","required":false,"type":"int"},
              {"id":3,"name":"c","required":true,"type":"double"},
              {"id":4,"name":"s","required":true,"type":{"type":"struct","fields":[]}},
              {"id":5,"name":"l","required":true,"type":{"type":"list","element-id":6,"element":"int","element-required":true}},
              {"id":7,"name":"o","required":false,"type":{"type":"struct","fields":[{"id":8,"name":"x","required":true,"type":"int"}]}}
            ]}
            """;
        Assert.Equal(message, Json.Fails(RestRequestJson.ParseSchema(Json.Utf8(json))).Message);
    }

    [Fact]
    public void Required_unknown_type_is_rejected()
    {
        const string json = """{"type":"struct","fields":[{"id":1,"name":"u","required":true,"type":"unknown"}]}""";
        Assert.Equal("Cannot create required field with unknown type: u", Json.Fails(RestRequestJson.ParseSchema(Json.Utf8(json))).Message);
    }

    [Fact]
    public void Same_schema_ignores_schema_id_and_identifier_order()
    {
        var a = new Schema(1, [NestedField.Require(1, "a", PrimitiveType.Int), NestedField.Require(2, "b", PrimitiveType.Int)], [1, 2]);
        var b = new Schema(5, [NestedField.Require(1, "a", PrimitiveType.Int), NestedField.Require(2, "b", PrimitiveType.Int)], [2, 1]);
        var c = new Schema(5, [NestedField.Require(1, "a", PrimitiveType.Int, "doc"), NestedField.Require(2, "b", PrimitiveType.Int)], [2, 1]);
        Assert.True(a.SameSchema(b));
        Assert.False(a.SameSchema(c));
        Assert.NotEqual(a, b);
        Assert.Equal(a, b.WithSchemaId(1));
    }

    [Fact]
    public void Nested_type_json_requires_its_fields()
    {
        Assert.Contains("element-required", Json.Fails(RestRequestJson.ParseType(Json.Utf8("""{"type":"list","element-id":1,"element":"int"}"""))).Message, StringComparison.Ordinal);
        Assert.Contains("value-id", Json.Fails(RestRequestJson.ParseType(Json.Utf8("""{"type":"map","key-id":1,"key":"int","value":"int","value-required":true}"""))).Message, StringComparison.Ordinal);
        Assert.Contains("unknown type", Json.Fails(RestRequestJson.ParseType(Json.Utf8("""{"type":"tuple"}"""))).Message, StringComparison.Ordinal);
        var ok = Json.Ok(RestRequestJson.ParseType(Json.Utf8("""{"element":"int","element-required":false,"type":"list","element-id":4}""")));
        Assert.Equal(new ListType(4, PrimitiveType.Int, false), ok);
    }

    [Fact]
    public void StringMap_is_sorted_and_last_duplicate_wins()
    {
        var map = StringMap.Of(("b", "1"), ("a", "2"), ("b", "3"));
        Assert.Equal(["a", "b"], map.Keys.ToArray());
        Assert.Equal("3", map["b"]);
        Assert.Equal(StringMap.Of(("a", "2"), ("b", "3")), map);
        Assert.Same(map, map.RemoveKeys(["zz"]));
        Assert.Single(map.RemoveKeys(["a"]));
        Assert.Equal(ImmutableArray.Create("a", "b", "c"), map.SetItems([new("c", "x")]).Keys.ToImmutableArray());
    }
}

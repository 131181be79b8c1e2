using System.Numerics;
using System.Text;

namespace Lakekeeper.Iceberg.Tests;

public sealed class TransformTests
{
    private static readonly DateOnly SpecDate = new(2017, 11, 16);
    private static readonly DateTimeOffset SpecTimestamp = new(2017, 11, 16, 22, 31, 8, TimeSpan.Zero);

    // Spec Appendix B test values.
    [Fact]
    public void Murmur3_hash_vectors_from_the_spec()
    {
        Assert.Equal(2017239379, BucketHash.HashInt(34));
        Assert.Equal(2017239379, BucketHash.HashLong(34L));
        Assert.Equal(-500754589, BucketHash.HashDecimal(new BigInteger(1420)));
        Assert.Equal(-500754589, BucketHash.HashDecimal(14.20m, 2));
        Assert.Equal(-653330422, BucketHash.HashDate(TransformFunctions.ToEpochDays(SpecDate)));
        Assert.Equal(-662762989, BucketHash.HashMicros(TransformFunctions.ToMicrosOfDay(new TimeOnly(22, 31, 8))));
        Assert.Equal(-2047944441, BucketHash.HashMicros(TransformFunctions.ToEpochMicros(SpecTimestamp)));
        Assert.Equal(-2047944441, BucketHash.HashMicros(TransformFunctions.ToEpochMicros(new DateTimeOffset(2017, 11, 16, 14, 31, 8, TimeSpan.FromHours(-8)))));
        Assert.Equal(-1207196810, BucketHash.HashMicros(TransformFunctions.ToEpochMicros(SpecTimestamp) + 1));
        Assert.Equal(1210000089, BucketHash.HashString("iceberg"));
        Assert.Equal(1488055340, BucketHash.HashUuid(Guid.Parse("f79c3e09-677c-4bbd-a479-3f349cb785e7")));
        Assert.Equal(-188683207, BucketHash.HashBytes([0, 1, 2, 3]));
    }

    [Fact]
    public void Nanosecond_timestamps_hash_as_microseconds()
    {
        var micros = TransformFunctions.ToEpochMicros(SpecTimestamp);
        Assert.Equal(-2047944441, BucketHash.HashNanos(micros * 1000));
        Assert.Equal(-1207196810, BucketHash.HashNanos((micros * 1000) + 1001));
        Assert.Equal(-1207196810, BucketHash.HashNanos((micros * 1000) + 1000));
    }

    [Fact]
    public void Non_bucketable_hash_vectors_from_the_spec()
    {
        Assert.Equal(1392991556, BucketHash.HashBoolean(true));
        Assert.Equal(-142385009, BucketHash.HashFloat(1.0f));
        Assert.Equal(1669671676, BucketHash.HashFloat(0.0f));
        Assert.Equal(1669671676, BucketHash.HashFloat(-0.0f));
        Assert.Equal(-142385009, BucketHash.HashDouble(1.0));
        Assert.Equal(1669671676, BucketHash.HashDouble(-0.0));
        Assert.Equal(BucketHash.HashLong(0x7ff8000000000000L), BucketHash.HashDouble(double.NaN));
    }

    [Fact]
    public void Murmur3_handles_every_tail_length()
    {
        // Standard x86_32 vectors (seed 0): empty input hashes to 0; tails of 1-3 bytes exercise the switch.
        Assert.Equal(0, Murmur3.Hash32([]));
        Assert.Equal(0x514E28B7, Murmur3.Hash32([], 1));
        Assert.Equal(unchecked((int)0x76293B50), Murmur3.Hash32([0xff, 0xff, 0xff, 0xff]));
        Assert.Equal(unchecked((int)0xF55B516B), Murmur3.Hash32([0x21, 0x43, 0x65, 0x87]));
        Assert.Equal(0x7E4A8634, Murmur3.Hash32([0x21, 0x43, 0x65]));
        Assert.Equal(unchecked((int)0xA0F7B07A), Murmur3.Hash32([0x21, 0x43]));
        Assert.Equal(0x72661CF4, Murmur3.Hash32([0x21]));
        Assert.Equal(1210000089, Murmur3.Hash32(Encoding.UTF8.GetBytes("iceberg")));
    }

    [Fact]
    public void Bucket_discards_the_sign_bit_before_the_modulo()
    {
        Assert.Equal((2017239379 & int.MaxValue) % 16, TransformFunctions.BucketInt(34, 16));
        Assert.Equal((-653330422 & int.MaxValue) % 10, TransformFunctions.Bucket(-653330422, 10));
        Assert.Equal(6, TransformFunctions.Bucket(-653330422, 10));
        Assert.Equal(0, TransformFunctions.Bucket(int.MinValue, 7));
        Assert.Equal(TransformFunctions.BucketInt(34, 100), TransformFunctions.BucketLong(34, 100));
        Assert.Equal((1488055340 & int.MaxValue) % 8, TransformFunctions.BucketUuid(Guid.Parse("f79c3e09-677c-4bbd-a479-3f349cb785e7"), 8));
        Assert.Equal((1210000089 & int.MaxValue) % 4, TransformFunctions.BucketString("iceberg", 4));
    }

    [Fact]
    public void Truncate_vectors_from_the_spec()
    {
        Assert.Equal(0, TransformFunctions.TruncateInt(1, 10));
        Assert.Equal(-10, TransformFunctions.TruncateInt(-1, 10));
        Assert.Equal(0L, TransformFunctions.TruncateLong(1, 10));
        Assert.Equal(-10L, TransformFunctions.TruncateLong(-1, 10));
        Assert.Equal(10.50m, TransformFunctions.TruncateDecimal(10.65m, 2, 50));
        Assert.Equal(new BigInteger(1050), TransformFunctions.TruncateDecimal(new BigInteger(1065), 50));
        Assert.Equal(new BigInteger(-1100), TransformFunctions.TruncateDecimal(new BigInteger(-1065), 50));
        Assert.Equal("ice", TransformFunctions.TruncateString("iceberg", 3));
        Assert.Equal("ab", TransformFunctions.TruncateString("ab", 3));
        Assert.Equal("a\U0001F600", TransformFunctions.TruncateString("a\U0001F600bc", 2));
        Assert.Equal([1, 2], TransformFunctions.TruncateBinary([1, 2, 3], 2));
    }

    [Fact]
    public void Temporal_transforms_count_from_the_epoch_and_floor_before_it()
    {
        var days = TransformFunctions.ToEpochDays(SpecDate);
        Assert.Equal(17486, days);
        Assert.Equal(47, TransformFunctions.YearFromDays(days));
        Assert.Equal((47 * 12) + 10, TransformFunctions.MonthFromDays(days));
        Assert.Equal(17486, TransformFunctions.DayFromDays(days));
        var micros = TransformFunctions.ToEpochMicros(SpecTimestamp);
        Assert.Equal(47, TransformFunctions.YearFromMicros(micros));
        Assert.Equal(574, TransformFunctions.MonthFromMicros(micros));
        Assert.Equal(17486, TransformFunctions.DayFromMicros(micros));
        Assert.Equal((17486 * 24) + 22, TransformFunctions.HourFromMicros(micros));
        Assert.Equal((17486 * 24) + 22, TransformFunctions.HourFromNanos(micros * 1000));
        Assert.Equal(-1, TransformFunctions.YearFromDays(-1));
        Assert.Equal(-1, TransformFunctions.MonthFromDays(-1));
        Assert.Equal(-1, TransformFunctions.DayFromMicros(-1));
        Assert.Equal(-1, TransformFunctions.HourFromMicros(-1));
        Assert.Equal(-1, TransformFunctions.YearFromNanos(-1));
    }

    [Theory]
    [InlineData("identity", TransformKind.Identity, 0)]
    [InlineData("bucket[16]", TransformKind.Bucket, 16)]
    [InlineData("truncate[4]", TransformKind.Truncate, 4)]
    [InlineData("year", TransformKind.Year, 0)]
    [InlineData("month", TransformKind.Month, 0)]
    [InlineData("day", TransformKind.Day, 0)]
    [InlineData("hour", TransformKind.Hour, 0)]
    [InlineData("void", TransformKind.Void, 0)]
    [InlineData("zorder", TransformKind.Unknown, 0)]
    public void Transforms_parse_and_print(string text, TransformKind kind, int parameter)
    {
        var t = Json.Ok(Transform.Parse(text));
        Assert.Equal(kind, t.Kind);
        Assert.Equal(parameter, t.Parameter);
        Assert.Equal(text, t.ToString());
    }

    [Theory]
    [InlineData("bucket[0]", "Invalid number of buckets: 0 (must be > 0)")]
    [InlineData("truncate[0]", "Invalid truncate width: 0 (must be > 0)")]
    [InlineData("bucket[abc]", "Invalid transform: bucket[abc]")]
    [InlineData("bucket", "Invalid transform: bucket")]
    [InlineData("truncate[99999999999]", "Invalid transform: truncate[99999999999]")]
    public void Malformed_transforms_are_rejected(string text, string message) =>
        Assert.Equal(message, Json.Fails(Transform.Parse(text)).Message);

    public static TheoryData<string, string, bool> Compatibility => new()
    {
        { "identity", "string", true },
        { "identity", "geometry", false },
        { "identity", "variant", false },
        { "bucket[4]", "int", true },
        { "bucket[4]", "long", true },
        { "bucket[4]", "decimal(9,2)", true },
        { "bucket[4]", "date", true },
        { "bucket[4]", "time", true },
        { "bucket[4]", "timestamp", true },
        { "bucket[4]", "timestamptz", true },
        { "bucket[4]", "timestamp_ns", true },
        { "bucket[4]", "string", true },
        { "bucket[4]", "uuid", true },
        { "bucket[4]", "fixed[3]", true },
        { "bucket[4]", "binary", true },
        { "bucket[4]", "boolean", false },
        { "bucket[4]", "float", false },
        { "bucket[4]", "double", false },
        { "truncate[4]", "int", true },
        { "truncate[4]", "long", true },
        { "truncate[4]", "decimal(9,2)", true },
        { "truncate[4]", "string", true },
        { "truncate[4]", "binary", true },
        { "truncate[4]", "date", false },
        { "truncate[4]", "uuid", false },
        { "year", "date", true },
        { "year", "timestamp", true },
        { "year", "timestamptz_ns", true },
        { "year", "time", false },
        { "month", "timestamptz", true },
        { "day", "date", true },
        { "day", "long", false },
        { "hour", "timestamp", true },
        { "hour", "date", false },
        { "void", "double", true },
    };

    [Theory]
    [MemberData(nameof(Compatibility))]
    public void Transforms_accept_only_their_source_types(string transform, string type, bool expected)
    {
        var t = Json.Ok(Transform.Parse(transform));
        Assert.Equal(expected, t.CanTransform(Json.Ok(IcebergType.ParsePrimitive(type))));
    }

    [Fact]
    public void Transform_result_types()
    {
        var str = PrimitiveType.String;
        Assert.Equal(PrimitiveType.Int, Transform.Bucket(4).ResultType(str));
        Assert.Equal(str, Transform.Truncate(4).ResultType(str));
        Assert.Equal(str, Transform.Identity.ResultType(str));
        Assert.Equal(PrimitiveType.Int, Transform.Year.ResultType(PrimitiveType.Date));
        Assert.Equal(PrimitiveType.Int, Transform.Hour.ResultType(PrimitiveType.Timestamp));
        Assert.Equal(str, Transform.Void.ResultType(str));
        Assert.Null(Json.Ok(Transform.Parse("zorder")).ResultType(str));
    }

    [Fact]
    public void Partition_spec_json_uses_spec_fields()
    {
        var spec = new PartitionSpec(0, [new PartitionField(4, 1000, "ts_day", Transform.Day), new PartitionField(1, 1001, "id_bucket", Transform.Bucket(16))]);
        Assert.Equal(
            """{"spec-id":0,"fields":[{"name":"ts_day","transform":"day","source-id":4,"field-id":1000},{"name":"id_bucket","transform":"bucket[16]","source-id":1,"field-id":1001}]}""",
            Json.Str(IcebergJsonWriter.Write(spec)));
        Assert.Equal(1001, spec.LastAssignedFieldId);
        Assert.Equal(999, PartitionSpec.Unpartitioned.LastAssignedFieldId);
    }

    [Fact]
    public void Multi_argument_transforms_write_source_ids()
    {
        var spec = new PartitionSpec(1, [new PartitionField(Tables.Arr(1, 2), 1000, "z", Json.Ok(Transform.Parse("zorder")))]);
        Assert.Equal("""{"spec-id":1,"fields":[{"name":"z","transform":"zorder","source-ids":[1,2],"field-id":1000}]}""", Json.Str(IcebergJsonWriter.Write(spec, 3)));
        Assert.Equal("""{"spec-id":1,"fields":[{"name":"z","transform":"zorder","source-id":1,"source-ids":[1,2],"field-id":1000}]}""", Json.Str(IcebergJsonWriter.Write(spec, 2)));
        var parsed = Json.Ok(RestRequestJson.ParsePartitionSpec(Json.Utf8("""{"fields":[{"name":"z","transform":"zorder","source-ids":[1,2]}]}""")));
        Assert.Equal([1, 2], parsed.Fields[0].SourceIds);
        Assert.Null(parsed.Fields[0].FieldId);
        Assert.Null(parsed.SpecId);
        Assert.Contains("does not match", Json.Fails(RestRequestJson.ParsePartitionSpec(Json.Utf8("""{"fields":[{"name":"z","transform":"zorder","source-id":3,"source-ids":[1,2]}]}"""))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sort_order_json_round_trips()
    {
        const string json = """{"order-id":1,"fields":[{"transform":"identity","source-id":2,"direction":"asc","null-order":"nulls-first"},{"transform":"bucket[4]","source-id":3,"direction":"desc","null-order":"nulls-last"}]}""";
        var unbound = Json.Ok(RestRequestJson.ParseSortOrder(Json.Utf8(json)));
        var order = new SortOrder(unbound.OrderId!.Value, unbound.Fields);
        Assert.Equal(SortDirection.Desc, order.Fields[1].Direction);
        Assert.Equal(NullOrder.NullsLast, order.Fields[1].NullOrder);
        Assert.Equal(json, Json.Str(IcebergJsonWriter.Write(order)));
        Assert.Equal("Invalid sort direction: up", Json.Fails(RestRequestJson.ParseSortOrder(Json.Utf8("""{"order-id":1,"fields":[{"transform":"identity","source-id":2,"direction":"up","null-order":"nulls-first"}]}"""))).Message);
        Assert.True(SortOrder.Unsorted.IsUnsorted);
    }

    [Fact]
    public void Binding_assigns_partition_field_ids_from_1000_and_validates()
    {
        var schema = Tables.SimpleSchema();
        var unbound = new UnboundPartitionSpec(null, [
            new UnboundPartitionField(3, null, "ts_day", Transform.Day),
            new UnboundPartitionField(1, 1005, "id_bucket", Transform.Bucket(8)),
            new UnboundPartitionField(2, null, "data_trunc", Transform.Truncate(2)),
        ]);
        var spec = Json.Ok(unbound.Bind(schema, 3));
        Assert.Equal(3, spec.SpecId);
        Assert.Equal([1000, 1005, 1006], spec.Fields.Select(f => f.FieldId));

        Assert.Equal("Invalid source type string for transform: day",
            Json.Fails(new UnboundPartitionSpec(null, [new UnboundPartitionField(2, null, "d", Transform.Day)]).Bind(schema, 0)).Message);
        Assert.Equal("Cannot find source column for partition field: 42",
            Json.Fails(new UnboundPartitionSpec(null, [new UnboundPartitionField(42, null, "d", Transform.Identity)]).Bind(schema, 0)).Message);
        Assert.Equal("Cannot use partition name more than once: d",
            Json.Fails(new UnboundPartitionSpec(null, [new UnboundPartitionField(1, null, "d", Transform.Identity), new UnboundPartitionField(2, null, "d", Transform.Identity)]).Bind(schema, 0)).Message);
        Assert.Equal("Cannot use empty or null partition name: ",
            Json.Fails(new UnboundPartitionSpec(null, [new UnboundPartitionField(1, null, string.Empty, Transform.Identity)]).Bind(schema, 0)).Message);
    }

    [Fact]
    public void Partition_sources_must_be_primitive_and_outside_lists_and_maps()
    {
        var schema = new Schema(
            0,
            NestedField.Optional(1, "s", new StructType(NestedField.Optional(2, "x", PrimitiveType.Int))),
            NestedField.Optional(3, "l", new ListType(4, PrimitiveType.Int, true)));
        Assert.True(new UnboundPartitionSpec(null, [new UnboundPartitionField(2, null, "x", Transform.Identity)]).Bind(schema, 0).IsSuccess);
        Assert.Equal("Cannot partition by non-primitive source field: s",
            Json.Fails(new UnboundPartitionSpec(null, [new UnboundPartitionField(1, null, "p", Transform.Identity)]).Bind(schema, 0)).Message);
        Assert.Equal("Invalid partition field parent: l is a list",
            Json.Fails(new UnboundPartitionSpec(null, [new UnboundPartitionField(4, null, "p", Transform.Identity)]).Bind(schema, 0)).Message);
    }

    [Fact]
    public void Compatible_specs_ignore_field_ids()
    {
        var a = new PartitionSpec(0, [new PartitionField(1, 1000, "id", Transform.Identity)]);
        var b = new PartitionSpec(4, [new PartitionField(1, 1007, "id", Transform.Identity)]);
        var c = new PartitionSpec(4, [new PartitionField(1, 1000, "id2", Transform.Identity)]);
        Assert.True(a.CompatibleWith(b));
        Assert.False(a.CompatibleWith(c));
        Assert.NotEqual(a, b);
    }
}

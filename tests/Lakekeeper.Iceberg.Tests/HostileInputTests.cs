using System.Text;
using System.Text.Json.Nodes;

namespace Lakekeeper.Iceberg.Tests;

/// <summary>
/// Malformed, truncated, mutated and oversized input must always come back as a typed 400 failure
/// (or a valid parse), never as an exception.
/// </summary>
public sealed class HostileInputTests
{
    private delegate IcebergError? Parser(byte[] input);

    private static readonly (string Name, string Sample, Parser Parse)[] Parsers =
    [
        ("table-v1", GoldenDocs.V1, b => Check(TableMetadataJson.Parse(b), m => Json.AssertCanonicalStable(m))),
        ("table-v1-legacy", GoldenDocs.V1Legacy, b => Check(TableMetadataJson.Parse(b), m => Json.AssertCanonicalStable(m))),
        ("table-v2", GoldenDocs.V2, b => Check(TableMetadataJson.Parse(b), m => Json.AssertCanonicalStable(m))),
        ("table-v3", GoldenDocs.V3, b => Check(TableMetadataJson.Parse(b), m => Json.AssertCanonicalStable(m))),
        ("view", GoldenDocs.View, b => Check(ViewMetadataJson.Parse(b), m => Json.AssertCanonicalStable(m))),
        ("create-table", CreateTableSample, b => Check(RestRequestJson.ParseCreateTable(b), r => TableCommitEngine.CreateTable(r, "s3://b/t", Tables.Uuid, Tables.Now))),
        ("commit-table", CommitSample, b => Check(RestRequestJson.ParseCommitTable(b), r => TableCommitEngine.Commit(Base, Tables.MetadataLocation, r.Requirements, r.Updates, Tables.Now))),
        ("commit-transaction", "{\"table-changes\":[" + CommitSample.Replace("{\"requirements\"", "{\"identifier\":{\"namespace\":[\"a\"],\"name\":\"t\"},\"requirements\"", StringComparison.Ordinal) + "]}", b => Check(RestRequestJson.ParseCommitTransaction(b), _ => { })),
        ("create-view", CreateViewSample, b => Check(RestRequestJson.ParseCreateView(b), r => ViewCommitEngine.CreateView(r, "s3://b/v", Tables.Uuid, Tables.Now))),
        ("commit-view", CommitViewSample, b => Check(RestRequestJson.ParseCommitView(b), r => ViewCommitEngine.Commit(Json.ParseView(GoldenDocs.View), null, r.Requirements, r.Updates, Tables.Now))),
        ("register", """{"name":"t","metadata-location":"s3://m/00001-x.metadata.json","overwrite":true}""", b => Check(RestRequestJson.ParseRegister(b), _ => { })),
    ];

    private static readonly TableMetadata Base = Tables.Append(Tables.Create(3), 1, Tables.Now - 1000);

    private const string CreateTableSample = """
        {"name":"t","location":"s3://l","schema":{"type":"struct","schema-id":2,"identifier-field-ids":[1],"fields":[
          {"id":1,"name":"id","required":true,"type":"long"},
          {"id":2,"name":"m","required":false,"type":{"type":"map","key-id":3,"key":"string","value-id":4,"value":{"type":"list","element-id":5,"element":"decimal(9,2)","element-required":false},"value-required":false}}]},
         "partition-spec":{"fields":[{"name":"b","transform":"bucket[8]","source-id":1}]},
         "write-order":{"order-id":1,"fields":[{"transform":"identity","source-id":1,"direction":"desc","null-order":"nulls-last"}]},
         "stage-create":true,"properties":{"format-version":"3","k":"v"}}
        """;

    private const string CommitSample = """
        {"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":1},{"type":"assert-current-schema-id","current-schema-id":0}],
         "updates":[
           {"action":"add-snapshot","snapshot":{"snapshot-id":2,"parent-snapshot-id":1,"sequence-number":2,"timestamp-ms":1700000000000,"summary":{"operation":"append"},"manifest-list":"s3://m.avro","first-row-id":10,"added-rows":3}},
           {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":2},
           {"action":"add-schema","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":4,"name":"n","required":false,"type":"int"}]}},
           {"action":"set-current-schema","schema-id":-1},
           {"action":"add-spec","spec":{"fields":[{"name":"id_t","transform":"truncate[4]","source-id":1}]}},
           {"action":"set-default-spec","spec-id":-1},
           {"action":"set-properties","updates":{"a":"b"}},
           {"action":"remove-snapshots","snapshot-ids":[1]},
           {"action":"set-statistics","statistics":{"snapshot-id":2,"statistics-path":"s3://s","file-size-in-bytes":1,"file-footer-size-in-bytes":1,"blob-metadata":[]}}]}
        """;

    private const string CreateViewSample = """
        {"name":"v","schema":{"type":"struct","schema-id":5,"fields":[{"id":1,"name":"x","required":false,"type":"int"}]},
         "view-version":{"version-id":1,"timestamp-ms":1,"schema-id":5,"summary":{},"representations":[{"type":"sql","sql":"select 1","dialect":"trino"}],"default-namespace":[]},
         "properties":{}}
        """;

    private const string CommitViewSample = """
        {"requirements":[{"type":"assert-view-uuid","uuid":"fa6506c3-7681-40c8-86dc-e36561f83385"}],
         "updates":[{"action":"add-schema","schema":{"type":"struct","fields":[{"id":1,"name":"y","required":false,"type":"long"}]}},
                    {"action":"add-view-version","view-version":{"version-id":1,"timestamp-ms":2,"schema-id":-1,"summary":{},"representations":[{"type":"sql","sql":"select 2","dialect":"spark"}],"default-namespace":["d"]}},
                    {"action":"set-current-view-version","view-version-id":-1},
                    {"action":"set-properties","updates":{"version.history.num-entries":"1"}}]}
        """;

    private static IcebergError? Check<T>(Result<T> result, Action<T> onSuccess)
    {
        if (result.IsFailure)
        {
            Assert.Equal(400, result.Error.Code);
            Assert.False(string.IsNullOrEmpty(result.Error.Message));
            return result.Error;
        }

        onSuccess(result.Value);
        return null;
    }

    public static TheoryData<string> ParserNames => [.. Parsers.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Samples_are_valid(string name)
    {
        var (_, sample, parse) = Parsers.Single(p => p.Name == name);
        Assert.Null(parse(Encoding.UTF8.GetBytes(sample)));
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Every_truncation_fails_cleanly(string name)
    {
        var (_, sample, parse) = Parsers.Single(p => p.Name == name);
        var bytes = Encoding.UTF8.GetBytes(sample.Trim());
        for (var length = 0; length < bytes.Length; length++)
        {
            var error = parse(bytes[..length]);
            Assert.True(error is not null, $"{name}: a prefix of {length} bytes parsed");
        }
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Random_byte_mutations_never_throw(string name)
    {
        var (_, sample, parse) = Parsers.Single(p => p.Name == name);
        var original = Encoding.UTF8.GetBytes(sample);
        const ulong seed = 20261121;
        var rng = new SeededRandom(seed);
        byte[] interesting = [(byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'"', (byte)',', (byte)':', (byte)'-', (byte)'9', (byte)'e', (byte)'\\', 0, 0xff, 0xc3, (byte)'n'];
        for (var i = 0; i < 600; i++)
        {
            var bytes = (byte[])original.Clone();
            var edits = rng.Next(1, 4);
            for (var e = 0; e < edits; e++)
            {
                var at = rng.Next(bytes.Length);
                switch (rng.Next(3))
                {
                    case 0:
                        bytes[at] = rng.Pick(interesting);
                        break;
                    case 1:
                        bytes = [.. bytes[..at], rng.Pick(interesting), .. bytes[at..]];
                        break;
                    default:
                        bytes = [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + rng.Next(1, 20))..]];
                        break;
                }
            }

            try
            {
                parse(bytes);
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{name} seed {seed} iteration {i}: {ex.GetType().Name}: {ex.Message}\n{Encoding.UTF8.GetString(bytes)}");
            }
        }
    }

    private static readonly string[] HostileValues =
    [
        "null", "true", "0", "-1", "2147483648", "-2147483649", "9223372036854775808", "1e400", "1.5", "-0", "\"\"", "\"x\"",
        "\"00000000-0000-0000-0000-000000000000\"", "[]", "{}", "[null]", "[1,\"a\"]", "{\"a\":{}}", "\"bucket[-3]\"", "\"decimal(99,1)\"",
    ];

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Structural_mutations_are_typed_failures_or_valid(string name)
    {
        var (_, sample, parse) = Parsers.Single(p => p.Name == name);
        const ulong seed = 42;
        var rng = new SeededRandom(seed);
        for (var i = 0; i < 400; i++)
        {
            var root = JsonNode.Parse(sample)!;
            var nodes = new List<(JsonNode Parent, object Key)>();
            Collect(root, nodes);
            var (parent, key) = rng.Pick(nodes);
            var replacement = JsonNode.Parse(rng.Pick(HostileValues));
            if (rng.Chance(15) && parent is JsonObject removeFrom)
            {
                removeFrom.Remove((string)key);
            }
            else if (parent is JsonObject obj)
            {
                obj[(string)key] = replacement;
            }
            else
            {
                ((JsonArray)parent)[(int)key] = replacement;
            }

            var text = root.ToJsonString();
            try
            {
                parse(Encoding.UTF8.GetBytes(text));
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{name} seed {seed} iteration {i}: {ex.GetType().Name}: {ex.Message}\n{text}");
            }
        }
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (k, v) in obj)
                {
                    into.Add((obj, k));
                    if (v is not null)
                    {
                        Collect(v, into);
                    }
                }

                break;
            case JsonArray arr:
                for (var i = 0; i < arr.Count; i++)
                {
                    into.Add((arr, i));
                    if (arr[i] is { } child)
                    {
                        Collect(child, into);
                    }
                }

                break;
            default:
                break;
        }
    }

    [Fact]
    public void Deep_nesting_invalid_utf8_and_garbage_are_400s()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        Assert.Equal(400, Json.Fails(TableMetadataJson.Parse(Encoding.UTF8.GetBytes(deep))).Code);
        var deepType = "{\"name\":\"t\",\"schema\":{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":"
            + string.Concat(Enumerable.Repeat("{\"type\":\"list\",\"element-id\":1,\"element-required\":true,\"element\":", 300)) + "\"int\"" + new string('}', 300) + "}]}}";
        Assert.Equal(400, Json.Fails(RestRequestJson.ParseCreateTable(Encoding.UTF8.GetBytes(deepType))).Code);
        Assert.Equal(400, Json.Fails(TableMetadataJson.Parse([0xff, 0xfe, 0x7b, 0x7d])).Code);
        Assert.Equal(400, Json.Fails(TableMetadataJson.Parse("{\"format-version\":\"\\ud800\"}")).Code);
        Assert.Equal(400, Json.Fails(RestRequestJson.ParseCommitTable("\u0000"u8)).Code);
        Assert.Equal(400, Json.Fails(RestRequestJson.ParseCommitTable("/* c */ {}"u8)).Code);
        Assert.Equal(400, Json.Fails(ViewMetadataJson.Parse("nul"u8)).Code);
    }

    [Fact]
    public void References_to_missing_objects_in_parsed_commits_are_typed_400s()
    {
        string[] updates =
        [
            """{"action":"set-current-schema","schema-id":99}""",
            """{"action":"set-default-spec","spec-id":99}""",
            """{"action":"set-default-sort-order","sort-order-id":99}""",
            """{"action":"set-snapshot-ref","ref-name":"b","type":"branch","snapshot-id":99}""",
            """{"action":"add-spec","spec":{"fields":[{"name":"p","transform":"identity","source-id":99}]}}""",
            """{"action":"add-sort-order","sort-order":{"order-id":1,"fields":[{"transform":"identity","source-id":99,"direction":"asc","null-order":"nulls-first"}]}}""",
            """{"action":"set-current-schema","schema-id":-1}""",
        ];
        foreach (var update in updates)
        {
            var request = Json.Ok(RestRequestJson.ParseCommitTable(Encoding.UTF8.GetBytes("{\"requirements\":[],\"updates\":[" + update + "]}")));
            var error = Tables.Failed(TableCommitEngine.Commit(Base, Tables.MetadataLocation, request.Requirements, request.Updates, Tables.Now));
            Assert.Equal(400, error.Code);
        }
    }
}

using System.Net.Http.Headers;
using System.Text;
using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// Hostile input gets a 4xx in the error shape and changes nothing: after each request the
/// namespaces, tables, views, their metadata pointers and the files on disk are as before, and the
/// table still loads.
/// </summary>
public sealed class HostileInputTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private static readonly string[] Ns = ["hostile"];
    private readonly CatalogHttp _http = fixture.Http;

    /// <summary>Every POST endpoint with a body, as (description, path).</summary>
    private IEnumerable<(string What, string Path)> BodyEndpoints() =>
    [
        ("createNamespace", _http.Url("namespaces")),
        ("updateProperties", _http.NamespaceUrl(Ns) + "/properties"),
        ("createTable", _http.Url("namespaces/hostile/tables")),
        ("updateTable", _http.TableUrl(Ns, "t")),
        ("registerTable", _http.Url("namespaces/hostile/register")),
        ("renameTable", _http.Url("tables/rename")),
        ("reportMetrics", _http.TableUrl(Ns, "t") + "/metrics"),
        ("createView", _http.Url("namespaces/hostile/views")),
        ("replaceView", _http.ViewUrl(Ns, "v")),
        ("registerView", _http.Url("namespaces/hostile/register-view")),
        ("renameView", _http.Url("views/rename")),
    ];

    [Fact]
    public async Task Malformed_json_is_400_everywhere()
    {
        await ArrangeAsync();
        string[] bodies =
        [
            string.Empty,
            "{",
            "not json",
            "null",
            "[]",
            "\"a string\"",
            "42",
            """{"a":}""",
            "{} trailing",
            """{"a":1,}""",
            "{/* comment */}",
            "{'single':'quotes'}",
            new string('[', 10_000) + new string(']', 10_000),
            string.Concat(Enumerable.Repeat("{\"a\":", 5000)) + "1" + new string('}', 5000),
        ];
        foreach (var (what, path) in BodyEndpoints())
        {
            foreach (var body in bodies)
            {
                await AssertRefusedAsync($"{what} with body {Shorten(body)}", () => _http.PostAsync(path, body));
            }

        }
    }

    /// <summary>Invalid UTF-8 in a string each endpoint reads (in a field it ignores it does no harm).</summary>
    [Fact]
    public async Task Invalid_utf8_in_names_and_values_is_400()
    {
        await ArrangeAsync();
        byte[] bad = [0xC3, 0x28, 0xFF, 0xED, 0xA0, 0x80];
        var cases = new (string What, string Path, string Before, string After)[]
        {
            ("createNamespace level", _http.Url("namespaces"), "{\"namespace\":[\"", "\"]}"),
            ("createNamespace property", _http.Url("namespaces"), "{\"namespace\":[\"hostile_utf8\"],\"properties\":{\"k\":\"", "\"}}"),
            ("updateProperties removal", _http.NamespaceUrl(Ns) + "/properties", "{\"removals\":[\"", "\"]}"),
            ("updateProperties value", _http.NamespaceUrl(Ns) + "/properties", "{\"updates\":{\"k\":\"", "\"}}"),
            ("createTable name", _http.Url("namespaces/hostile/tables"), "{\"schema\":" + CatalogHttp.SimpleSchema + ",\"name\":\"", "\"}"),
            ("createTable column", _http.Url("namespaces/hostile/tables"), "{\"name\":\"u\",\"schema\":{\"type\":\"struct\",\"fields\":[{\"id\":1,\"required\":true,\"type\":\"long\",\"name\":\"", "\"}]}}"),
            ("updateTable property", _http.TableUrl(Ns, "t"), "{\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"k\":\"", "\"}}]}"),
            ("updateTable requirement", _http.TableUrl(Ns, "t"), "{\"updates\":[],\"requirements\":[{\"type\":\"assert-table-uuid\",\"uuid\":\"", "\"}]}"),
            ("renameTable name", _http.Url("tables/rename"), "{\"source\":{\"namespace\":[\"hostile\"],\"name\":\"t\"},\"destination\":{\"namespace\":[\"hostile\"],\"name\":\"", "\"}}"),
            ("register location", _http.Url("namespaces/hostile/register"), "{\"name\":\"r\",\"metadata-location\":\"", "\"}"),
            ("metrics type", _http.TableUrl(Ns, "t") + "/metrics", "{\"report-type\":\"", "\"}"),
            ("createView sql", _http.Url("namespaces/hostile/views"), CatalogHttp.CreateViewBody(Ns, "u").Replace("select 1 as x", "\u0000MARK", StringComparison.Ordinal).Split("\u0000MARK")[0], CatalogHttp.CreateViewBody(Ns, "u").Split("select 1 as x")[1]),
            ("replaceView property", _http.ViewUrl(Ns, "v"), "{\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"k\":\"", "\"}}]}"),
            ("renameView name", _http.Url("views/rename"), "{\"source\":{\"namespace\":[\"hostile\"],\"name\":\"v\"},\"destination\":{\"namespace\":[\"hostile\"],\"name\":\"", "\"}}"),
        };
        foreach (var (what, path, before, after) in cases)
        {
            await AssertRefusedAsync(what + " with invalid UTF-8", () => PostBytesAsync(path, [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)]));
        }
    }

    /// <summary>
    /// A lone surrogate escape (<c>"\ud800"</c>) is valid JSON syntax but no Unicode text: .NET's
    /// <c>GetString</c> throws on it. Issue 14, defect 2: these answered 500.
    /// </summary>
    [Fact]
    public async Task Lone_surrogate_escapes_are_400_everywhere()
    {
        await ArrangeAsync();
        var cases = new (string What, string Path, string Body)[]
        {
            ("createNamespace level", _http.Url("namespaces"), """{"namespace":["a\ud800"]}"""),
            ("createNamespace property key", _http.Url("namespaces"), """{"namespace":["hostile_s"],"properties":{"\udc00":"v"}}"""),
            ("createNamespace property value", _http.Url("namespaces"), """{"namespace":["hostile_s"],"properties":{"k":"\ud800\u0041"}}"""),
            ("updateProperties value", _http.NamespaceUrl(Ns) + "/properties", """{"updates":{"k":"\udbff"}}"""),
            ("updateProperties removal", _http.NamespaceUrl(Ns) + "/properties", """{"removals":["\udfff"]}"""),
            ("renameTable name", _http.Url("tables/rename"), """{"source":{"namespace":["hostile"],"name":"t"},"destination":{"namespace":["hostile"],"name":"\ud800"}}"""),
            ("renameView name", _http.Url("views/rename"), """{"source":{"namespace":["hostile"],"name":"v"},"destination":{"namespace":["hostile"],"name":"x\ud83d"}}"""),
            ("reportMetrics type", _http.TableUrl(Ns, "t") + "/metrics", """{"report-type":"\ud800"}"""),
            ("reportMetrics anywhere", _http.TableUrl(Ns, "t") + "/metrics", """{"report-type":"scan-report","table-name":"\ud800","snapshot-id":1,"filter":{"type":"true"},"schema-id":0,"projected-field-ids":[],"projected-field-names":[],"metrics":{}}"""),
            ("updateTable property", _http.TableUrl(Ns, "t"), """{"updates":[{"action":"set-properties","updates":{"k":"\ud800"}}]}"""),
            ("createTable name", _http.Url("namespaces/hostile/tables"), "{\"name\":\"\\udc00\",\"schema\":" + CatalogHttp.SimpleSchema + "}"),
        };
        foreach (var (what, path, body) in cases)
        {
            await AssertRefusedAsync(what + " with a lone surrogate", () => _http.PostAsync(path, body));
        }

        // A proper pair (U+1F600) is text like any other.
        Assert.Equal(200, (await _http.PostAsync(_http.NamespaceUrl(Ns) + "/properties", """{"updates":{"smile":"\ud83d\ude00"}}""")).Status);
        Assert.Equal(200, (await _http.PostAsync(_http.NamespaceUrl(Ns) + "/properties", """{"removals":["smile"]}""")).Status);
    }

    /// <summary>Issue 14, defect 2: a key twice in one object is refused at every level (the last one used to win at the top).</summary>
    [Fact]
    public async Task Duplicate_keys_are_400_at_every_level()
    {
        await ArrangeAsync();
        var cases = new (string What, string Path, string Body)[]
        {
            ("createNamespace", _http.Url("namespaces"), """{"namespace":["hostile_d1"],"namespace":["hostile_d2"]}"""),
            ("updateProperties", _http.NamespaceUrl(Ns) + "/properties", """{"updates":{"a":"1"},"updates":{"b":"2"}}"""),
            ("updateTable", _http.TableUrl(Ns, "t"), """{"requirements":[],"updates":[],"updates":[{"action":"set-properties","updates":{"k":"v"}}]}"""),
            ("updateTable nested", _http.TableUrl(Ns, "t"), """{"updates":[{"action":"set-properties","action":"remove-properties","updates":{"k":"v"}}]}"""),
            ("renameTable", _http.Url("tables/rename"), """{"source":{"namespace":["hostile"],"name":"t","name":"v"},"destination":{"namespace":["hostile"],"name":"t2"}}"""),
            ("createTable", _http.Url("namespaces/hostile/tables"), "{\"name\":\"d1\",\"name\":\"d2\",\"schema\":" + CatalogHttp.SimpleSchema + "}"),
            ("reportMetrics", _http.TableUrl(Ns, "t") + "/metrics", """{"report-type":"scan-report","report-type":"commit-report"}"""),
        };
        foreach (var (what, path, body) in cases)
        {
            await AssertRefusedAsync(what + " with a duplicate key", () => _http.PostAsync(path, body));
        }
    }

    [Fact]
    public async Task Wrong_json_types_are_400()
    {
        await ArrangeAsync();
        var cases = new (string What, string Path, string Body)[]
        {
            ("namespace as string", _http.Url("namespaces"), """{"namespace":"hostile2"}"""),
            ("namespace of numbers", _http.Url("namespaces"), """{"namespace":[1,2]}"""),
            ("namespace missing", _http.Url("namespaces"), """{"properties":{}}"""),
            ("property value number", _http.Url("namespaces"), """{"namespace":["hostile2"],"properties":{"a":1}}"""),
            ("properties array", _http.Url("namespaces"), """{"namespace":["hostile2"],"properties":["a"]}"""),
            ("removals object", _http.NamespaceUrl(Ns) + "/properties", """{"removals":{"a":"b"}}"""),
            ("updates array", _http.NamespaceUrl(Ns) + "/properties", """{"updates":["a"]}"""),
            ("update value null", _http.NamespaceUrl(Ns) + "/properties", """{"updates":{"a":null}}"""),
            ("table name number", _http.Url("namespaces/hostile/tables"), $$"""{"name":5,"schema":{{CatalogHttp.SimpleSchema}}}"""),
            ("schema string", _http.Url("namespaces/hostile/tables"), """{"name":"x","schema":"struct"}"""),
            ("schema missing", _http.Url("namespaces/hostile/tables"), """{"name":"x"}"""),
            ("field type unknown", _http.Url("namespaces/hostile/tables"), """{"name":"x","schema":{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"bogus"}]}}"""),
            ("stage-create string", _http.Url("namespaces/hostile/tables"), $$"""{"name":"x","schema":{{CatalogHttp.SimpleSchema}},"stage-create":"yes"}"""),
            ("table properties number", _http.Url("namespaces/hostile/tables"), $$"""{"name":"x","schema":{{CatalogHttp.SimpleSchema}},"properties":{"a":1} }"""),
            ("format-version words", _http.Url("namespaces/hostile/tables"), $$"""{"name":"x","schema":{{CatalogHttp.SimpleSchema}},"properties":{"format-version":"two"} }"""),
            ("format-version 4", _http.Url("namespaces/hostile/tables"), $$"""{"name":"x","schema":{{CatalogHttp.SimpleSchema}},"properties":{"format-version":"99"} }"""),
            ("updates object", _http.TableUrl(Ns, "t"), """{"requirements":[],"updates":{}}"""),
            ("requirements object", _http.TableUrl(Ns, "t"), """{"requirements":{},"updates":[]}"""),
            ("action number", _http.TableUrl(Ns, "t"), """{"updates":[{"action":5}]}"""),
            ("action missing", _http.TableUrl(Ns, "t"), """{"updates":[{"updates":{"a":"b"}}]}"""),
            ("set-properties array", _http.TableUrl(Ns, "t"), """{"updates":[{"action":"set-properties","updates":["a"]}]}"""),
            ("schema-id string", _http.TableUrl(Ns, "t"), """{"updates":[{"action":"set-current-schema","schema-id":"0"}]}"""),
            ("uuid number", _http.TableUrl(Ns, "t"), """{"requirements":[{"type":"assert-table-uuid","uuid":5}],"updates":[]}"""),
            ("register location number", _http.Url("namespaces/hostile/register"), """{"name":"x","metadata-location":5}"""),
            ("register location missing", _http.Url("namespaces/hostile/register"), """{"name":"x"}"""),
            ("rename source string", _http.Url("tables/rename"), """{"source":"hostile.t","destination":{"namespace":["hostile"],"name":"y"}}"""),
            ("rename destination missing", _http.Url("tables/rename"), """{"source":{"namespace":["hostile"],"name":"t"}}"""),
            ("rename name null", _http.Url("tables/rename"), """{"source":{"namespace":["hostile"],"name":"t"},"destination":{"namespace":["hostile"],"name":null}}"""),
            ("view version string", _http.Url("namespaces/hostile/views"), $$"""{"name":"x","schema":{{CatalogHttp.ViewSchema()}},"view-version":"1"}"""),
            ("view updates object", _http.ViewUrl(Ns, "v"), """{"updates":{}}"""),
            ("view action unknown", _http.ViewUrl(Ns, "v"), """{"updates":[{"action":"add-snapshot"}]}"""),
            ("view requirement unknown", _http.ViewUrl(Ns, "v"), """{"requirements":[{"type":"assert-create"}],"updates":[]}"""),
            ("metrics report-type number", _http.TableUrl(Ns, "t") + "/metrics", """{"report-type":1}"""),
        };
        foreach (var (what, path, body) in cases)
        {
            await AssertRefusedAsync(what, () => _http.PostAsync(path, body));
        }
    }

    [Fact]
    public async Task Unknown_update_actions_and_requirement_types_are_400()
    {
        await ArrangeAsync();
        string[] bodies =
        [
            """{"updates":[{"action":"drop-table"}]}""",
            """{"updates":[{"action":"SET-PROPERTIES","updates":{"a":"b"}}]}""",
            """{"updates":[{"action":"set-properties","updates":{"a":"b"}},{"action":"unknown"}]}""",
            """{"requirements":[{"type":"assert-everything"}],"updates":[{"action":"set-properties","updates":{"a":"b"}}]}""",
            """{"requirements":[{"type":"assert-view-uuid","uuid":"x"}],"updates":[]}""",
            """{"requirements":[{"type":"assert-create"},{"type":"assert-current-schema-id","current-schema-id":0}],"updates":[]}""",
            """{"requirements":[{}],"updates":[]}""",
        ];
        foreach (var body in bodies)
        {
            await AssertRefusedAsync("updateTable " + body, () => _http.PostAsync(_http.TableUrl(Ns, "t"), body));
        }

        await AssertRefusedAsync("replaceView unknown action", () => _http.PostAsync(_http.ViewUrl(Ns, "v"), """{"updates":[{"action":"set-snapshot-ref"}]}"""));
        await AssertRefusedAsync("replaceView unknown requirement", () => _http.PostAsync(_http.ViewUrl(Ns, "v"), """{"requirements":[{"type":"assert-table-uuid","uuid":"x"}],"updates":[]}"""));
    }

    [Fact]
    public async Task Huge_and_fractional_numbers_are_400()
    {
        await ArrangeAsync();
        var location = (await _http.LoadTableAsync(Ns, "t")).GetProperty("metadata").GetProperty("location").GetString()!;
        string[] updates =
        [
            """{"action":"set-current-schema","schema-id":99999999999999999999}""",
            """{"action":"set-current-schema","schema-id":2147483648}""",
            """{"action":"set-current-schema","schema-id":1e400}""",
            """{"action":"set-current-schema","schema-id":-1e400}""",
            """{"action":"set-current-schema","schema-id":0.5}""",
            """{"action":"upgrade-format-version","format-version":2147483647}""",
            """{"action":"upgrade-format-version","format-version":3.0000000001}""",
            """{"action":"set-default-spec","spec-id":-2}""",
            """{"action":"remove-statistics","snapshot-id":99999999999999999999999}""",
            $$"""{"action":"add-snapshot","snapshot":{{CatalogHttp.Snapshot(1, null, 1, location).Replace("\"snapshot-id\":1,", "\"snapshot-id\":1e30,", StringComparison.Ordinal)}}}""",
            $$"""{"action":"add-snapshot","snapshot":{{CatalogHttp.Snapshot(1, null, 1, location).Replace("\"sequence-number\":1,", "\"sequence-number\":18446744073709551616,", StringComparison.Ordinal)}}}""",
        ];
        foreach (var update in updates)
        {
            await AssertRefusedAsync("update " + update, () => _http.PostAsync(_http.TableUrl(Ns, "t"), "{\"updates\":[" + update + "]}"));
        }

        await AssertRefusedAsync("requirement with a huge id", () => _http.PostAsync(_http.TableUrl(Ns, "t"),
            """{"requirements":[{"type":"assert-current-schema-id","current-schema-id":1e20}],"updates":[]}"""));
        await AssertRefusedAsync("field id overflow", () => _http.PostAsync(_http.Url("namespaces/hostile/tables"),
            """{"name":"big","schema":{"type":"struct","fields":[{"id":99999999999,"name":"a","required":true,"type":"long"}]}}"""));
        await AssertRefusedAsync("decimal precision too large", () => _http.PostAsync(_http.Url("namespaces/hostile/tables"),
            """{"name":"big","schema":{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"decimal(9999999999, 2)"}]}}"""));
        await AssertRefusedAsync("fixed length huge", () => _http.PostAsync(_http.Url("namespaces/hostile/tables"),
            """{"name":"big","schema":{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"fixed[99999999999]"}]}}"""));
        await AssertRefusedAsync("bucket count huge", () => _http.PostAsync(_http.Url("namespaces/hostile/tables"),
            $$"""{"name":"big","schema":{{CatalogHttp.SimpleSchema}},"partition-spec":{"fields":[{"source-id":1,"name":"b","transform":"bucket[99999999999]"}]} }"""));
    }

    /// <summary>
    /// Issue 14, defect 9: invisible and bidi-control characters made names that look like others
    /// (<c>a\u200Bb</c> and <c>ab</c>); NFC and NFD forms were two names. Both are refused on create
    /// and rename; case still folds (Lakekeeper's rule).
    /// </summary>
    [Fact]
    public async Task Lookalike_names_are_400()
    {
        await ArrangeAsync();
        string[] names = ["a\u200Bb", "ab\u202Etxt.exe", "a\u2066b\u2069", "\uFEFFab", "a\u00ADb", "a\u00A0b", "a\u2028b", "a\u3000b", "caf" + "e\u0301", "a\uE000b"];
        foreach (var name in names)
        {
            var json = CatalogHttp.Str(name);
            await AssertRefusedAsync($"createNamespace {Escape(name)}", () => _http.PostAsync(_http.Url("namespaces"), $$"""{"namespace":[{{json}}]}"""));
            await AssertRefusedAsync($"createTable {Escape(name)}", () => _http.PostAsync(_http.Url("namespaces/hostile/tables"), $$"""{"name":{{json}},"schema":{{CatalogHttp.SimpleSchema}}}"""));
            await AssertRefusedAsync($"createView {Escape(name)}", () => _http.PostAsync(_http.Url("namespaces/hostile/views"), CatalogHttp.CreateViewBody(Ns, "PLACEHOLDER").Replace("\"PLACEHOLDER\"", json, StringComparison.Ordinal)));
            await AssertRefusedAsync($"renameTable {Escape(name)}", () => _http.PostAsync(_http.Url("tables/rename"),
                $$$"""{"source":{"namespace":["hostile"],"name":"t"},"destination":{"namespace":["hostile"],"name":{{{json}}}}}"""));
        }

        // The composed form is a name like any other, and case folds: CAFÉ is café.
        Assert.Equal(200, (await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["caf\u00e9"]}""")).Status);
        ErrorAssert.Is(await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["CAF\u00c9"]}"""), 409, "AlreadyExistsException");
        Assert.Equal(204, (await _http.DeleteAsync(_http.NamespaceUrl(["caf\u00e9"]))).Status);
    }

    private static string Escape(string name) => string.Concat(name.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));

    [Fact]
    public async Task Bad_identifiers_are_400()
    {
        await ArrangeAsync();
        var tooLong = new string('n', 257);
        string[][] namespaces =
        [
            [],
            [string.Empty],
            ["hostile", string.Empty],
            ["."],
            [".."],
            ["hostile", ".."],
            ["a\u0000b"],
            ["a\u001fb"],
            ["tab\tname"],
            ["line\nbreak"],
            ["del\u007f"],
            [tooLong],
            [.. Enumerable.Range(0, 17).Select(i => "l" + i)],
        ];
        foreach (var levels in namespaces)
        {
            await AssertRefusedAsync("createNamespace " + CatalogHttp.Arr(levels), () => _http.PostAsync(_http.Url("namespaces"), $$"""{"namespace":{{CatalogHttp.Arr(levels)}}}"""));
        }

        string[] names = [string.Empty, ".", "..", "a\u0000b", "a\u001fb", "new\nline", "\u0085", tooLong];
        foreach (var name in names)
        {
            var label = CatalogHttp.Str(name);
            await AssertRefusedAsync("createTable " + label, () => _http.TryCreateTableAsync(Ns, name));
            await AssertRefusedAsync("stage-create " + label, () => _http.TryCreateTableAsync(Ns, name, extra: "\"stage-create\":true"));
            await AssertRefusedAsync("createView " + label, () => _http.TryCreateViewAsync(Ns, name));
            await AssertRefusedAsync("renameTable to " + label, () => _http.RenameTableAsync(Ns, "t", Ns, name));
            await AssertRefusedAsync("renameView to " + label, () => _http.RenameViewAsync(Ns, "v", Ns, name));
            await AssertRefusedAsync("renameTable into namespace " + label, () => _http.RenameTableAsync(Ns, "t", [name], "x"));
            await AssertRefusedAsync("register " + label, () => _http.PostAsync(_http.Url("namespaces/hostile/register"),
                $$"""{"name":{{label}},"metadata-location":{{CatalogHttp.Str(_http.WarehouseLocation + "/x/metadata/00000-a.metadata.json")}}}"""));
            await AssertRefusedAsync("register-view " + label, () => _http.PostAsync(_http.Url("namespaces/hostile/register-view"),
                $$"""{"name":{{label}},"metadata-location":{{CatalogHttp.Str(_http.WarehouseLocation + "/x/metadata/00000-a.metadata.json")}}}"""));
        }
    }

    [Fact]
    public async Task Names_that_look_like_paths_stay_inside_the_warehouse()
    {
        await ArrangeAsync();
        string[] names = ["../../escape", "a/../../b", "..\\..\\win", "%2e%2e%2fup", "/abs", "~root", "a?b#c", "with space"];
        foreach (var name in names)
        {
            var reply = await _http.TryCreateTableAsync(Ns, name);
            if (reply.Status != 200)
            {
                ErrorAssert.ClientError(reply);
                continue;
            }

            var location = reply.Json.GetProperty("metadata").GetProperty("location").GetString()!;
            var metadataFile = CatalogHttp.LocalPath(reply.Json.GetProperty("metadata-location").GetString()!);
            Assert.StartsWith(_http.WarehouseLocation + "/hostile/", location, StringComparison.Ordinal);
            Assert.DoesNotContain("/../", location, StringComparison.Ordinal);
            Assert.StartsWith(_http.WarehouseFolder + "/", Path.GetFullPath(metadataFile), StringComparison.Ordinal);
            Assert.True(File.Exists(metadataFile), metadataFile);
            Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(Ns, name))).Status);
            Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(Ns, name))).Status);
        }

        // Nothing was written outside the warehouse folder.
        var escaped = Directory.GetFiles(fixture.App.WarehouseRoot, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(_http.WarehouseFolder + "/", StringComparison.Ordinal));
        Assert.Empty(escaped);
    }

    [Fact]
    public async Task Traversal_and_foreign_locations_are_400()
    {
        await ArrangeAsync();
        var wh = _http.WarehouseLocation;
        string[] locations =
        [
            wh + "/../..",
            wh + "/../escape",
            wh + "/a/../../escape",
            wh + "/./a",
            wh + "/a/%2e%2e/%2e%2e/escape",
            wh + "/%2E%2E/escape",
            wh + "/a%2f..%2f..%2fescape",
            wh + "/a/..%2f..%2fescape",
            wh + "/a\\..\\..\\escape",
            wh + "//double",
            wh + "/a?x=1",
            wh + "/a#frag",
            wh + "/a\u0000b",
            wh + "/bad%zzescape",
            "file://localhost" + _http.WarehouseFolder + "/../escape",
            "file://otherhost" + _http.WarehouseFolder + "/t",
            "file:///etc",
            "file:///tmp/elsewhere",
            wh,
            wh + "-sibling/t",
            _http.WarehouseFolder + "/no-scheme",
            "s3://bucket/t",
            "http://example.com/t",
            "relative/path",
            string.Empty,
            " ",
        ];
        foreach (var location in locations)
        {
            var label = CatalogHttp.Str(location);
            await AssertRefusedAsync("createTable at " + label, () => _http.TryCreateTableAsync(Ns, "loc", extra: "\"location\":" + label), allowCreatedWhenEmpty: location.Length == 0);
            await AssertRefusedAsync("createView at " + label, () => _http.TryCreateViewAsync(Ns, "loc", extra: "\"location\":" + label), allowCreatedWhenEmpty: location.Length == 0);
            await AssertRefusedAsync("set-location " + label, () => _http.CommitTableAsync(Ns, "t", "[]", $$"""[{"action":"set-location","location":{{label}}}]"""));
            await AssertRefusedAsync("view set-location " + label, () => _http.PostAsync(_http.ViewUrl(Ns, "v"), $$"""{"updates":[{"action":"set-location","location":{{label}}}]}"""));
            await AssertRefusedAsync("register " + label, () => _http.PostAsync(_http.Url("namespaces/hostile/register"), $$"""{"name":"loc","metadata-location":{{label}}}"""));
            await AssertRefusedAsync("register-view " + label, () => _http.PostAsync(_http.Url("namespaces/hostile/register-view"), $$"""{"name":"loc","metadata-location":{{label}}}"""));
        }

        // write.metadata.path points the metadata files elsewhere: it must stay inside too.
        await AssertRefusedAsync("write.metadata.path outside", () => _http.CommitTableAsync(Ns, "t", "[]",
            """[{"action":"set-properties","updates":{"write.metadata.path":"file:///tmp/elsewhere-metadata"}}]"""));
        await AssertRefusedAsync("write.metadata.path traversal", () => _http.CommitTableAsync(Ns, "t", "[]",
            $$"""[{"action":"set-properties","updates":{"write.metadata.path":{{CatalogHttp.Str(wh + "/../escape")}}} }]"""));
        await AssertRefusedAsync("createTable with write.metadata.path outside", () => _http.TryCreateTableAsync(Ns, "loc",
            extra: "\"properties\":{\"write.metadata.path\":\"file:///tmp/elsewhere-metadata\"}"));
    }

    /// <summary>
    /// Issue 14, defect 10: <c>write.data.path</c> outside the table was accepted; engines would
    /// write there and a purge would not clean it. It must lie inside the table location.
    /// </summary>
    [Fact]
    public async Task Data_paths_outside_the_table_are_400()
    {
        await ArrangeAsync();
        var table = (await _http.LoadTableAsync(Ns, "t")).GetProperty("metadata").GetProperty("location").GetString()!;
        var wh = _http.WarehouseLocation;
        var view = (await _http.LoadViewAsync(Ns, "v")).GetProperty("metadata").GetProperty("location").GetString()!;
        string[] outside = ["file:///tmp/elsewhere-data", wh + "/shared-data", view + "/data", table + "/../escape", table + "-sibling/data", "s3://other-bucket/data"];
        foreach (var property in new[] { "write.data.path", "write.object-storage.path", "write.folder-storage.path" })
        {
            foreach (var path in outside)
            {
                await AssertRefusedAsync($"{property}={path}", () => _http.CommitTableAsync(Ns, "t", "[]",
                    $$$"""[{"action":"set-properties","updates":{{{{CatalogHttp.Str(property)}}}:{{{CatalogHttp.Str(path)}}}}}]"""));
            }

            await AssertRefusedAsync($"createTable with {property} outside", () => _http.TryCreateTableAsync(Ns, "dp",
                extra: $"\"properties\":{{{CatalogHttp.Str(property)}:{CatalogHttp.Str(wh + "/shared-data")}}}"));
        }

        // Inside the table's own location it is fine (and removing it again too).
        var ok = await _http.CommitTableAsync(Ns, "t", "[]", $$$"""[{"action":"set-properties","updates":{"write.data.path":{{{CatalogHttp.Str(table + "/custom-data")}}}}}]""");
        Assert.Equal(200, ok.Status);
        Assert.Equal(200, (await _http.CommitTableAsync(Ns, "t", "[]", """[{"action":"remove-properties","removals":["write.data.path"]}]""")).Status);
    }

    [Fact]
    public async Task Bad_query_parameters_are_400()
    {
        await ArrangeAsync();
        string[] urls =
        [
            _http.Url("namespaces?pageToken=!!!"),
            // Found by the fuzz suite: a NUL in parent reached Postgres (500).
            _http.Url("namespaces?parent=%00"),
            _http.Url("namespaces?parent=a%1F%00"),
            _http.Url("namespaces?pageToken=%00%01"),
            _http.Url("namespaces?pageToken=a b c"),
            _http.Url("namespaces?pageSize=0"),
            _http.Url("namespaces?pageSize=-1"),
            _http.Url("namespaces?pageSize=abc"),
            _http.Url("namespaces?pageSize=1.5"),
            _http.Url("namespaces?pageSize=99999999999999999999"),
            _http.Url("namespaces/hostile/tables?pageToken=***"),
            _http.Url("namespaces/hostile/tables?pageSize=0"),
            _http.Url("namespaces/hostile/views?pageToken=@@@"),
            _http.Url("namespaces/hostile/views?pageSize=x"),
            _http.TableUrl(Ns, "t") + "?snapshots=bogus",
            _http.TableUrl(Ns, "t") + "?snapshots=",
            _http.TableUrl(Ns, "t") + "?snapshots=ALL%00",
        ];
        foreach (var url in urls)
        {
            await AssertRefusedAsync("GET " + url, () => _http.GetAsync(url));
        }

        foreach (var value in new[] { "maybe", "1", "yes", "truee", "%00" })
        {
            await AssertRefusedAsync("purgeRequested=" + value, () => _http.DeleteAsync(_http.TableUrl(Ns, "t") + "?purgeRequested=" + value));
        }
    }

    [Fact]
    public async Task Odd_path_segments_are_answered_without_a_server_error()
    {
        await ArrangeAsync();
        string[] paths =
        [
            _http.Url("namespaces/%1F"),
            _http.Url("namespaces/hostile%1F%1F"),
            _http.Url("namespaces/%ZZ"),
            _http.Url("namespaces/%C0%AF"),
            _http.Url("namespaces/%ED%A0%80"),
            _http.Url("namespaces/hostile/tables/%ZZ"),
            _http.Url("namespaces/hostile/tables/%C3"),
            _http.Url("namespaces/hostile/views/%FF%FE"),
            _http.Url("namespaces/" + new string('a', 2000)),
            _http.Url("namespaces/" + string.Join("%1F", Enumerable.Repeat("x", 200))),
        ];
        foreach (var path in paths)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Delete, HttpMethod.Post })
            {
                var reply = await _http.SendAsync(method, path, method == HttpMethod.Post ? """{"updates":[]}""" : null);
                Assert.True(reply.Status is >= 400 and < 500, $"{method} {path}: {reply}");
                ErrorAssert.Shape(reply);
            }

            ErrorAssert.ClientError(await _http.GetAsync(path + "/tables"));
            Assert.True((await _http.HeadAsync(path)).Status is >= 400 and < 500, path);
        }

        await AssertUnchangedAsync(await SnapshotAsync(), "odd paths");
    }

    [Fact]
    public async Task Register_refuses_files_that_are_not_metadata_of_the_right_kind()
    {
        await ArrangeAsync();
        var folder = Path.Combine(_http.WarehouseFolder, "hostile_files");
        Directory.CreateDirectory(folder);
        var tableFile = CatalogHttp.LocalPath((await _http.LoadTableAsync(Ns, "t")).GetProperty("metadata-location").GetString()!);
        var viewFile = CatalogHttp.LocalPath((await _http.LoadViewAsync(Ns, "v")).GetProperty("metadata-location").GetString()!);
        var garbage = Path.Combine(folder, "00000-garbage.metadata.json");
        await File.WriteAllTextAsync(garbage, "{\"format-version\":2,\"this\":\"is not table metadata\"}", TestContext.Current.CancellationToken);
        var notJson = Path.Combine(folder, "00000-binary.metadata.json");
        await File.WriteAllBytesAsync(notJson, [0x00, 0x01, 0xFF, 0xFE], TestContext.Current.CancellationToken);
        var badGzip = Path.Combine(folder, "00000-bad.gz.metadata.json");
        await File.WriteAllBytesAsync(badGzip, [0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03], TestContext.Current.CancellationToken);
        var outside = Path.Combine(folder, "00000-outside.metadata.json");
        var tableJson = await File.ReadAllTextAsync(tableFile, TestContext.Current.CancellationToken);
        var tableLocation = (await _http.LoadTableAsync(Ns, "t")).GetProperty("metadata").GetProperty("location").GetString()!;
        await File.WriteAllTextAsync(outside, tableJson.Replace(tableLocation, "file:///tmp/elsewhere-table", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var link = Path.Combine(folder, "00000-link.metadata.json");
        File.CreateSymbolicLink(link, "/etc/passwd");

        string[] tableCandidates = [garbage, notJson, badGzip, outside, link, folder, viewFile];
        foreach (var file in tableCandidates)
        {
            var location = CatalogHttp.Str("file://" + file);
            await AssertRefusedAsync("register " + file, () => _http.PostAsync(_http.Url("namespaces/hostile/register"), $$"""{"name":"reg","metadata-location":{{location}}}"""));
        }

        string[] viewCandidates = [garbage, notJson, badGzip, link, folder, tableFile];
        foreach (var file in viewCandidates)
        {
            var location = CatalogHttp.Str("file://" + file);
            await AssertRefusedAsync("register-view " + file, () => _http.PostAsync(_http.Url("namespaces/hostile/register-view"), $$"""{"name":"reg","metadata-location":{{location}}}"""));
        }

        // Whatever the answer, it does not echo the linked file.
        var linked = await _http.PostAsync(_http.Url("namespaces/hostile/register"), $$"""{"name":"reg","metadata-location":{{CatalogHttp.Str("file://" + link)}}}""");
        Assert.DoesNotContain("root:", linked.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pyiceberg_headers_are_accepted()
    {
        await ArrangeAsync();
        (string, string)[] headers = [("Authorization", "Bearer None"), ("X-Iceberg-Access-Delegation", "vended-credentials"), ("X-Client-Version", "PyIceberg 0.10.0")];
        Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(Ns, "t"), headers)).Status);
        Assert.Equal(200, (await _http.GetAsync(_http.Url("namespaces"), headers)).Status);
        Assert.Equal(200, (await _http.GetAsync("/catalog/v1/config?warehouse=demo", headers)).Status);
        Assert.Equal(200, (await _http.PostAsync(_http.TableUrl(Ns, "t"), """{"requirements":[],"updates":[]}""", headers)).Status);
        Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(Ns, "t") + "/credentials", headers)).Status);
    }

    private async Task ArrangeAsync()
    {
        if ((await _http.HeadAsync(_http.NamespaceUrl(Ns))).Status == 204)
        {
            return;
        }

        await _http.CreateNamespaceAsync(Ns);
        await _http.CreateTableAsync(Ns, "t");
        await _http.CreateViewAsync(Ns, "v");
    }

    /// <summary>Sends the hostile request and proves it was refused (4xx, error shape) and changed nothing.</summary>
    private async Task AssertRefusedAsync(string what, Func<Task<HttpReply>> send, bool allowCreatedWhenEmpty = false)
    {
        var before = await SnapshotAsync();
        var reply = await send();
        if (allowCreatedWhenEmpty && reply.Status == 200)
        {
            // An empty location means "choose one": the create is legitimate; undo it.
            var kind = what.StartsWith("createView", StringComparison.Ordinal) ? "views" : "tables";
            Assert.Equal(204, (await _http.DeleteAsync(_http.Url($"namespaces/hostile/{kind}/loc"))).Status);
            return;
        }

        Assert.True(reply.Status is >= 400 and < 500, $"{what}: expected a 4xx, got {reply}");
        try
        {
            ErrorAssert.Shape(reply);
        }
        catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: {ex.Message}");
        }

        await AssertUnchangedAsync(before, what);
    }

    private async Task<string> SnapshotAsync()
    {
        var state = new StringBuilder();
        state.AppendLine(string.Join(",", await _http.ListNamespacesAsync()));
        state.AppendLine(string.Join(",", await _http.ListNamespacesAsync(Ns)));
        state.AppendLine(string.Join(",", await _http.ListTablesAsync(Ns)));
        state.AppendLine(string.Join(",", await _http.ListViewsAsync(Ns)));
        var table = await _http.LoadTableAsync(Ns, "t");
        state.AppendLine(table.GetProperty("metadata-location").GetString());
        state.AppendLine(table.GetProperty("metadata").GetProperty("properties").GetRawText());
        state.AppendLine((await _http.LoadViewAsync(Ns, "v")).GetProperty("metadata-location").GetString());
        state.AppendLine((await _http.GetAsync(_http.NamespaceUrl(Ns))).Body);
        state.AppendLine(string.Join(",", Directory.GetFiles(fixture.App.WarehouseRoot, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)));
        return state.ToString();
    }

    private async Task AssertUnchangedAsync(string before, string what)
    {
        var after = await SnapshotAsync();
        Assert.True(before == after, $"{what} changed the catalog:\n--- before\n{before}\n--- after\n{after}");
    }

    private async Task<HttpReply> PostBytesAsync(string path, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await _http.SendAsync(request);
    }

    private static string Shorten(string body) => body.Length > 40 ? body[..40] + "…" : body;
}

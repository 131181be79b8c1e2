using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>Corners of the endpoints: odd but legal requests, metadata retention, renames onto oneself.</summary>
public sealed class EdgeCaseTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Renaming_a_table_to_another_case_keeps_it_and_changes_the_name()
    {
        string[] ns = ["edge_case_rename"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "orders");
        Assert.Equal(204, (await _http.RenameTableAsync(ns, "orders", ns, "Orders")).Status);
        Assert.Equal(["Orders"], await _http.ListTablesAsync(ns));
        Assert.Equal(created.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "ORDERS")).GetProperty("metadata-location").GetString());

        await _http.CreateViewAsync(ns, "report");
        Assert.Equal(204, (await _http.RenameViewAsync(ns, "report", ns, "Report")).Status);
        Assert.Equal(["Report"], await _http.ListViewsAsync(ns));
    }

    [Fact]
    public async Task Old_metadata_files_are_trimmed_from_the_log_and_deleted_when_asked()
    {
        string[] ns = ["edge_retention"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t", extra: "\"properties\":{\"write.metadata.previous-versions-max\":\"2\",\"write.metadata.delete-after-commit.enabled\":\"true\"}");
        var folder = CatalogHttp.LocalPath(created.GetProperty("metadata").GetProperty("location").GetString()!) + "/metadata";
        var locations = new List<string> { created.GetProperty("metadata-location").GetString()! };
        for (var i = 0; i < 4; i++)
        {
            var reply = await _http.CommitTableAsync(ns, "t", "[]", $$"""[{"action":"set-properties","updates":{"n":"{{i}}"} }]""");
            Assert.Equal(200, reply.Status);
            locations.Add(reply.Json.GetProperty("metadata-location").GetString()!);
        }

        var metadata = (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata");
        Assert.Equal(locations[^3..^1], metadata.GetProperty("metadata-log").EnumerateArray().Select(e => e.GetProperty("metadata-file").GetString()));
        Assert.Equal(locations[^3..].Select(CatalogHttp.LocalPath).Order(StringComparer.Ordinal), Directory.GetFiles(folder).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Without_delete_after_commit_old_files_stay()
    {
        string[] ns = ["edge_retention_keep"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t", extra: "\"properties\":{\"write.metadata.previous-versions-max\":\"1\"}");
        var folder = CatalogHttp.LocalPath(created.GetProperty("metadata").GetProperty("location").GetString()!) + "/metadata";
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await _http.CommitTableAsync(ns, "t", "[]", $$"""[{"action":"set-properties","updates":{"n":"{{i}}"} }]""")).Status);
        }

        Assert.Equal(1, (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata").GetProperty("metadata-log").GetArrayLength());
        Assert.Equal(4, Directory.GetFiles(folder).Length);
    }

    /// <summary>Clients send optional fields as null (Java) or leave them out (pyiceberg); both mean the same.</summary>
    [Fact]
    public async Task Explicit_nulls_are_the_same_as_absent_optional_fields()
    {
        var ns = await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["edge_nulls"],"properties":null}""");
        Assert.True(ns.Status == 200, ns.ToString());
        Assert.Equal(System.Text.Json.JsonValueKind.Object, ns.Json.GetProperty("properties").ValueKind);
        var props = await _http.PostAsync(_http.NamespaceUrl("edge_nulls") + "/properties", """{"removals":null,"updates":null}""");
        Assert.True(props.Status == 200, props.ToString());

        var table = await _http.PostAsync(_http.Url("namespaces/edge_nulls/tables"), $$"""
            {"name":"t","location":null,"schema":{{CatalogHttp.SimpleSchema}},"partition-spec":null,"write-order":null,"stage-create":null,"properties":null}
            """);
        Assert.True(table.Status == 200, table.ToString());
        var commit = await _http.PostAsync(_http.TableUrl(["edge_nulls"], "t"), """{"identifier":null,"requirements":null,"updates":[{"action":"set-properties","updates":{"a":"b"} }]}""");
        Assert.True(commit.Status == 200, commit.ToString());
        var pinned = await _http.PostAsync(_http.TableUrl(["edge_nulls"], "t"), """{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}],"updates":[]}""");
        Assert.True(pinned.Status == 200, pinned.ToString());

        var view = await _http.PostAsync(_http.Url("namespaces/edge_nulls/views"), $$"""
            {"name":"v","location":null,"schema":{{CatalogHttp.ViewSchema()}},"view-version":{{CatalogHttp.ViewVersion(1, 5, ["edge_nulls"])}},"properties":null}
            """);
        Assert.True(view.Status == 200, view.ToString());
        var replace = await _http.PostAsync(_http.ViewUrl(["edge_nulls"], "v"), """{"identifier":null,"requirements":null,"updates":[{"action":"set-properties","updates":{"a":"b"} }]}""");
        Assert.True(replace.Status == 200, replace.ToString());

        var file = table.Json.GetProperty("metadata-location").GetString()!;
        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(["edge_nulls"], "t"))).Status);
        var register = await _http.PostAsync(_http.Url("namespaces/edge_nulls/register"), $$"""{"name":"t","metadata-location":{{CatalogHttp.Str(file)}},"overwrite":null}""");
        Assert.True(register.Status == 200, register.ToString());
    }

    /// <summary>Sizes the identifier and location rules allow must not hit a database limit (a 500).</summary>
    [Fact]
    public async Task The_largest_allowed_names_and_locations_are_stored_or_refused_cleanly()
    {
        // Random text does not compress, so index entries really are this long.
        static string Random(int length) => string.Concat(Enumerable.Range(0, (length / 32) + 1).Select(_ => Guid.NewGuid().ToString("N")))[..length];

        var levels = new List<string>();
        for (var depth = 0; depth < 16; depth++)
        {
            levels.Add(Random(256));
            var reply = await _http.PostAsync(_http.Url("namespaces"), $$"""{"namespace":{{CatalogHttp.Arr([.. levels])}}}""");
            if (reply.Status != 200)
            {
                ErrorAssert.ClientError(reply);
                levels.RemoveAt(levels.Count - 1);
                break;
            }
        }

        // Levels of 256 characters joined by one separator, up to the namespace key limit.
        Assert.Equal((Services.Identifiers.MaxNamespaceKeyBytes + 1) / 257, levels.Count);
        Assert.Equal(200, (await _http.GetAsync(_http.NamespaceUrl([.. levels]))).Status);

        await _http.CreateNamespaceAsync("edge_long_location");
        var segments = Enumerable.Range(0, 15).Select(_ => Random(250));
        var location = _http.WarehouseLocation + "/" + string.Join('/', segments);
        Assert.True(location.Length < 4096);
        var table = await _http.TryCreateTableAsync(["edge_long_location"], "t", extra: $"\"location\":{CatalogHttp.Str(location)}");
        ErrorAssert.Contains(table, 400, "BadRequestException", "is longer than");
        var fits = _http.WarehouseLocation + "/" + string.Join('/', Enumerable.Range(0, 6).Select(_ => Random(250)));
        Assert.Equal(200, (await _http.TryCreateTableAsync(["edge_long_location"], "t", extra: $"\"location\":{CatalogHttp.Str(fits)}")).Status);
        Assert.Equal(["t"], await _http.ListTablesAsync(["edge_long_location"]));
    }

    [Fact]
    public async Task A_create_commit_in_a_missing_namespace_is_404_NoSuchNamespace()
    {
        await _http.CreateNamespaceAsync("edge_stage_src");
        var staged = (await _http.CreateTableAsync(["edge_stage_src"], "t", extra: "\"stage-create\":true")).GetProperty("metadata");
        var reply = await _http.CommitTableAsync(["edge_stage_gone"], "t", """[{"type":"assert-create"}]""", $$"""
            [{"action":"assign-uuid","uuid":"{{staged.GetProperty("table-uuid").GetString()}}"},
             {"action":"add-schema","schema":{{staged.GetProperty("schemas")[0].GetRawText()}}},{"action":"set-current-schema","schema-id":-1}]
            """);
        ErrorAssert.Exactly(reply, 404, "NoSuchNamespaceException", "Namespace does not exist: edge_stage_gone");
    }

    [Fact]
    public async Task Moving_a_table_onto_another_tables_location_is_400_and_writes_nothing()
    {
        string[] ns = ["edge_move"];
        await _http.CreateNamespaceAsync(ns);
        var a = await _http.CreateTableAsync(ns, "a");
        var b = await _http.CreateTableAsync(ns, "b");
        var files = _http.FilesInWarehouse();
        foreach (var target in new[]
                 {
                     b.GetProperty("metadata").GetProperty("location").GetString()!,
                     b.GetProperty("metadata").GetProperty("location").GetString()! + "/nested",
                     _http.WarehouseLocation + "/edge_move",
                 })
        {
            var reply = await _http.CommitTableAsync(ns, "a", "[]", $$"""[{"action":"set-location","location":{{CatalogHttp.Str(target)}}}]""");
            ErrorAssert.Contains(reply, 400, "BadRequestException", "overlaps");
        }

        Assert.Equal(a.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "a")).GetProperty("metadata-location").GetString());
        Assert.Equal(files.Order(StringComparer.Ordinal), _http.FilesInWarehouse().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_location_set_with_a_trailing_slash_still_guards_what_lies_inside_it()
    {
        string[] ns = ["edge_slash"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "a");
        var moved = _http.WarehouseLocation + "/edge_slash/moved";
        var reply = await _http.CommitTableAsync(ns, "a", "[]", $$"""[{"action":"set-location","location":{{CatalogHttp.Str(moved + "/")}}}]""");
        Assert.True(reply.Status == 200, reply.ToString());

        var inside = await _http.TryCreateTableAsync(ns, "b", extra: $"\"location\":{CatalogHttp.Str(moved + "/sub")}");
        ErrorAssert.Contains(inside, 400, "BadRequestException", "overlaps");
        var same = await _http.TryCreateTableAsync(ns, "c", extra: $"\"location\":{CatalogHttp.Str(moved)}");
        ErrorAssert.Contains(same, 400, "BadRequestException", "overlaps");
        Assert.Equal(["a"], await _http.ListTablesAsync(ns));
    }

    [Fact]
    public async Task A_registered_location_with_a_trailing_slash_still_guards_what_lies_inside_it()
    {
        string[] ns = ["edge_slash_register"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "source");
        var location = created.GetProperty("metadata").GetProperty("location").GetString()!;
        var file = CatalogHttp.LocalPath(created.GetProperty("metadata-location").GetString()!);
        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "source"))).Status);

        // The same metadata, its location written with a trailing slash.
        var slashed = Path.Combine(Path.GetDirectoryName(file)!, "00000-" + Guid.NewGuid() + ".metadata.json");
        var json = await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(slashed, json.Replace($"\"location\":\"{location}\"", $"\"location\":\"{location}/\"", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var registered = await _http.PostAsync(_http.Url("namespaces/edge_slash_register/register"), $$"""{"name":"reg","metadata-location":{{CatalogHttp.Str("file://" + slashed)}}}""");
        Assert.True(registered.Status == 200, registered.ToString());

        var inside = await _http.TryCreateTableAsync(ns, "b", extra: $"\"location\":{CatalogHttp.Str(location + "/sub")}");
        ErrorAssert.Contains(inside, 400, "BadRequestException", "overlaps");
        Assert.Equal(["reg"], await _http.ListTablesAsync(ns));
    }

    [Fact]
    public async Task A_location_that_is_a_file_on_disk_is_400_and_changes_nothing()
    {
        string[] ns = ["edge_file_location"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t");
        await _http.CreateViewAsync(ns, "v");
        var plainFile = Path.Combine(_http.WarehouseFolder, "edge_plain_file");
        await File.WriteAllTextAsync(plainFile, "not a folder", TestContext.Current.CancellationToken);
        var location = CatalogHttp.Str("file://" + plainFile);
        var files = _http.FilesInWarehouse().Order(StringComparer.Ordinal).ToList();

        ErrorAssert.Is(await _http.TryCreateTableAsync(ns, "x", extra: $"\"location\":{location}"), 400, "BadRequestException");
        ErrorAssert.Is(await _http.TryCreateViewAsync(ns, "y", extra: $"\"location\":{location}"), 400, "BadRequestException");
        ErrorAssert.Is(await _http.CommitTableAsync(ns, "t", "[]", $$"""[{"action":"set-location","location":{{location}}}]"""), 400, "BadRequestException");
        ErrorAssert.Is(await _http.PostAsync(_http.ViewUrl(ns, "v"), $$"""{"updates":[{"action":"set-location","location":{{location}}}]}"""), 400, "BadRequestException");

        Assert.Equal(["t"], await _http.ListTablesAsync(ns));
        Assert.Equal(["v"], await _http.ListViewsAsync(ns));
        Assert.Equal(created.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
        Assert.Equal(files, _http.FilesInWarehouse().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Registering_a_live_tables_file_under_another_name_is_400()
    {
        string[] ns = ["edge_register_twin"];
        await _http.CreateNamespaceAsync(ns);
        var live = await _http.CreateTableAsync(ns, "live");
        var reply = await _http.PostAsync(_http.Url("namespaces/edge_register_twin/register"),
            $$"""{"name":"twin","metadata-location":{{CatalogHttp.Str(live.GetProperty("metadata-location").GetString()!)}}}""");
        ErrorAssert.Contains(reply, 400, "BadRequestException", "overlaps");
        Assert.Equal(["live"], await _http.ListTablesAsync(ns));

        // Re-registering a table's own current file over itself is a no-op overwrite.
        var again = await _http.PostAsync(_http.Url("namespaces/edge_register_twin/register"),
            $$"""{"name":"live","metadata-location":{{CatalogHttp.Str(live.GetProperty("metadata-location").GetString()!)}},"overwrite":true}""");
        Assert.True(again.Status == 200, again.ToString());
        Assert.Equal(live.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "live")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task Long_and_unicode_names_are_created_or_refused_cleanly()
    {
        string[] ns = ["edge_names"];
        await _http.CreateNamespaceAsync(ns);
        string[] names = [new string('x', 256), new string('é', 200), "😀 emoji table", "名前", "a.b.c", "UPPER lower"];
        foreach (var name in names)
        {
            var reply = await _http.TryCreateTableAsync(ns, name);
            if (reply.Status != 200)
            {
                ErrorAssert.ClientError(reply);
                Assert.DoesNotContain(name, await _http.ListTablesAsync(ns));
                continue;
            }

            Assert.Contains(name, await _http.ListTablesAsync(ns));
            Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(ns, name))).Status);
            ErrorAssert.HeadStatus(await _http.HeadAsync(_http.TableUrl(ns, name)), 204);
        }

        // Plain non-ASCII names must work.
        Assert.Contains("名前", await _http.ListTablesAsync(ns));
        Assert.Contains("😀 emoji table", await _http.ListTablesAsync(ns));
    }

    [Fact]
    public async Task Names_with_url_and_path_characters_round_trip()
    {
        string[] ns = ["edge_chars", "50% off+more"];
        await _http.CreateNamespaceAsync(ns[..1]);
        await _http.CreateNamespaceAsync(ns);
        string[] names = ["50%off", "a+b", "semi;colon", "quote\"d", "back\\slash", "q?x=1", "hash#tag", "amp&er", "a/b", "%2F", "%"];
        foreach (var name in names)
        {
            await _http.CreateTableAsync(ns, name);
            var loaded = await _http.GetAsync(_http.TableUrl(ns, name));
            Assert.True(loaded.Status == 200, $"{name}: {loaded}");
            var location = loaded.Json.GetProperty("metadata").GetProperty("location").GetString()!;
            Assert.StartsWith(_http.WarehouseLocation + "/", location, StringComparison.Ordinal);
        }

        Assert.Equal(names.Order(StringComparer.Ordinal), (await _http.ListTablesAsync(ns)).Order(StringComparer.Ordinal));
        var children = await _http.GetAsync(_http.Url("namespaces?parent=edge_chars"));
        Assert.Equal(["edge_chars", "50% off+more"], children.Json.GetProperty("namespaces")[0].EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(204, (await _http.RenameTableAsync(ns, "a/b", ns, "c/d")).Status);
        Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(ns, "c/d"))).Status);
        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "%"))).Status);
        Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(ns, "%2F"))).Status);
    }

    [Fact]
    public async Task A_parent_with_a_form_encoded_space_lists_its_children()
    {
        await _http.CreateNamespaceAsync("edge parent");
        await _http.CreateNamespaceAsync(["edge parent", "kid"]);
        var reply = await _http.GetAsync(_http.Url("namespaces?parent=edge+parent"));
        Assert.Equal(200, reply.Status);
        Assert.Equal(["edge parent", "kid"], reply.Json.GetProperty("namespaces")[0].EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task View_updates_that_break_the_rules_are_400_and_change_nothing()
    {
        string[] ns = ["edge_view_rules"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateViewAsync(ns, "v");
        string[] bodies =
        [
            // Replacing the trino query with a spark-only one loses a dialect.
            $$"""{"updates":[{"action":"add-view-version","view-version":{{CatalogHttp.ViewVersion(2, 0, ns, dialect: "spark")}}},{"action":"set-current-view-version","view-version-id":-1}]}""",
            """{"updates":[{"action":"set-current-view-version","view-version-id":42}]}""",
            """{"updates":[{"action":"set-current-view-version","view-version-id":-1}]}""",
            $$"""{"updates":[{"action":"add-view-version","view-version":{{CatalogHttp.ViewVersion(2, 9, ns)}}}]}""",
            $$"""{"updates":[{"action":"add-view-version","view-version":{{CatalogHttp.ViewVersion(2, -1, ns)}}}]}""",
            $$"""{"updates":[{"action":"assign-uuid","uuid":"{{Guid.NewGuid()}}"}]}""",
            """{"updates":[{"action":"upgrade-format-version","format-version":99}]}""",
            """{"updates":[{"action":"upgrade-format-version","format-version":0}]}""",
        ];
        foreach (var body in bodies)
        {
            var reply = await _http.PostAsync(_http.ViewUrl(ns, "v"), body);
            Assert.True(reply.Status == 400, $"{body}: {reply}");
            ErrorAssert.Shape(reply);
            Assert.Equal(created.GetProperty("metadata-location").GetString(), (await _http.LoadViewAsync(ns, "v")).GetProperty("metadata-location").GetString());
        }

        // Dropping a dialect is allowed when the view says so.
        var allowed = await _http.PostAsync(_http.ViewUrl(ns, "v"), $$"""
            {"updates":[{"action":"set-properties","updates":{"replace.drop-dialect.allowed":"true"} },
                        {"action":"add-view-version","view-version":{{CatalogHttp.ViewVersion(2, 0, ns, dialect: "spark")}}},{"action":"set-current-view-version","view-version-id":-1}]}
            """);
        Assert.True(allowed.Status == 200, allowed.ToString());
        Assert.Equal(2, allowed.Json.GetProperty("metadata").GetProperty("current-version-id").GetInt32());
    }

    [Fact]
    public async Task A_view_is_not_a_table_for_table_only_endpoints()
    {
        string[] ns = ["edge_view_not_table"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateViewAsync(ns, "v");
        ErrorAssert.Exactly(await _http.GetAsync(_http.TableUrl(ns, "v") + "/credentials"), 404, "NoSuchTableException", "Table does not exist: edge_view_not_table.v");
        ErrorAssert.Exactly(await _http.PostAsync(_http.TableUrl(ns, "v") + "/metrics", """{"report-type":"scan-report"}"""), 404, "NoSuchTableException", "Table does not exist: edge_view_not_table.v");
        ErrorAssert.Exactly(await _http.CommitTableAsync(ns, "v", "[]", """[{"action":"set-properties","updates":{"a":"b"}}]"""), 404, "NoSuchTableException", "Table does not exist: edge_view_not_table.v");
        ErrorAssert.Exactly(await _http.DeleteAsync(_http.TableUrl(ns, "v")), 404, "NoSuchTableException", "Table does not exist: edge_view_not_table.v");
        Assert.Equal(["v"], await _http.ListViewsAsync(ns));
    }

    [Fact]
    public async Task Weak_and_listed_etags_match_and_a_stale_one_does_not()
    {
        string[] ns = ["edge_etags"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var etag = (await _http.GetAsync(_http.TableUrl(ns, "t"))).ETag!;
        Assert.Equal(304, (await _http.GetAsync(_http.TableUrl(ns, "t"), ("If-None-Match", "W/" + etag))).Status);
        Assert.Equal(304, (await _http.GetAsync(_http.TableUrl(ns, "t"), ("If-None-Match", "\"other\", " + etag))).Status);
        Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(ns, "t"), ("If-None-Match", "\"stale\""))).Status);
        ErrorAssert.Exactly(await _http.GetAsync(_http.TableUrl(ns, "gone"), ("If-None-Match", etag)), 404, "NoSuchTableException", "Table does not exist: edge_etags.gone");
    }
}

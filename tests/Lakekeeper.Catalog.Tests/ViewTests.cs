using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>Views: create, load, HEAD, list, replace, drop, rename, register.</summary>
public sealed class ViewTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Create_assigns_schema_0_and_version_1_and_writes_a_gzip_file()
    {
        string[] ns = ["view_create"];
        await _http.CreateNamespaceAsync(ns);
        var result = await _http.CreateViewAsync(ns, "v", extra: null);
        var metadata = result.GetProperty("metadata");
        Assert.Equal(1, metadata.GetProperty("format-version").GetInt32());
        Assert.True(Guid.TryParse(metadata.GetProperty("view-uuid").GetString(), out _));
        Assert.Equal(1, metadata.GetProperty("current-version-id").GetInt32());
        var schema = Assert.Single(metadata.GetProperty("schemas").EnumerateArray());
        Assert.Equal(0, schema.GetProperty("schema-id").GetInt32());
        var version = Assert.Single(metadata.GetProperty("versions").EnumerateArray());
        Assert.Equal(1, version.GetProperty("version-id").GetInt32());
        Assert.Equal(0, version.GetProperty("schema-id").GetInt32());
        var log = Assert.Single(metadata.GetProperty("version-log").EnumerateArray());
        Assert.Equal(1, log.GetProperty("version-id").GetInt32());

        var location = metadata.GetProperty("location").GetString()!;
        Assert.StartsWith(_http.WarehouseLocation + "/view_create/v", location, StringComparison.Ordinal);
        var metadataLocation = result.GetProperty("metadata-location").GetString()!;
        Assert.Matches(new Regex("^" + Regex.Escape(location + "/metadata/00000-") + "[0-9a-f-]{36}" + Regex.Escape(".gz.metadata.json") + "$"), metadataLocation);
        var bytes = await File.ReadAllBytesAsync(CatalogHttp.LocalPath(metadataLocation), TestContext.Current.CancellationToken);
        Assert.True(bytes[0] == 0x1f && bytes[1] == 0x8b, "view metadata is not gzip");
        using var zip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var onDisk = JsonDocument.Parse(zip);
        Assert.Equal(metadata.GetProperty("view-uuid").GetString(), onDisk.RootElement.GetProperty("view-uuid").GetString());

        var loaded = await _http.LoadViewAsync(ns, "v");
        Assert.Equal(metadataLocation, loaded.GetProperty("metadata-location").GetString());
        Assert.Equal(metadata.GetRawText(), loaded.GetProperty("metadata").GetRawText());
    }

    [Fact]
    public async Task Create_with_two_queries_for_one_dialect_is_400_IllegalArgument()
    {
        string[] ns = ["view_dialect"];
        await _http.CreateNamespaceAsync(ns);
        var version = CatalogHttp.ViewVersion(1, 5, ns, extraRepresentations: """{"type":"sql","sql":"select 2 as x","dialect":"trino"}""");
        var reply = await _http.TryCreateViewAsync(ns, "v", version);
        ErrorAssert.Contains(reply, 400, "IllegalArgumentException", "Invalid view version: Cannot add multiple queries for dialect trino");

        var mixedCase = CatalogHttp.ViewVersion(1, 5, ns, extraRepresentations: """{"type":"sql","sql":"select 2 as x","dialect":"TRINO"}""");
        ErrorAssert.Is(await _http.TryCreateViewAsync(ns, "v", mixedCase), 400, "IllegalArgumentException");

        Assert.Empty(await _http.ListViewsAsync(ns));
        Assert.DoesNotContain(_http.MetadataFilesInWarehouse(), f => f.Contains("/view_dialect/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_over_a_table_or_a_view_is_409()
    {
        string[] ns = ["view_clash"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        await _http.CreateViewAsync(ns, "v");
        ErrorAssert.StartsWith(await _http.TryCreateViewAsync(ns, "t"), 409, "AlreadyExistsException", "Table with same name already exists: view_clash.t");
        ErrorAssert.StartsWith(await _http.TryCreateViewAsync(ns, "v"), 409, "AlreadyExistsException", "View already exists: view_clash.v");
        ErrorAssert.StartsWith(await _http.TryCreateViewAsync(ns, "V"), 409, "AlreadyExistsException", "View already exists: view_clash.V");
        ErrorAssert.StartsWith(await _http.TryCreateTableAsync(ns, "v"), 409, "AlreadyExistsException", "View with same name already exists: view_clash.v");
        Assert.Equal(["v"], await _http.ListViewsAsync(ns));
        Assert.Equal(["t"], await _http.ListTablesAsync(ns));
    }

    [Fact]
    public async Task Create_in_a_missing_namespace_is_404_and_location_rules_apply()
    {
        ErrorAssert.Exactly(await _http.TryCreateViewAsync(["view_no_ns"], "v"), 404, "NoSuchNamespaceException", "Namespace does not exist: view_no_ns");

        string[] ns = ["view_loc"];
        await _http.CreateNamespaceAsync(ns);
        var requested = _http.WarehouseLocation + "/views/custom";
        var created = await _http.CreateViewAsync(ns, "v", extra: $"\"location\":{CatalogHttp.Str(requested)}");
        Assert.Equal(requested, created.GetProperty("metadata").GetProperty("location").GetString());
        ErrorAssert.Is(await _http.TryCreateViewAsync(ns, "w", extra: "\"location\":\"file:///tmp/elsewhere/v\""), 400, "BadRequestException");
        ErrorAssert.Is(await _http.TryCreateViewAsync(ns, "w", extra: $"\"location\":{CatalogHttp.Str(requested + "/inner")}"), 400, "BadRequestException");
        Assert.Equal(["v"], await _http.ListViewsAsync(ns));
    }

    [Fact]
    public async Task Load_head_and_list_report_missing_views_as_NoSuchView()
    {
        string[] ns = ["view_load"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateViewAsync(ns, "b");
        await _http.CreateViewAsync(ns, "a");
        await _http.CreateTableAsync(ns, "t");
        Assert.Equal(["a", "b"], await _http.ListViewsAsync(ns));
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.ViewUrl(ns, "a")), 204);
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.ViewUrl(ns, "missing")), 404);
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.ViewUrl(ns, "t")), 404);
        ErrorAssert.Exactly(await _http.GetAsync(_http.ViewUrl(ns, "missing")), 404, "NoSuchViewException", "View does not exist: view_load.missing");
        ErrorAssert.Exactly(await _http.GetAsync(_http.ViewUrl(ns, "t")), 404, "NoSuchViewException", "View does not exist: view_load.t");
        ErrorAssert.Exactly(await _http.GetAsync(_http.ViewUrl(["view_load_no_ns"], "a")), 404, "NoSuchViewException", "View does not exist: view_load_no_ns.a");

        var paged = await _http.GetAsync(_http.Url("namespaces/view_load/views?pageSize=1&pageToken="));
        Assert.Equal(["a"], paged.Json.GetProperty("identifiers").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.String, paged.Json.GetProperty("next-page-token").ValueKind);
    }

    [Fact]
    public async Task Replace_adds_a_version_and_a_version_log_entry()
    {
        string[] ns = ["view_replace"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateViewAsync(ns, "v");
        var uuid = created.GetProperty("metadata").GetProperty("view-uuid").GetString()!;
        var newSchema = """{"type":"struct","schema-id":1,"fields":[{"id":1,"name":"x","required":false,"type":"long"},{"id":2,"name":"y","required":false,"type":"string"}]}""";
        var reply = await _http.PostAsync(_http.ViewUrl(ns, "v"), $$"""
            {"requirements":[{"type":"assert-view-uuid","uuid":"{{uuid}}"}],
             "updates":[{"action":"add-schema","schema":{{newSchema}},"last-column-id":2},
                        {"action":"add-view-version","view-version":{{CatalogHttp.ViewVersion(2, -1, ns, "select 1 as x, 'a' as y")}}},
                        {"action":"set-current-view-version","view-version-id":-1}]}
            """);
        Assert.True(reply.Status == 200, reply.ToString());
        var metadata = reply.Json.GetProperty("metadata");
        Assert.Equal(2, metadata.GetProperty("current-version-id").GetInt32());
        Assert.Equal(2, metadata.GetProperty("versions").GetArrayLength());
        Assert.Equal(1, metadata.GetProperty("versions")[1].GetProperty("schema-id").GetInt32());
        Assert.Equal([1, 2], metadata.GetProperty("version-log").EnumerateArray().Select(e => e.GetProperty("version-id").GetInt32()));
        Assert.Contains("/metadata/00001-", reply.Json.GetProperty("metadata-location").GetString(), StringComparison.Ordinal);

        // A property change makes a new file but no new version.
        var properties = await _http.PostAsync(_http.ViewUrl(ns, "v"), """{"updates":[{"action":"set-properties","updates":{"comment":"hello"}}]}""");
        Assert.True(properties.Status == 200, properties.ToString());
        var afterProperties = properties.Json.GetProperty("metadata");
        Assert.Equal("hello", afterProperties.GetProperty("properties").GetProperty("comment").GetString());
        Assert.Equal(2, afterProperties.GetProperty("current-version-id").GetInt32());
        Assert.Equal(2, afterProperties.GetProperty("versions").GetArrayLength());
        Assert.Equal(2, afterProperties.GetProperty("version-log").GetArrayLength());
        Assert.Contains("/metadata/00002-", properties.Json.GetProperty("metadata-location").GetString(), StringComparison.Ordinal);

        var loaded = await _http.LoadViewAsync(ns, "v");
        Assert.Equal(properties.Json.GetProperty("metadata-location").GetString(), loaded.GetProperty("metadata-location").GetString());

        // Nothing to change: no new file.
        var before = _http.MetadataFilesInWarehouse();
        var noop = await _http.PostAsync(_http.ViewUrl(ns, "v"), """{"updates":[{"action":"set-properties","updates":{"comment":"hello"}}]}""");
        Assert.Equal(200, noop.Status);
        Assert.Equal(properties.Json.GetProperty("metadata-location").GetString(), noop.Json.GetProperty("metadata-location").GetString());
        Assert.Empty(_http.MetadataFilesInWarehouse().Except(before));
    }

    [Fact]
    public async Task A_replace_reuses_an_identical_version_and_bumps_a_colliding_id()
    {
        string[] ns = ["view_versions"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateViewAsync(ns, "v");

        // A client that also believes it creates version 2 (the other one won): stored as 3.
        var second = await _http.PostAsync(_http.ViewUrl(ns, "v"), $$"""
            {"updates":[{"action":"add-view-version","view-version":{{CatalogHttp.ViewVersion(2, 0, ns, "select 2 as x")}}},{"action":"set-current-view-version","view-version-id":-1}]}
            """);
        Assert.True(second.Status == 200, second.ToString());
        var third = await _http.PostAsync(_http.ViewUrl(ns, "v"), $$"""
            {"updates":[{"action":"add-view-version","view-version":{{CatalogHttp.ViewVersion(2, 0, ns, "select 3 as x")}}},{"action":"set-current-view-version","view-version-id":-1}]}
            """);
        Assert.True(third.Status == 200, third.ToString());
        Assert.Equal(3, third.Json.GetProperty("metadata").GetProperty("current-version-id").GetInt32());
        Assert.Equal([1, 2, 3], third.Json.GetProperty("metadata").GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version-id").GetInt32()));

        // Going back to the first query reuses version 1 (so it is not "last added": the client names it) and logs the switch.
        var back = await _http.PostAsync(_http.ViewUrl(ns, "v"), $$"""
            {"updates":[{"action":"add-view-version","view-version":{{CatalogHttp.ViewVersion(9, 0, ns)}}},{"action":"set-current-view-version","view-version-id":1}]}
            """);
        Assert.True(back.Status == 200, back.ToString());
        var metadata = back.Json.GetProperty("metadata");
        Assert.Equal(1, metadata.GetProperty("current-version-id").GetInt32());
        Assert.Equal(3, metadata.GetProperty("versions").GetArrayLength());
        Assert.Equal([1, 2, 3, 1], metadata.GetProperty("version-log").EnumerateArray().Select(e => e.GetProperty("version-id").GetInt32()));
    }

    [Fact]
    public async Task Replace_with_the_wrong_uuid_is_409_and_of_a_missing_view_404()
    {
        string[] ns = ["view_replace_err"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateViewAsync(ns, "v");
        var reply = await _http.PostAsync(_http.ViewUrl(ns, "v"), $$"""
            {"requirements":[{"type":"assert-view-uuid","uuid":"{{Guid.NewGuid()}}"}],"updates":[{"action":"set-properties","updates":{"a":"b"} }]}
            """);
        ErrorAssert.StartsWith(reply, 409, "CommitFailedException", "Requirement failed: view UUID does not match");
        Assert.Equal(created.GetProperty("metadata-location").GetString(), (await _http.LoadViewAsync(ns, "v")).GetProperty("metadata-location").GetString());

        var missing = await _http.PostAsync(_http.ViewUrl(ns, "nope"), """{"updates":[{"action":"set-properties","updates":{"a":"b"}}]}""");
        ErrorAssert.Exactly(missing, 404, "NoSuchViewException", "View does not exist: view_replace_err.nope");

        ErrorAssert.Is(await _http.PostAsync(_http.ViewUrl(ns, "v"), """{"updates":[{"action":"warp"}]}"""), 400, "BadRequestException");
        ErrorAssert.Is(await _http.PostAsync(_http.ViewUrl(ns, "v"), """{"requirements":[{"type":"assert-table-uuid","uuid":"x"}],"updates":[]}"""), 400, "BadRequestException");
    }

    [Fact]
    public async Task Drop_is_204_then_404()
    {
        string[] ns = ["view_drop"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateViewAsync(ns, "v");
        await _http.CreateTableAsync(ns, "t");
        ErrorAssert.Exactly(await _http.DeleteAsync(_http.ViewUrl(ns, "t")), 404, "NoSuchViewException", "View does not exist: view_drop.t");
        var dropped = await _http.DeleteAsync(_http.ViewUrl(ns, "v"));
        Assert.Equal(204, dropped.Status);
        Assert.Empty(dropped.BodyBytes);
        ErrorAssert.Exactly(await _http.DeleteAsync(_http.ViewUrl(ns, "v")), 404, "NoSuchViewException", "View does not exist: view_drop.v");
        Assert.Empty(await _http.ListViewsAsync(ns));
        Assert.Equal(["t"], await _http.ListTablesAsync(ns));
    }

    [Fact]
    public async Task Rename_moves_views_and_refuses_taken_names()
    {
        string[] ns = ["view_rename"], other = ["view_rename_other"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateNamespaceAsync(other);
        await _http.CreateViewAsync(ns, "a");
        await _http.CreateViewAsync(ns, "b");
        await _http.CreateTableAsync(ns, "t");

        ErrorAssert.Contains(await _http.RenameViewAsync(ns, "a", ns, "b"), 409, "AlreadyExistsException", "Cannot rename view_rename.a to view_rename.b. View already exists");
        ErrorAssert.Contains(await _http.RenameViewAsync(ns, "a", ns, "t"), 409, "AlreadyExistsException", "Cannot rename view_rename.a to view_rename.t. Table already exists");
        ErrorAssert.Contains(await _http.RenameViewAsync(ns, "missing", ns, "x"), 404, "NoSuchViewException", "View does not exist");
        ErrorAssert.Contains(await _http.RenameViewAsync(ns, "t", ns, "x"), 404, "NoSuchViewException", "View does not exist");
        ErrorAssert.Exactly(await _http.RenameViewAsync(ns, "a", ["view_rename_nowhere"], "x"), 404, "NoSuchNamespaceException", "Namespace does not exist: view_rename_nowhere");
        Assert.Equal(["a", "b"], await _http.ListViewsAsync(ns));

        Assert.Equal(204, (await _http.RenameViewAsync(ns, "a", other, "c")).Status);
        Assert.Equal(["b"], await _http.ListViewsAsync(ns));
        Assert.Equal(["c"], await _http.ListViewsAsync(other));
        await _http.LoadViewAsync(other, "c");
    }

    [Fact]
    public async Task Register_view_adopts_a_metadata_file()
    {
        string[] ns = ["view_register"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateViewAsync(ns, "v");
        var metadataLocation = created.GetProperty("metadata-location").GetString()!;
        await _http.CreateTableAsync(ns, "t");

        var body = $$"""{"name":"v","metadata-location":{{CatalogHttp.Str(metadataLocation)}}}""";
        ErrorAssert.StartsWith(await _http.PostAsync(_http.Url("namespaces/view_register/register-view"), body), 409, "AlreadyExistsException", "View already exists: view_register.v");
        ErrorAssert.StartsWith(await _http.PostAsync(_http.Url("namespaces/view_register/register-view"), body.Replace("\"v\"", "\"t\"", StringComparison.Ordinal)),
            409, "AlreadyExistsException", "Table with same name already exists: view_register.t");

        Assert.Equal(204, (await _http.DeleteAsync(_http.ViewUrl(ns, "v"))).Status);
        var registered = await _http.PostAsync(_http.Url("namespaces/view_register/register-view"), body.Replace("\"v\"", "\"again\"", StringComparison.Ordinal));
        Assert.True(registered.Status == 200, registered.ToString());
        Assert.Equal(metadataLocation, registered.Json.GetProperty("metadata-location").GetString());
        var loaded = await _http.LoadViewAsync(ns, "again");
        Assert.Equal(created.GetProperty("metadata").GetProperty("view-uuid").GetString(), loaded.GetProperty("metadata").GetProperty("view-uuid").GetString());

        var missing = _http.WarehouseLocation + "/nowhere/metadata/00000-x.gz.metadata.json";
        ErrorAssert.Exactly(await _http.PostAsync(_http.Url("namespaces/view_register/register-view"), $$"""{"name":"m","metadata-location":{{CatalogHttp.Str(missing)}}}"""),
            404, "NotFoundException", "Failed to open input stream for file: " + missing);
        ErrorAssert.Exactly(await _http.PostAsync(_http.Url("namespaces/view_register_no_ns/register-view"), body),
            404, "NoSuchNamespaceException", "Namespace does not exist: view_register_no_ns");
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Lakekeeper.Catalog.Tests.Support;
using Npgsql;

namespace Lakekeeper.Catalog.Tests;

/// <summary>Tables: create (and stage-create), load, HEAD, list, drop, register, rename, credentials, metrics.</summary>
public sealed class TableTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private const string NestedSchema =
        """
        {"type":"struct","schema-id":7,"identifier-field-ids":[10],"fields":[
          {"id":10,"name":"id","required":true,"type":"long"},
          {"id":20,"name":"data","required":false,"type":"string"},
          {"id":30,"name":"list_data","required":false,"type":{"type":"list","element-id":31,"element":"int","element-required":false}},
          {"id":40,"name":"map_data","required":false,"type":{"type":"map","key-id":41,"key":"string","value-id":42,"value":"double","value-required":false}},
          {"id":50,"name":"struct_data","required":false,"type":{"type":"struct","fields":[{"id":51,"name":"v","required":false,"type":"int"}]}}
        ]}
        """;

    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Create_assigns_fresh_ids_in_the_java_order()
    {
        string[] ns = ["tbl_ids"];
        await _http.CreateNamespaceAsync(ns);
        var result = await _http.CreateTableAsync(ns, "t", NestedSchema,
            """
            "partition-spec":{"spec-id":5,"fields":[{"source-id":10,"field-id":1234,"name":"id_bucket","transform":"bucket[16]"}]},
            "write-order":{"order-id":9,"fields":[{"source-id":20,"transform":"identity","direction":"asc","null-order":"nulls-first"}]},
            "properties":{"owner":"me"}
            """);
        var metadata = result.GetProperty("metadata");
        Assert.Equal(2, metadata.GetProperty("format-version").GetInt32());
        Assert.Equal(0, metadata.GetProperty("current-schema-id").GetInt32());
        var schema = Assert.Single(metadata.GetProperty("schemas").EnumerateArray());
        Assert.Equal(0, schema.GetProperty("schema-id").GetInt32());
        Assert.Equal([1], schema.GetProperty("identifier-field-ids").EnumerateArray().Select(e => e.GetInt32()));
        var fields = schema.GetProperty("fields").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4, 5], fields.Select(f => f.GetProperty("id").GetInt32()));
        Assert.Equal(6, fields[2].GetProperty("type").GetProperty("element-id").GetInt32());
        Assert.Equal(7, fields[3].GetProperty("type").GetProperty("key-id").GetInt32());
        Assert.Equal(8, fields[3].GetProperty("type").GetProperty("value-id").GetInt32());
        Assert.Equal(9, fields[4].GetProperty("type").GetProperty("fields")[0].GetProperty("id").GetInt32());
        Assert.Equal(9, metadata.GetProperty("last-column-id").GetInt32());

        var spec = Assert.Single(metadata.GetProperty("partition-specs").EnumerateArray());
        Assert.Equal(0, spec.GetProperty("spec-id").GetInt32());
        Assert.Equal(0, metadata.GetProperty("default-spec-id").GetInt32());
        var partitionField = Assert.Single(spec.GetProperty("fields").EnumerateArray());
        Assert.Equal(1000, partitionField.GetProperty("field-id").GetInt32());
        Assert.Equal(1, partitionField.GetProperty("source-id").GetInt32());
        Assert.Equal(1000, metadata.GetProperty("last-partition-id").GetInt32());

        var order = Assert.Single(metadata.GetProperty("sort-orders").EnumerateArray());
        Assert.Equal(1, order.GetProperty("order-id").GetInt32());
        Assert.Equal(1, metadata.GetProperty("default-sort-order-id").GetInt32());
        Assert.Equal(2, order.GetProperty("fields")[0].GetProperty("source-id").GetInt32());

        Assert.Equal("me", metadata.GetProperty("properties").GetProperty("owner").GetString());
        Assert.False(metadata.GetProperty("properties").TryGetProperty("format-version", out _));
        Assert.Equal(0, metadata.GetProperty("last-sequence-number").GetInt64());
        if (metadata.TryGetProperty("snapshots", out var snapshots))
        {
            Assert.Empty(snapshots.EnumerateArray());
        }

        Assert.True(Guid.TryParse(metadata.GetProperty("table-uuid").GetString(), out _));
    }

    [Fact]
    public async Task Create_of_an_unpartitioned_unsorted_table_uses_999_and_order_0()
    {
        string[] ns = ["tbl_plain"];
        await _http.CreateNamespaceAsync(ns);
        var metadata = (await _http.CreateTableAsync(ns, "t")).GetProperty("metadata");
        Assert.Equal(999, metadata.GetProperty("last-partition-id").GetInt32());
        Assert.Equal(0, metadata.GetProperty("default-spec-id").GetInt32());
        Assert.Empty(metadata.GetProperty("partition-specs")[0].GetProperty("fields").EnumerateArray());
        Assert.Equal(0, metadata.GetProperty("default-sort-order-id").GetInt32());
        var order = Assert.Single(metadata.GetProperty("sort-orders").EnumerateArray());
        Assert.Equal(0, order.GetProperty("order-id").GetInt32());
        Assert.Empty(order.GetProperty("fields").EnumerateArray());
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("2", 2)]
    [InlineData("3", 3)]
    public async Task Create_takes_the_format_version_property_and_does_not_store_it(string property, int expected)
    {
        string[] ns = ["tbl_fv" + property];
        await _http.CreateNamespaceAsync(ns);
        var metadata = (await _http.CreateTableAsync(ns, "t", extra: $$"""
            "properties":{"format-version":"{{property}}","k":"v"}
            """)).GetProperty("metadata");
        Assert.Equal(expected, metadata.GetProperty("format-version").GetInt32());
        Assert.False(metadata.GetProperty("properties").TryGetProperty("format-version", out _));
        Assert.Equal("v", metadata.GetProperty("properties").GetProperty("k").GetString());
        if (expected == 1)
        {
            // v1 still carries the single schema and spec fields and no sequence numbers.
            Assert.Equal(JsonValueKind.Object, metadata.GetProperty("schema").ValueKind);
            Assert.Equal(JsonValueKind.Array, metadata.GetProperty("partition-spec").ValueKind);
            Assert.False(metadata.TryGetProperty("last-sequence-number", out _));
        }

        if (expected >= 3)
        {
            Assert.Equal(0, metadata.GetProperty("next-row-id").GetInt64());
        }
        else
        {
            Assert.False(metadata.TryGetProperty("next-row-id", out _));
        }

        var loaded = await _http.LoadTableAsync(ns, "t");
        Assert.Equal(expected, loaded.GetProperty("metadata").GetProperty("format-version").GetInt32());
    }

    [Fact]
    public async Task Create_without_location_places_the_table_under_the_warehouse_and_writes_file_00000()
    {
        string[] ns = ["tbl_default_loc"];
        await _http.CreateNamespaceAsync(ns);
        var result = await _http.CreateTableAsync(ns, "events");
        var location = result.GetProperty("metadata").GetProperty("location").GetString()!;
        Assert.StartsWith(_http.WarehouseLocation + "/tbl_default_loc/events", location, StringComparison.Ordinal);

        var metadataLocation = result.GetProperty("metadata-location").GetString()!;
        Assert.Matches(MetadataFileName(location, "00000", ".metadata.json"), metadataLocation);
        Assert.True(File.Exists(CatalogHttp.LocalPath(metadataLocation)));
        Assert.Equal(JsonValueKind.Object, result.GetProperty("config").ValueKind);

        // The load returns the very same document.
        var loaded = await _http.LoadTableAsync(ns, "events");
        Assert.Equal(metadataLocation, loaded.GetProperty("metadata-location").GetString());
        Assert.Equal(result.GetProperty("metadata").GetRawText(), loaded.GetProperty("metadata").GetRawText());
    }

    [Fact]
    public async Task Create_honours_the_requested_location_exactly()
    {
        string[] ns = ["tbl_req_loc"];
        await _http.CreateNamespaceAsync(ns);
        var requested = _http.WarehouseLocation + "/custom/place/tbl";
        var result = await _http.CreateTableAsync(ns, "t", extra: $"\"location\":{CatalogHttp.Str(requested + "/")}");
        Assert.Equal(requested, result.GetProperty("metadata").GetProperty("location").GetString());
        Assert.StartsWith(requested + "/metadata/00000-", result.GetProperty("metadata-location").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_outside_the_warehouse_or_overlapping_another_table_is_400()
    {
        string[] ns = ["tbl_bad_loc"];
        await _http.CreateNamespaceAsync(ns);
        var taken = _http.WarehouseLocation + "/taken/tbl";
        await _http.CreateTableAsync(ns, "first", extra: $"\"location\":{CatalogHttp.Str(taken)}");
        var filesBefore = _http.MetadataFilesInWarehouse();

        string[] rejected =
        [
            "file:///tmp/elsewhere/tbl",
            _http.WarehouseLocation,
            _http.WarehouseLocation + "-sibling/tbl",
            taken,
            taken + "/inside",
            _http.WarehouseLocation + "/taken",
        ];
        foreach (var location in rejected)
        {
            var reply = await _http.TryCreateTableAsync(ns, "second", extra: $"\"location\":{CatalogHttp.Str(location)}");
            ErrorAssert.Is(reply, 400, "BadRequestException");
        }

        Assert.Equal(["first"], await _http.ListTablesAsync(ns));
        Assert.Empty(_http.MetadataFilesInWarehouse().Except(filesBefore));
    }

    [Fact]
    public async Task Create_in_a_missing_namespace_is_404_NoSuchNamespace()
    {
        var reply = await _http.TryCreateTableAsync(["tbl_missing_ns"], "t");
        ErrorAssert.Exactly(reply, 404, "NoSuchNamespaceException", "Namespace does not exist: tbl_missing_ns");
        var staged = await _http.TryCreateTableAsync(["tbl_missing_ns"], "t", extra: "\"stage-create\":true");
        ErrorAssert.Exactly(staged, 404, "NoSuchNamespaceException", "Namespace does not exist: tbl_missing_ns");
    }

    [Fact]
    public async Task Stage_create_registers_nothing_until_the_assert_create_commit()
    {
        string[] ns = ["tbl_staged"];
        await _http.CreateNamespaceAsync(ns);
        var filesBefore = _http.FilesInWarehouse().Length;
        var staged = await _http.CreateTableAsync(ns, "t", extra: "\"stage-create\":true,\"properties\":{\"p\":\"1\"}");
        Assert.Equal(JsonValueKind.Null, staged.GetProperty("metadata-location").ValueKind);
        var stagedMetadata = staged.GetProperty("metadata");
        Assert.Empty(await _http.ListTablesAsync(ns));
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.TableUrl(ns, "t")), 404);
        Assert.Equal(filesBefore, _http.FilesInWarehouse().Length);

        // The create transaction's commit, as the Java client sends it.
        var uuid = stagedMetadata.GetProperty("table-uuid").GetString()!;
        var location = stagedMetadata.GetProperty("location").GetString()!;
        var updates = $$$"""
            [{"action":"assign-uuid","uuid":"{{{uuid}}}"},
             {"action":"upgrade-format-version","format-version":2},
             {"action":"add-schema","schema":{{{stagedMetadata.GetProperty("schemas")[0].GetRawText()}}},"last-column-id":2},
             {"action":"set-current-schema","schema-id":-1},
             {"action":"add-spec","spec":{"spec-id":0,"fields":[]}},
             {"action":"set-default-spec","spec-id":-1},
             {"action":"add-sort-order","sort-order":{"order-id":0,"fields":[]}},
             {"action":"set-default-sort-order","sort-order-id":-1},
             {"action":"set-location","location":{{{CatalogHttp.Str(location)}}}},
             {"action":"set-properties","updates":{"p":"1"}}]
            """;
        var commit = await _http.CommitTableAsync(ns, "t", """[{"type":"assert-create"}]""", updates);
        Assert.True(commit.Status == 200, commit.ToString());
        var created = commit.Json;
        Assert.Equal(uuid, created.GetProperty("metadata").GetProperty("table-uuid").GetString());
        Assert.Empty(created.GetProperty("metadata").GetProperty("metadata-log").EnumerateArray());
        Assert.StartsWith(location + "/metadata/00000-", created.GetProperty("metadata-location").GetString(), StringComparison.Ordinal);
        Assert.Equal(["t"], await _http.ListTablesAsync(ns));
        Assert.Equal("1", (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata").GetProperty("properties").GetProperty("p").GetString());

        // The same create commit again: the table exists now.
        var again = await _http.CommitTableAsync(ns, "t", """[{"type":"assert-create"}]""", updates);
        ErrorAssert.StartsWith(again, 409, "CommitFailedException", "Requirement failed: table already exists");
    }

    [Fact]
    public async Task Load_with_snapshots_refs_returns_referenced_snapshots_and_the_full_log()
    {
        string[] ns = ["tbl_refs"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        await _http.AppendAsync(ns, "t", 101, null, 1);
        await _http.AppendAsync(ns, "t", 102, 101, 2);
        await _http.AppendAsync(ns, "t", 103, 102, 3);

        var all = await _http.GetAsync(_http.TableUrl(ns, "t") + "?snapshots=all");
        var refs = await _http.GetAsync(_http.TableUrl(ns, "t") + "?snapshots=refs");
        var plain = await _http.GetAsync(_http.TableUrl(ns, "t"));
        Assert.Equal(200, all.Status);
        Assert.Equal(200, refs.Status);
        Assert.Equal([101L, 102L, 103L], all.Json.GetProperty("metadata").GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("snapshot-id").GetInt64()));
        Assert.Equal([103L], refs.Json.GetProperty("metadata").GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("snapshot-id").GetInt64()));
        Assert.Equal([101L, 102L, 103L], refs.Json.GetProperty("metadata").GetProperty("snapshot-log").EnumerateArray().Select(s => s.GetProperty("snapshot-id").GetInt64()));
        Assert.Equal(103, refs.Json.GetProperty("metadata").GetProperty("current-snapshot-id").GetInt64());
        Assert.Equal(all.Json.GetProperty("metadata-location").GetString(), refs.Json.GetProperty("metadata-location").GetString());

        Assert.NotNull(all.ETag);
        Assert.NotNull(refs.ETag);
        Assert.NotEqual(all.ETag, refs.ETag);
        Assert.Equal(all.ETag, plain.ETag);
    }

    [Fact]
    public async Task If_None_Match_with_the_current_etag_is_304_without_a_body()
    {
        string[] ns = ["tbl_etag"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var first = await _http.GetAsync(_http.TableUrl(ns, "t"));
        Assert.NotNull(first.ETag);

        var notModified = await _http.GetAsync(_http.TableUrl(ns, "t"), ("If-None-Match", first.ETag!));
        Assert.Equal(304, notModified.Status);
        Assert.Empty(notModified.BodyBytes);
        Assert.Equal(first.ETag, notModified.ETag);

        // The refs view of the same version has another tag.
        var refs = await _http.GetAsync(_http.TableUrl(ns, "t") + "?snapshots=refs", ("If-None-Match", first.ETag!));
        Assert.Equal(200, refs.Status);

        // After a commit the old tag no longer matches.
        await _http.AppendAsync(ns, "t", 1, null, 1);
        var changed = await _http.GetAsync(_http.TableUrl(ns, "t"), ("If-None-Match", first.ETag!));
        Assert.Equal(200, changed.Status);
        Assert.NotEqual(first.ETag, changed.ETag);
        Assert.Equal(1, changed.Json.GetProperty("metadata").GetProperty("current-snapshot-id").GetInt64());
    }

    [Fact]
    public async Task Load_of_a_missing_table_or_namespace_is_NoSuchTable()
    {
        string[] ns = ["tbl_load_missing"];
        await _http.CreateNamespaceAsync(ns);
        ErrorAssert.Exactly(await _http.GetAsync(_http.TableUrl(ns, "nope")), 404, "NoSuchTableException", "Table does not exist: tbl_load_missing.nope");
        ErrorAssert.Exactly(await _http.GetAsync(_http.TableUrl(["tbl_no_such_ns", "x"], "t")), 404, "NoSuchTableException", "Table does not exist: tbl_no_such_ns.x.t");
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.TableUrl(ns, "nope")), 404);
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.TableUrl(["tbl_no_such_ns"], "t")), 404);

        // A view is not a table.
        await _http.CreateViewAsync(ns, "v");
        ErrorAssert.Exactly(await _http.GetAsync(_http.TableUrl(ns, "v")), 404, "NoSuchTableException", "Table does not exist: tbl_load_missing.v");
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.TableUrl(ns, "v")), 404);
    }

    [Fact]
    public async Task Head_of_a_table_is_204_without_a_body_and_names_are_case_insensitive()
    {
        string[] ns = ["tbl_head"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "MixedCase");
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.TableUrl(ns, "MixedCase")), 204);
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.TableUrl(["TBL_HEAD"], "mixedcase")), 204);
        Assert.Equal(["MixedCase"], await _http.ListTablesAsync(ns));
        var clash = await _http.TryCreateTableAsync(ns, "MIXEDCASE");
        ErrorAssert.StartsWith(clash, 409, "AlreadyExistsException", "Table already exists: tbl_head.MIXEDCASE");
    }

    [Fact]
    public async Task List_tables_pages_and_leaves_out_views()
    {
        string[] ns = ["tbl_list"];
        await _http.CreateNamespaceAsync(ns);
        foreach (var name in new[] { "c", "a", "e", "b", "d" })
        {
            await _http.CreateTableAsync(ns, name);
        }

        await _http.CreateViewAsync(ns, "a_view");
        Assert.Equal(["a", "b", "c", "d", "e"], await _http.ListTablesAsync(ns));
        Assert.Equal(["a_view"], await _http.ListViewsAsync(ns));

        var seen = new List<string>();
        var url = _http.Url("namespaces/tbl_list/tables?pageSize=2&pageToken=");
        for (var page = 0; page < 3; page++)
        {
            var reply = await _http.GetAsync(url);
            Assert.Equal(200, reply.Status);
            seen.AddRange(reply.Json.GetProperty("identifiers").EnumerateArray().Select(i => i.GetProperty("name").GetString()!));
            var token = reply.Json.GetProperty("next-page-token");
            if (page < 2)
            {
                Assert.Equal(JsonValueKind.String, token.ValueKind);
                url = _http.Url("namespaces/tbl_list/tables?pageSize=2&pageToken=" + Uri.EscapeDataString(token.GetString()!));
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, token.ValueKind);
            }
        }

        Assert.Equal(["a", "b", "c", "d", "e"], seen);
        var identifier = (await _http.GetAsync(_http.Url("namespaces/tbl_list/tables"))).Json.GetProperty("identifiers")[0];
        Assert.Equal(["tbl_list"], identifier.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task Drop_without_purge_keeps_the_files_and_the_table_is_gone()
    {
        string[] ns = ["tbl_drop"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t");
        var metadataFile = CatalogHttp.LocalPath(created.GetProperty("metadata-location").GetString()!);

        var dropped = await _http.DeleteAsync(_http.TableUrl(ns, "t"));
        Assert.Equal(204, dropped.Status);
        Assert.Empty(dropped.BodyBytes);
        ErrorAssert.Exactly(await _http.GetAsync(_http.TableUrl(ns, "t")), 404, "NoSuchTableException", "Table does not exist: tbl_drop.t");
        ErrorAssert.Exactly(await _http.DeleteAsync(_http.TableUrl(ns, "t")), 404, "NoSuchTableException", "Table does not exist: tbl_drop.t");
        Assert.True(File.Exists(metadataFile));

        // purgeRequested=False (pyiceberg's spelling) is not a purge either.
        await _http.CreateTableAsync(ns, "t2");
        var file2 = CatalogHttp.LocalPath((await _http.LoadTableAsync(ns, "t2")).GetProperty("metadata-location").GetString()!);
        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "t2") + "?purgeRequested=False")).Status);
        Assert.True(File.Exists(file2));

        // The name is free again.
        await _http.CreateTableAsync(ns, "t");
    }

    [Fact]
    public async Task Drop_accepts_purgeRequested_True_and_refuses_other_values()
    {
        string[] ns = ["tbl_purge_flag"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        ErrorAssert.Is(await _http.DeleteAsync(_http.TableUrl(ns, "t") + "?purgeRequested=maybe"), 400, "BadRequestException");
        Assert.Equal(["t"], await _http.ListTablesAsync(ns));

        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "t") + "?purgeRequested=True")).Status);
        Assert.Empty(await _http.ListTablesAsync(ns));
    }

    [Fact]
    public async Task Credentials_are_an_empty_list()
    {
        string[] ns = ["tbl_creds"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var reply = await _http.GetAsync(_http.TableUrl(ns, "t") + "/credentials");
        Assert.Equal(200, reply.Status);
        Assert.Equal("""{"storage-credentials":[]}""", reply.Body);
        ErrorAssert.Exactly(await _http.GetAsync(_http.TableUrl(ns, "nope") + "/credentials"), 404, "NoSuchTableException", "Table does not exist: tbl_creds.nope");
    }

    [Fact]
    public async Task Metrics_reports_are_stored_and_malformed_ones_are_400()
    {
        string[] ns = ["tbl_metrics"];
        await _http.CreateNamespaceAsync(ns);
        var uuid = Guid.Parse((await _http.CreateTableAsync(ns, "t")).GetProperty("metadata").GetProperty("table-uuid").GetString()!);
        var report = """
            {"report-type":"scan-report","table-name":"tbl_metrics.t","snapshot-id":1,"filter":true,"schema-id":0,
             "projected-field-ids":[1],"projected-field-names":["id"],"metrics":{"total-planning-duration":{"count":1,"time-unit":"nanoseconds","total-duration":10}}}
            """;
        var reply = await _http.PostAsync(_http.TableUrl(ns, "t") + "/metrics", report);
        Assert.Equal(204, reply.Status);

        await using (var connection = new NpgsqlConnection(fixture.App.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand("SELECT report_type, report->>'table-name', tabular_id FROM table_metrics_report", connection);
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
            Assert.Equal("scan-report", reader.GetString(0));
            Assert.Equal("tbl_metrics.t", reader.GetString(1));
            Assert.Equal(uuid, reader.GetGuid(2));
            Assert.False(await reader.ReadAsync(TestContext.Current.CancellationToken));
        }

        foreach (var bad in new[] { "{", "[]", """{"report-type":"nope"}""", """{"table-name":"x"}""", """{"report-type":5}""" })
        {
            ErrorAssert.Is(await _http.PostAsync(_http.TableUrl(ns, "t") + "/metrics", bad), 400, "BadRequestException");
        }

        ErrorAssert.Is(await _http.PostAsync(_http.TableUrl(ns, "nope") + "/metrics", report), 404, "NoSuchTableException");
    }

    [Fact]
    public async Task Register_adopts_an_existing_metadata_file_and_overwrite_replaces()
    {
        string[] ns = ["tbl_register"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "source");
        await _http.AppendAsync(ns, "source", 7, null, 1);
        var source = await _http.LoadTableAsync(ns, "source");
        var metadataLocation = source.GetProperty("metadata-location").GetString()!;
        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "source"))).Status);

        var registered = await _http.PostAsync(_http.Url("namespaces/tbl_register/register"),
            $$"""{"name":"copy","metadata-location":{{CatalogHttp.Str(metadataLocation)}}}""");
        Assert.True(registered.Status == 200, registered.ToString());
        Assert.Equal(metadataLocation, registered.Json.GetProperty("metadata-location").GetString());
        var loaded = await _http.LoadTableAsync(ns, "copy");
        Assert.Equal(metadataLocation, loaded.GetProperty("metadata-location").GetString());
        Assert.Equal(7, loaded.GetProperty("metadata").GetProperty("current-snapshot-id").GetInt64());

        // The next commit continues the file numbering.
        var next = await _http.AppendAsync(ns, "copy", 8, 7, 2);
        Assert.Contains("/metadata/00002-", next.GetProperty("metadata-location").GetString(), StringComparison.Ordinal);

        // Registering over an existing table needs overwrite.
        var other = await _http.CreateTableAsync(ns, "other");
        var otherLocation = other.GetProperty("metadata-location").GetString()!;
        var clash = await _http.PostAsync(_http.Url("namespaces/tbl_register/register"),
            $$"""{"name":"copy","metadata-location":{{CatalogHttp.Str(otherLocation)}}}""");
        ErrorAssert.StartsWith(clash, 409, "AlreadyExistsException", "Table already exists: tbl_register.copy");
        Assert.Equal(next.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "copy")).GetProperty("metadata-location").GetString());

        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "other"))).Status);
        var overwritten = await _http.PostAsync(_http.Url("namespaces/tbl_register/register"),
            $$"""{"name":"copy","metadata-location":{{CatalogHttp.Str(otherLocation)}},"overwrite":true}""");
        Assert.True(overwritten.Status == 200, overwritten.ToString());
        Assert.Equal(otherLocation, (await _http.LoadTableAsync(ns, "copy")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task Register_of_a_missing_file_is_404_NotFound()
    {
        string[] ns = ["tbl_register_missing"];
        await _http.CreateNamespaceAsync(ns);
        var missing = _http.WarehouseLocation + "/nowhere/metadata/00000-" + Guid.NewGuid() + ".metadata.json";
        var reply = await _http.PostAsync(_http.Url("namespaces/tbl_register_missing/register"),
            $$"""{"name":"t","metadata-location":{{CatalogHttp.Str(missing)}}}""");
        ErrorAssert.Exactly(reply, 404, "NotFoundException", "Failed to open input stream for file: " + missing);
        Assert.Empty(await _http.ListTablesAsync(ns));

        var outside = await _http.PostAsync(_http.Url("namespaces/tbl_register_missing/register"),
            """{"name":"t","metadata-location":"file:///etc/passwd"}""");
        ErrorAssert.Is(outside, 400, "BadRequestException");
        Assert.Empty(await _http.ListTablesAsync(ns));
    }

    [Fact]
    public async Task Rename_moves_the_table_within_and_across_namespaces()
    {
        string[] ns = ["tbl_rename"], other = ["tbl_rename_other"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateNamespaceAsync(other);
        var created = await _http.CreateTableAsync(ns, "a");

        Assert.Equal(204, (await _http.RenameTableAsync(ns, "a", ns, "b")).Status);
        Assert.Equal(["b"], await _http.ListTablesAsync(ns));
        var renamed = await _http.LoadTableAsync(ns, "b");
        Assert.Equal(created.GetProperty("metadata-location").GetString(), renamed.GetProperty("metadata-location").GetString());

        Assert.Equal(204, (await _http.RenameTableAsync(ns, "b", other, "c")).Status);
        Assert.Empty(await _http.ListTablesAsync(ns));
        Assert.Equal(["c"], await _http.ListTablesAsync(other));
        Assert.Equal(created.GetProperty("metadata").GetProperty("table-uuid").GetString(),
            (await _http.LoadTableAsync(other, "c")).GetProperty("metadata").GetProperty("table-uuid").GetString());
    }

    [Fact]
    public async Task Rename_errors_say_what_is_wrong_and_change_nothing()
    {
        string[] ns = ["tbl_rename_err"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        await _http.CreateTableAsync(ns, "other");
        await _http.CreateViewAsync(ns, "v");

        ErrorAssert.Contains(await _http.RenameTableAsync(ns, "missing", ns, "x"), 404, "NoSuchTableException", "Table does not exist");
        ErrorAssert.Contains(await _http.RenameTableAsync(ns, "v", ns, "x"), 404, "NoSuchTableException", "Table does not exist");
        ErrorAssert.Exactly(await _http.RenameTableAsync(ns, "t", ["tbl_rename_nowhere"], "x"), 404, "NoSuchNamespaceException", "Namespace does not exist: tbl_rename_nowhere");
        ErrorAssert.Contains(await _http.RenameTableAsync(ns, "t", ns, "other"), 409, "AlreadyExistsException", "Table already exists");
        ErrorAssert.Contains(await _http.RenameTableAsync(ns, "t", ns, "OTHER"), 409, "AlreadyExistsException", "Table already exists");
        ErrorAssert.Contains(await _http.RenameTableAsync(ns, "t", ns, "v"), 409, "AlreadyExistsException", "Cannot rename tbl_rename_err.t to tbl_rename_err.v. View already exists");

        Assert.Equal(["other", "t"], await _http.ListTablesAsync(ns));
        Assert.Equal(["v"], await _http.ListViewsAsync(ns));
    }

    private static Regex MetadataFileName(string tableLocation, string version, string suffix) =>
        new("^" + Regex.Escape(tableLocation + "/metadata/" + version + "-") + "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}" + Regex.Escape(suffix) + "$");
}

using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// The messages Iceberg's Java conformance tests match (iceberg-rest-notes.md §5.3), one test per
/// row, each through every implemented endpoint the row names. The Java client copies these
/// messages verbatim, so the wording, the type and the status are all part of the contract.
/// </summary>
public sealed class ErrorMessageChecklistTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Create_an_existing_namespace_Namespace_already_exists()
    {
        await _http.CreateNamespaceAsync("chk_ns_exists");
        await _http.CreateNamespaceAsync(["chk_ns_exists", "inner"]);
        ErrorAssert.Exactly(await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["chk_ns_exists"]}"""),
            409, "AlreadyExistsException", "Namespace already exists: chk_ns_exists");
        ErrorAssert.Exactly(await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["chk_ns_exists","inner"]}"""),
            409, "AlreadyExistsException", "Namespace already exists: chk_ns_exists.inner");
    }

    [Fact]
    public async Task Missing_namespace_is_exactly_Namespace_does_not_exist()
    {
        const string Expected = "Namespace does not exist: non-existing";
        string[] missing = ["non-existing"];
        await _http.CreateNamespaceAsync("chk_ns_src");
        await _http.CreateTableAsync(["chk_ns_src"], "t");
        await _http.CreateViewAsync(["chk_ns_src"], "v");

        var replies = new[]
        {
            await _http.GetAsync(_http.NamespaceUrl(missing)),
            await _http.PostAsync(_http.NamespaceUrl(missing) + "/properties", """{"updates":{"a":"b"}}"""),
            await _http.PostAsync(_http.NamespaceUrl(missing) + "/properties", """{"removals":["a"]}"""),
            await _http.GetAsync(_http.Url("namespaces?parent=non-existing")),
            await _http.DeleteAsync(_http.NamespaceUrl(missing)),
            await _http.GetAsync(_http.NamespaceUrl(missing) + "/tables"),
            await _http.GetAsync(_http.NamespaceUrl(missing) + "/views"),
            await _http.TryCreateTableAsync(missing, "t"),
            await _http.TryCreateTableAsync(missing, "t", extra: "\"stage-create\":true"),
            await _http.TryCreateViewAsync(missing, "v"),
            await _http.RenameTableAsync(["chk_ns_src"], "t", missing, "t"),
            await _http.RenameViewAsync(["chk_ns_src"], "v", missing, "v"),
        };
        foreach (var reply in replies)
        {
            ErrorAssert.Exactly(reply, 404, "NoSuchNamespaceException", Expected);
        }
    }

    [Fact]
    public async Task Drop_a_non_empty_namespace_is_not_empty()
    {
        await _http.CreateNamespaceAsync("chk_full");
        await _http.CreateTableAsync(["chk_full"], "t1");
        await _http.CreateTableAsync(["chk_full"], "t2");
        var reply = await _http.DeleteAsync(_http.NamespaceUrl("chk_full"));
        ErrorAssert.Exactly(reply, 409, "NamespaceNotEmptyException", "Namespace chk_full is not empty. Contains 2 table(s).");

        await _http.CreateNamespaceAsync("chk_full_views");
        await _http.CreateViewAsync(["chk_full_views"], "v");
        await _http.CreateNamespaceAsync(["chk_full_views", "child"]);
        ErrorAssert.Contains(await _http.DeleteAsync(_http.NamespaceUrl("chk_full_views")), 409, "NamespaceNotEmptyException", "is not empty");
    }

    [Fact]
    public async Task Create_or_register_over_an_existing_table_Table_already_exists()
    {
        string[] ns = ["chk_tbl_exists"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "tbl");
        ErrorAssert.StartsWith(await _http.TryCreateTableAsync(ns, "tbl"), 409, "AlreadyExistsException", "Table already exists: chk_tbl_exists.tbl");
        ErrorAssert.StartsWith(await _http.TryCreateTableAsync(ns, "tbl", extra: "\"stage-create\":true"), 409, "AlreadyExistsException", "Table already exists: chk_tbl_exists.tbl");
        var register = await _http.PostAsync(_http.Url("namespaces/chk_tbl_exists/register"),
            $$"""{"name":"tbl","metadata-location":{{CatalogHttp.Str(created.GetProperty("metadata-location").GetString()!)}}}""");
        ErrorAssert.StartsWith(register, 409, "AlreadyExistsException", "Table already exists: chk_tbl_exists.tbl");
    }

    [Fact]
    public async Task Missing_table_Table_does_not_exist()
    {
        string[] ns = ["chk_tbl_missing"];
        await _http.CreateNamespaceAsync(ns);
        const string Expected = "Table does not exist: chk_tbl_missing.tbl";
        ErrorAssert.StartsWith(await _http.GetAsync(_http.TableUrl(ns, "tbl")), 404, "NoSuchTableException", Expected);
        ErrorAssert.StartsWith(await _http.CommitTableAsync(ns, "tbl", "[]", """[{"action":"set-properties","updates":{"a":"b"}}]"""), 404, "NoSuchTableException", Expected);
        ErrorAssert.StartsWith(await _http.DeleteAsync(_http.TableUrl(ns, "tbl")), 404, "NoSuchTableException", Expected);

        // Also when the namespace is missing: metadata-table loading depends on this type.
        ErrorAssert.StartsWith(await _http.GetAsync(_http.TableUrl(["chk_tbl_missing", "tbl"], "files")), 404, "NoSuchTableException",
            "Table does not exist: chk_tbl_missing.tbl.files");
    }

    [Fact]
    public async Task Rename_of_a_missing_source_Table_does_not_exist()
    {
        string[] ns = ["chk_rename_src"];
        await _http.CreateNamespaceAsync(ns);
        ErrorAssert.Contains(await _http.RenameTableAsync(ns, "nope", ns, "x"), 404, "NoSuchTableException", "Table does not exist");
        ErrorAssert.Contains(await _http.RenameTableAsync(["chk_rename_src_missing"], "nope", ns, "x"), 404, "NoSuchTableException", "Table does not exist");
    }

    [Fact]
    public async Task Rename_onto_an_existing_table_Table_already_exists()
    {
        string[] ns = ["chk_rename_target"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "a");
        await _http.CreateTableAsync(ns, "b");
        ErrorAssert.Contains(await _http.RenameTableAsync(ns, "a", ns, "b"), 409, "AlreadyExistsException", "Table already exists");
    }

    [Fact]
    public async Task Table_operations_on_a_view_name_View_with_same_name_already_exists()
    {
        string[] ns = ["chk_view_name"];
        await _http.CreateNamespaceAsync(ns);
        var view = await _http.CreateViewAsync(ns, "view");
        const string Expected = "View with same name already exists: chk_view_name.view";
        ErrorAssert.StartsWith(await _http.TryCreateTableAsync(ns, "view"), 409, "AlreadyExistsException", Expected);
        ErrorAssert.StartsWith(await _http.TryCreateTableAsync(ns, "view", extra: "\"stage-create\":true"), 409, "AlreadyExistsException", Expected);

        var staged = (await _http.CreateTableAsync(ns, "staged", extra: "\"stage-create\":true")).GetProperty("metadata");
        var createCommit = await _http.CommitTableAsync(ns, "view", """[{"type":"assert-create"}]""", $$"""
            [{"action":"assign-uuid","uuid":"{{Guid.NewGuid()}}"},{"action":"upgrade-format-version","format-version":2},
             {"action":"add-schema","schema":{{staged.GetProperty("schemas")[0].GetRawText()}}},{"action":"set-current-schema","schema-id":-1},
             {"action":"add-spec","spec":{"fields":[]} },{"action":"set-default-spec","spec-id":-1},
             {"action":"add-sort-order","sort-order":{"order-id":0,"fields":[]} },{"action":"set-default-sort-order","sort-order-id":-1}]
            """);
        ErrorAssert.StartsWith(createCommit, 409, "AlreadyExistsException", Expected);

        // Register a table's metadata under the view's name.
        await _http.CreateTableAsync(ns, "t");
        var tableFile = (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString()!;
        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "t"))).Status);
        var register = await _http.PostAsync(_http.Url("namespaces/chk_view_name/register"), $$"""{"name":"view","metadata-location":{{CatalogHttp.Str(tableFile)}}}""");
        ErrorAssert.StartsWith(register, 409, "AlreadyExistsException", Expected);
        Assert.Equal(view.GetProperty("metadata-location").GetString(), (await _http.LoadViewAsync(ns, "view")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task Create_view_on_a_table_name_Table_with_same_name_already_exists()
    {
        string[] ns = ["chk_table_name"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "table");
        ErrorAssert.StartsWith(await _http.TryCreateViewAsync(ns, "table"), 409, "AlreadyExistsException", "Table with same name already exists: chk_table_name.table");
    }

    [Fact]
    public async Task Create_or_register_over_an_existing_view_View_already_exists()
    {
        string[] ns = ["chk_view_exists"];
        await _http.CreateNamespaceAsync(ns);
        var view = await _http.CreateViewAsync(ns, "view");
        ErrorAssert.StartsWith(await _http.TryCreateViewAsync(ns, "view"), 409, "AlreadyExistsException", "View already exists: chk_view_exists.view");
        var register = await _http.PostAsync(_http.Url("namespaces/chk_view_exists/register-view"),
            $$"""{"name":"view","metadata-location":{{CatalogHttp.Str(view.GetProperty("metadata-location").GetString()!)}}}""");
        ErrorAssert.StartsWith(register, 409, "AlreadyExistsException", "View already exists: chk_view_exists.view");
    }

    [Fact]
    public async Task Missing_view_View_does_not_exist()
    {
        string[] ns = ["chk_view_missing"];
        await _http.CreateNamespaceAsync(ns);
        const string Expected = "View does not exist: chk_view_missing.view";
        ErrorAssert.StartsWith(await _http.GetAsync(_http.ViewUrl(ns, "view")), 404, "NoSuchViewException", Expected);
        ErrorAssert.StartsWith(await _http.PostAsync(_http.ViewUrl(ns, "view"), """{"updates":[]}"""), 404, "NoSuchViewException", Expected);
        ErrorAssert.StartsWith(await _http.DeleteAsync(_http.ViewUrl(ns, "view")), 404, "NoSuchViewException", Expected);
        ErrorAssert.Contains(await _http.RenameViewAsync(ns, "view", ns, "other"), 404, "NoSuchViewException", "View does not exist");
    }

    [Fact]
    public async Task Rename_view_onto_a_view_or_a_table()
    {
        string[] ns = ["chk_view_rename"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateViewAsync(ns, "viewOne");
        await _http.CreateViewAsync(ns, "viewTwo");
        await _http.CreateTableAsync(ns, "table");
        ErrorAssert.Contains(await _http.RenameViewAsync(ns, "viewOne", ns, "viewTwo"), 409, "AlreadyExistsException",
            "Cannot rename chk_view_rename.viewOne to chk_view_rename.viewTwo. View already exists");
        ErrorAssert.Contains(await _http.RenameViewAsync(ns, "viewOne", ns, "table"), 409, "AlreadyExistsException",
            "Cannot rename chk_view_rename.viewOne to chk_view_rename.table. Table already exists");
    }

    [Fact]
    public async Task Rename_table_onto_a_view()
    {
        string[] ns = ["chk_table_rename"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "table");
        await _http.CreateViewAsync(ns, "view");
        ErrorAssert.Contains(await _http.RenameTableAsync(ns, "table", ns, "view"), 409, "AlreadyExistsException",
            "Cannot rename chk_table_rename.table to chk_table_rename.view. View already exists");
    }

    [Fact]
    public async Task Create_transaction_commit_after_a_concurrent_create_Requirement_failed_table_already_exists()
    {
        string[] ns = ["chk_create_race"];
        await _http.CreateNamespaceAsync(ns);
        var staged = (await _http.CreateTableAsync(ns, "tbl", extra: "\"stage-create\":true")).GetProperty("metadata");
        await _http.CreateTableAsync(ns, "tbl");
        var reply = await _http.CommitTableAsync(ns, "tbl", """[{"type":"assert-create"}]""", $$"""
            [{"action":"assign-uuid","uuid":"{{staged.GetProperty("table-uuid").GetString()}}"},
             {"action":"add-schema","schema":{{staged.GetProperty("schemas")[0].GetRawText()}}},{"action":"set-current-schema","schema-id":-1}]
            """);
        ErrorAssert.StartsWith(reply, 409, "CommitFailedException", "Requirement failed: table already exists");
    }

    [Fact]
    public async Task Requirement_failures_use_the_reference_wording()
    {
        string[] ns = ["chk_requirements"];
        await _http.CreateNamespaceAsync(ns);
        var uuid = (await _http.CreateTableAsync(ns, "tbl")).GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        var evolved = await _http.CommitTableAsync(ns, "tbl", "[]", """
            [{"action":"add-schema","schema":{"type":"struct","schema-id":1,"fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"string"},{"id":3,"name":"extra","required":false,"type":"int"}]}},
             {"action":"set-current-schema","schema-id":-1},
             {"action":"add-spec","spec":{"fields":[{"source-id":1,"name":"id_b","transform":"bucket[4]"}]}},{"action":"set-default-spec","spec-id":-1}]
            """);
        Assert.True(evolved.Status == 200, evolved.ToString());
        const string Updates = """[{"action":"set-properties","updates":{"x":"y"}}]""";

        ErrorAssert.StartsWith(await _http.CommitTableAsync(ns, "tbl", """[{"type":"assert-table-uuid","uuid":"00000000-0000-0000-0000-000000000001"}]""", Updates),
            409, "CommitFailedException", "Requirement failed: UUID does not match: expected " + uuid);
        ErrorAssert.Exactly(await _http.CommitTableAsync(ns, "tbl", """[{"type":"assert-current-schema-id","current-schema-id":0}]""", Updates),
            409, "CommitFailedException", "Requirement failed: current schema changed: expected id 0 != 1");
        ErrorAssert.StartsWith(await _http.CommitTableAsync(ns, "tbl", """[{"type":"assert-last-assigned-field-id","last-assigned-field-id":2}]""", Updates),
            409, "CommitFailedException", "Requirement failed: last assigned field id changed");
        ErrorAssert.StartsWith(await _http.CommitTableAsync(ns, "tbl", """[{"type":"assert-default-spec-id","default-spec-id":0}]""", Updates),
            409, "CommitFailedException", "Requirement failed: default partition spec changed");
        ErrorAssert.StartsWith(await _http.CommitTableAsync(ns, "tbl", """[{"type":"assert-last-assigned-partition-id","last-assigned-partition-id":999}]""", Updates),
            409, "CommitFailedException", "Requirement failed: last assigned partition id changed");
        Assert.False((await _http.LoadTableAsync(ns, "tbl")).GetProperty("metadata").GetProperty("properties").TryGetProperty("x", out _));
    }

    [Fact]
    public async Task Stale_sequence_number_Validation_failed_please_retry()
    {
        string[] ns = ["chk_stale"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "tbl");
        var appended = await _http.AppendAsync(ns, "tbl", 1, null, 1);
        var location = appended.GetProperty("metadata").GetProperty("location").GetString()!;
        var reply = await _http.CommitTableAsync(ns, "tbl", "[]", $$"""[{"action":"add-snapshot","snapshot":{{CatalogHttp.Snapshot(2, 1, 1, location)}}}]""");
        ErrorAssert.Contains(reply, 409, "CommitFailedException", "Validation failed, please retry");
    }

    [Fact]
    public async Task Duplicate_dialect_is_IllegalArgumentException()
    {
        string[] ns = ["chk_dialect"];
        await _http.CreateNamespaceAsync(ns);
        var version = CatalogHttp.ViewVersion(1, 5, ns, extraRepresentations: """{"type":"sql","sql":"select 2 as x","dialect":"trino"}""");
        ErrorAssert.Contains(await _http.TryCreateViewAsync(ns, "view", version), 400, "IllegalArgumentException",
            "Invalid view version: Cannot add multiple queries for dialect trino");

        // The same rule on replace.
        var created = await _http.CreateViewAsync(ns, "ok");
        var replace = await _http.PostAsync(_http.ViewUrl(ns, "ok"), $$"""
            {"updates":[{"action":"add-view-version","view-version":{{version.Replace("\"version-id\":1", "\"version-id\":2", StringComparison.Ordinal).Replace("\"schema-id\":5", "\"schema-id\":0", StringComparison.Ordinal)}}},
                        {"action":"set-current-view-version","view-version-id":-1}]}
            """);
        ErrorAssert.Contains(replace, 400, "IllegalArgumentException", "Invalid view version: Cannot add multiple queries for dialect trino");
        Assert.Equal(created.GetProperty("metadata-location").GetString(), (await _http.LoadViewAsync(ns, "ok")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task Variant_column_in_a_v2_table_is_not_supported_until_v3()
    {
        string[] ns = ["chk_variant"];
        await _http.CreateNamespaceAsync(ns);
        const string Schema = """{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"variant"}]}""";
        var reply = await _http.TryCreateTableAsync(ns, "tbl", Schema);
        Assert.Equal(400, reply.Status);
        Assert.Contains("variant is not supported until v3", ErrorAssert.Shape(reply), StringComparison.Ordinal);
        Assert.Empty(await _http.ListTablesAsync(ns));

        await _http.CreateTableAsync(ns, "v2");
        var commit = await _http.CommitTableAsync(ns, "v2", "[]", $$"""[{"action":"add-schema","schema":{{Schema}}},{"action":"set-current-schema","schema-id":-1}]""");
        Assert.Equal(400, commit.Status);
        Assert.Contains("variant is not supported until v3", ErrorAssert.Shape(commit), StringComparison.Ordinal);

        // On v3 it is fine.
        await _http.CreateTableAsync(ns, "v3", Schema, "\"properties\":{\"format-version\":\"3\"}");
    }

    /// <summary>
    /// The row "current metadata file missing" applies to register (the catalog reads the file).
    /// loadTable serves the stored document (docs/catalog.md, "Loads are cheap"), so a deleted
    /// current file does not turn a load into a 404; that is a documented decision.
    /// </summary>
    [Fact]
    public async Task Missing_metadata_file_Failed_to_open_input_stream()
    {
        string[] ns = ["chk_missing_file"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "tbl");
        var metadataLocation = created.GetProperty("metadata-location").GetString()!;
        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "tbl"))).Status);
        File.Delete(CatalogHttp.LocalPath(metadataLocation));

        var reply = await _http.PostAsync(_http.Url("namespaces/chk_missing_file/register"),
            $$"""{"name":"tbl","metadata-location":{{CatalogHttp.Str(metadataLocation)}}}""");
        ErrorAssert.Contains(reply, 404, "NotFoundException", "Failed to open input stream for file: " + metadataLocation);
    }
}

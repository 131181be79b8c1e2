using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>updateTable end to end: update actions, each requirement's 409, metadata files and logs.</summary>
public sealed class TableCommitTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private const string Uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task One_commit_writes_one_metadata_file_and_one_log_entry()
    {
        string[] ns = ["commit_files"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t");
        var location = created.GetProperty("metadata").GetProperty("location").GetString()!;
        var first = created.GetProperty("metadata-location").GetString()!;
        var folder = CatalogHttp.LocalPath(location) + "/metadata";
        Assert.Single(Directory.GetFiles(folder));

        var reply = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"set-properties","updates":{"a":"1"}}]""");
        Assert.Equal(200, reply.Status);
        var second = reply.Json.GetProperty("metadata-location").GetString()!;
        Assert.Matches(new Regex("^" + Regex.Escape(location + "/metadata/00001-") + Uuid + Regex.Escape(".metadata.json") + "$"), second);
        Assert.Equal(2, Directory.GetFiles(folder).Length);
        Assert.True(File.Exists(CatalogHttp.LocalPath(second)));
        var log = reply.Json.GetProperty("metadata").GetProperty("metadata-log").EnumerateArray().ToList();
        Assert.Equal(first, Assert.Single(log).GetProperty("metadata-file").GetString());
        Assert.Equal(created.GetProperty("metadata").GetProperty("last-updated-ms").GetInt64(), log[0].GetProperty("timestamp-ms").GetInt64());
        Assert.NotNull(reply.ETag);

        // The file on disk is the document the catalog serves.
        var onDisk = JsonDocument.Parse(await File.ReadAllBytesAsync(CatalogHttp.LocalPath(second), TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("1", onDisk.GetProperty("properties").GetProperty("a").GetString());

        var third = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"remove-properties","removals":["a"]}]""");
        Assert.Equal(200, third.Status);
        Assert.Contains("/metadata/00002-", third.Json.GetProperty("metadata-location").GetString(), StringComparison.Ordinal);
        Assert.Equal([first, second], third.Json.GetProperty("metadata").GetProperty("metadata-log").EnumerateArray().Select(e => e.GetProperty("metadata-file").GetString()));
        Assert.Equal(3, Directory.GetFiles(folder).Length);
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""[{"action":"set-properties","updates":{}}]""")]
    [InlineData("""[{"action":"set-properties","updates":{"same":"v"}}]""")]
    [InlineData("""[{"action":"remove-properties","removals":["not-there"]}]""")]
    [InlineData("""[{"action":"set-current-schema","schema-id":0},{"action":"set-default-spec","spec-id":0}]""")]
    [InlineData("""[{"action":"upgrade-format-version","format-version":2}]""")]
    public async Task A_commit_that_changes_nothing_writes_no_file(string updates)
    {
        string[] ns = ["commit_noop_" + Math.Abs(updates.GetHashCode(StringComparison.Ordinal))];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t", extra: "\"properties\":{\"same\":\"v\"}");
        var before = _http.MetadataFilesInWarehouse();

        var reply = await _http.CommitTableAsync(ns, "t", """[{"type":"assert-current-schema-id","current-schema-id":0}]""", updates);
        Assert.Equal(200, reply.Status);
        Assert.Equal(created.GetProperty("metadata-location").GetString(), reply.Json.GetProperty("metadata-location").GetString());
        Assert.Empty(reply.Json.GetProperty("metadata").GetProperty("metadata-log").EnumerateArray());
        Assert.Empty(_http.MetadataFilesInWarehouse().Except(before));
        Assert.Equal(created.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task Schema_spec_and_sort_order_evolve_with_their_requirements()
    {
        string[] ns = ["commit_evolve"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");

        var addColumn = await _http.CommitTableAsync(ns, "t",
            """[{"type":"assert-current-schema-id","current-schema-id":0},{"type":"assert-last-assigned-field-id","last-assigned-field-id":2}]""",
            """
            [{"action":"add-schema","schema":{"type":"struct","schema-id":1,"fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"string"},{"id":3,"name":"ts","required":false,"type":"timestamptz"}]},"last-column-id":3},
             {"action":"set-current-schema","schema-id":-1}]
            """);
        Assert.True(addColumn.Status == 200, addColumn.ToString());
        var metadata = addColumn.Json.GetProperty("metadata");
        Assert.Equal(1, metadata.GetProperty("current-schema-id").GetInt32());
        Assert.Equal(3, metadata.GetProperty("last-column-id").GetInt32());
        Assert.Equal(2, metadata.GetProperty("schemas").GetArrayLength());

        var partition = await _http.CommitTableAsync(ns, "t",
            """[{"type":"assert-last-assigned-partition-id","last-assigned-partition-id":999},{"type":"assert-default-spec-id","default-spec-id":0}]""",
            """
            [{"action":"add-spec","spec":{"fields":[{"source-id":3,"name":"ts_day","transform":"day"}]}},
             {"action":"set-default-spec","spec-id":-1}]
            """);
        Assert.True(partition.Status == 200, partition.ToString());
        metadata = partition.Json.GetProperty("metadata");
        Assert.Equal(1, metadata.GetProperty("default-spec-id").GetInt32());
        Assert.Equal(1000, metadata.GetProperty("last-partition-id").GetInt32());
        Assert.Equal(1000, metadata.GetProperty("partition-specs")[1].GetProperty("fields")[0].GetProperty("field-id").GetInt32());

        var sort = await _http.CommitTableAsync(ns, "t",
            """[{"type":"assert-default-sort-order-id","default-sort-order-id":0}]""",
            """
            [{"action":"add-sort-order","sort-order":{"order-id":1,"fields":[{"source-id":1,"transform":"identity","direction":"desc","null-order":"nulls-last"}]}},
             {"action":"set-default-sort-order","sort-order-id":-1}]
            """);
        Assert.True(sort.Status == 200, sort.ToString());
        metadata = sort.Json.GetProperty("metadata");
        Assert.Equal(1, metadata.GetProperty("default-sort-order-id").GetInt32());

        // Back to the original spec: the identical spec reuses its id (so it is not "last added"), nothing new is added.
        var revert = await _http.CommitTableAsync(ns, "t", "[]",
            """[{"action":"add-spec","spec":{"fields":[]}},{"action":"set-default-spec","spec-id":0}]""");
        Assert.True(revert.Status == 200, revert.ToString());
        Assert.Equal(0, revert.Json.GetProperty("metadata").GetProperty("default-spec-id").GetInt32());
        Assert.Equal(2, revert.Json.GetProperty("metadata").GetProperty("partition-specs").GetArrayLength());

        // Old schemas and specs can be removed once they are not current.
        var cleanup = await _http.CommitTableAsync(ns, "t", "[]",
            """[{"action":"remove-schemas","schema-ids":[0]},{"action":"remove-partition-specs","spec-ids":[1]}]""");
        Assert.True(cleanup.Status == 200, cleanup.ToString());
        Assert.Equal([1], cleanup.Json.GetProperty("metadata").GetProperty("schemas").EnumerateArray().Select(s => s.GetProperty("schema-id").GetInt32()));
        Assert.Equal([0], cleanup.Json.GetProperty("metadata").GetProperty("partition-specs").EnumerateArray().Select(s => s.GetProperty("spec-id").GetInt32()));

        var loaded = await _http.LoadTableAsync(ns, "t");
        Assert.Equal(cleanup.Json.GetProperty("metadata-location").GetString(), loaded.GetProperty("metadata-location").GetString());
        Assert.Equal(5, loaded.GetProperty("metadata").GetProperty("metadata-log").GetArrayLength());
    }

    [Fact]
    public async Task Removing_the_current_schema_or_default_spec_is_400()
    {
        string[] ns = ["commit_remove_current"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t");
        ErrorAssert.ClientError(await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"remove-schemas","schema-ids":[0]}]"""));
        ErrorAssert.ClientError(await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"remove-partition-specs","spec-ids":[0]}]"""));
        Assert.Equal(created.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task Snapshots_refs_and_the_snapshot_log_follow_the_updates()
    {
        string[] ns = ["commit_snapshots"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var first = await _http.AppendAsync(ns, "t", 11, null, 1);
        Assert.Equal(11, first.GetProperty("metadata").GetProperty("current-snapshot-id").GetInt64());
        Assert.Equal(1, first.GetProperty("metadata").GetProperty("last-sequence-number").GetInt64());
        Assert.Equal(11, first.GetProperty("metadata").GetProperty("refs").GetProperty("main").GetProperty("snapshot-id").GetInt64());
        await _http.AppendAsync(ns, "t", 12, 11, 2);

        var tag = await _http.CommitTableAsync(ns, "t",
            """[{"type":"assert-ref-snapshot-id","ref":"v1","snapshot-id":null}]""",
            """[{"action":"set-snapshot-ref","ref-name":"v1","type":"tag","snapshot-id":11,"max-ref-age-ms":86400000}]""");
        Assert.True(tag.Status == 200, tag.ToString());
        var refs = tag.Json.GetProperty("metadata").GetProperty("refs");
        Assert.Equal("tag", refs.GetProperty("v1").GetProperty("type").GetString());
        Assert.Equal(11, refs.GetProperty("v1").GetProperty("snapshot-id").GetInt64());

        var removeTag = await _http.CommitTableAsync(ns, "t",
            """[{"type":"assert-ref-snapshot-id","ref":"v1","snapshot-id":11}]""",
            """[{"action":"remove-snapshot-ref","ref-name":"v1"}]""");
        Assert.True(removeTag.Status == 200, removeTag.ToString());
        Assert.False(removeTag.Json.GetProperty("metadata").GetProperty("refs").TryGetProperty("v1", out _));

        var expire = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"remove-snapshots","snapshot-ids":[11]}]""");
        Assert.True(expire.Status == 200, expire.ToString());
        var metadata = expire.Json.GetProperty("metadata");
        Assert.Equal([12L], metadata.GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("snapshot-id").GetInt64()));
        Assert.Equal([12L], metadata.GetProperty("snapshot-log").EnumerateArray().Select(s => s.GetProperty("snapshot-id").GetInt64()));
        Assert.Equal(12, metadata.GetProperty("current-snapshot-id").GetInt64());

        // A snapshot id that exists already is refused.
        var location = metadata.GetProperty("location").GetString()!;
        var duplicate = await _http.CommitTableAsync(ns, "t", "[]", $$"""[{"action":"add-snapshot","snapshot":{{CatalogHttp.Snapshot(12, 12, 3, location)}}}]""");
        ErrorAssert.ClientError(duplicate);
        Assert.Equal(expire.Json.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());

        // A ref to a snapshot that does not exist is refused.
        ErrorAssert.ClientError(await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"set-snapshot-ref","ref-name":"b","type":"branch","snapshot-id":999}]"""));
    }

    [Fact]
    public async Task A_commit_that_moves_main_through_two_snapshots_logs_only_the_last()
    {
        string[] ns = ["commit_two_snapshots"];
        await _http.CreateNamespaceAsync(ns);
        var location = (await _http.CreateTableAsync(ns, "t")).GetProperty("metadata").GetProperty("location").GetString()!;
        var before = _http.MetadataFilesInWarehouse();
        var reply = await _http.CommitTableAsync(ns, "t", """[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}]""", $$"""
            [{"action":"add-snapshot","snapshot":{{CatalogHttp.Snapshot(51, null, 1, location)}}},
             {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":51},
             {"action":"add-snapshot","snapshot":{{CatalogHttp.Snapshot(52, 51, 2, location)}}},
             {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":52}]
            """);
        Assert.True(reply.Status == 200, reply.ToString());
        var metadata = reply.Json.GetProperty("metadata");
        Assert.Equal([51L, 52L], metadata.GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("snapshot-id").GetInt64()));
        Assert.Equal([52L], metadata.GetProperty("snapshot-log").EnumerateArray().Select(s => s.GetProperty("snapshot-id").GetInt64()));
        Assert.Equal(2, metadata.GetProperty("last-sequence-number").GetInt64());
        Assert.Single(_http.MetadataFilesInWarehouse().Except(before));
        Assert.Single(metadata.GetProperty("metadata-log").EnumerateArray());
    }

    [Fact]
    public async Task Statistics_and_properties_and_location_updates_land()
    {
        string[] ns = ["commit_misc"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t", extra: "\"properties\":{\"drop-me\":\"x\"}");
        var appended = await _http.AppendAsync(ns, "t", 21, null, 1);
        var location = appended.GetProperty("metadata").GetProperty("location").GetString()!;
        var newLocation = _http.WarehouseLocation + "/commit_misc/moved_t";

        var reply = await _http.CommitTableAsync(ns, "t", "[]", $$"""
            [{"action":"set-statistics","statistics":{"snapshot-id":21,"statistics-path":{{CatalogHttp.Str(location + "/metadata/stats.puffin")}},"file-size-in-bytes":10,"file-footer-size-in-bytes":5,"blob-metadata":[]} },
             {"action":"set-partition-statistics","partition-statistics":{"snapshot-id":21,"statistics-path":{{CatalogHttp.Str(location + "/metadata/p.parquet")}},"file-size-in-bytes":7} },
             {"action":"set-properties","updates":{"k":"v"} },
             {"action":"remove-properties","removals":["drop-me"]},
             {"action":"set-location","location":{{CatalogHttp.Str(newLocation)}}}]
            """);
        Assert.True(reply.Status == 200, reply.ToString());
        var metadata = reply.Json.GetProperty("metadata");
        Assert.Equal(21, Assert.Single(metadata.GetProperty("statistics").EnumerateArray()).GetProperty("snapshot-id").GetInt64());
        Assert.Equal(21, Assert.Single(metadata.GetProperty("partition-statistics").EnumerateArray()).GetProperty("snapshot-id").GetInt64());
        Assert.Equal("v", metadata.GetProperty("properties").GetProperty("k").GetString());
        Assert.False(metadata.GetProperty("properties").TryGetProperty("drop-me", out _));
        Assert.Equal(newLocation, metadata.GetProperty("location").GetString());
        Assert.StartsWith(newLocation + "/metadata/00002-", reply.Json.GetProperty("metadata-location").GetString(), StringComparison.Ordinal);

        var removed = await _http.CommitTableAsync(ns, "t", "[]",
            """[{"action":"remove-statistics","snapshot-id":21},{"action":"remove-partition-statistics","snapshot-id":21}]""");
        Assert.True(removed.Status == 200, removed.ToString());
        Assert.Empty(removed.Json.GetProperty("metadata").GetProperty("statistics").EnumerateArray());
        Assert.Empty(removed.Json.GetProperty("metadata").GetProperty("partition-statistics").EnumerateArray());

        // set-location must stay inside the warehouse.
        var outside = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"set-location","location":"file:///tmp/elsewhere"}]""");
        ErrorAssert.Is(outside, 400, "BadRequestException");
        Assert.Equal(removed.Json.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task Format_version_upgrades_but_never_downgrades()
    {
        string[] ns = ["commit_upgrade"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var upgraded = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"upgrade-format-version","format-version":3}]""");
        Assert.True(upgraded.Status == 200, upgraded.ToString());
        Assert.Equal(3, upgraded.Json.GetProperty("metadata").GetProperty("format-version").GetInt32());
        Assert.Equal(0, upgraded.Json.GetProperty("metadata").GetProperty("next-row-id").GetInt64());

        var downgrade = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"upgrade-format-version","format-version":2}]""");
        ErrorAssert.ClientError(downgrade);
        var tooNew = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"upgrade-format-version","format-version":99}]""");
        ErrorAssert.ClientError(tooNew);
        Assert.Equal(3, (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata").GetProperty("format-version").GetInt32());
    }

    [Fact]
    public async Task Encryption_keys_are_added_and_removed_on_v3()
    {
        string[] ns = ["commit_keys"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t", extra: "\"properties\":{\"format-version\":\"3\"}");
        var added = await _http.CommitTableAsync(ns, "t", "[]",
            """[{"action":"add-encryption-key","encryption-key":{"key-id":"k1","encrypted-key-metadata":"AAEC"}}]""");
        Assert.True(added.Status == 200, added.ToString());
        Assert.Equal("k1", Assert.Single(added.Json.GetProperty("metadata").GetProperty("encryption-keys").EnumerateArray()).GetProperty("key-id").GetString());

        var removed = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"remove-encryption-key","key-id":"k1"}]""");
        Assert.True(removed.Status == 200, removed.ToString());
        Assert.False(removed.Json.GetProperty("metadata").TryGetProperty("encryption-keys", out var keys) && keys.GetArrayLength() > 0);
    }

    public static TheoryData<string, string> FailingRequirements() => new()
    {
        { """{"type":"assert-current-schema-id","current-schema-id":1}""", "Requirement failed: current schema changed: expected id 1 != 0" },
        { """{"type":"assert-last-assigned-field-id","last-assigned-field-id":5}""", "Requirement failed: last assigned field id changed: expected id 5 != 2" },
        { """{"type":"assert-last-assigned-partition-id","last-assigned-partition-id":1000}""", "Requirement failed: last assigned partition id changed: expected id 1000 != 999" },
        { """{"type":"assert-default-spec-id","default-spec-id":3}""", "Requirement failed: default partition spec changed: expected id 3 != 0" },
        { """{"type":"assert-default-sort-order-id","default-sort-order-id":1}""", "Requirement failed: default sort order changed: expected id 1 != 0" },
        { """{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}""", "Requirement failed: branch main was created concurrently" },
        { """{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":5}""", "Requirement failed: branch main has changed: expected id 5 != 31" },
        { """{"type":"assert-ref-snapshot-id","ref":"feature","snapshot-id":31}""", "Requirement failed: branch or tag feature is missing, expected 31" },
    };

    [Theory]
    [MemberData(nameof(FailingRequirements))]
    public async Task A_failed_requirement_is_409_with_the_reference_message_and_changes_nothing(string requirement, string message)
    {
        string[] ns = ["commit_req_" + Math.Abs(requirement.GetHashCode(StringComparison.Ordinal))];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var appended = await _http.AppendAsync(ns, "t", 31, null, 1);
        var before = _http.MetadataFilesInWarehouse();

        var reply = await _http.CommitTableAsync(ns, "t", "[" + requirement + "]", """[{"action":"set-properties","updates":{"x":"y"}}]""");
        ErrorAssert.Exactly(reply, 409, "CommitFailedException", message);

        var loaded = await _http.LoadTableAsync(ns, "t");
        Assert.Equal(appended.GetProperty("metadata-location").GetString(), loaded.GetProperty("metadata-location").GetString());
        Assert.False(loaded.GetProperty("metadata").GetProperty("properties").TryGetProperty("x", out _));
        Assert.Empty(_http.MetadataFilesInWarehouse().Except(before));
    }

    [Fact]
    public async Task A_table_uuid_mismatch_is_409_and_the_right_uuid_passes_in_any_case()
    {
        string[] ns = ["commit_uuid"];
        await _http.CreateNamespaceAsync(ns);
        var uuid = (await _http.CreateTableAsync(ns, "t")).GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        var other = Guid.NewGuid().ToString();
        var reply = await _http.CommitTableAsync(ns, "t", $$"""[{"type":"assert-table-uuid","uuid":"{{other}}"}]""", """[{"action":"set-properties","updates":{"x":"y"}}]""");
        ErrorAssert.Exactly(reply, 409, "CommitFailedException", $"Requirement failed: UUID does not match: expected {uuid} != {other}");

        var ok = await _http.CommitTableAsync(ns, "t", $$"""[{"type":"assert-table-uuid","uuid":"{{uuid.ToUpperInvariant()}}"}]""", """[{"action":"set-properties","updates":{"x":"y"}}]""");
        Assert.Equal(200, ok.Status);
    }

    [Fact]
    public async Task Requirements_are_checked_against_the_latest_metadata()
    {
        // Server-side retry: a client with stale metadata still commits when its requirements hold.
        string[] ns = ["commit_latest"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"set-properties","updates":{"other-writer":"1"}}]""");
        var reply = await _http.CommitTableAsync(ns, "t", """[{"type":"assert-current-schema-id","current-schema-id":0}]""", """[{"action":"set-properties","updates":{"mine":"1"}}]""");
        Assert.Equal(200, reply.Status);
        var properties = reply.Json.GetProperty("metadata").GetProperty("properties");
        Assert.Equal("1", properties.GetProperty("other-writer").GetString());
        Assert.Equal("1", properties.GetProperty("mine").GetString());
        Assert.Equal(2, reply.Json.GetProperty("metadata").GetProperty("metadata-log").GetArrayLength());
    }

    [Fact]
    public async Task Unknown_update_actions_and_requirement_types_are_400()
    {
        string[] ns = ["commit_unknown"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t");
        ErrorAssert.Is(await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"make-it-fast"}]"""), 400, "BadRequestException");
        ErrorAssert.Is(await _http.CommitTableAsync(ns, "t", """[{"type":"assert-nothing"}]""", "[]"), 400, "BadRequestException");
        ErrorAssert.Is(await _http.CommitTableAsync(ns, "t", "[]", """[{"updates":{"a":"b"}}]"""), 400, "BadRequestException");
        ErrorAssert.Is(await _http.PostAsync(_http.TableUrl(ns, "t"), """{"requirements":[]}"""), 400, "BadRequestException");
        Assert.Equal(created.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task A_commit_to_a_missing_table_is_404_NoSuchTable()
    {
        string[] ns = ["commit_missing"];
        await _http.CreateNamespaceAsync(ns);
        var reply = await _http.CommitTableAsync(ns, "nope", "[]", """[{"action":"set-properties","updates":{"a":"b"}}]""");
        ErrorAssert.Exactly(reply, 404, "NoSuchTableException", "Table does not exist: commit_missing.nope");
        var noNamespace = await _http.CommitTableAsync(["commit_missing_ns"], "t", "[]", """[{"action":"set-properties","updates":{"a":"b"}}]""");
        ErrorAssert.Exactly(noNamespace, 404, "NoSuchTableException", "Table does not exist: commit_missing_ns.t");
    }

    [Fact]
    public async Task The_gzip_codec_writes_gz_metadata_files_that_really_are_gzip()
    {
        string[] ns = ["commit_gzip"];
        await _http.CreateNamespaceAsync(ns);
        var created = await _http.CreateTableAsync(ns, "t", extra: "\"properties\":{\"write.metadata.compression-codec\":\"gzip\"}");
        var location = created.GetProperty("metadata").GetProperty("location").GetString()!;
        var first = created.GetProperty("metadata-location").GetString()!;
        Assert.Matches(new Regex("^" + Regex.Escape(location + "/metadata/00000-") + Uuid + Regex.Escape(".gz.metadata.json") + "$"), first);
        AssertGzipJson(first, created.GetProperty("metadata").GetProperty("table-uuid").GetString()!);

        var reply = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"set-properties","updates":{"a":"1"}}]""");
        var second = reply.Json.GetProperty("metadata-location").GetString()!;
        Assert.Matches(new Regex("^" + Regex.Escape(location + "/metadata/00001-") + Uuid + Regex.Escape(".gz.metadata.json") + "$"), second);
        AssertGzipJson(second, created.GetProperty("metadata").GetProperty("table-uuid").GetString()!);

        // Turning the codec off goes back to plain files.
        var plain = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"set-properties","updates":{"write.metadata.compression-codec":"none"}}]""");
        var third = plain.Json.GetProperty("metadata-location").GetString()!;
        Assert.EndsWith(".metadata.json", third, StringComparison.Ordinal);
        Assert.DoesNotContain(".gz.", third, StringComparison.Ordinal);
        Assert.Contains("/metadata/00002-", third, StringComparison.Ordinal);
        JsonDocument.Parse(await File.ReadAllBytesAsync(CatalogHttp.LocalPath(third), TestContext.Current.CancellationToken)).Dispose();
    }

    [Fact]
    public async Task A_stale_sequence_number_is_409_retryable()
    {
        string[] ns = ["commit_stale"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        await _http.AppendAsync(ns, "t", 41, null, 1);
        var appended = await _http.AppendAsync(ns, "t", 42, 41, 2);
        var location = appended.GetProperty("metadata").GetProperty("location").GetString()!;

        // A writer that started before snapshot 42 and reuses sequence number 2.
        var reply = await _http.CommitTableAsync(ns, "t", "[]",
            $$"""[{"action":"add-snapshot","snapshot":{{CatalogHttp.Snapshot(43, 41, 2, location)}}}]""");
        ErrorAssert.Contains(reply, 409, "CommitFailedException", "Validation failed, please retry");
        Assert.Equal(appended.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
    }

    [Fact]
    public async Task Row_lineage_on_v3_advances_next_row_id_and_a_stale_first_row_id_is_409()
    {
        string[] ns = ["commit_lineage"];
        await _http.CreateNamespaceAsync(ns);
        var location = (await _http.CreateTableAsync(ns, "t", extra: "\"properties\":{\"format-version\":\"3\"}")).GetProperty("metadata").GetProperty("location").GetString()!;
        string Lineage(long id, long? parent, long sequence, long firstRowId) =>
            CatalogHttp.Snapshot(id, parent, sequence, location).Replace("\"schema-id\":0}", $"\"schema-id\":0,\"first-row-id\":{firstRowId},\"added-rows\":10}}", StringComparison.Ordinal);

        var first = await _http.CommitTableAsync(ns, "t", "[]",
            $$"""[{"action":"add-snapshot","snapshot":{{Lineage(61, null, 1, 0)}}},{"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":61}]""");
        Assert.True(first.Status == 200, first.ToString());
        Assert.Equal(10, first.Json.GetProperty("metadata").GetProperty("next-row-id").GetInt64());

        var stale = await _http.CommitTableAsync(ns, "t", "[]", $$"""[{"action":"add-snapshot","snapshot":{{Lineage(62, 61, 2, 5)}}}]""");
        ErrorAssert.Contains(stale, 409, "CommitFailedException", "Validation failed, please retry");

        var missing = await _http.CommitTableAsync(ns, "t", "[]", $$"""[{"action":"add-snapshot","snapshot":{{CatalogHttp.Snapshot(63, 61, 2, location)}}}]""");
        ErrorAssert.ClientError(missing);
        Assert.Equal(400, missing.Status);
        Assert.Equal(first.Json.GetProperty("metadata-location").GetString(), (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
    }

    private static void AssertGzipJson(string metadataLocation, string tableUuid)
    {
        var bytes = File.ReadAllBytes(CatalogHttp.LocalPath(metadataLocation));
        Assert.True(bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b, "not gzip: " + metadataLocation);
        using var zip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var document = JsonDocument.Parse(zip);
        Assert.Equal(tableUuid, document.RootElement.GetProperty("table-uuid").GetString());
    }
}

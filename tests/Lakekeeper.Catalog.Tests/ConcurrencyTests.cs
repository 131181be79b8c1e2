using System.Collections.Concurrent;
using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// Many clients at once against one table or view, on real Postgres and real HTTP: exactly one create
/// wins, no append or replace is lost, commits that do not conflict by their requirements are retried
/// by the server and both land, and attempts that lose leave no metadata file behind. Views commit
/// through the same protocol as tables and are held to the same tests.
/// </summary>
public sealed class ConcurrencyTests(CommitsAppFixture fixture) : IClassFixture<CommitsAppFixture>
{
    private readonly CommitsCatalog _catalog = fixture.Catalog;

    [Fact]
    public async Task Fifty_concurrent_creates_of_one_name_give_one_table_and_49_conflicts()
    {
        const string ns = "creates";
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync(ns)).Status);

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => _catalog.CreateTableAsync(ns, "t"))));

        var winners = replies.Where(r => r.Status == 200).ToList();
        Assert.Single(winners);
        var losers = replies.Where(r => r.Status != 200).ToList();
        Assert.Equal(49, losers.Count);
        Assert.All(losers, r =>
        {
            Assert.Equal(409, r.Status);
            Assert.Equal("AlreadyExistsException", r.ErrorType);
            Assert.Equal("Table already exists: creates.t", r.ErrorMessage);
        });

        Assert.Equal(1L, await _catalog.CountAsync(
            "SELECT count(*) FROM tabular t JOIN namespace n USING (namespace_id) WHERE n.name = ARRAY['creates'] AND t.name = 't'"));

        // Every loser wrote a version-0 file at its own location before its insert lost; all are gone.
        var winnerLocation = winners[0].Json.GetProperty("metadata-location").GetString()!;
        var files = _catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, ns));
        Assert.Equal([CommitsCatalog.PathOf(winnerLocation)], files);
        Assert.Equal(1L, await _catalog.CountAsync(
            "SELECT count(*) FROM event_outbox WHERE event_type = 'createTable' AND object_name = ARRAY['creates', 't']"));

        // Issue 14, defect 7: the losers used to leave 49 empty <name>-<uuid>/metadata/ trees.
        var folders = Directory.GetDirectories(Path.Combine(_catalog.WarehouseFolder, ns), "*", SearchOption.AllDirectories);
        var winnerFolder = Path.GetDirectoryName(CommitsCatalog.PathOf(winnerLocation))!;
        Assert.All(folders, f => Assert.True(winnerFolder.StartsWith(f, StringComparison.Ordinal), $"left behind: {f}"));
    }

    [Fact]
    public async Task Sixteen_writers_appending_to_one_table_lose_no_update()
    {
        const string ns = "appends";
        var created = await _catalog.CreateTableOkAsync(ns, "t");
        var acknowledged = new ConcurrentBag<long>();
        var unexpected = new ConcurrentBag<Reply>();
        var conflicts = 0;

        async Task WriterAsync()
        {
            for (var append = 0; append < 2; append++)
            {
                for (var attempt = 0; attempt < 60; attempt++)
                {
                    var state = await _catalog.LoadOkAsync(ns, "t");
                    var id = CommitsCatalog.NextSnapshotId();
                    var reply = await _catalog.CommitAsync(ns, "t", CommitsCatalog.AppendBody(state, id));
                    if (reply.Status == 200)
                    {
                        acknowledged.Add(id);
                        break;
                    }

                    if (reply.Status == 409 && reply.ErrorType == "CommitFailedException")
                    {
                        Interlocked.Increment(ref conflicts);
                        continue;
                    }

                    unexpected.Add(reply);
                    return;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(WriterAsync)));

        Assert.Empty(unexpected);
        Assert.True(conflicts > 0, "16 writers on one table should have collided at least once");
        var final = await _catalog.LoadOkAsync(ns, "t");
        var chain = final.MainChain();
        Assert.Equal(acknowledged.Order(), chain.Order());
        Assert.Equal(acknowledged.Count, final.Snapshots.Count);
        Assert.Equal(acknowledged.Count, final.MetadataLogLength);
        Assert.Equal(acknowledged.Count + 1, _catalog.MetadataFiles(CommitsCatalog.PathOf(created.Metadata.GetProperty("location").GetString()!)).Count);
        Assert.Equal(acknowledged.Count, (int)await _catalog.CountAsync(
            "SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable' AND object_id = $1::uuid", created.Uuid));
    }

    [Fact]
    public async Task Commits_that_do_not_conflict_by_requirements_both_succeed_from_stale_bases()
    {
        const string ns = "retry";
        var created = await _catalog.CreateTableOkAsync(ns, "t");
        var folder = CommitsCatalog.PathOf(created.Metadata.GetProperty("location").GetString()!);

        // Both plan on the same base and write their files, then queue on the row: one must lose the swap.
        var replies = await _catalog.QueuedOnOneRowAsync(created.Uuid,
        [
            () => _catalog.CommitAsync(ns, "t", CommitsCatalog.SetPropertiesBody(created.Uuid, new Dictionary<string, string> { ["a"] = "1" })),
            () => _catalog.CommitAsync(ns, "t", CommitsCatalog.SetPropertiesBody(created.Uuid, new Dictionary<string, string> { ["b"] = "2" })),
        ], () => Assert.Equal(3, _catalog.MetadataFiles(folder).Count));
        Assert.All(replies, r => Assert.Equal(200, r.Status));

        var final = await _catalog.LoadOkAsync(ns, "t");
        Assert.Equal("1", final.Properties["a"]);
        Assert.Equal("2", final.Properties["b"]);
        Assert.Equal(2, final.MetadataLogLength);
        Assert.Contains(final.MetadataLocation, replies.Select(r => r.Json.GetProperty("metadata-location").GetString()));

        // The loser's first file is gone; its retry wrote one file: create + 2 commits.
        var files = _catalog.MetadataFiles(folder);
        Assert.Equal(3, files.Count);
        Assert.Contains(CommitsCatalog.PathOf(final.MetadataLocation), files);
        Assert.Equal(2L, await _catalog.CountAsync(
            "SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable' AND object_id = $1::uuid", created.Uuid));
    }

    [Fact]
    public async Task A_writer_from_a_stale_base_gets_409_and_changes_nothing()
    {
        const string ns = "stale";
        await _catalog.CreateTableOkAsync(ns, "t");
        var stale = await _catalog.LoadOkAsync(ns, "t");
        Assert.Equal(200, (await _catalog.CommitAsync(ns, "t", CommitsCatalog.AppendBody(stale, CommitsCatalog.NextSnapshotId()))).Status);
        var before = await _catalog.LoadOkAsync(ns, "t");

        var reply = await _catalog.CommitAsync(ns, "t", CommitsCatalog.AppendBody(stale, CommitsCatalog.NextSnapshotId()));

        Assert.Equal(409, reply.Status);
        Assert.Equal("CommitFailedException", reply.ErrorType);
        Assert.StartsWith("Requirement failed: branch main", reply.ErrorMessage, StringComparison.Ordinal);
        var after = await _catalog.LoadOkAsync(ns, "t");
        Assert.Equal(before.MetadataLocation, after.MetadataLocation);
        Assert.Equal(2, _catalog.MetadataFiles(CommitsCatalog.PathOf(after.Metadata.GetProperty("location").GetString()!)).Count);
    }

    [Fact]
    public async Task Concurrent_renames_onto_one_name_give_one_success_and_conflicts()
    {
        const string ns = "renames";
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync(ns)).Status);
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(200, (await _catalog.CreateTableAsync(ns, "s" + i)).Status);
        }

        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => _catalog.SendAsync(HttpMethod.Post, _catalog.Url("tables/rename"),
            $$$"""{"source":{"namespace":["{{{ns}}}"],"name":"s{{{i}}}"},"destination":{"namespace":["{{{ns}}}"],"name":"target"}}"""))));

        Assert.Single(replies, r => r.Status == 204);
        Assert.All(replies.Where(r => r.Status != 204), r =>
        {
            Assert.Equal(409, r.Status);
            Assert.Contains("Table already exists", r.ErrorMessage, StringComparison.Ordinal);
        });
        Assert.Equal(200, (await _catalog.LoadAsync(ns, "target")).Status);
        Assert.Equal(12L, await _catalog.CountAsync(
            "SELECT count(*) FROM tabular t JOIN namespace n USING (namespace_id) WHERE n.name = ARRAY['renames']"));
        Assert.Equal(1L, await _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'renameTable' AND object_name[cardinality(object_name)] = 'target'"));
    }

    [Fact]
    public async Task An_append_retried_on_the_server_with_a_stale_sequence_number_is_409_validation_failed()
    {
        const string ns = "stale_seq";
        var empty = await _catalog.CreateTableOkAsync(ns, "t");
        var folder = CommitsCatalog.PathOf(empty.Metadata.GetProperty("location").GetString()!);
        Assert.Equal(200, (await _catalog.CommitAsync(ns, "t", CommitsCatalog.AppendBody(empty, CommitsCatalog.NextSnapshotId()))).Status);
        var created = await _catalog.LoadOkAsync(ns, "t");
        var parent = created.MainSnapshotId!.Value;

        // Appends that assert only the table UUID: the loser's requirements still hold after the
        // race, but its sequence number is no longer new (spec: 409, "Validation failed, please retry").
        string UuidOnly(long id) => CommitsCatalog.AppendBody(created, id).Replace(
            $$$""",{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":{{{parent}}}}""", string.Empty, StringComparison.Ordinal);
        var (first, second) = (CommitsCatalog.NextSnapshotId(), CommitsCatalog.NextSnapshotId());
        Assert.DoesNotContain("assert-ref-snapshot-id", UuidOnly(first), StringComparison.Ordinal);
        var replies = await _catalog.QueuedOnOneRowAsync(created.Uuid,
            [() => _catalog.CommitAsync(ns, "t", UuidOnly(first)), () => _catalog.CommitAsync(ns, "t", UuidOnly(second))]);
        Assert.Single(replies, r => r.Status == 200);
        var lost = Assert.Single(replies, r => r.Status != 200);
        Assert.Equal(409, lost.Status);
        Assert.Equal("CommitFailedException", lost.ErrorType);
        Assert.Contains("Validation failed, please retry", lost.ErrorMessage, StringComparison.Ordinal);
        var final = await _catalog.LoadOkAsync(ns, "t");
        Assert.Equal(2, final.MainChain().Count);
        Assert.Equal(2, final.Snapshots.Count);
        Assert.Equal(3, _catalog.MetadataFiles(folder).Count);
    }

    [Fact]
    public async Task When_server_retries_run_out_the_commit_is_409_and_leaves_no_file()
    {
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["Catalog:CommitAttempts"] = "1" });
        var catalog = await CommitsCatalog.ForAsync(app);
        var created = await catalog.CreateTableOkAsync("ns", "t");
        var folder = CommitsCatalog.PathOf(created.Metadata.GetProperty("location").GetString()!);

        var replies = await catalog.QueuedOnOneRowAsync(created.Uuid,
        [
            () => catalog.CommitAsync("ns", "t", CommitsCatalog.SetPropertiesBody(created.Uuid, new Dictionary<string, string> { ["a"] = "1" })),
            () => catalog.CommitAsync("ns", "t", CommitsCatalog.SetPropertiesBody(created.Uuid, new Dictionary<string, string> { ["b"] = "2" })),
        ]);
        Assert.Single(replies, r => r.Status == 200);
        var lost = Assert.Single(replies, r => r.Status != 200);
        Assert.Equal(409, lost.Status);
        Assert.Equal("CommitFailedException", lost.ErrorType);
        var final = await catalog.LoadOkAsync("ns", "t");
        Assert.Equal(1, final.MetadataLogLength);
        Assert.Equal(2, catalog.MetadataFiles(folder).Count);
        Assert.Equal(1L, await catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable'"));
    }

    [Fact]
    public async Task Fifty_concurrent_namespace_creates_give_one_namespace()
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => _catalog.CreateNamespaceAsync("ns_race"))));

        Assert.Single(replies, r => r.Status == 200);
        Assert.All(replies.Where(r => r.Status != 200), r =>
        {
            Assert.Equal(409, r.Status);
            Assert.Equal("AlreadyExistsException", r.ErrorType);
            Assert.Equal("Namespace already exists: ns_race", r.ErrorMessage);
        });
        Assert.Equal(1L, await _catalog.CountAsync("SELECT count(*) FROM namespace WHERE name = ARRAY['ns_race']"));
        Assert.Equal(1L, await _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'createNamespace' AND to_jsonb(CASE WHEN object_type = 'namespace' THEN object_name ELSE object_name[1:cardinality(object_name) - 1] END) = '[\"ns_race\"]'::jsonb"));
    }

    [Fact]
    public async Task Dropping_a_namespace_while_tables_are_created_in_it_never_orphans_a_table_or_a_file()
    {
        for (var round = 0; round < 5; round++)
        {
            var ns = "ns_drop_race_" + round;
            Assert.Equal(200, (await _catalog.CreateNamespaceAsync(ns)).Status);
            var creates = Enumerable.Range(0, 4).Select(i => Task.Run(() => _catalog.CreateTableAsync(ns, "t" + i))).ToList();
            var drop = await Task.Run(() => _catalog.SendAsync(HttpMethod.Delete, _catalog.Url($"namespaces/{ns}")));
            var created = await Task.WhenAll(creates);

            Assert.All(created, r => Assert.True(r.Status is 200 or 404, r.ToString()));
            var tables = created.Count(r => r.Status == 200);
            if (drop.Status == 204)
            {
                Assert.Equal(0, tables);
                Assert.Equal(0L, await _catalog.CountAsync("SELECT count(*) FROM namespace WHERE name = ARRAY[$1]", ns));
            }
            else
            {
                Assert.Equal(409, drop.Status);
                Assert.Equal("NamespaceNotEmptyException", drop.ErrorType);
            }

            // Every refused create removed its version-0 file.
            Assert.Equal(tables, _catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, ns)).Count);
        }
    }

    [Fact]
    public async Task Commits_racing_a_drop_get_200_409_or_404_and_leave_only_the_files_of_landed_commits()
    {
        const string ns = "drop_race";
        var created = await _catalog.CreateTableOkAsync(ns, "t");
        var folder = CommitsCatalog.PathOf(created.Metadata.GetProperty("location").GetString()!);
        var landed = 0;
        var unexpected = new ConcurrentBag<Reply>();
        using var dropped = new CancellationTokenSource();

        async Task WriterAsync()
        {
            while (!dropped.IsCancellationRequested)
            {
                var load = await _catalog.LoadAsync(ns, "t");
                if (load.Status == 404)
                {
                    return;
                }

                var state = new TableState(load.Json.GetProperty("metadata-location").GetString()!, load.Json.GetProperty("metadata").Clone());
                var reply = await _catalog.CommitAsync(ns, "t", CommitsCatalog.AppendBody(state, CommitsCatalog.NextSnapshotId()));
                switch (reply.Status)
                {
                    case 200: Interlocked.Increment(ref landed); break;
                    case 409: break;
                    case 404: Assert.Equal("NoSuchTableException", reply.ErrorType); return;
                    default: unexpected.Add(reply); return;
                }
            }
        }

        var writers = Enumerable.Range(0, 6).Select(_ => Task.Run(WriterAsync)).ToList();
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref landed) >= 3), TimeSpan.FromSeconds(30), "a few commits before the drop");
        Assert.Equal(204, (await _catalog.DropTableAsync(ns, "t", purge: false)).Status);
        await dropped.CancelAsync();
        await Task.WhenAll(writers);

        Assert.Empty(unexpected);
        Assert.Equal(404, (await _catalog.LoadAsync(ns, "t")).Status);
        Assert.Equal(landed + 1, _catalog.MetadataFiles(folder).Count);
    }

    [Fact]
    public async Task Concurrent_creates_at_one_explicit_location_give_one_table_and_no_orphan_file()
    {
        const string ns = "same_location";
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync(ns)).Status);
        var location = $"file://{_catalog.WarehouseFolder}/shared/place";

        var replies = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => _catalog.CreateTableAsync(ns, "t" + i, location))));

        var winner = Assert.Single(replies, r => r.Status == 200);
        Assert.All(replies.Where(r => r.Status != 200), r =>
        {
            Assert.Equal(400, r.Status);
            Assert.Contains("overlaps", r.ErrorMessage, StringComparison.Ordinal);
        });
        Assert.Equal([CommitsCatalog.PathOf(winner.Json.GetProperty("metadata-location").GetString()!)],
            _catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, "shared")));
        Assert.Equal(1L, await _catalog.CountAsync("SELECT count(*) FROM tabular WHERE location = $1", location));
    }

    private static string StagedCreateCommit(Guid uuid) => $$$"""
        {"requirements":[{"type":"assert-create"}],"updates":[
          {"action":"assign-uuid","uuid":"{{{uuid}}}"},
          {"action":"upgrade-format-version","format-version":2},
          {"action":"add-schema","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"}]}},
          {"action":"set-current-schema","schema-id":-1},
          {"action":"add-spec","spec":{"spec-id":0,"fields":[]}},
          {"action":"set-default-spec","spec-id":-1},
          {"action":"add-sort-order","sort-order":{"order-id":0,"fields":[]}},
          {"action":"set-default-sort-order","sort-order-id":-1}]}
        """;

    [Fact]
    public async Task Concurrent_create_transactions_of_one_name_give_one_table()
    {
        const string ns = "staged";
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync(ns)).Status);
        var sameUuid = Guid.NewGuid();

        // Half are the same client retrying (one table UUID), half are other clients.
        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => _catalog.CommitAsync(ns, "t", StagedCreateCommit(i % 2 == 0 ? sameUuid : Guid.NewGuid())))));

        Assert.Single(replies, r => r.Status == 200);
        Assert.All(replies.Where(r => r.Status != 200), r =>
        {
            Assert.Equal(409, r.Status);
            Assert.Equal("CommitFailedException", r.ErrorType);
            Assert.StartsWith("Requirement failed: table already exists", r.ErrorMessage, StringComparison.Ordinal);
        });
        Assert.Single(_catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, ns)));
    }

    [Fact]
    public async Task A_create_transaction_reusing_another_tables_uuid_is_refused_not_500()
    {
        const string ns = "staged_uuid";
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync(ns)).Status);
        var uuid = Guid.NewGuid();
        Assert.Equal(200, (await _catalog.CommitAsync(ns, "first", StagedCreateCommit(uuid))).Status);

        var reused = await _catalog.CommitAsync(ns, "second", StagedCreateCommit(uuid));

        Assert.Equal(409, reused.Status);
        Assert.StartsWith("Requirement failed: table already exists", reused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(404, (await _catalog.LoadAsync(ns, "second")).Status);
        Assert.Single(_catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, ns)));
    }

    [Fact]
    public async Task Sixteen_writers_replacing_one_view_lose_no_update()
    {
        const string ns = "view_writers";
        var created = await _catalog.CreateViewOkAsync(ns, "v");
        var acknowledged = new ConcurrentBag<string>();
        var unexpected = new ConcurrentBag<Reply>();
        using var conflicts = new CommitConflicts("view");

        async Task WriterAsync(int writer)
        {
            for (var change = 0; change < 2; change++)
            {
                var key = $"w{writer}c{change}";
                for (var attempt = 0; attempt < 60; attempt++)
                {
                    var reply = await _catalog.ReplaceViewAsync(ns, "v",
                        CommitsCatalog.SetViewPropertiesBody(created.Uuid, new Dictionary<string, string> { [key] = "set" }));
                    if (reply.Status == 200)
                    {
                        acknowledged.Add(key);
                        break;
                    }

                    if (reply.Status == 409 && reply.ErrorType == "CommitFailedException")
                    {
                        // The server's retries ran out; nothing of this attempt landed. Try again.
                        continue;
                    }

                    unexpected.Add(reply);
                    return;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => WriterAsync(i))));

        Assert.Empty(unexpected);
        Assert.Equal(32, acknowledged.Count);
        Assert.True(conflicts.Count > 0, "16 writers on one view should have lost a compare-and-swap at least once");
        var final = await _catalog.LoadViewOkAsync(ns, "v");
        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), final.Properties.Keys.Order(StringComparer.Ordinal));
        // One file per landed commit, plus the create's; every losing attempt removed its file.
        Assert.Equal(acknowledged.Count + 1, _catalog.MetadataFiles(CommitsCatalog.PathOf(created.Location)).Count);
        Assert.Equal(acknowledged.Count, (int)await _catalog.CountAsync(
            "SELECT count(*) FROM event_outbox WHERE event_type = 'updateView' AND object_id = $1::uuid", created.Uuid));
    }

    [Fact]
    public async Task View_commits_from_one_base_are_retried_on_the_server_and_both_land()
    {
        const string ns = "view_retry";
        var created = await _catalog.CreateViewOkAsync(ns, "v");
        var folder = CommitsCatalog.PathOf(created.Location);
        using var conflicts = new CommitConflicts("view");

        // Both plan on the same base and write their files, then queue on the row: one must lose the swap.
        var replies = await _catalog.QueuedOnOneRowAsync(created.Uuid,
        [
            () => _catalog.ReplaceViewAsync(ns, "v", CommitsCatalog.SetViewPropertiesBody(created.Uuid, new Dictionary<string, string> { ["a"] = "1" })),
            () => _catalog.ReplaceViewAsync(ns, "v", CommitsCatalog.SetViewPropertiesBody(created.Uuid, new Dictionary<string, string> { ["b"] = "2" })),
        ], () => Assert.Equal(3, _catalog.MetadataFiles(folder).Count));
        Assert.All(replies, r => Assert.Equal(200, r.Status));

        var final = await _catalog.LoadViewOkAsync(ns, "v");
        Assert.Equal("1", final.Properties["a"]);
        Assert.Equal("2", final.Properties["b"]);
        Assert.Contains(final.MetadataLocation, replies.Select(r => r.Json.GetProperty("metadata-location").GetString()));
        Assert.True(conflicts.Count >= 1, "the loser of the swap should have been counted as a conflict");

        // The loser's first file is gone; its retry wrote one file: create + 2 commits.
        var files = _catalog.MetadataFiles(folder);
        Assert.Equal(3, files.Count);
        Assert.Contains(CommitsCatalog.PathOf(final.MetadataLocation), files);
        Assert.Equal(2L, await _catalog.CountAsync(
            "SELECT count(*) FROM event_outbox WHERE event_type = 'updateView' AND object_id = $1::uuid", created.Uuid));
    }

    [Fact]
    public async Task When_server_retries_run_out_a_view_commit_is_409_and_leaves_no_file()
    {
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["Catalog:CommitAttempts"] = "1" });
        var catalog = await CommitsCatalog.ForAsync(app);
        var created = await catalog.CreateViewOkAsync("ns", "v");
        var folder = CommitsCatalog.PathOf(created.Location);

        var replies = await catalog.QueuedOnOneRowAsync(created.Uuid,
        [
            () => catalog.ReplaceViewAsync("ns", "v", CommitsCatalog.SetViewPropertiesBody(created.Uuid, new Dictionary<string, string> { ["a"] = "1" })),
            () => catalog.ReplaceViewAsync("ns", "v", CommitsCatalog.SetViewPropertiesBody(created.Uuid, new Dictionary<string, string> { ["b"] = "2" })),
        ]);
        Assert.Single(replies, r => r.Status == 200);
        var lost = Assert.Single(replies, r => r.Status != 200);
        Assert.Equal(409, lost.Status);
        Assert.Equal("CommitFailedException", lost.ErrorType);
        Assert.Equal("Commit to ns.v lost to concurrent commits 1 times; retry", lost.ErrorMessage);
        var final = await catalog.LoadViewOkAsync("ns", "v");
        Assert.Single(final.Properties);
        Assert.Equal(2, catalog.MetadataFiles(folder).Count);
        Assert.Equal(1L, await catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateView'"));
    }
}

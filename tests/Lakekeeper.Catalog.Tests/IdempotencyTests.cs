using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// <c>Idempotency-Key</c>: a retried mutation gets the first outcome replayed (status and body) and
/// changes nothing twice; a reused key with another body is 422; concurrent requests with one key
/// have one effect; an expired key is new again.
/// </summary>
public sealed class IdempotencyTests(CommitsAppFixture fixture) : IClassFixture<CommitsAppFixture>
{
    private readonly CommitsCatalog _catalog = fixture.Catalog;

    private static string Key() => Guid.CreateVersion7().ToString();

    private static void AssertSameReply(Reply first, Reply replay)
    {
        Assert.Equal(first.Status, replay.Status);
        Assert.Equal(first.Body, replay.Body);
        Assert.Equal(first.Headers.ETag?.Tag, replay.Headers.ETag?.Tag);
    }

    private Task<long> EventsAsync(string type, string ns) =>
        _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = $1 AND to_jsonb(CASE WHEN object_type = 'namespace' THEN object_name ELSE object_name[1:cardinality(object_name) - 1] END) = $2::jsonb", type, $"[\"{ns}\"]");

    [Fact]
    public async Task A_replayed_createNamespace_returns_the_first_outcome_and_creates_once()
    {
        var key = Key();
        var first = await _catalog.CreateNamespaceAsync("idem_ns", key);
        var replay = await _catalog.CreateNamespaceAsync("idem_ns", key);

        Assert.Equal(200, first.Status);
        AssertSameReply(first, replay);
        Assert.Equal(1L, await EventsAsync("createNamespace", "idem_ns"));
        Assert.Equal(409, (await _catalog.CreateNamespaceAsync("idem_ns")).Status);
    }

    [Fact]
    public async Task A_replayed_createTable_returns_the_first_outcome_and_writes_one_file()
    {
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync("idem_create")).Status);
        var key = Key();
        var first = await _catalog.CreateTableAsync("idem_create", "t", key: key);
        var replay = await _catalog.CreateTableAsync("idem_create", "t", key: key);

        Assert.Equal(200, first.Status);
        AssertSameReply(first, replay);
        Assert.Single(_catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, "idem_create")));
        Assert.Equal(1L, await EventsAsync("createTable", "idem_create"));
    }

    [Fact]
    public async Task A_replayed_updateTable_adds_one_snapshot_and_one_file()
    {
        var created = await _catalog.CreateTableOkAsync("idem_update", "t");
        var body = CommitsCatalog.AppendBody(created, CommitsCatalog.NextSnapshotId());
        var key = Key();

        var first = await _catalog.CommitAsync("idem_update", "t", body, key);
        var replay = await _catalog.CommitAsync("idem_update", "t", body, key);

        Assert.Equal(200, first.Status);
        AssertSameReply(first, replay);
        var final = await _catalog.LoadOkAsync("idem_update", "t");
        Assert.Single(final.Snapshots);
        Assert.Equal(1, final.MetadataLogLength);
        Assert.Equal(2, _catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, "idem_update")).Count);
        Assert.Equal(1L, await _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable' AND object_id = $1::uuid", created.Uuid));
    }

    [Fact]
    public async Task A_replayed_dropTable_is_204_not_404()
    {
        await _catalog.CreateTableOkAsync("idem_drop", "t");
        var key = Key();

        var first = await _catalog.DropTableAsync("idem_drop", "t", purge: false, key);
        var replay = await _catalog.DropTableAsync("idem_drop", "t", purge: false, key);

        Assert.Equal(204, first.Status);
        AssertSameReply(first, replay);
        Assert.Equal(404, (await _catalog.LoadAsync("idem_drop", "t")).Status);
        Assert.Equal(404, (await _catalog.DropTableAsync("idem_drop", "t", purge: false, Key())).Status);
        Assert.Equal(1L, await EventsAsync("dropTable", "idem_drop"));
    }

    [Fact]
    public async Task A_replayed_rename_is_204_and_renames_once()
    {
        await _catalog.CreateTableOkAsync("idem_rename", "a");
        var body = """{"source":{"namespace":["idem_rename"],"name":"a"},"destination":{"namespace":["idem_rename"],"name":"b"}}""";
        var key = Key();

        var first = await _catalog.SendAsync(HttpMethod.Post, _catalog.Url("tables/rename"), body, key);
        var replay = await _catalog.SendAsync(HttpMethod.Post, _catalog.Url("tables/rename"), body, key);

        Assert.Equal(204, first.Status);
        AssertSameReply(first, replay);
        Assert.Equal(200, (await _catalog.LoadAsync("idem_rename", "b")).Status);
        Assert.Equal(404, (await _catalog.LoadAsync("idem_rename", "a")).Status);
        Assert.Equal(1L, await EventsAsync("renameTable", "idem_rename"));
    }

    [Fact]
    public async Task A_replayed_commitTransaction_commits_each_table_once()
    {
        var a = await _catalog.CreateTableOkAsync("idem_tx", "a");
        var b = await _catalog.CreateTableOkAsync("idem_tx", "b");
        var (ra, ua) = CommitsCatalog.AppendParts(a, CommitsCatalog.NextSnapshotId());
        var (rb, ub) = CommitsCatalog.AppendParts(b, CommitsCatalog.NextSnapshotId());
        var body = CommitsCatalog.TransactionBody(("idem_tx", "a", ra, ua), ("idem_tx", "b", rb, ub));
        var key = Key();

        var first = await _catalog.TransactionAsync(body, key);
        var replay = await _catalog.TransactionAsync(body, key);

        Assert.Equal(204, first.Status);
        AssertSameReply(first, replay);
        foreach (var name in new[] { "a", "b" })
        {
            var final = await _catalog.LoadOkAsync("idem_tx", name);
            Assert.Single(final.Snapshots);
            Assert.Equal(1, final.MetadataLogLength);
            Assert.Equal(2, _catalog.MetadataFiles(CommitsCatalog.PathOf(final.Metadata.GetProperty("location").GetString()!)).Count);
        }
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_and_changes_nothing()
    {
        var key = Key();
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync("idem_first", key)).Status);

        var reused = await _catalog.CreateNamespaceAsync("idem_second", key);

        Assert.Equal(422, reused.Status);
        Assert.Equal(404, (await _catalog.SendAsync(HttpMethod.Get, _catalog.Url("namespaces/idem_second"))).Status);

        // Another operation with the key is a different request too.
        var drop = await _catalog.SendAsync(HttpMethod.Delete, _catalog.Url("namespaces/idem_first"), null, key);
        Assert.Equal(422, drop.Status);
        Assert.Equal(200, (await _catalog.SendAsync(HttpMethod.Get, _catalog.Url("namespaces/idem_first"))).Status);
    }

    [Fact]
    public async Task A_key_that_is_not_a_uuid_is_400_and_changes_nothing()
    {
        foreach (var key in new[] { "not-a-uuid", "1234", new string('a', 100) })
        {
            var reply = await _catalog.CreateNamespaceAsync("idem_badkey", key);
            Assert.Equal(400, reply.Status);
            Assert.Contains("Idempotency-Key", reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Equal(404, (await _catalog.SendAsync(HttpMethod.Get, _catalog.Url("namespaces/idem_badkey"))).Status);
    }

    [Fact]
    public async Task A_409_outcome_is_replayed_as_409_even_after_the_conflict_is_gone()
    {
        await _catalog.CreateTableOkAsync("idem_conflict", "t");
        var key = Key();
        var first = await _catalog.CreateTableAsync("idem_conflict", "t", key: key);
        Assert.Equal(409, first.Status);
        Assert.Equal(204, (await _catalog.DropTableAsync("idem_conflict", "t", purge: false)).Status);

        var replay = await _catalog.CreateTableAsync("idem_conflict", "t", key: key);

        AssertSameReply(first, replay);
        Assert.Equal(404, (await _catalog.LoadAsync("idem_conflict", "t")).Status);
    }

    [Fact]
    public async Task Concurrent_creates_with_one_key_have_one_effect_and_one_answer()
    {
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync("idem_race")).Status);
        var key = Key();

        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => _catalog.CreateTableAsync("idem_race", "t", key: key))));

        Assert.All(replies, r => AssertSameReply(replies[0], r));
        Assert.Equal(200, replies[0].Status);
        Assert.Single(_catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, "idem_race")));
        Assert.Equal(1L, await EventsAsync("createTable", "idem_race"));
    }

    [Fact]
    public async Task Concurrent_commits_with_one_key_have_one_effect_and_one_answer()
    {
        var created = await _catalog.CreateTableOkAsync("idem_race_commit", "t");
        var commuting = CommitsCatalog.SetPropertiesBody(created.Uuid, new Dictionary<string, string> { ["k"] = "v" });
        var append = CommitsCatalog.AppendBody(created, CommitsCatalog.NextSnapshotId());
        var commutingKey = Key();
        var appendKey = Key();

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => i % 2 == 0
            ? _catalog.CommitAsync("idem_race_commit", "t", commuting, commutingKey)
            : _catalog.CommitAsync("idem_race_commit", "t", append, appendKey))));

        var commutingReplies = replies.Where((_, i) => i % 2 == 0).ToList();
        var appendReplies = replies.Where((_, i) => i % 2 == 1).ToList();
        Assert.All(commutingReplies, r => AssertSameReply(commutingReplies[0], r));
        Assert.All(appendReplies, r => AssertSameReply(appendReplies[0], r));
        Assert.Equal(200, commutingReplies[0].Status);
        Assert.Equal(200, appendReplies[0].Status);
        var final = await _catalog.LoadOkAsync("idem_race_commit", "t");
        Assert.Single(final.Snapshots);
        Assert.Equal(2, final.MetadataLogLength);
        Assert.Equal(3, _catalog.MetadataFiles(Path.Combine(_catalog.WarehouseFolder, "idem_race_commit")).Count);
        Assert.Equal(2L, await _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable' AND object_id = $1::uuid", created.Uuid));
    }

    [Fact]
    public async Task An_expired_key_is_treated_as_new()
    {
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["Catalog:IdempotencyKeyLifetime"] = "00:00:01" });
        var catalog = await CommitsCatalog.ForAsync(app);
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("ns")).Status);
        var key = Key();
        var first = await catalog.CreateTableAsync("ns", "t", key: key);
        Assert.Equal(200, first.Status);

        // Until the key expires the create is replayed; afterwards it runs again and finds the table.
        var replays = new List<Reply>();
        var fresh = await Eventually.ReturnsAsync(async () =>
        {
            var reply = await catalog.CreateTableAsync("ns", "t", key: key);
            if (reply.Status == 200)
            {
                replays.Add(reply);
                return null;
            }

            return reply;
        }, TimeSpan.FromSeconds(20), "the Idempotency-Key to expire");

        Assert.All(replays, r => AssertSameReply(first, r));
        Assert.Equal(409, fresh.Status);
        Assert.Equal("AlreadyExistsException", fresh.ErrorType);
        Assert.Single(catalog.MetadataFiles(Path.Combine(catalog.WarehouseFolder, "ns")));
    }

    [Fact]
    public async Task Replayed_namespace_property_updates_register_and_namespace_drop_return_the_first_outcome()
    {
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync("idem_more")).Status);
        var propsKey = Key();
        var propsBody = """{"removals":["gone"],"updates":{"owner":"me"}}""";
        var props = await _catalog.SendAsync(HttpMethod.Post, _catalog.Url("namespaces/idem_more/properties"), propsBody, propsKey);
        Assert.Equal(200, props.Status);
        AssertSameReply(props, await _catalog.SendAsync(HttpMethod.Post, _catalog.Url("namespaces/idem_more/properties"), propsBody, propsKey));
        Assert.Equal(1L, await EventsAsync("updateNamespaceProperties", "idem_more"));

        var table = await _catalog.CreateTableOkAsync("idem_more", "t");
        Assert.Equal(204, (await _catalog.DropTableAsync("idem_more", "t", purge: false)).Status);
        var registerKey = Key();
        var registerBody = $$"""{"name":"r","metadata-location":"{{table.MetadataLocation}}"}""";
        var register = await _catalog.SendAsync(HttpMethod.Post, _catalog.Url("namespaces/idem_more/register"), registerBody, registerKey);
        Assert.Equal(200, register.Status);
        AssertSameReply(register, await _catalog.SendAsync(HttpMethod.Post, _catalog.Url("namespaces/idem_more/register"), registerBody, registerKey));
        Assert.Equal(1L, await EventsAsync("registerTable", "idem_more"));

        Assert.Equal(204, (await _catalog.DropTableAsync("idem_more", "r", purge: false)).Status);
        var dropKey = Key();
        var drop = await _catalog.SendAsync(HttpMethod.Delete, _catalog.Url("namespaces/idem_more"), null, dropKey);
        Assert.Equal(204, drop.Status);
        AssertSameReply(drop, await _catalog.SendAsync(HttpMethod.Delete, _catalog.Url("namespaces/idem_more"), null, dropKey));
        Assert.Equal(1L, await _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'dropNamespace' AND to_jsonb(CASE WHEN object_type = 'namespace' THEN object_name ELSE object_name[1:cardinality(object_name) - 1] END) = '[\"idem_more\"]'::jsonb"));
    }

    [Fact]
    public async Task A_replayed_purging_drop_queues_one_purge()
    {
        var table = await _catalog.CreateTableOkAsync("idem_purge", "t");
        var key = Key();

        var first = await _catalog.DropTableAsync("idem_purge", "t", purge: true, key);
        var replay = await _catalog.DropTableAsync("idem_purge", "t", purge: true, key);

        Assert.Equal(204, first.Status);
        AssertSameReply(first, replay);
        Assert.Equal(1L, await _catalog.CountAsync(
            "SELECT count(*) FROM (SELECT task_id FROM task WHERE entity_id = $1::uuid UNION SELECT task_id FROM task_log WHERE entity_id = $1::uuid) AS purges", table.Uuid));
    }
}

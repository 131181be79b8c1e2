using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// The transactional outbox: every successful mutation writes exactly one <c>event_outbox</c> row
/// of its type in its own transaction; failures, no-op commits and lost attempts write none.
/// </summary>
public sealed class TransactionOutboxTests(CommitsAppFixture fixture) : IClassFixture<CommitsAppFixture>
{
    private readonly CommitsCatalog _catalog = fixture.Catalog;

    /// <summary>Runs <paramref name="action"/> and returns the outbox rows it added.</summary>
    private async Task<IReadOnlyList<(string Type, Guid? Tabular)>> EventsOfAsync(Func<Task<Reply>> action, int expectedStatus)
    {
        var before = (await _catalog.OutboxAsync()).Count;
        var reply = await action();
        Assert.True(reply.Status == expectedStatus, $"expected {expectedStatus}, got {reply}");
        var after = await _catalog.OutboxAsync();
        return after.Skip(before).ToList();
    }

    [Fact]
    public async Task Every_successful_mutation_writes_exactly_one_event_of_its_type()
    {
        var ns = await EventsOfAsync(() => _catalog.CreateNamespaceAsync("outbox"), 200);
        Assert.Equal([("createNamespace", null)], ns);

        var props = await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Post, _catalog.Url("namespaces/outbox/properties"), """{"updates":{"owner":"me"}}"""), 200);
        Assert.Equal([("updateNamespaceProperties", null)], props);

        var create = await EventsOfAsync(() => _catalog.CreateTableAsync("outbox", "t"), 200);
        var t = await _catalog.LoadOkAsync("outbox", "t");
        var id = Guid.Parse(t.Uuid);
        Assert.Equal([("createTable", id)], create);

        var commit = await EventsOfAsync(() => _catalog.CommitAsync("outbox", "t", CommitsCatalog.AppendBody(t, CommitsCatalog.NextSnapshotId())), 200);
        Assert.Equal([("updateTable", id)], commit);

        var u = await _catalog.CreateTableOkAsync("outbox", "u");
        var t1 = await _catalog.LoadOkAsync("outbox", "t");
        var (rt, ut) = CommitsCatalog.AppendParts(t1, CommitsCatalog.NextSnapshotId());
        var (ru, uu) = CommitsCatalog.AppendParts(u, CommitsCatalog.NextSnapshotId());
        var transaction = await EventsOfAsync(() => _catalog.TransactionAsync(CommitsCatalog.TransactionBody(("outbox", "t", rt, ut), ("outbox", "u", ru, uu))), 204);
        Assert.Equal(new (string, Guid?)[] { ("updateTable", id), ("updateTable", Guid.Parse(u.Uuid)) }.Order(), transaction.Order());

        var rename = await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Post, _catalog.Url("tables/rename"),
            """{"source":{"namespace":["outbox"],"name":"t"},"destination":{"namespace":["outbox"],"name":"t2"}}"""), 204);
        Assert.Equal([("renameTable", id)], rename);

        var t2 = await _catalog.LoadOkAsync("outbox", "t2");
        var drop = await EventsOfAsync(() => _catalog.DropTableAsync("outbox", "t2", purge: false), 204);
        Assert.Equal([("dropTable", id)], drop);

        // The dropped table's files are still there (no purge): register them again.
        var register = await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Post, _catalog.Url("namespaces/outbox/register"),
            $$"""{"name":"t3","metadata-location":"{{t2.MetadataLocation}}"}"""), 200);
        var t3 = await _catalog.LoadOkAsync("outbox", "t3");
        Assert.Equal([("registerTable", Guid.Parse(await TabularIdAsync("t3")))], register);
        Assert.Equal(t2.MetadataLocation, t3.MetadataLocation);

        Assert.Equal(204, (await _catalog.DropTableAsync("outbox", "t3", purge: false)).Status);
        Assert.Equal(204, (await _catalog.DropTableAsync("outbox", "u", purge: false)).Status);
        var dropNs = await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Delete, _catalog.Url("namespaces/outbox")), 204);
        Assert.Equal([("dropNamespace", null)], dropNs);
    }

    [Fact]
    public async Task Every_successful_view_change_writes_exactly_one_event_of_its_type()
    {
        Assert.Equal(200, (await _catalog.CreateNamespaceAsync("outbox_views")).Status);
        var create = await EventsOfAsync(() => _catalog.CreateViewAsync("outbox_views", "v"), 200);
        var v = await _catalog.LoadViewOkAsync("outbox_views", "v");
        var id = Guid.Parse(v.Uuid);
        Assert.Equal([("createView", id)], create);

        var replace = await EventsOfAsync(() => _catalog.ReplaceViewAsync("outbox_views", "v",
            CommitsCatalog.SetViewPropertiesBody(v.Uuid, new Dictionary<string, string> { ["owner"] = "me" })), 200);
        Assert.Equal([("updateView", id)], replace);

        var rename = await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Post, _catalog.Url("views/rename"),
            """{"source":{"namespace":["outbox_views"],"name":"v"},"destination":{"namespace":["outbox_views"],"name":"v2"}}"""), 204);
        Assert.Equal([("renameView", id)], rename);

        var v2 = await _catalog.LoadViewOkAsync("outbox_views", "v2");
        var drop = await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Delete, _catalog.ViewUrl("outbox_views", "v2")), 204);
        Assert.Equal([("dropView", id)], drop);

        // The dropped view's metadata file is still there: register it again under a new name.
        var register = await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Post, _catalog.Url("namespaces/outbox_views/register-view"),
            $$"""{"name":"v3","metadata-location":"{{v2.MetadataLocation}}"}"""), 200);
        Assert.Equal([("registerView", Guid.Parse(await TabularIdAsync("v3")))], register);

        // A failed view change writes none: replacing with a stale view UUID, renaming onto an existing name.
        Assert.Empty(await EventsOfAsync(() => _catalog.ReplaceViewAsync("outbox_views", "v3",
            CommitsCatalog.SetViewPropertiesBody(Guid.NewGuid().ToString(), new Dictionary<string, string> { ["x"] = "y" })), 409));
        Assert.Equal(200, (await _catalog.CreateViewAsync("outbox_views", "w")).Status);
        Assert.Empty(await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Post, _catalog.Url("views/rename"),
            """{"source":{"namespace":["outbox_views"],"name":"w"},"destination":{"namespace":["outbox_views"],"name":"v3"}}"""), 409));
    }

    private async Task<string> TabularIdAsync(string name)
    {
        await using var connection = await _catalog.OpenDatabaseAsync();
        await using var command = CommitsCatalog.Command(connection, "SELECT tabular_id::text FROM tabular WHERE name = $1", name);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Failed_and_no_op_requests_write_no_event()
    {
        var t = await _catalog.CreateTableOkAsync("outbox_fail", "t");
        Assert.Equal(200, (await _catalog.CommitAsync("outbox_fail", "t", CommitsCatalog.AppendBody(t, CommitsCatalog.NextSnapshotId()))).Status);

        // 409: stale main; 404: no such table; 400: unknown update; 409: create of an existing name;
        // 409: namespace not empty; a commit that changes nothing.
        Assert.Empty(await EventsOfAsync(() => _catalog.CommitAsync("outbox_fail", "t", CommitsCatalog.AppendBody(t, CommitsCatalog.NextSnapshotId())), 409));
        Assert.Empty(await EventsOfAsync(() => _catalog.CommitAsync("outbox_fail", "nope", CommitsCatalog.AppendBody(t, CommitsCatalog.NextSnapshotId())), 404));
        Assert.Empty(await EventsOfAsync(() => _catalog.CommitAsync("outbox_fail", "t", """{"requirements":[],"updates":[{"action":"no-such-update"}]}"""), 400));
        Assert.Empty(await EventsOfAsync(() => _catalog.CreateTableAsync("outbox_fail", "t"), 409));
        Assert.Empty(await EventsOfAsync(() => _catalog.SendAsync(HttpMethod.Delete, _catalog.Url("namespaces/outbox_fail")), 409));
        Assert.Empty(await EventsOfAsync(() => _catalog.DropTableAsync("outbox_fail", "nope", purge: false), 404));
        var current = await _catalog.LoadOkAsync("outbox_fail", "t");
        var files = _catalog.MetadataFiles();
        Assert.Empty(await EventsOfAsync(() => _catalog.CommitAsync("outbox_fail", "t", $$"""{"requirements":[{"type":"assert-table-uuid","uuid":"{{t.Uuid}}"}],"updates":[]}"""), 200));
        Assert.Equal(current.MetadataLocation, (await _catalog.LoadOkAsync("outbox_fail", "t")).MetadataLocation);
        Assert.Equal(files, _catalog.MetadataFiles());
    }
}

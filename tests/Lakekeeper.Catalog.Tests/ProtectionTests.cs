using System.Text.Json;
using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// Protection of namespaces, tables and views (a protected object refuses to be dropped unless the
/// drop says <c>force=true</c>), recursive namespace drops, and the catalog API's id extensions
/// (<c>returnUuid</c>, <c>returnUuids</c>, <c>returnProtectionStatus</c>).
/// </summary>
public sealed class ProtectionTests(LifecycleAppFixture fixture) : IClassFixture<LifecycleAppFixture>
{
    private static string Folder(TableState state) => CommitsCatalog.PathOf(state.Metadata.GetProperty("location").GetString()!);

    [Fact]
    public async Task A_protected_table_refuses_drop_until_forced()
    {
        var catalog = fixture.Hard;
        var table = await catalog.CreateTableOkAsync("pr_table", "t");
        var initial = await catalog.SendAsync(HttpMethod.Get, catalog.Management($"table/{table.Uuid}/protection"));
        Assert.Equal(200, initial.Status);
        Assert.False(initial.Json.GetProperty("protected").GetBoolean());

        var set = await catalog.ProtectAsync("table", table.Uuid, true);
        Assert.Equal(200, set.Status);
        Assert.True(set.Json.GetProperty("protected").GetBoolean());
        Assert.Equal(JsonValueKind.String, set.Json.GetProperty("updated_at").ValueKind);
        Assert.True((await catalog.SendAsync(HttpMethod.Get, catalog.Management($"table/{table.Uuid}/protection"))).Json.GetProperty("protected").GetBoolean());

        var refused = await catalog.DropTableAsync("pr_table", "t", purge: true);
        Assert.Equal(409, refused.Status);
        Assert.Equal("ProtectedException", refused.ErrorType);
        Assert.Equal(200, (await catalog.LoadAsync("pr_table", "t")).Status);

        Assert.Equal(204, (await catalog.SendAsync(HttpMethod.Delete, catalog.TableUrl("pr_table", "t") + "?force=true")).Status);
        Assert.Equal(404, (await catalog.LoadAsync("pr_table", "t")).Status);
    }

    [Fact]
    public async Task Unprotected_again_a_table_drops_normally_and_a_protected_soft_table_is_not_soft_deleted()
    {
        var catalog = fixture.Soft;
        var table = await catalog.CreateTableOkAsync("pr_soft", "t");
        Assert.Equal(200, (await catalog.ProtectAsync("table", table.Uuid, true)).Status);
        Assert.Equal(409, (await catalog.DropTableAsync("pr_soft", "t", purge: false)).Status);
        Assert.DoesNotContain(await catalog.DeletedItemsAsync(), e => e.GetProperty("id").GetString() == table.Uuid);

        Assert.False((await catalog.ProtectAsync("table", table.Uuid, false)).Json.GetProperty("protected").GetBoolean());
        Assert.Equal(204, (await catalog.DropTableAsync("pr_soft", "t", purge: false)).Status);
        Assert.Single(await catalog.DeletedItemsAsync(), e => e.GetProperty("id").GetString() == table.Uuid);
    }

    [Fact]
    public async Task Protected_views_and_namespaces_refuse_drop_until_forced()
    {
        var catalog = fixture.Hard;
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("pr_view")).Status);
        var view = await catalog.CreateViewOkAsync("pr_view", "v");
        Assert.Equal(200, (await catalog.ProtectAsync("view", view.Uuid, true)).Status);
        var refused = await catalog.SendAsync(HttpMethod.Delete, catalog.ViewUrl("pr_view", "v"));
        Assert.Equal(409, refused.Status);
        Assert.Contains("force=true", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(204, (await catalog.SendAsync(HttpMethod.Delete, catalog.ViewUrl("pr_view", "v") + "?force=true")).Status);

        var nsId = await catalog.NamespaceIdAsync("pr_view");
        Assert.Equal(200, (await catalog.ProtectAsync("namespace", nsId, true)).Status);
        Assert.True((await catalog.SendAsync(HttpMethod.Get, catalog.Management($"namespace/{nsId}/protection"))).Json.GetProperty("protected").GetBoolean());
        Assert.Equal(409, (await catalog.SendAsync(HttpMethod.Delete, catalog.Url("namespaces/pr_view"))).Status);
        Assert.Equal(200, (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/pr_view"))).Status);
        Assert.Equal(204, (await catalog.SendAsync(HttpMethod.Delete, catalog.Url("namespaces/pr_view?force=true"))).Status);
    }

    [Fact]
    public async Task Protection_calls_refuse_bad_input_by_name()
    {
        var catalog = fixture.Hard;
        var table = await catalog.CreateTableOkAsync("pr_bad", "t");
        Assert.Equal(404, (await catalog.ProtectAsync("table", Guid.NewGuid().ToString(), true)).Status);
        Assert.Equal(404, (await catalog.ProtectAsync("view", table.Uuid, true)).Status);
        Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Get, catalog.Management($"namespace/{Guid.NewGuid()}/protection"))).Status);
        Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Get, $"/management/v1/warehouse/{Guid.NewGuid()}/table/{table.Uuid}/protection")).Status);
        foreach (var (body, field) in new[] { ("{}", "protected"), ("""{"protected":"yes"}""", "$.protected"), ("""{"protected":true,"x":1}""", "'x'") })
        {
            var reply = await catalog.SendAsync(HttpMethod.Post, catalog.Management($"table/{table.Uuid}/protection"), body);
            Assert.True(reply.Status == 400, $"{body}: {reply}");
            Assert.Contains(field, reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.False((await catalog.SendAsync(HttpMethod.Get, catalog.Management($"table/{table.Uuid}/protection"))).Json.GetProperty("protected").GetBoolean());
    }

    [Fact]
    public async Task A_recursive_drop_removes_the_subtree_unless_something_in_it_is_protected()
    {
        var catalog = fixture.Hard;
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("pr_tree")).Status);
        Assert.Equal(200, (await catalog.SendAsync(HttpMethod.Post, catalog.Url("namespaces"), """{"namespace":["pr_tree","child"]}""")).Status);
        var top = await catalog.CreateTableOkAsync("pr_tree", "top");
        Assert.Equal(200, (await catalog.CreateTableAsync("pr_tree%1Fchild", "deep")).Status);
        var deep = await catalog.LoadOkAsync("pr_tree%1Fchild", "deep");
        Assert.Equal(200, (await catalog.CreateViewAsync("pr_tree%1Fchild", "v")).Status);
        Assert.Equal(200, (await catalog.ProtectAsync("table", deep.Uuid, true)).Status);

        var plain = await catalog.SendAsync(HttpMethod.Delete, catalog.Url("namespaces/pr_tree"));
        Assert.Equal(409, plain.Status);
        Assert.Equal("NamespaceNotEmptyException", plain.ErrorType);

        var guarded = await catalog.SendAsync(HttpMethod.Delete, catalog.Url("namespaces/pr_tree?recursive=true&purge=true"));
        Assert.Equal(409, guarded.Status);
        Assert.Equal("ProtectedException", guarded.ErrorType);
        Assert.Contains("table pr_tree.child.deep", guarded.ErrorMessage, StringComparison.Ordinal);
        // Nothing went.
        Assert.Equal(200, (await catalog.LoadAsync("pr_tree", "top")).Status);
        Assert.Equal(200, (await catalog.LoadAsync("pr_tree%1Fchild", "deep")).Status);

        var before = (await catalog.OutboxAsync()).Count;
        var forced = await catalog.SendAsync(HttpMethod.Delete, catalog.Url("namespaces/pr_tree?recursive=true&force=true&purge=true"));
        Assert.Equal(204, forced.Status);
        // One event per dropped object, all written by the drop's one transaction under its request id.
        var dropped = (await catalog.OutboxAsync()).Skip(before).ToList();
        Assert.Equal(["dropNamespace", "dropNamespace", "dropTable", "dropTable", "dropView"], dropped.Select(e => e.Type).Order());
        Assert.Equal(new Guid?[] { Guid.Parse(top.Uuid), Guid.Parse(deep.Uuid) }.Order(), dropped.Where(e => e.Type == "dropTable").Select(e => e.Tabular).Order());
        var requestId = Assert.Single(forced.Headers.GetValues("X-Request-Id"));
        Assert.Equal(5L, await catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE warehouse_id = $1::uuid AND request_id = $2", catalog.Prefix, requestId));
        Assert.Equal(1L, await catalog.CountAsync("SELECT count(DISTINCT xid) FROM event_outbox WHERE warehouse_id = $1::uuid AND request_id = $2", catalog.Prefix, requestId));
        foreach (var ns in new[] { "pr_tree", "pr_tree%1Fchild" })
        {
            Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/" + ns))).Status);
        }

        Assert.Equal(0L, await catalog.CountAsync("SELECT count(*) FROM tabular WHERE tabular_id = ANY($1)", new[] { Guid.Parse(top.Uuid), Guid.Parse(deep.Uuid) }));
        await Eventually.TrueAsync(() => Task.FromResult(!Directory.Exists(Folder(top)) || !Directory.EnumerateFiles(Folder(top), "*", SearchOption.AllDirectories).Any()),
            TimeSpan.FromSeconds(45), "the purge of the recursively dropped table");

        // The names are free again.
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("pr_tree")).Status);
    }

    [Fact]
    public async Task Bad_drop_flags_are_refused_by_name()
    {
        var catalog = fixture.Hard;
        await catalog.CreateTableOkAsync("pr_flags", "t");
        foreach (var (url, field) in new[]
        {
            (catalog.Url("namespaces/pr_flags?recursive=yes"), "recursive"),
            (catalog.Url("namespaces/pr_flags?force=1"), "force"),
            (catalog.Url("namespaces/pr_flags?purge=maybe"), "purge"),
            (catalog.TableUrl("pr_flags", "t") + "?force=please", "force"),
            (catalog.ViewUrl("pr_flags", "t") + "?force=please", "force"),
        })
        {
            var reply = await catalog.SendAsync(HttpMethod.Delete, url);
            Assert.True(reply.Status == 400, $"{url}: {reply}");
            Assert.Contains(field, reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Equal(200, (await catalog.LoadAsync("pr_flags", "t")).Status);
    }

    [Fact]
    public async Task Listings_return_ids_and_protection_in_item_order_when_asked()
    {
        var catalog = fixture.Hard;
        var a = await catalog.CreateTableOkAsync("pr_list", "a");
        var b = await catalog.CreateTableOkAsync("pr_list", "b");
        var v = await catalog.CreateViewOkAsync("pr_list", "v");
        Assert.Equal(200, (await catalog.ProtectAsync("table", b.Uuid, true)).Status);
        Assert.Equal(200, (await catalog.ProtectAsync("view", v.Uuid, true)).Status);

        var tables = (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/pr_list/tables?returnUuids=true&returnProtectionStatus=true"))).Json;
        Assert.Equal(["a", "b"], tables.GetProperty("identifiers").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal([a.Uuid, b.Uuid], tables.GetProperty("table-uuids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([false, true], tables.GetProperty("protection-status").EnumerateArray().Select(e => e.GetBoolean()));

        var views = (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/pr_list/views?returnUuids=true&returnProtectionStatus=true"))).Json;
        Assert.Equal([v.Uuid], views.GetProperty("table-uuids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([true], views.GetProperty("protection-status").EnumerateArray().Select(e => e.GetBoolean()));

        var plain = (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/pr_list/tables"))).Json;
        Assert.False(plain.TryGetProperty("table-uuids", out _));
        Assert.False(plain.TryGetProperty("protection-status", out _));

        var nsId = await catalog.NamespaceIdAsync("pr_list");
        var namespaces = (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces?returnUuids=true&returnProtectionStatus=true&pageSize=1000"))).Json;
        var names = namespaces.GetProperty("namespaces").EnumerateArray().Select(e => e[0].GetString()).ToList();
        var index = names.IndexOf("pr_list");
        Assert.Equal(nsId, namespaces.GetProperty("namespace-uuids")[index].GetString());
        Assert.Equal(names.Count, namespaces.GetProperty("protection-status").GetArrayLength());
        Assert.False((await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/pr_list"))).Json.TryGetProperty("namespace-uuid", out _));

        var bad = await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/pr_list/tables?returnUuids=sure"));
        Assert.Equal(400, bad.Status);
        Assert.Contains("returnUuids", bad.ErrorMessage, StringComparison.Ordinal);
    }
}

using System.Text.Json;
using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// <c>POST /management/v1/warehouse/{wid}/namespace/{id}/move</c>: rename in place, re-parent, move to
/// the root, a retried move is a no-op, and every refusal (children, protection, a taken name, a
/// missing parent, a move into itself, bad bodies) changes nothing.
/// </summary>
public sealed class NamespaceMoveTests(LifecycleAppFixture fixture) : IClassFixture<LifecycleAppFixture>
{
    private static Task<Reply> MoveAsync(CommitsCatalog catalog, string namespaceId, object body) =>
        catalog.SendAsync(HttpMethod.Post, catalog.Management($"namespace/{namespaceId}/move"), JsonSerializer.Serialize(body));

    private static IReadOnlyList<string?> Levels(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];

    [Fact]
    public async Task A_namespace_is_renamed_moved_under_another_and_back_to_the_root_with_its_tables()
    {
        var catalog = fixture.Hard;
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("mv_a")).Status);
        var table = await catalog.CreateTableOkAsync("mv_a", "t");
        var id = await catalog.NamespaceIdAsync("mv_a");

        var renamed = await MoveAsync(catalog, id, new { destination = new[] { "mv_b" } });
        Assert.Equal(200, renamed.Status);
        Assert.Equal(["mv_b"], Levels(renamed.Json.GetProperty("namespace")));
        Assert.Equal(id, renamed.Json.GetProperty("namespace-id").GetString());
        Assert.Equal(JsonValueKind.Null, renamed.Json.GetProperty("parent-namespace-id").ValueKind);

        // The table moved with it: same table, new name; the old name is free.
        Assert.Equal(404, (await catalog.LoadAsync("mv_a", "t")).Status);
        var loaded = await catalog.LoadOkAsync("mv_b", "t");
        Assert.Equal(table.Uuid, loaded.Uuid);
        Assert.Equal(id, await catalog.NamespaceIdAsync("mv_b"));
        Assert.Equal(200, (await catalog.CommitAsync("mv_b", "t", CommitsCatalog.AppendBody(loaded, CommitsCatalog.NextSnapshotId()))).Status);

        // Under another namespace.
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("mv_parent")).Status);
        var parentId = await catalog.NamespaceIdAsync("mv_parent");
        var moved = await MoveAsync(catalog, id, new { destination = new[] { "mv_parent", "mv_c" } });
        Assert.Equal(200, moved.Status);
        Assert.Equal(["mv_parent", "mv_c"], Levels(moved.Json.GetProperty("namespace")));
        Assert.Equal(parentId, moved.Json.GetProperty("parent-namespace-id").GetString());
        var children = (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces?parent=mv_parent"))).Json.GetProperty("namespaces");
        Assert.Equal(["mv_parent", "mv_c"], Levels(Assert.Single(children.EnumerateArray())));
        Assert.Equal(table.Uuid, (await catalog.LoadOkAsync("mv_parent%1Fmv_c", "t")).Uuid);

        // A retry of the same move changes nothing and answers the same.
        var retried = await MoveAsync(catalog, id, new { destination = new[] { "mv_parent", "mv_c" } });
        Assert.Equal(200, retried.Status);
        Assert.Equal(moved.Body, retried.Body);

        // The parent now has a child: it cannot be moved itself, and dropping it needs recursive.
        var refused = await MoveAsync(catalog, parentId, new { destination = new[] { "mv_parent2" } });
        Assert.Equal(409, refused.Status);
        Assert.Contains("child namespaces", refused.ErrorMessage, StringComparison.Ordinal);

        // Back to the root.
        var root = await MoveAsync(catalog, id, new { destination = new[] { "mv_d" } });
        Assert.Equal(200, root.Status);
        Assert.Equal(JsonValueKind.Null, root.Json.GetProperty("parent-namespace-id").ValueKind);
        Assert.Empty((await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces?parent=mv_parent"))).Json.GetProperty("namespaces").EnumerateArray());
        Assert.Equal(table.Uuid, (await catalog.LoadOkAsync("mv_d", "t")).Uuid);
        // Each move that changed something wrote one moveNamespace (the retry none), naming the namespace by its new name.
        Assert.Equal(3L, await catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'moveNamespace' AND object_id = $1::uuid", id));
        Assert.Equal(1L, await catalog.CountAsync(
            "SELECT count(*) FROM event_outbox WHERE event_type = 'moveNamespace' AND object_id = $1::uuid AND object_type = 'namespace' AND object_name = ARRAY['mv_d'] " +
            "AND (event::jsonb)->'data' = '{\"source\":[\"mv_parent\",\"mv_c\"],\"destination\":[\"mv_d\"]}'::jsonb", id));
    }

    [Fact]
    public async Task A_protected_namespace_moves_only_with_force()
    {
        var catalog = fixture.Hard;
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("mv_protected")).Status);
        var id = await catalog.NamespaceIdAsync("mv_protected");
        Assert.Equal(200, (await catalog.ProtectAsync("namespace", id, true)).Status);

        var refused = await MoveAsync(catalog, id, new { destination = new[] { "mv_protected2" } });
        Assert.Equal(409, refused.Status);
        Assert.Equal("ProtectedException", refused.ErrorType);
        Assert.Equal(200, (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/mv_protected"))).Status);

        var forced = await MoveAsync(catalog, id, new { destination = new[] { "mv_protected2" }, force = true });
        Assert.Equal(200, forced.Status);
        Assert.Equal(200, (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/mv_protected2"))).Status);
        // Protection stays with the namespace.
        Assert.True((await catalog.SendAsync(HttpMethod.Get, catalog.Management($"namespace/{id}/protection"))).Json.GetProperty("protected").GetBoolean());
    }

    [Fact]
    public async Task Refused_moves_change_nothing_and_name_the_problem()
    {
        var catalog = fixture.Hard;
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("mv_src")).Status);
        Assert.Equal(200, (await catalog.CreateNamespaceAsync("mv_taken")).Status);
        var id = await catalog.NamespaceIdAsync("mv_src");

        var taken = await MoveAsync(catalog, id, new { destination = new[] { "mv_taken" } });
        Assert.Equal(409, taken.Status);
        Assert.Equal("AlreadyExistsException", taken.ErrorType);

        var noParent = await MoveAsync(catalog, id, new { destination = new[] { "mv_nowhere", "x" } });
        Assert.Equal(404, noParent.Status);
        Assert.Contains("mv_nowhere", noParent.ErrorMessage, StringComparison.Ordinal);

        var intoItself = await MoveAsync(catalog, id, new { destination = new[] { "mv_src", "inner" } });
        Assert.Equal(400, intoItself.Status);
        Assert.Contains("inside the namespace itself", intoItself.ErrorMessage, StringComparison.Ordinal);

        foreach (var (body, field) in new[]
        {
            ("{}", "destination"),
            ("""{"destination":[]}""", "destination"),
            ("""{"destination":[null]}""", "destination"),
            ("""{"destination":[""]}""", "destination: level 1"),
            ("""{"destination":["a."],"force":"yes"}""", "$.force"),
            ("""{"destination":["x"],"recursive":true}""", "'recursive'"),
            ("[]", "body"),
        })
        {
            var reply = await catalog.SendAsync(HttpMethod.Post, catalog.Management($"namespace/{id}/move"), body);
            Assert.True(reply.Status == 400, $"{body}: {reply}");
            Assert.Contains(field, reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Equal(404, (await MoveAsync(catalog, Guid.NewGuid().ToString(), new { destination = new[] { "x" } })).Status);
        Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Post, $"/management/v1/warehouse/{Guid.NewGuid()}/namespace/{id}/move", """{"destination":["x"]}""")).Status);

        // A namespace of another warehouse is unknown here.
        Assert.Equal(404, (await MoveAsync(fixture.Soft, id, new { destination = new[] { "x" } })).Status);

        // Nothing moved.
        Assert.Equal(id, await catalog.NamespaceIdAsync("mv_src"));
        Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/x"))).Status);
    }
}

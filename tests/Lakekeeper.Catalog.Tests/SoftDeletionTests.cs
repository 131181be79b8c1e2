using System.Text.Json;
using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Events;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// Soft deletion under a warehouse's soft delete profile: a dropped table or view is hidden from the
/// catalog API but keeps its name and location, is listed as deleted, can be undropped, and is
/// removed for real (and purged if the drop asked) when its expiration comes.
/// </summary>
public sealed class SoftDeletionTests(LifecycleAppFixture fixture) : IClassFixture<LifecycleAppFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private static string Folder(TableState state) => CommitsCatalog.PathOf(state.Metadata.GetProperty("location").GetString()!);

    private static bool Gone(string folder) => !Directory.Exists(folder) || !Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any();

    [Fact]
    public async Task A_dropped_table_is_hidden_listed_as_deleted_and_undropped_unchanged()
    {
        var catalog = fixture.Soft;
        var table = await catalog.CreateTableOkAsync("sd_undrop", "t");
        Assert.Equal(200, (await catalog.CommitAsync("sd_undrop", "t", CommitsCatalog.AppendBody(table, CommitsCatalog.NextSnapshotId()))).Status);
        var before = await catalog.LoadOkAsync("sd_undrop", "t");

        var drop = await catalog.DropTableAsync("sd_undrop", "t", purge: true);

        Assert.Equal(204, drop.Status);
        Assert.Equal(404, (await catalog.LoadAsync("sd_undrop", "t")).Status);
        Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Head, catalog.TableUrl("sd_undrop", "t"))).Status);
        var listed = await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/sd_undrop/tables"));
        Assert.Empty(listed.Json.GetProperty("identifiers").EnumerateArray());
        Assert.False(Gone(Folder(before)));

        var deleted = Assert.Single(await catalog.DeletedItemsAsync(), e => e.GetProperty("id").GetString() == table.Uuid);
        Assert.Equal("t", deleted.GetProperty("name").GetString());
        Assert.Equal(["sd_undrop"], deleted.GetProperty("namespace").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("table", deleted.GetProperty("typ").GetString());
        Assert.Equal(catalog.Prefix, deleted.GetProperty("warehouse-id").GetString());
        var deletedAt = deleted.GetProperty("deleted-at").GetDateTimeOffset();
        var expires = deleted.GetProperty("expiration-date").GetDateTimeOffset();
        Assert.InRange(expires - deletedAt, TimeSpan.FromSeconds(3590), TimeSpan.FromSeconds(3610));
        Assert.True(deleted.GetProperty("created-at").GetDateTimeOffset() <= deletedAt);

        // One pending soft_deletion task, asking for the purge the drop requested.
        var tasks = await catalog.SendAsync(HttpMethod.Post, catalog.Management("task/list"), """{"queue-name":["soft_deletion"],"status":["SCHEDULED"]}""");
        var task = Assert.Single(tasks.Json.GetProperty("tasks").EnumerateArray(), t => t.GetProperty("entity").GetProperty("table-id").GetString() == table.Uuid);
        Assert.Equal(["sd_undrop", "t"], task.GetProperty("entity-name").EnumerateArray().Select(e => e.GetString()));
        var details = await catalog.SendAsync(HttpMethod.Get, catalog.Management($"task/by-id/{task.GetProperty("task-id").GetString()}"));
        Assert.Equal("purge", details.Json.GetProperty("task-data").GetProperty("deletion-kind").GetString());

        var undrop = await catalog.UndropAsync(("table", table.Uuid));

        Assert.Equal(204, undrop.Status);
        var after = await catalog.LoadOkAsync("sd_undrop", "t");
        Assert.Equal(before.MetadataLocation, after.MetadataLocation);
        Assert.Equal(before.MainSnapshotId, after.MainSnapshotId);
        Assert.DoesNotContain(await catalog.DeletedItemsAsync(), e => e.GetProperty("id").GetString() == table.Uuid);
        Assert.Equal(0L, await catalog.CountAsync("SELECT count(*) FROM task WHERE entity_id = $1::uuid", table.Uuid));
        Assert.Equal(1L, await catalog.CountAsync(
            "SELECT count(*) FROM task_log WHERE entity_id = $1::uuid AND queue = 'soft_deletion' AND outcome = 'cancelled'", table.Uuid));
        Assert.Contains(("undropTabulars", (Guid?)Guid.Parse(table.Uuid)), await catalog.OutboxAsync());

        // Live again: commits work.
        Assert.Equal(200, (await catalog.CommitAsync("sd_undrop", "t", CommitsCatalog.AppendBody(after, CommitsCatalog.NextSnapshotId()))).Status);
    }

    /// <summary>Runs <paramref name="action"/> and returns its reply and the outbox rows it added.</summary>
    private static async Task<(Reply Reply, IReadOnlyList<(string Type, Guid? Tabular)> Events)> EventsOfAsync(
        CommitsCatalog catalog, Func<Task<Reply>> action, int expectedStatus)
    {
        var before = (await catalog.OutboxAsync()).Count;
        var reply = await action();
        Assert.True(reply.Status == expectedStatus, $"expected {expectedStatus}, got {reply}");
        return (reply, (await catalog.OutboxAsync()).Skip(before).ToList());
    }

    [Fact]
    public async Task Undrop_writes_one_undropTabulars_event_per_tabular_in_its_own_transaction()
    {
        var catalog = fixture.Soft;
        var table = await catalog.CreateTableOkAsync("sd_events", "t");
        var view = await catalog.CreateViewOkAsync("sd_events", "v");
        var (tableId, viewId) = (Guid.Parse(table.Uuid), Guid.Parse(view.Uuid));
        Assert.Equal([("dropTable", tableId)], (await EventsOfAsync(catalog, () => catalog.DropTableAsync("sd_events", "t", purge: false), 204)).Events);
        Assert.Equal([("dropView", viewId)],
            (await EventsOfAsync(catalog, () => catalog.SendAsync(HttpMethod.Delete, catalog.ViewUrl("sd_events", "v")), 204)).Events);

        // A refused undrop (one target is not dropped) undrops nothing and writes no event.
        Assert.Empty((await EventsOfAsync(catalog, () => catalog.UndropAsync(("table", table.Uuid), ("table", Guid.NewGuid().ToString())), 404)).Events);

        var (undrop, events) = await EventsOfAsync(catalog, () => catalog.UndropAsync(("table", table.Uuid), ("view", view.Uuid)), 204);

        Assert.Equal(new (string, Guid?)[] { ("undropTabulars", tableId), ("undropTabulars", viewId) }.Order(), events.Order());
        // Written by the transaction that made them live again (the one that last wrote their rows).
        Assert.Equal(2L, await catalog.CountAsync(
            "SELECT count(*) FROM event_outbox e JOIN tabular t ON t.tabular_id = e.object_id AND t.deleted_at IS NULL " +
            "WHERE e.event_type = 'undropTabulars' AND e.object_id = ANY($1) AND xid(e.xid) = t.xmin", new[] { tableId, viewId }));

        // The CloudEvents: one per object, numbered within the request, with its request id.
        var requestId = Assert.Single(undrop.Headers.GetValues("X-Request-Id"));
        var cloudEvents = new List<CloudNative.CloudEvents.CloudEvent>();
        await using (var connection = await catalog.OpenDatabaseAsync())
        await using (var command = CommitsCatalog.Command(connection,
            "SELECT event FROM event_outbox WHERE event_type = 'undropTabulars' AND object_id = ANY($1) ORDER BY seq", new[] { tableId, viewId }))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                cloudEvents.Add(ChangeEventFormat.Decode(System.Text.Encoding.UTF8.GetBytes(reader.GetString(0))));
            }
        }

        Assert.Equal(2, cloudEvents.Count);
        Assert.All(cloudEvents, e =>
        {
            Assert.Equal("undropTabulars", e.Type);
            Assert.Equal(requestId, e[ChangeEventFormat.TraceId]);
            Assert.Equal(2, e[ChangeEventFormat.NumEvents]);
            Assert.Equal("sd_events", e[ChangeEventFormat.Namespace]);
            Assert.Equal(catalog.Prefix, e[ChangeEventFormat.WarehouseId]);
            Assert.Null(e.Data);
        });
        Assert.Equal([0, 1], cloudEvents.Select(e => (int)e[ChangeEventFormat.SequenceNumber]!).Order());
        var byId = cloudEvents.ToDictionary(e => (string)e[ChangeEventFormat.TabularId]!);
        Assert.Equal(("table", "t"), ((string?)byId[table.Uuid][ChangeEventFormat.TabularType], (string?)byId[table.Uuid][ChangeEventFormat.Name]));
        Assert.Equal(("view", "v"), ((string?)byId[view.Uuid][ChangeEventFormat.TabularType], (string?)byId[view.Uuid][ChangeEventFormat.Name]));

        // The events API lists them under the custom operation type (once older transactions are done).
        var listed = await Eventually.ReturnsAsync(async () =>
        {
            var reply = await catalog.SendAsync(HttpMethod.Post, catalog.Url("events"),
                """{"operation-types":["x-undrop-tabulars"],"catalog-objects-by-name":[["sd_events"]]}""");
            Assert.True(reply.Status == 200, reply.ToString());
            var found = reply.Json.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList();
            return found.Count == 2 ? found : null;
        }, Deadline, "two x-undrop-tabulars events in the events API");
        Assert.All(listed, e => Assert.Equal("x-undrop-tabulars", e.GetProperty("operation").GetProperty("operation-type").GetString()));
        Assert.Equal(new[] { table.Uuid, view.Uuid }.Order(),
            listed.Select(e => e.GetProperty("operation").TryGetProperty("table-uuid", out var t) ? t.GetString() : e.GetProperty("operation").GetProperty("view-uuid").GetString()).Order());
    }

    [Fact]
    public async Task The_name_and_location_of_a_dropped_table_stay_reserved()
    {
        var catalog = fixture.Soft;
        var table = await catalog.CreateTableOkAsync("sd_reserved", "t");
        Assert.True((await catalog.CreateTableAsync("sd_reserved", "other")).Status == 200);
        Assert.Equal(204, (await catalog.DropTableAsync("sd_reserved", "t", purge: false)).Status);

        var again = await catalog.CreateTableAsync("sd_reserved", "T");
        Assert.Equal(409, again.Status);
        Assert.Contains("was dropped and can still be undropped", again.ErrorMessage, StringComparison.Ordinal);

        var view = await catalog.CreateViewAsync("sd_reserved", "t");
        Assert.Equal(409, view.Status);

        var rename = await catalog.SendAsync(HttpMethod.Post, catalog.Url("tables/rename"),
            """{"source":{"namespace":["sd_reserved"],"name":"other"},"destination":{"namespace":["sd_reserved"],"name":"t"}}""");
        Assert.Equal(409, rename.Status);
        Assert.Contains("undropped", rename.ErrorMessage, StringComparison.Ordinal);

        var location = table.Metadata.GetProperty("location").GetString()!;
        var sameLocation = await catalog.SendAsync(HttpMethod.Post, catalog.Url("namespaces/sd_reserved/tables"), CommitsCatalog.CreateTableBody("elsewhere", location));
        Assert.Equal(400, sameLocation.Status);

        // Nothing of the refused calls stuck: the dropped table undrops as it was.
        Assert.Equal(204, (await catalog.UndropAsync(("table", table.Uuid))).Status);
        Assert.Equal(table.MetadataLocation, (await catalog.LoadOkAsync("sd_reserved", "t")).MetadataLocation);
    }

    [Fact]
    public async Task Views_are_soft_deleted_and_undropped_too()
    {
        var catalog = fixture.Soft;
        Assert.True((await catalog.CreateNamespaceAsync("sd_views")).Status == 200);
        var view = await catalog.CreateViewOkAsync("sd_views", "v");

        Assert.Equal(204, (await catalog.SendAsync(HttpMethod.Delete, catalog.ViewUrl("sd_views", "v"))).Status);
        Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Get, catalog.ViewUrl("sd_views", "v"))).Status);
        var deleted = Assert.Single(await catalog.DeletedItemsAsync(), e => e.GetProperty("id").GetString() == view.Uuid);
        Assert.Equal("view", deleted.GetProperty("typ").GetString());

        // Undropping a view as a table is refused (404 naming it) and changes nothing.
        var wrongType = await catalog.UndropAsync(("table", view.Uuid));
        Assert.Equal(404, wrongType.Status);
        Assert.Contains(view.Uuid, wrongType.ErrorMessage, StringComparison.Ordinal);

        Assert.Equal(204, (await catalog.UndropAsync(("view", view.Uuid))).Status);
        Assert.Equal(view.Location, (await catalog.LoadViewOkAsync("sd_views", "v")).Location);
    }

    [Fact]
    public async Task A_dropped_table_expires_is_removed_and_purged()
    {
        var catalog = fixture.Quick;
        var table = await catalog.CreateTableOkAsync("sd_expire", "t");
        var kept = await catalog.CreateTableOkAsync("sd_expire", "kept");
        var folder = Folder(table);
        Assert.False(Gone(folder));

        Assert.Equal(204, (await catalog.DropTableAsync("sd_expire", "t", purge: true)).Status);
        Assert.Equal(204, (await catalog.DropTableAsync("sd_expire", "kept", purge: false)).Status);

        await Eventually.TrueAsync(async () => await catalog.CountAsync("SELECT count(*) FROM tabular WHERE tabular_id = $1::uuid", table.Uuid) == 0,
            Deadline, "the expiration of the dropped table");
        await Eventually.TrueAsync(() => Task.FromResult(Gone(folder)), Deadline, "the purge of the expired table's files");
        await Eventually.TrueAsync(async () => await catalog.CountAsync("SELECT count(*) FROM tabular WHERE tabular_id = $1::uuid", kept.Uuid) == 0,
            Deadline, "the expiration of the table dropped without purge");
        Assert.False(Gone(Folder(kept)));
        Assert.DoesNotContain(await catalog.DeletedItemsAsync(), e => e.GetProperty("id").GetString() is var id && (id == table.Uuid || id == kept.Uuid));

        // The name is free again, and the expiration succeeded in the task log.
        Assert.Equal(200, (await catalog.CreateTableAsync("sd_expire", "t")).Status);
        Assert.Equal(1L, await catalog.CountAsync(
            "SELECT count(*) FROM task_log WHERE entity_id = $1::uuid AND queue = 'soft_deletion' AND outcome = 'success'", table.Uuid));
        Assert.Equal(1L, await catalog.CountAsync(
            "SELECT count(*) FROM task_log WHERE entity_id = $1::uuid AND queue = 'tabular_purge' AND outcome = 'success'", table.Uuid));
        Assert.Equal(0L, await catalog.CountAsync("SELECT count(*) FROM task_log WHERE entity_id = $1::uuid AND queue = 'tabular_purge'", kept.Uuid));

        // Too late to undrop.
        Assert.Equal(404, (await catalog.UndropAsync(("table", table.Uuid))).Status);
    }

    [Fact]
    public async Task Force_drops_at_once_under_a_soft_profile_and_hard_warehouses_drop_at_once()
    {
        var soft = fixture.Soft;
        var forced = await soft.CreateTableOkAsync("sd_force", "t");
        Assert.Equal(204, (await soft.SendAsync(HttpMethod.Delete, soft.TableUrl("sd_force", "t") + "?force=true")).Status);
        Assert.Equal(0L, await soft.CountAsync("SELECT count(*) FROM tabular WHERE tabular_id = $1::uuid", forced.Uuid));
        Assert.Equal(200, (await soft.CreateTableAsync("sd_force", "t")).Status);

        var hard = fixture.Hard;
        var table = await hard.CreateTableOkAsync("sd_hard", "t");
        Assert.Equal(204, (await hard.DropTableAsync("sd_hard", "t", purge: false)).Status);
        Assert.Equal(0L, await hard.CountAsync("SELECT count(*) FROM tabular WHERE tabular_id = $1::uuid", table.Uuid));
        Assert.Empty(await hard.DeletedItemsAsync());
    }

    [Fact]
    public async Task Undrop_is_all_or_nothing_and_refuses_bad_input_by_name()
    {
        var catalog = fixture.Soft;
        var a = await catalog.CreateTableOkAsync("sd_atomic", "a");
        Assert.Equal(204, (await catalog.DropTableAsync("sd_atomic", "a", purge: false)).Status);
        var unknown = Guid.NewGuid().ToString();

        var partly = await catalog.UndropAsync(("table", a.Uuid), ("table", unknown));
        Assert.Equal(404, partly.Status);
        Assert.Contains(unknown, partly.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(await catalog.DeletedItemsAsync(), e => e.GetProperty("id").GetString() == a.Uuid);

        foreach (var (body, field) in new[]
        {
            ("{}", "targets"),
            ("""{"targets":[]}""", "targets"),
            ("""{"targets":[{"type":"table"}]}""", "targets[0].id"),
            ($$"""{"targets":[{"type":"index","id":"{{a.Uuid}}"}]}""", "targets[0].type"),
            ($$"""{"targets":[{"type":"generic-table","id":"{{a.Uuid}}"}]}""", "generic tables"),
            ($$"""{"targets":[{"type":"table","id":"{{a.Uuid}}","force":true}]}""", "force"),
            ("""{"targets":[{"type":"table","id":"not-a-uuid"}]}""", "$.targets[0].id"),
            ("not json", "JSON"),
        })
        {
            var reply = await catalog.SendAsync(HttpMethod.Post, catalog.Management("deleted-tabulars/undrop"), body);
            Assert.True(reply.Status == 400, $"{body}: {reply}");
            Assert.Contains(field, reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Contains(await catalog.DeletedItemsAsync(), e => e.GetProperty("id").GetString() == a.Uuid);

        // The earlier path still works.
        Assert.Equal(204, (await catalog.SendAsync(HttpMethod.Post, catalog.Management("deleted_tabulars/undrop"),
            JsonSerializer.Serialize(new { targets = new[] { new { type = "table", id = a.Uuid } } }))).Status);
        Assert.Equal(200, (await catalog.LoadAsync("sd_atomic", "a")).Status);
    }

    [Fact]
    public async Task Deleted_tabulars_are_paged_and_filtered_by_namespace()
    {
        var catalog = fixture.Soft;
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await catalog.CreateTableOkAsync("sd_paging", $"t{i}")).Uuid);
            Assert.Equal(204, (await catalog.DropTableAsync("sd_paging", $"t{i}", purge: false)).Status);
        }

        var nsId = await catalog.NamespaceIdAsync("sd_paging");
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var reply = await catalog.DeletedAsync($"?namespaceId={nsId}&pageSize=2" + (token is null ? string.Empty : "&pageToken=" + token));
            Assert.True(reply.Status == 200, reply.ToString());
            var items = reply.Json.GetProperty("tabulars").EnumerateArray().ToList();
            Assert.True(items.Count <= 2);
            seen.AddRange(items.Select(e => e.GetProperty("id").GetString()!));
            token = reply.Json.TryGetProperty("next-page-token", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            pages++;
        }
        while (token is not null);

        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);

        foreach (var (query, field) in new[] { ("?pageSize=0", "pageSize"), ("?pageSize=x", "pageSize"), ("?pageToken=!!", "pageToken"), ("?namespaceId=nope", "namespaceId") })
        {
            var reply = await catalog.DeletedAsync(query);
            Assert.True(reply.Status == 400, $"{query}: {reply}");
            Assert.Contains(field, reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Equal(404, (await catalog.DeletedAsync($"?namespaceId={Guid.NewGuid()}")).Status);
        Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Get, $"/management/v1/warehouse/{Guid.NewGuid()}/deleted-tabulars")).Status);
    }

    [Fact]
    public async Task A_namespace_with_dropped_tables_needs_recursive_which_cancels_their_expiration()
    {
        var catalog = fixture.Soft;
        var table = await catalog.CreateTableOkAsync("sd_ns", "t");
        Assert.Equal(204, (await catalog.DropTableAsync("sd_ns", "t", purge: true)).Status);

        var plain = await catalog.SendAsync(HttpMethod.Delete, catalog.Url("namespaces/sd_ns"));
        Assert.Equal(409, plain.Status);
        Assert.Contains("dropped and awaiting expiration", plain.ErrorMessage, StringComparison.Ordinal);

        Assert.Equal(204, (await catalog.SendAsync(HttpMethod.Delete, catalog.Url("namespaces/sd_ns?recursive=true"))).Status);
        Assert.Equal(404, (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/sd_ns"))).Status);
        Assert.Equal(0L, await catalog.CountAsync("SELECT count(*) FROM tabular WHERE tabular_id = $1::uuid", table.Uuid));
        Assert.Equal(1L, await catalog.CountAsync(
            "SELECT count(*) FROM task_log WHERE entity_id = $1::uuid AND queue = 'soft_deletion' AND outcome = 'cancelled'", table.Uuid));
        // The drop asked for a purge: the recursive drop honours it.
        await Eventually.TrueAsync(() => Task.FromResult(Gone(Folder(table))), Deadline, "the purge of the dropped table");
    }
}

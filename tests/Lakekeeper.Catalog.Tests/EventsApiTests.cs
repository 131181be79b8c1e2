using System.Text.Json;
using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Events;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Npgsql;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// <c>POST /v1/{prefix}/events</c>: the change log in the shape of the Iceberg events proposal,
/// read back from the outbox the commits wrote.
/// </summary>
public sealed class EventsApiTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    private sealed record Page(IReadOnlyList<JsonElement> Events, string? Token);

    private async Task<Page> QueryAsync(object request)
    {
        var reply = await _http.PostAsync(_http.Url("events"), JsonSerializer.Serialize(request));
        Assert.True(reply.Status == 200, reply.ToString());
        var json = reply.Json;
        return new Page([.. json.GetProperty("events").EnumerateArray().Select(e => e.Clone())],
            json.GetProperty("continuation-token").ValueKind == JsonValueKind.String ? json.GetProperty("continuation-token").GetString() : null);
    }

    /// <summary>Every event from the start (or after <paramref name="token"/>), following continuation tokens.</summary>
    private async Task<(List<JsonElement> Events, string? Token, int Pages)> AllAsync(Dictionary<string, object?> filter, string? token = null, int pageSize = 1000)
    {
        var events = new List<JsonElement>();
        var pages = 0;
        while (true)
        {
            var request = new Dictionary<string, object?>(filter) { ["page-size"] = pageSize, ["continuation-token"] = token };
            var page = await QueryAsync(request);
            pages++;
            token = page.Token ?? token;
            if (page.Events.Count == 0)
            {
                return (events, token, pages);
            }

            events.AddRange(page.Events);
        }
    }

    [Fact]
    public async Task Paging_over_ten_thousand_events_returns_each_once_in_pages_of_at_most_the_page_size()
    {
        // 10,000 events written the way commits write them, by four concurrent transactions at a time.
        var written = new System.Collections.Concurrent.ConcurrentBag<string>();
        var tables = Enumerable.Range(0, 100).Select(_ => Guid.CreateVersion7()).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async worker =>
        {
            for (var batch = 0; batch < 5; batch++)
            {
                var events = Enumerable.Range(0, 500).Select(i =>
                {
                    var table = tables[(worker * 25) + (i % 25)];
                    return Event("updateTable", ChangeObjectType.Table, table, ["paging", "t" + table.ToString("N")[..8]], "paging-" + worker + "-" + batch, 500, i);
                }).ToList();
                await CopyAsync(events);
                foreach (var e in events)
                {
                    written.Add(e.EventId.ToString());
                }
            }
        }));

        var filter = new Dictionary<string, object?> { ["catalog-objects-by-name"] = new[] { new[] { "paging" } } };
        var (events, pages, _) = await FollowAsync(filter, written.Count, pageSize: 700);
        var ids = events.Select(e => e.GetProperty("event-id").GetString()!).ToList();
        Assert.Equal(10_000, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(written.Order(), ids.Order());
        Assert.True(pages >= 15, $"{pages} pages of at most 700");
        Assert.All(events, e => Assert.Equal(500, e.GetProperty("request-event-count").GetInt32()));
    }

    /// <summary>Follows continuation tokens until <paramref name="expected"/> events arrived (an empty page means "nothing new yet").</summary>
    private async Task<(List<JsonElement> Events, int Pages, string? Token)> FollowAsync(Dictionary<string, object?> filter, int expected, int pageSize)
    {
        var events = new List<JsonElement>();
        var token = filter.TryGetValue("continuation-token", out var initial) ? initial as string : null;
        var pages = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (events.Count < expected && DateTime.UtcNow < deadline)
        {
            var page = await QueryAsync(new Dictionary<string, object?>(filter) { ["page-size"] = pageSize, ["continuation-token"] = token });
            Assert.True(page.Events.Count <= pageSize);
            token = page.Token ?? token;
            if (page.Events.Count == 0)
            {
                await Task.Delay(50);
                continue;
            }

            pages++;
            events.AddRange(page.Events);
        }

        return (events, pages, token);
    }

    /// <summary>Writes events in one transaction with COPY (the table's defaults give each its transaction id and order).</summary>
    private async Task CopyAsync(IReadOnlyList<OutboxEvent> events)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY event_outbox (event_id, created_at, warehouse_id, event_type, object_type, object_id, object_name, name_key, request_id, event) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var e in events)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(e.EventId, NpgsqlTypes.NpgsqlDbType.Uuid);
                await copy.WriteAsync(e.CreatedAt, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(e.WarehouseId.Value, NpgsqlTypes.NpgsqlDbType.Uuid);
                await copy.WriteAsync(e.EventType, NpgsqlTypes.NpgsqlDbType.Text);
                await copy.WriteAsync(e.ObjectType, NpgsqlTypes.NpgsqlDbType.Text);
                await copy.WriteAsync(e.ObjectId, NpgsqlTypes.NpgsqlDbType.Uuid);
                await copy.WriteAsync(e.ObjectName.ToArray(), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text);
                await copy.WriteAsync(e.ObjectName.Select(p => p.ToLowerInvariant()).ToArray(), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text);
                await copy.WriteAsync(e.RequestId, NpgsqlTypes.NpgsqlDbType.Text);
                await copy.WriteAsync(e.EventJson, NpgsqlTypes.NpgsqlDbType.Text);
            }

            await copy.CompleteAsync();
        }

        await tx.CommitAsync();
    }

    private NpgsqlDataSource DataSource => (NpgsqlDataSource)fixture.App.Services.GetService(typeof(NpgsqlDataSource))!;

    /// <summary>An event as the catalog stores it, built with the same format code.</summary>
    private OutboxEvent Event(string type, ChangeObjectType objectType, Guid objectId, IReadOnlyList<string> name, string requestId, int count = 1, int sequence = 0)
    {
        var isNamespace = objectType == ChangeObjectType.Namespace;
        var change = new ChangeEvent(Guid.CreateVersion7(), DateTimeOffset.UtcNow, type, Guid.Parse(fixture.Prefix), objectType, objectId,
            isNamespace ? name : name.Take(name.Count - 1).ToList(), isNamespace ? null : name[^1], requestId, ChangeActor.Anonymous, null, count, sequence);
        var json = System.Text.Encoding.UTF8.GetString(ChangeEventFormat.Encode(ChangeEventFormat.ToCloudEvent(change, ChangeEventFormat.Source("test"))).Span);
        return new OutboxEvent(change.Id, change.Time, new WarehouseId(change.WarehouseId), type, isNamespace ? "namespace" : objectType == ChangeObjectType.Table ? "table" : "view",
            objectId, change.FullName, requestId, json);
    }

    [Fact]
    public async Task Filters_select_by_operation_name_prefix_object_id_object_type_and_time()
    {
        await _http.CreateNamespaceAsync(["Filters"]);
        await _http.CreateNamespaceAsync(["Filters", "Inner"]);
        var orders = await _http.CreateTableAsync(["Filters"], "Orders");
        var ordersId = orders.GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        await _http.CreateTableAsync(["Filters", "Inner"], "items");
        var commit = await _http.PostAsync(_http.TableUrl(["Filters"], "Orders"), """{"requirements":[],"updates":[{"action":"set-properties","updates":{"a":"b"}}]}""");
        Assert.Equal(200, commit.Status);
        var rename = await _http.PostAsync(_http.Url("tables/rename"),
            """{"source":{"namespace":["Filters"],"name":"Orders"},"destination":{"namespace":["Filters"],"name":"Orders2"}}""");
        Assert.Equal(204, rename.Status);

        static List<string> Operations(List<JsonElement> events) => [.. events.Select(e => e.GetProperty("operation").GetProperty("operation-type").GetString()!)];

        // Events appear once older transactions on the server are done: wait until all six are visible.
        await FollowAsync(new() { ["catalog-objects-by-name"] = new[] { new[] { "filters" } } }, expected: 6, pageSize: 100);

        // Name prefixes are case-insensitive and match whole parts: ["filters"] covers the namespace and all below it.
        var all = (await AllAsync(new() { ["catalog-objects-by-name"] = new[] { new[] { "filters" } } })).Events;
        Assert.Equal(["create-namespace", "create-namespace", "create-table", "create-table", "update-table", "rename-table"], Operations(all));
        var inner = (await AllAsync(new() { ["catalog-objects-by-name"] = new[] { new[] { "FILTERS", "inner" } } })).Events;
        Assert.Equal(["create-namespace", "create-table"], Operations(inner));
        Assert.Empty((await AllAsync(new() { ["catalog-objects-by-name"] = new[] { new[] { "filt" } } })).Events);

        var byId = (await AllAsync(new() { ["catalog-objects-by-id"] = new[] { new { uuid = ordersId, type = "table" } } })).Events;
        Assert.Equal(["create-table", "update-table", "rename-table"], Operations(byId));
        var update = byId[1].GetProperty("operation");
        Assert.Equal(ordersId, update.GetProperty("table-uuid").GetString());
        Assert.Equal("Orders", update.GetProperty("identifier").GetProperty("name").GetString());
        Assert.Equal(["Filters"], update.GetProperty("identifier").GetProperty("namespace").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("set-properties", update.GetProperty("updates")[0].GetProperty("action").GetString());
        Assert.Equal("Orders2", byId[2].GetProperty("operation").GetProperty("destination").GetProperty("name").GetString());
        Assert.Equal("anonymous", byId[1].GetProperty("actor").GetProperty("type").GetString());

        var namespaces = (await AllAsync(new() { ["object-types"] = new[] { "namespace" }, ["catalog-objects-by-name"] = new[] { new[] { "filters" } } })).Events;
        Assert.Equal(["create-namespace", "create-namespace"], Operations(namespaces));
        Assert.Equal(["Filters", "Inner"], namespaces[1].GetProperty("operation").GetProperty("namespace").EnumerateArray().Select(p => p.GetString()));

        var updates = (await AllAsync(new() { ["operation-types"] = new[] { "update-table", "rename-table" }, ["catalog-objects-by-name"] = new[] { new[] { "filters" } } })).Events;
        Assert.Equal(["update-table", "rename-table"], Operations(updates));

        var renameTime = all[^1].GetProperty("timestamp-ms").GetInt64();
        var since = (await AllAsync(new() { ["since-timestamp-ms"] = renameTime, ["catalog-objects-by-name"] = new[] { new[] { "filters" } } })).Events;
        Assert.Contains(since, e => e.GetProperty("operation").GetProperty("operation-type").GetString() == "rename-table");
        Assert.All(since, e => Assert.True(e.GetProperty("timestamp-ms").GetInt64() >= renameTime));
        Assert.True(since.Count < all.Count);
    }

    [Fact]
    public async Task Bad_requests_are_400_and_change_nothing()
    {
        foreach (var body in new[]
        {
            """{"operation-types":["create-everything"]}""",
            """{"object-types":["warehouse"]}""",
            """{"continuation-token":"not-a-token"}""",
            """{"page-size":0}""",
            """{"since-timestamp-ms":-1}""",
            """{"catalog-objects-by-id":[{"uuid":"nope"}]}""",
            """{"catalog-objects-by-name":[[]]}""",
            """{"custom-filters":{"x":"y"}}""",
            """[1,2]""",
            """{"page-size":""",
        })
        {
            var reply = await _http.PostAsync(_http.Url("events"), body);
            ErrorAssert.Is(reply, 400, "BadRequestException");
        }
    }

    [Fact]
    public async Task An_event_is_invisible_until_it_commits_and_a_continuation_token_never_skips_an_event_that_commits_late()
    {
        await _http.CreateNamespaceAsync("late");
        var start = (await FollowAsync(new() { ["catalog-objects-by-name"] = new[] { new[] { "late" } } }, expected: 1, pageSize: 100)).Token;

        // A change whose transaction is still open when a later change commits.
        await using var open = await DbTransaction.BeginAsync(DataSource, CancellationToken.None);
        var late = Event("createNamespace", ChangeObjectType.Namespace, Guid.CreateVersion7(), ["late", "slow"], "late-request");
        var lateId = late.EventId;
        await OutboxRepository.AddAsync(open, late, CancellationToken.None);

        await _http.CreateNamespaceAsync(["late", "fast"]);
        var during = await AllAsync(new() { ["catalog-objects-by-name"] = new[] { new[] { "late" } } }, start);
        Assert.Empty(during.Events);

        await open.CommitAsync(CancellationToken.None);
        // Other transactions on the server may still hold the horizon a moment: follow the token until both arrived.
        var after = await FollowAsync(new() { ["catalog-objects-by-name"] = new[] { new[] { "late" } }, ["continuation-token"] = start }, expected: 2, pageSize: 100);
        Assert.Equal(2, after.Events.Count);
        Assert.Equal(lateId.ToString(), after.Events[0].GetProperty("event-id").GetString());
        Assert.Equal("late-request", after.Events[0].GetProperty("request-id").GetString());
        Assert.Equal(["late", "fast"], after.Events[1].GetProperty("operation").GetProperty("namespace").EnumerateArray().Select(p => p.GetString()));
    }
}

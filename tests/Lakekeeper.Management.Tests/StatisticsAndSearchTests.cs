using System.Text;
using System.Text.Json;
using Lakekeeper.Management.Tests.Contracts;
using Lakekeeper.Persistence.Statistics;
using Lakekeeper.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management.Tests;

/// <summary>Warehouse statistics, search-tabular and endpoint statistics, fed by real catalog requests.</summary>
public sealed class StatisticsAndSearchTests : IAsyncLifetime
{
    private const string Schema = """{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"}]}""";

    private StandaloneApp _app = null!;
    private ManagementClient _api = null!;
    private string _warehouse = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await StandaloneApp.StartAsync();
        _api = new ManagementClient(_app.Client);
        _warehouse = await _app.CreateWarehouseAsync("stats");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<int> CatalogAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, $"/catalog/v1/{_warehouse}/{path}");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _app.Client.SendAsync(request);
        return (int)response.StatusCode;
    }

    private Task<int> CreateNamespaceAsync(params string[] levels) =>
        CatalogAsync(HttpMethod.Post, "namespaces", JsonSerializer.Serialize(new { @namespace = levels }));

    private Task<int> CreateTableAsync(string ns, string name) =>
        CatalogAsync(HttpMethod.Post, $"namespaces/{ns}/tables", $$"""{"name":"{{name}}","schema":{{Schema}}}""");

    private Task<int> CreateViewAsync(string ns, string name) =>
        CatalogAsync(HttpMethod.Post, $"namespaces/{ns}/views", $$$"""
            {"name":"{{{name}}}","schema":{{{Schema}}},"view-version":{"version-id":1,"timestamp-ms":1700000000000,"schema-id":0,
             "summary":{"engine-name":"test"},"default-namespace":["{{{ns}}}"],"representations":[{"type":"sql","sql":"select 1","dialect":"spark"}]},
             "properties":{}}
            """);

    [Fact]
    public async Task Warehouse_statistics_count_live_tables_and_views()
    {
        Assert.Equal(200, await CreateNamespaceAsync("sales"));
        Assert.Equal(200, await CreateTableAsync("sales", "orders"));
        Assert.Equal(200, await CreateTableAsync("sales", "customers"));
        Assert.Equal(200, await CreateViewAsync("sales", "big_orders"));

        var stats = (await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/statistics")).Is(200);
        Assert.Equal(_warehouse, stats.GetProperty("warehouse-ident").GetString());
        var latest = stats.GetProperty("stats")[0];
        Assert.Equal(2, latest.GetProperty("number-of-tables").GetInt64());
        Assert.Equal(1, latest.GetProperty("number-of-views").GetInt64());
        Assert.True(latest.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        Assert.Equal(204, await CatalogAsync(HttpMethod.Delete, "namespaces/sales/tables/orders"));
        latest = (await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/statistics")).Is(200).GetProperty("stats")[0];
        Assert.Equal(1, latest.GetProperty("number-of-tables").GetInt64());

        (await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/statistics?page_size=0")).IsError(400, "page_size");
        (await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/statistics?page_token=forged")).IsError(400, "page_token");
        (await _api.GetAsync($"/management/v1/warehouse/{Guid.NewGuid()}/statistics")).IsError(404, "Warehouse does not exist");
    }

    [Fact]
    public async Task Search_finds_tables_and_views_by_approximate_name_or_by_id()
    {
        Assert.Equal(200, await CreateNamespaceAsync("crm"));
        Assert.Equal(200, await CreateNamespaceAsync("finance"));
        Assert.Equal(200, await CreateTableAsync("crm", "customers"));
        Assert.Equal(200, await CreateTableAsync("crm", "contacts"));
        Assert.Equal(200, await CreateTableAsync("finance", "ledger"));
        Assert.Equal(200, await CreateViewAsync("finance", "customer_balances"));

        var found = (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/search-tabular", """{"search":"custmers"}""")).Is(200)
            .GetProperty("tabulars").EnumerateArray().ToList();
        Assert.Equal("customers", found[0].GetProperty("tabular-name").GetString());
        Assert.Equal(["crm"], found[0].GetProperty("namespace-name").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal("table", found[0].GetProperty("tabular-id").GetProperty("type").GetString());
        Assert.True(found.Select(f => f.GetProperty("distance").GetSingle()).SequenceEqual(found.Select(f => f.GetProperty("distance").GetSingle()).Order()));

        var view = (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/search-tabular", """{"search":"finance.customer_balance"}""")).Is(200)
            .GetProperty("tabulars")[0];
        Assert.Equal("view", view.GetProperty("tabular-id").GetProperty("type").GetString());
        var viewId = view.GetProperty("tabular-id").GetProperty("id").GetString();

        var byId = (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/search-tabular", $$"""{"search":"{{viewId}}"}""")).Is(200).GetProperty("tabulars");
        Assert.Equal(viewId, Assert.Single(byId.EnumerateArray()).GetProperty("tabular-id").GetProperty("id").GetString());

        var longSearch = new string('x', 500);
        (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/search-tabular", $$"""{"search":"{{longSearch}}"}""")).Is(200);
        (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/search-tabular", "{}")).IsError(400, "search");
        (await _api.PostAsync($"/management/v1/warehouse/{Guid.NewGuid()}/search-tabular", """{"search":"x"}""")).IsError(404, "Warehouse does not exist");
    }

    [Fact]
    public async Task Endpoint_statistics_count_requests_by_route_status_and_warehouse()
    {
        Assert.Equal(200, await CreateNamespaceAsync("counted"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, await CatalogAsync(HttpMethod.Get, "namespaces/counted"));
        }

        Assert.Equal(404, await CatalogAsync(HttpMethod.Get, "namespaces/missing"));
        (await _api.GetAsync("/management/v1/project-list")).Is(200);
        await _app.Services.GetRequiredService<EndpointStatisticsCounter>().FlushAsync(CancellationToken.None);

        var all = (await _api.PostAsync("/management/v1/endpoint-statistics", """{"warehouse":{"type":"all"}}""")).Is(200);
        var entries = all.GetProperty("called-endpoints").EnumerateArray().SelectMany(b => b.EnumerateArray()).ToList();
        var loads = entries.Single(e => e.GetProperty("http-route").GetString() == "GET /catalog/v1/{prefix}/namespaces/{namespace}" && e.GetProperty("status-code").GetInt32() == 200);
        Assert.Equal(3, loads.GetProperty("count").GetInt64());
        Assert.Equal(_warehouse, loads.GetProperty("warehouse-id").GetString());
        Assert.Equal("stats", loads.GetProperty("warehouse-name").GetString());
        Assert.Contains(entries, e => e.GetProperty("http-route").GetString() == "GET /catalog/v1/{prefix}/namespaces/{namespace}" && e.GetProperty("status-code").GetInt32() == 404);
        Assert.Contains(entries, e => e.GetProperty("http-route").GetString() == "GET /management/v1/project-list");
        // One hourly bucket (two if the test ran across the turn of an hour).
        Assert.InRange(all.GetProperty("timestamps").GetArrayLength(), 1, 2);

        var notFound = (await _api.PostAsync("/management/v1/endpoint-statistics", $$"""{"warehouse":{"type":"warehouse-id","id":"{{_warehouse}}"},"status-codes":[404]}""")).Is(200);
        Assert.All(notFound.GetProperty("called-endpoints").EnumerateArray().SelectMany(b => b.EnumerateArray()), e => Assert.Equal(404, e.GetProperty("status-code").GetInt32()));
        var unmapped = (await _api.PostAsync("/management/v1/endpoint-statistics", """{"warehouse":{"type":"unmapped"}}""")).Is(200);
        Assert.All(unmapped.GetProperty("called-endpoints").EnumerateArray().SelectMany(b => b.EnumerateArray()), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("warehouse-id").ValueKind));

        // The previous window (the day before) is empty; its next window is this one again.
        var previous = (await _api.PostAsync("/management/v1/endpoint-statistics",
            $$$"""{"warehouse":{"type":"all"},"range-specifier":{"type":"page-token","token":"{{{all.GetProperty("previous-page-token").GetString()}}}"}}""")).Is(200);
        Assert.Empty(previous.GetProperty("timestamps").EnumerateArray());
        var again = (await _api.PostAsync("/management/v1/endpoint-statistics",
            $$$"""{"warehouse":{"type":"all"},"range-specifier":{"type":"page-token","token":"{{{previous.GetProperty("next-page-token").GetString()}}}"}}""")).Is(200);
        Assert.Equal(all.GetProperty("timestamps").GetRawText(), again.GetProperty("timestamps").GetRawText());
        var window = (await _api.PostAsync("/management/v1/endpoint-statistics",
            $$$"""{"warehouse":{"type":"all"},"range-specifier":{"type":"window","end":"{{{DateTimeOffset.UtcNow.AddHours(2):O}}}","interval":"PT3H"}}""")).Is(200);
        Assert.InRange(window.GetProperty("timestamps").GetArrayLength(), 1, 2);
    }

    [Fact]
    public async Task Concurrent_requests_are_each_counted_once_while_flushes_run()
    {
        var counter = _app.Services.GetRequiredService<EndpointStatisticsCounter>();
        using var done = new CancellationTokenSource();
        var flushes = 0;
        var flusher = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                await counter.FlushAsync(CancellationToken.None);
                flushes++;
            }
        });

        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            for (var i = 0; i < 25; i++)
            {
                using var response = await _app.Client.GetAsync($"/management/v1/warehouse/{_warehouse}");
                Assert.Equal(200, (int)response.StatusCode);
            }
        }));
        await done.CancelAsync();
        await flusher;
        await counter.FlushAsync(CancellationToken.None);
        Assert.True(flushes > 1);

        var stats = (await _api.PostAsync("/management/v1/endpoint-statistics", $$"""{"warehouse":{"type":"warehouse-id","id":"{{_warehouse}}"},"status-codes":[200]}""")).Is(200);
        var gets = stats.GetProperty("called-endpoints").EnumerateArray().SelectMany(b => b.EnumerateArray())
            .Where(e => e.GetProperty("http-route").GetString() == "GET /management/v1/warehouse/{warehouse_id}")
            .Sum(e => e.GetProperty("count").GetInt64());
        Assert.Equal(400, gets);
    }

    [Theory]
    [InlineData("""{}""", "warehouse")]
    [InlineData("""{"warehouse":{"type":"some"}}""", "warehouse")]
    [InlineData("""{"warehouse":{"type":"warehouse-id"}}""", "id")]
    [InlineData("""{"warehouse":{"type":"all"},"status-codes":[999]}""", "status-codes")]
    [InlineData("""{"warehouse":{"type":"all"},"range-specifier":{"type":"window","end":"2026-01-01T00:00:00Z","interval":"forever"}}""", "range-specifier")]
    [InlineData("""{"warehouse":{"type":"all"},"range-specifier":{"type":"window","end":"2026-01-01T00:00:00Z","interval":"P400D"}}""", "range-specifier")]
    [InlineData("""{"warehouse":{"type":"all"},"range-specifier":{"type":"page-token","token":"forged"}}""", "range-specifier")]
    [InlineData("""{"warehouse":{"type":"all"},"range-specifier":{"type":"window","end":"yesterday","interval":"P1D"}}""", "end")]
    public async Task Bad_endpoint_statistics_requests_are_400_naming_the_field(string body, string mentions)
    {
        (await _api.PostAsync("/management/v1/endpoint-statistics", body)).IsError(400, mentions);
    }
}

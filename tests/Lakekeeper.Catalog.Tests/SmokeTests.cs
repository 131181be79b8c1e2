using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

public sealed class SmokeTests : IAsyncLifetime
{
    private StandaloneApp _app = null!;
    private string _prefix = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await StandaloneApp.StartAsync();
        _prefix = await _app.CreateWarehouseAsync();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Config_returns_the_warehouse_prefix_and_the_endpoints()
    {
        var config = await _app.Client.GetFromJsonAsync<JsonElement>("/catalog/v1/config?warehouse=demo");
        Assert.Equal(_prefix, config.GetProperty("overrides").GetProperty("prefix").GetString());
        Assert.Contains("POST /v1/{prefix}/transactions/commit", config.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Ready_probe_reports_the_database()
    {
        using var response = await _app.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("postgres", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

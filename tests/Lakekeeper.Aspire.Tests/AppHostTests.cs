using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Lakekeeper.Testing;

namespace Lakekeeper.Aspire.Tests;

/// <summary>
/// The system the Aspire app host starts serves the catalog through the gateway: every resource came up
/// in order, a namespace is created through the gateway, and a real third-party client (iceberg-js) drives
/// a table through its life.
/// </summary>
public sealed class AppHostTests(AspireApp aspire) : IClassFixture<AspireApp>
{
    private static readonly string[] Services = ["authz", "catalog", "signer", "management", "events", "gateway"];

    [Fact]
    public async Task Every_resource_is_up_and_a_namespace_is_created_through_the_gateway()
    {
        var notifications = aspire.App.ResourceNotifications;
        foreach (var service in Services.Append("postgres").Append("nats"))
        {
            Assert.True(notifications.TryGetCurrentState(service, out var state), service);
            Assert.Equal(KnownResourceStates.Running, state.Snapshot.State?.Text);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, state.Snapshot.HealthStatus);
        }

        Assert.True(notifications.TryGetCurrentState("migrate", out var migrate), "migrate");
        Assert.Equal(0, migrate.Snapshot.ExitCode);

        using var client = new HttpClient { BaseAddress = aspire.BaseAddress };
        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var prefix = await WarehousePrefixAsync(client, "demo");
        var name = "aspire_" + Guid.NewGuid().ToString("N")[..8];
        using (var created = await client.PostAsJsonAsync($"/catalog/v1/{prefix}/namespaces", new { @namespace = new[] { name } }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using var loaded = await client.GetAsync($"/catalog/v1/{prefix}/namespaces/{name}");
        Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
        Assert.Equal(name, JsonDocument.Parse(await loaded.Content.ReadAsStringAsync()).RootElement.GetProperty("namespace")[0].GetString());
    }

    [Fact]
    public async Task Every_service_serves_Prometheus_metrics_on_its_own_port_with_the_requests_by_route()
    {
        using var client = new HttpClient { BaseAddress = aspire.BaseAddress };
        var prefix = await WarehousePrefixAsync(client, "demo");
        var ports = new HashSet<int>();
        foreach (var service in Services)
        {
            var metrics = aspire.App.GetEndpoint(service, "metrics");
            Assert.True(ports.Add(metrics.Port), $"{service}: metrics port {metrics.Port} shared");
            Assert.NotEqual(aspire.App.GetEndpoint(service, "http").Port, metrics.Port);
            using var scrape = await client.GetAsync(new Uri(metrics, "/metrics"));
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
            // The app host's health checks of /health/ready are requests like any other.
            var text = await scrape.Content.ReadAsStringAsync();
            Assert.True(text.Contains("http_route=\"/health/ready\"", StringComparison.Ordinal), $"{service}:\n{text}");
        }

        // The config call above went through the gateway to the catalog: counted by its route template.
        var catalog = await client.GetStringAsync(new Uri(aspire.App.GetEndpoint("catalog", "metrics"), "/metrics"));
        Assert.Contains("http_route=\"/catalog/v1/config\"", catalog, StringComparison.Ordinal);
        Assert.NotEmpty(prefix);
    }

    [Fact]
    public async Task A_table_lives_its_whole_life_through_iceberg_js()
    {
        var observed = await IcebergJsLifecycle.RunAsync(aspire.BaseAddress, "demo", Guid.NewGuid().ToString("N")[..8]);
        Assert.Empty(IcebergJsLifecycle.Mismatches(observed));
    }

    private static async Task<string> WarehousePrefixAsync(HttpClient client, string warehouse)
    {
        using var config = await client.GetAsync($"/catalog/v1/config?warehouse={warehouse}");
        Assert.Equal(HttpStatusCode.OK, config.StatusCode);
        return JsonDocument.Parse(await config.Content.ReadAsStringAsync()).RootElement.GetProperty("overrides").GetProperty("prefix").GetString()!;
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using Lakekeeper.Catalog.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Catalog.Tests;

/// <summary><c>GET /v1/config</c>: the prefix, the endpoint list and the warehouse lookup.</summary>
public sealed class ConfigTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Config_overrides_the_prefix_with_the_warehouse_id_and_advertises_idempotency()
    {
        var reply = await _http.GetAsync("/catalog/v1/config?warehouse=demo");
        Assert.Equal(200, reply.Status);
        var config = reply.Json;
        Assert.Equal(fixture.Prefix, config.GetProperty("overrides").GetProperty("prefix").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Object, config.GetProperty("defaults").ValueKind);
        Assert.Equal("PT30M", config.GetProperty("idempotency-key-lifetime").GetString());
    }

    [Fact]
    public async Task Config_takes_the_project_id_slash_name_form()
    {
        var reply = await _http.GetAsync("/catalog/v1/config?warehouse=" + Uri.EscapeDataString(Guid.Empty + "/demo"));
        Assert.Equal(200, reply.Status);
        Assert.Equal(fixture.Prefix, reply.Json.GetProperty("overrides").GetProperty("prefix").GetString());

        var otherProject = await _http.GetAsync("/catalog/v1/config?warehouse=" + Uri.EscapeDataString(Guid.NewGuid() + "/demo"));
        ErrorAssert.Is(otherProject, 404, "NoSuchWarehouseException");
    }

    [Fact]
    public async Task Config_takes_the_project_from_x_project_id_as_management_calls_do()
    {
        var client = fixture.App.Client;
        using var project = await client.PostAsJsonAsync("/management/v1/project", new Dictionary<string, string> { ["project-name"] = "other" });
        Assert.True(project.IsSuccessStatusCode, await project.Content.ReadAsStringAsync());
        var projectId = JsonDocument.Parse(await project.Content.ReadAsStringAsync()).RootElement.GetProperty("project-id").GetString()!;
        var folder = Path.Combine(fixture.App.WarehouseRoot, "other-demo");
        Directory.CreateDirectory(folder);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/management/v1/warehouse")
        {
            Content = JsonContent.Create(new Dictionary<string, object>
            {
                ["warehouse-name"] = "demo",
                ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = folder },
            }),
        };
        create.Headers.Add("x-project-id", projectId);
        using var created = await client.SendAsync(create);
        var createdBody = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, createdBody);
        var otherPrefix = JsonDocument.Parse(createdBody).RootElement.GetProperty("warehouse-id").GetString();
        Assert.NotEqual(fixture.Prefix, otherPrefix);

        async Task<HttpReply> ConfigAsync(string? header)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/catalog/v1/config?warehouse=demo");
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation("x-project-id", header);
            }

            using var response = await client.SendAsync(request);
            return new HttpReply((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response.Headers, response.Content.Headers);
        }

        Assert.Equal(otherPrefix, (await ConfigAsync(projectId)).Json.GetProperty("overrides").GetProperty("prefix").GetString());
        Assert.Equal(fixture.Prefix, (await ConfigAsync(null)).Json.GetProperty("overrides").GetProperty("prefix").GetString());
        Assert.Equal(fixture.Prefix, (await ConfigAsync(Guid.Empty.ToString())).Json.GetProperty("overrides").GetProperty("prefix").GetString());
        ErrorAssert.Is(await ConfigAsync(Guid.NewGuid().ToString()), 404, "NoSuchWarehouseException");
        ErrorAssert.Contains(await ConfigAsync("not-a-project"), 400, "BadRequestException", "x-project-id");
    }

    [Theory]
    [InlineData("/catalog/v1/config")]
    [InlineData("/catalog/v1/config?warehouse=")]
    public async Task Config_without_a_warehouse_is_400(string url)
    {
        var reply = await _http.GetAsync(url);
        ErrorAssert.Contains(reply, 400, "BadRequestException", "warehouse");
    }

    [Fact]
    public async Task Config_for_an_unknown_warehouse_is_404_NoSuchWarehouse()
    {
        var reply = await _http.GetAsync("/catalog/v1/config?warehouse=nope");
        ErrorAssert.Exactly(reply, 404, "NoSuchWarehouseException", "Warehouse does not exist: nope");
    }

    [Fact]
    public async Task An_unknown_or_malformed_prefix_is_404_NoSuchWarehouse()
    {
        ErrorAssert.Is(await _http.GetAsync($"/catalog/v1/{Guid.NewGuid()}/namespaces"), 404, "NoSuchWarehouseException");
        ErrorAssert.Is(await _http.GetAsync("/catalog/v1/not-a-guid/namespaces"), 404, "NoSuchWarehouseException");
    }

    [Fact]
    public async Task Advertised_endpoints_are_exactly_the_mapped_prefixed_routes()
    {
        var advertised = await AdvertisedAsync();
        var mapped = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } text && text.StartsWith("/catalog/v1/{prefix}/", StringComparison.Ordinal) && !IsSignRoute(text))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(m => $"{m} {e.RoutePattern.RawText!["/catalog".Length..]}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Equal(mapped.Order(StringComparer.Ordinal), advertised.Order(StringComparer.Ordinal));
        Assert.Equal(advertised.Count, advertised.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Every_prefixed_route_also_exists_without_the_prefix()
    {
        var patterns = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (Text: e.RoutePattern.RawText ?? string.Empty, Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .SelectMany(e => e.Methods.Select(m => m + " " + e.Text))
            .ToHashSet(StringComparer.Ordinal);
        var prefixed = patterns.Where(p => p.Contains(" /catalog/v1/{prefix}/", StringComparison.Ordinal) && !IsSignRoute(p)).ToList();
        Assert.NotEmpty(prefixed);
        foreach (var route in prefixed)
        {
            Assert.Contains(route.Replace("/{prefix}/", "/", StringComparison.Ordinal), patterns);
        }
    }

    /// <summary>Each advertised endpoint, called on objects that do not exist, answers from its handler, not the fallback.</summary>
    [Fact]
    public async Task Every_advertised_endpoint_answers_from_a_handler()
    {
        var advertised = await AdvertisedAsync();
        Assert.True(advertised.Count >= 20, string.Join(", ", advertised));
        foreach (var endpoint in advertised)
        {
            var space = endpoint.IndexOf(' ', StringComparison.Ordinal);
            var method = new HttpMethod(endpoint[..space]);
            var path = endpoint[(space + 1)..]
                .Replace("/v1/{prefix}/", $"/catalog/v1/{fixture.Prefix}/", StringComparison.Ordinal)
                .Replace("{namespace}", "no_such_ns_cfg", StringComparison.Ordinal)
                .Replace("{table}", "no_such_table", StringComparison.Ordinal)
                .Replace("{view}", "no_such_view", StringComparison.Ordinal);
            Assert.DoesNotContain("{", path, StringComparison.Ordinal);
            var reply = await _http.SendAsync(method, path, method == HttpMethod.Post ? "{}" : null);
            if (method == HttpMethod.Head)
            {
                // An unmatched route would be 404 too, but without a body; the handler is what answers here.
                ErrorAssert.HeadStatus(reply, 404);
                continue;
            }

            Assert.DoesNotContain("No route for request", reply.Body, StringComparison.Ordinal);
            if (reply.Status is >= 200 and < 300)
            {
                // Only the top-level list and the change log can succeed on an empty warehouse.
                Assert.Contains(endpoint, new[] { "GET /v1/{prefix}/namespaces", "POST /v1/{prefix}/events" });
                continue;
            }

            Assert.True(reply.Status is >= 400 and < 500, $"{endpoint}: {reply}");
            ErrorAssert.Shape(reply);
            Assert.True(reply.Status != 404 || reply.Body.Contains("does not exist", StringComparison.Ordinal), $"{endpoint}: {reply}");
        }
    }

    [Fact]
    public async Task The_view_and_head_endpoints_are_advertised()
    {
        var advertised = await AdvertisedAsync();
        Assert.Contains("HEAD /v1/{prefix}/namespaces/{namespace}", advertised);
        Assert.Contains("HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}", advertised);
        Assert.Contains("HEAD /v1/{prefix}/namespaces/{namespace}/views/{view}", advertised);
        Assert.Contains("POST /v1/{prefix}/views/rename", advertised);
        Assert.Contains("POST /v1/{prefix}/namespaces/{namespace}/register-view", advertised);
    }

    /// <summary>
    /// The signer module's routes (mapped in the standalone host too): signing always needs a
    /// warehouse, and the per-table route is advertised only for S3 warehouses with remote signing
    /// (the signer's tests check that).
    /// </summary>
    private static bool IsSignRoute(string pattern) =>
        pattern.EndsWith("/sign", StringComparison.Ordinal);

    private async Task<List<string>> AdvertisedAsync()
    {
        var reply = await _http.GetAsync("/catalog/v1/config?warehouse=demo");
        Assert.Equal(200, reply.Status);
        return [.. reply.Json.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()!)];
    }
}

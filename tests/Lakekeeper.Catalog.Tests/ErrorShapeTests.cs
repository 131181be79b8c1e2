using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>The error contract everywhere: unknown routes, wrong methods, missing prefix, HEAD.</summary>
public sealed class ErrorShapeTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Theory]
    [InlineData("GET", "/catalog/v1/{prefix}/nonsense")]
    [InlineData("GET", "/catalog/v1/{prefix}/namespaces/ns/tables/t/nonsense")]
    [InlineData("GET", "/catalog/v2/config")]
    [InlineData("GET", "/nonsense")]
    [InlineData("POST", "/catalog/v1/{prefix}/config")]
    public async Task Unknown_routes_are_404_No_route_for_request(string method, string path)
    {
        var resolved = path.Replace("{prefix}", fixture.Prefix, StringComparison.Ordinal);
        var reply = await _http.SendAsync(new HttpMethod(method), resolved, method == "POST" ? "{}" : null);
        ErrorAssert.Exactly(reply, 404, "NotFoundException", $"No route for request: {method} {resolved}");
    }

    [Theory]
    [InlineData("PUT", "/catalog/v1/{prefix}/namespaces", "GET, POST")]
    [InlineData("PATCH", "/catalog/v1/{prefix}/namespaces/ns/tables/t", "DELETE, GET, HEAD, POST")]
    [InlineData("DELETE", "/catalog/v1/{prefix}/tables/rename", "POST")]
    [InlineData("POST", "/catalog/v1/config", "GET")]
    public async Task Known_routes_with_another_method_are_405_with_Allow(string method, string path, string allowed)
    {
        var resolved = path.Replace("{prefix}", fixture.Prefix, StringComparison.Ordinal);
        var reply = await _http.SendAsync(new HttpMethod(method), resolved, method is "POST" or "PUT" or "PATCH" ? "{}" : null);
        ErrorAssert.Exactly(reply, 405, "MethodNotAllowedException", $"Method not allowed: {method} {resolved}");
        Assert.Equal(allowed, string.Join(", ", reply.ContentHeaders.Allow.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Head_errors_have_no_body()
    {
        ErrorAssert.HeadStatus(await _http.HeadAsync($"/catalog/v1/{fixture.Prefix}/nonsense"), 404);
        ErrorAssert.HeadStatus(await _http.HeadAsync($"/catalog/v1/{Guid.NewGuid()}/namespaces/ns"), 404);
        ErrorAssert.HeadStatus(await _http.HeadAsync("/catalog/v1/namespaces/ns"), 400);
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.ViewUrl(["shape_missing"], "v")), 404);
    }

    [Theory]
    [InlineData("GET", "namespaces")]
    [InlineData("POST", "namespaces")]
    [InlineData("GET", "namespaces/ns")]
    [InlineData("GET", "namespaces/ns/tables/t")]
    [InlineData("POST", "tables/rename")]
    [InlineData("GET", "namespaces/ns/views")]
    public async Task Routes_without_a_prefix_need_a_default_warehouse(string method, string rest)
    {
        var reply = await _http.SendAsync(new HttpMethod(method), "/catalog/v1/" + rest, method == "POST" ? "{}" : null);
        ErrorAssert.Contains(reply, 400, "BadRequestException", "/v1/config?warehouse=");
    }

    [Fact]
    public async Task Errors_carry_a_json_content_type_and_code_equal_to_the_status()
    {
        await _http.CreateNamespaceAsync("shape_ns");
        var replies = new[]
        {
            await _http.GetAsync(_http.NamespaceUrl("shape_missing")),
            await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["shape_ns"]}"""),
            await _http.PostAsync(_http.Url("namespaces"), "{"),
            await _http.PostAsync(_http.NamespaceUrl("shape_ns") + "/properties", """{"removals":["a"],"updates":{"a":"b"}}"""),
            await _http.GetAsync("/catalog/v1/config?warehouse=nope"),
        };
        Assert.Equal([404, 409, 400, 422, 404], replies.Select(r => r.Status));
        foreach (var reply in replies)
        {
            ErrorAssert.Shape(reply);
        }
    }
}

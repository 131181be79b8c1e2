using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// With <c>Catalog:DefaultWarehouse</c> set, every route also works without <c>{prefix}</c> (clients
/// leave the prefix out when config returns none), on the same warehouse as the prefixed routes.
/// </summary>
public sealed class DefaultWarehouseTests(DefaultWarehouseAppFixture fixture) : IClassFixture<DefaultWarehouseAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Config_without_a_warehouse_uses_the_default()
    {
        var reply = await _http.GetAsync("/catalog/v1/config");
        Assert.Equal(200, reply.Status);
        Assert.Equal(fixture.Prefix, reply.Json.GetProperty("overrides").GetProperty("prefix").GetString());
    }

    [Fact]
    public async Task Every_operation_works_without_the_prefix_on_the_same_warehouse()
    {
        var ns = CatalogHttp.Ns("plain");
        Assert.Equal(200, (await _http.PostAsync(Plain("namespaces"), """{"namespace":["plain"]}""")).Status);
        Assert.Equal(200, (await _http.PostAsync(Plain("namespaces"), """{"namespace":["plain","child"]}""")).Status);
        Assert.Contains("plain", await _http.ListNamespacesAsync());
        Assert.Equal(200, (await _http.GetAsync(Plain("namespaces"))).Status);
        Assert.Equal(200, (await _http.GetAsync(Plain("namespaces?parent=plain"))).Status);
        Assert.Equal(200, (await _http.GetAsync(Plain($"namespaces/{ns}"))).Status);
        ErrorAssert.HeadStatus(await _http.HeadAsync(Plain($"namespaces/{ns}")), 204);
        Assert.Equal(200, (await _http.PostAsync(Plain($"namespaces/{ns}/properties"), """{"updates":{"a":"b"}}""")).Status);

        var created = await _http.PostAsync(Plain($"namespaces/{ns}/tables"), CatalogHttp.CreateTableBody("t"));
        Assert.True(created.Status == 200, created.ToString());
        Assert.Equal(["t"], await _http.ListTablesAsync(["plain"]));
        Assert.Equal(200, (await _http.GetAsync(Plain($"namespaces/{ns}/tables"))).Status);
        Assert.Equal(200, (await _http.GetAsync(Plain($"namespaces/{ns}/tables/t"))).Status);
        ErrorAssert.HeadStatus(await _http.HeadAsync(Plain($"namespaces/{ns}/tables/t")), 204);
        var commit = await _http.PostAsync(Plain($"namespaces/{ns}/tables/t"), """{"requirements":[],"updates":[{"action":"set-properties","updates":{"k":"v"}}]}""");
        Assert.True(commit.Status == 200, commit.ToString());
        Assert.Equal("v", (await _http.LoadTableAsync(["plain"], "t")).GetProperty("metadata").GetProperty("properties").GetProperty("k").GetString());
        Assert.Equal(200, (await _http.GetAsync(Plain($"namespaces/{ns}/tables/t/credentials"))).Status);
        Assert.Equal(204, (await _http.PostAsync(Plain($"namespaces/{ns}/tables/t/metrics"), """{"report-type":"commit-report","table-name":"plain.t"}""")).Status);
        Assert.Equal(204, (await _http.PostAsync(Plain("tables/rename"), CatalogHttp.RenameBody(["plain"], "t", ["plain"], "t2"))).Status);
        Assert.Equal(["t2"], await _http.ListTablesAsync(["plain"]));

        var view = await _http.PostAsync(Plain($"namespaces/{ns}/views"), CatalogHttp.CreateViewBody(["plain"], "v"));
        Assert.True(view.Status == 200, view.ToString());
        Assert.Equal(200, (await _http.GetAsync(Plain($"namespaces/{ns}/views"))).Status);
        Assert.Equal(200, (await _http.GetAsync(Plain($"namespaces/{ns}/views/v"))).Status);
        ErrorAssert.HeadStatus(await _http.HeadAsync(Plain($"namespaces/{ns}/views/v")), 204);
        Assert.Equal(200, (await _http.PostAsync(Plain($"namespaces/{ns}/views/v"), """{"updates":[{"action":"set-properties","updates":{"c":"d"}}]}""")).Status);
        Assert.Equal(204, (await _http.PostAsync(Plain("views/rename"), CatalogHttp.RenameBody(["plain"], "v", ["plain"], "v2"))).Status);
        Assert.Equal(["v2"], await _http.ListViewsAsync(["plain"]));
        var viewFile = (await _http.LoadViewAsync(["plain"], "v2")).GetProperty("metadata-location").GetString()!;
        Assert.Equal(204, (await _http.DeleteAsync(Plain($"namespaces/{ns}/views/v2"))).Status);
        var registeredView = await _http.PostAsync(Plain($"namespaces/{ns}/register-view"), $$"""{"name":"v3","metadata-location":{{CatalogHttp.Str(viewFile)}}}""");
        Assert.True(registeredView.Status == 200, registeredView.ToString());

        var tableFile = (await _http.LoadTableAsync(["plain"], "t2")).GetProperty("metadata-location").GetString()!;
        Assert.Equal(204, (await _http.DeleteAsync(Plain($"namespaces/{ns}/tables/t2"))).Status);
        var registered = await _http.PostAsync(Plain($"namespaces/{ns}/register"), $$"""{"name":"t3","metadata-location":{{CatalogHttp.Str(tableFile)}}}""");
        Assert.True(registered.Status == 200, registered.ToString());
        Assert.Equal(["t3"], await _http.ListTablesAsync(["plain"]));

        Assert.Equal(204, (await _http.DeleteAsync(Plain($"namespaces/{ns}/tables/t3"))).Status);
        Assert.Equal(204, (await _http.DeleteAsync(Plain($"namespaces/{ns}/views/v3"))).Status);
        Assert.Equal(204, (await _http.DeleteAsync(Plain($"namespaces/{CatalogHttp.Ns("plain", "child")}"))).Status);
        Assert.Equal(204, (await _http.DeleteAsync(Plain($"namespaces/{ns}"))).Status);
        Assert.DoesNotContain("plain", await _http.ListNamespacesAsync());
    }

    [Fact]
    public async Task Errors_without_the_prefix_are_the_same_as_with_it()
    {
        ErrorAssert.Exactly(await _http.GetAsync(Plain("namespaces/nowhere")), 404, "NoSuchNamespaceException", "Namespace does not exist: nowhere");
        ErrorAssert.Exactly(await _http.GetAsync(Plain("namespaces/nowhere/tables/t")), 404, "NoSuchTableException", "Table does not exist: nowhere.t");
        ErrorAssert.Exactly(await _http.GetAsync(Plain("nonsense")), 404, "NotFoundException", "No route for request: GET /catalog/v1/nonsense");
    }

    /// <summary>A namespace literally called <c>namespaces</c> must not be taken for a prefix.</summary>
    [Fact]
    public async Task A_namespace_called_namespaces_is_not_a_prefix()
    {
        Assert.Equal(200, (await _http.PostAsync(Plain("namespaces"), """{"namespace":["namespaces"]}""")).Status);
        Assert.Equal(200, (await _http.PostAsync(Plain("namespaces/namespaces/tables"), CatalogHttp.CreateTableBody("tables"))).Status);
        var loaded = await _http.GetAsync(Plain("namespaces/namespaces/tables/tables"));
        Assert.Equal(200, loaded.Status);
        Assert.Equal(["tables"], await _http.ListTablesAsync(["namespaces"]));
        var listed = await _http.GetAsync(Plain("namespaces/namespaces/tables"));
        Assert.Equal(200, listed.Status);
        Assert.Equal("tables", listed.Json.GetProperty("identifiers")[0].GetProperty("name").GetString());
    }

    private static string Plain(string rest) => "/catalog/v1/" + rest;
}

using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>The catalog on a warehouse that the management API deletes while the catalog still has it cached.</summary>
public sealed class WarehouseLifecycleTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task A_namespace_create_in_a_just_deleted_warehouse_is_404_NoSuchWarehouse()
    {
        var prefix = await fixture.App.CreateWarehouseAsync("short_lived");

        // Warm the catalog's warehouse cache, then delete the (empty) warehouse.
        Assert.Equal(200, (await _http.GetAsync("/catalog/v1/config?warehouse=short_lived")).Status);
        Assert.Equal(200, (await _http.GetAsync($"/catalog/v1/{prefix}/namespaces")).Status);
        using (var deleted = await _http.Client.DeleteAsync($"/management/v1/warehouse/{prefix}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(204, (int)deleted.StatusCode);
        }

        var reply = await _http.PostAsync($"/catalog/v1/{prefix}/namespaces", """{"namespace":["too_late"]}""");
        ErrorAssert.Is(reply, 404, "NoSuchWarehouseException");
        ErrorAssert.Is(await _http.GetAsync("/catalog/v1/config?warehouse=short_lived"), 404, "NoSuchWarehouseException");
    }

    [Fact]
    public async Task Two_warehouses_do_not_see_each_other()
    {
        var other = await fixture.App.CreateWarehouseAsync("second");
        await _http.CreateNamespaceAsync("wh_isolated");
        await _http.CreateTableAsync(["wh_isolated"], "t");
        var otherHttp = new CatalogHttp(_http.Client, other, Path.Combine(fixture.App.WarehouseRoot, "second"));
        Assert.DoesNotContain("wh_isolated", await otherHttp.ListNamespacesAsync());
        ErrorAssert.Is(await otherHttp.GetAsync(otherHttp.TableUrl(["wh_isolated"], "t")), 404, "NoSuchTableException");

        // The same names may exist in both.
        await otherHttp.CreateNamespaceAsync("wh_isolated");
        await otherHttp.CreateTableAsync(["wh_isolated"], "t");
        var here = await _http.LoadTableAsync(["wh_isolated"], "t");
        var there = await otherHttp.LoadTableAsync(["wh_isolated"], "t");
        Assert.NotEqual(here.GetProperty("metadata").GetProperty("table-uuid").GetString(), there.GetProperty("metadata").GetProperty("table-uuid").GetString());

        // A location in the first warehouse cannot be used by a table of the second.
        var foreign = await otherHttp.TryCreateTableAsync(["wh_isolated"], "foreign", extra: $"\"location\":{CatalogHttp.Str(_http.WarehouseLocation + "/stolen")}");
        ErrorAssert.Is(foreign, 400, "BadRequestException");
    }
}

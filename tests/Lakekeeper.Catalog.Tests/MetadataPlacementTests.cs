using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// Where metadata files may go, and what a name collision reports before a location collision:
/// <c>write.metadata.path</c> may leave the table location but not enter another table's, and a purge
/// removes such files too.
/// </summary>
public sealed class MetadataPlacementTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    private static string SetMetadataPath(string path) =>
        "{\"requirements\":[],\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"write.metadata.path\":" + CatalogHttp.Str(path) + "}}]}";

    [Fact]
    public async Task A_name_collision_is_reported_as_such_even_when_the_location_also_collides()
    {
        string[] ns = ["placement_names"];
        await _http.CreateNamespaceAsync(ns);
        var location = _http.WarehouseLocation + "/explicit/orders";
        await _http.CreateTableAsync(ns, "orders", extra: $"\"location\":{CatalogHttp.Str(location)}");

        var again = await _http.TryCreateTableAsync(ns, "orders", extra: $"\"location\":{CatalogHttp.Str(location)}");

        ErrorAssert.Exactly(again, 409, "AlreadyExistsException", "Table already exists: placement_names.orders");
    }

    [Fact]
    public async Task Metadata_may_not_be_written_into_another_tables_location()
    {
        string[] ns = ["placement_other"];
        await _http.CreateNamespaceAsync(ns);
        var victim = await _http.CreateTableAsync(ns, "victim");
        await _http.CreateTableAsync(ns, "intruder");
        var victimLocation = victim.GetProperty("metadata").GetProperty("location").GetString()!;

        var refused = await _http.PostAsync(_http.TableUrl(ns, "intruder"), SetMetadataPath(victimLocation + "/metadata"));

        ErrorAssert.Contains(refused, 400, "BadRequestException", "lies inside the location of another table or view");
        var loaded = await _http.GetAsync(_http.TableUrl(ns, "intruder"));
        Assert.False(loaded.Json.GetProperty("metadata").GetProperty("properties").TryGetProperty("write.metadata.path", out _));
    }

    [Fact]
    public async Task Metadata_outside_the_table_location_is_purged_with_the_table()
    {
        string[] ns = ["placement_purge"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var elsewhere = _http.WarehouseLocation + "/shared-metadata/t";

        var moved = await _http.PostAsync(_http.TableUrl(ns, "t"), SetMetadataPath(elsewhere));
        Assert.Equal(200, moved.Status);
        var metadataLocation = moved.Json.GetProperty("metadata-location").GetString()!;
        Assert.StartsWith(elsewhere + "/", metadataLocation, StringComparison.Ordinal);
        var file = new Uri(metadataLocation).LocalPath;
        Assert.True(File.Exists(file));

        var drop = await _http.DeleteAsync(_http.TableUrl(ns, "t") + "?purgeRequested=true");
        Assert.Equal(204, drop.Status);

        await Eventually.TrueAsync(() => Task.FromResult(!File.Exists(file)), TimeSpan.FromSeconds(30), "the purge to remove the metadata written outside the table location");
    }
}

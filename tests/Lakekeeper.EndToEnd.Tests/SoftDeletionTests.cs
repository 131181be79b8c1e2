using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// Soft deletion end to end, in both topologies (in microservices the catalog drops and runs the
/// workers, management lists, undrops and controls the tasks): drop → hidden → listed as deleted →
/// undrop → loadable; drop again with purge → expires (run now through task/control) → gone and purged.
/// </summary>
public abstract class SoftDeletionTests<TTopology>(TTopology topology) : IClassFixture<TTopology>
    where TTopology : Topology
{
    private async Task<(int Status, JsonElement Json)> SendAsync(HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await topology.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task A_dropped_table_is_hidden_undropped_and_after_its_expiration_gone_and_purged()
    {
        var root = Path.Combine(topology.WarehouseRoot, "soft");
        Directory.CreateDirectory(root);
        using var created = await topology.Client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = "soft",
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = root },
            ["delete-profile"] = new Dictionary<string, object> { ["type"] = "soft", ["expiration-seconds"] = 3600 },
        });
        var createdBody = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, createdBody);
        var warehouse = JsonDocument.Parse(createdBody).RootElement.GetProperty("warehouse-id").GetString()!;
        var catalog = $"/catalog/v1/{warehouse}";
        var management = $"/management/v1/warehouse/{warehouse}";

        Assert.Equal(200, (await SendAsync(HttpMethod.Post, $"{catalog}/namespaces", new { @namespace = new[] { "sales" } })).Status);
        var table = await SendAsync(HttpMethod.Post, $"{catalog}/namespaces/sales/tables", new
        {
            name = "orders",
            schema = new { type = "struct", fields = new object[] { new { id = 1, name = "id", required = true, type = "long" } } },
        });
        Assert.Equal(200, table.Status);
        var tableId = table.Json.GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        var metadataLocation = table.Json.GetProperty("metadata-location").GetString()!;
        var folder = new Uri(table.Json.GetProperty("metadata").GetProperty("location").GetString()!).LocalPath;
        Assert.True(Directory.Exists(folder));

        // Drop: hidden from the catalog API, listed as deleted, files kept.
        Assert.Equal(204, (await SendAsync(HttpMethod.Delete, $"{catalog}/namespaces/sales/tables/orders?purgeRequested=true")).Status);
        Assert.Equal(404, (await SendAsync(HttpMethod.Get, $"{catalog}/namespaces/sales/tables/orders")).Status);
        var deleted = await SendAsync(HttpMethod.Get, $"{management}/deleted-tabulars");
        Assert.Equal(200, deleted.Status);
        var entry = Assert.Single(deleted.Json.GetProperty("tabulars").EnumerateArray());
        Assert.Equal(tableId, entry.GetProperty("id").GetString());
        Assert.Equal("orders", entry.GetProperty("name").GetString());
        Assert.True(Directory.Exists(folder));

        // Undrop: loadable as it was.
        Assert.Equal(204, (await SendAsync(HttpMethod.Post, $"{management}/deleted-tabulars/undrop", new { targets = new[] { new { type = "table", id = tableId } } })).Status);
        var loaded = await SendAsync(HttpMethod.Get, $"{catalog}/namespaces/sales/tables/orders");
        Assert.Equal(200, loaded.Status);
        Assert.Equal(metadataLocation, loaded.Json.GetProperty("metadata-location").GetString());
        Assert.Empty((await SendAsync(HttpMethod.Get, $"{management}/deleted-tabulars")).Json.GetProperty("tabulars").EnumerateArray());

        // Drop again; its expiration is brought forward through task/control, and the catalog's worker expires and purges it.
        Assert.Equal(204, (await SendAsync(HttpMethod.Delete, $"{catalog}/namespaces/sales/tables/orders?purgeRequested=true")).Status);
        var tasks = await SendAsync(HttpMethod.Post, $"{management}/task/list", new Dictionary<string, object>
        {
            ["queue-name"] = new[] { "soft_deletion" }, ["status"] = new[] { "SCHEDULED" },
        });
        var taskId = Assert.Single(tasks.Json.GetProperty("tasks").EnumerateArray()).GetProperty("task-id").GetString()!;
        Assert.Equal(204, (await SendAsync(HttpMethod.Post, $"{management}/task/control", new Dictionary<string, object>
        {
            ["action"] = new Dictionary<string, string> { ["action-type"] = "run-now" }, ["task-ids"] = new[] { taskId },
        })).Status);

        await Eventually.TrueAsync(async () =>
            (await SendAsync(HttpMethod.Get, $"{management}/task/by-id/{taskId}")).Json.GetProperty("status").GetString() == "SUCCESS",
            TimeSpan.FromSeconds(60), "the expiration to run");
        Assert.Empty((await SendAsync(HttpMethod.Get, $"{management}/deleted-tabulars")).Json.GetProperty("tabulars").EnumerateArray());
        Assert.Equal(404, (await SendAsync(HttpMethod.Get, $"{catalog}/namespaces/sales/tables/orders")).Status);
        await Eventually.TrueAsync(
            () => Task.FromResult(!Directory.Exists(folder) || !Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any()),
            TimeSpan.FromSeconds(60), "the purge of the table's files");

        // Gone for good: too late to undrop, and the name is free again.
        Assert.Equal(404, (await SendAsync(HttpMethod.Post, $"{management}/deleted-tabulars/undrop", new { targets = new[] { new { type = "table", id = tableId } } })).Status);
        Assert.Equal(200, (await SendAsync(HttpMethod.Post, $"{catalog}/namespaces/sales/tables", new
        {
            name = "orders",
            schema = new { type = "struct", fields = new object[] { new { id = 1, name = "id", required = true, type = "long" } } },
        })).Status);
    }

    /// <summary>The short expiration, without task/control: the drop expires on its own, within the workers' poll interval.</summary>
    [Fact]
    public async Task A_drop_with_a_short_expiration_expires_on_its_own_and_its_files_are_purged()
    {
        var root = Path.Combine(topology.WarehouseRoot, "short");
        Directory.CreateDirectory(root);
        var created = await SendAsync(HttpMethod.Post, "/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = "short",
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = root },
            ["delete-profile"] = new Dictionary<string, object> { ["type"] = "soft", ["expiration-seconds"] = 2 },
        });
        Assert.Equal(201, created.Status);
        var warehouse = created.Json.GetProperty("warehouse-id").GetString()!;
        var catalog = $"/catalog/v1/{warehouse}";
        var management = $"/management/v1/warehouse/{warehouse}";
        Assert.Equal(200, (await SendAsync(HttpMethod.Post, $"{catalog}/namespaces", new { @namespace = new[] { "tmp" } })).Status);
        var table = await SendAsync(HttpMethod.Post, $"{catalog}/namespaces/tmp/tables", new
        {
            name = "scratch",
            schema = new { type = "struct", fields = new object[] { new { id = 1, name = "id", required = true, type = "long" } } },
        });
        Assert.Equal(200, table.Status);
        var folder = new Uri(table.Json.GetProperty("metadata").GetProperty("location").GetString()!).LocalPath;

        Assert.Equal(204, (await SendAsync(HttpMethod.Delete, $"{catalog}/namespaces/tmp/tables/scratch?purgeRequested=true")).Status);
        Assert.Equal(404, (await SendAsync(HttpMethod.Get, $"{catalog}/namespaces/tmp/tables/scratch")).Status);

        await Eventually.TrueAsync(async () =>
            !(await SendAsync(HttpMethod.Get, $"{management}/deleted-tabulars")).Json.GetProperty("tabulars").EnumerateArray().Any(),
            TimeSpan.FromSeconds(90), "the soft-deleted table to expire on its own");
        await Eventually.TrueAsync(
            () => Task.FromResult(!Directory.Exists(folder) || !Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any()),
            TimeSpan.FromSeconds(60), "the purge of the expired table's files");
        Assert.Equal(404, (await SendAsync(HttpMethod.Get, $"{catalog}/namespaces/tmp/tables/scratch")).Status);
    }
}

public sealed class StandaloneSoftDeletionTests(StandaloneTopology topology) : SoftDeletionTests<StandaloneTopology>(topology);

public sealed class MicroservicesSoftDeletionTests(MicroservicesTopology topology) : SoftDeletionTests<MicroservicesTopology>(topology);

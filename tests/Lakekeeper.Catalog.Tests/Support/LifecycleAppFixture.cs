using System.Net.Http.Json;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>
/// One standalone app (short task poll interval) with three warehouses: <see cref="Soft"/> (soft
/// delete, an hour's expiration), <see cref="Quick"/> (soft delete, one second) and
/// <see cref="Hard"/> (the default hard delete).
/// </summary>
public sealed class LifecycleAppFixture : IAsyncLifetime
{
    public StandaloneApp App { get; private set; } = null!;

    internal CommitsCatalog Soft { get; private set; } = null!;

    internal CommitsCatalog Quick { get; private set; } = null!;

    internal CommitsCatalog Hard { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        App = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["TASK_POLL_INTERVAL"] = "200ms" });
        Hard = await CommitsCatalog.ForAsync(App, "hard");
        Soft = await CreateSoftAsync("soft", 3600);
        Quick = await CreateSoftAsync("quick", 1);
    }

    private async Task<CommitsCatalog> CreateSoftAsync(string name, long expirationSeconds)
    {
        var folder = Path.Combine(App.WarehouseRoot, name);
        Directory.CreateDirectory(folder);
        using var response = await App.Client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = name,
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = folder },
            ["delete-profile"] = new Dictionary<string, object> { ["type"] = "soft", ["expiration-seconds"] = expirationSeconds },
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, "creating the warehouse: " + body);
        var prefix = JsonDocument.Parse(body).RootElement.GetProperty("warehouse-id").GetString()!;
        return new CommitsCatalog(App.Client, prefix, folder, App.ConnectionString);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}

/// <summary>The management calls of the lifecycle tests, against one warehouse.</summary>
internal static class LifecycleCalls
{
    public static string Management(this CommitsCatalog catalog, string rest) => $"/management/v1/warehouse/{catalog.Prefix}/{rest}";

    public static Task<Reply> DeletedAsync(this CommitsCatalog catalog, string query = "") =>
        catalog.SendAsync(HttpMethod.Get, catalog.Management("deleted-tabulars" + query));

    public static async Task<IReadOnlyList<JsonElement>> DeletedItemsAsync(this CommitsCatalog catalog)
    {
        var reply = await catalog.DeletedAsync();
        Assert.True(reply.Status == 200, reply.ToString());
        return [.. reply.Json.GetProperty("tabulars").EnumerateArray().Select(e => e.Clone())];
    }

    public static Task<Reply> UndropAsync(this CommitsCatalog catalog, params (string Type, string Id)[] targets) =>
        catalog.SendAsync(HttpMethod.Post, catalog.Management("deleted-tabulars/undrop"),
            JsonSerializer.Serialize(new { targets = targets.Select(t => new { type = t.Type, id = t.Id }) }));

    public static Task<Reply> ProtectAsync(this CommitsCatalog catalog, string kind, string id, bool value) =>
        catalog.SendAsync(HttpMethod.Post, catalog.Management($"{kind}/{id}/protection"), JsonSerializer.Serialize(new { @protected = value }));

    public static async Task<string> NamespaceIdAsync(this CommitsCatalog catalog, string ns)
    {
        var reply = await catalog.SendAsync(HttpMethod.Get, catalog.Url($"namespaces/{ns}?returnUuid=true"));
        Assert.True(reply.Status == 200, reply.ToString());
        return reply.Json.GetProperty("namespace-uuid").GetString()!;
    }
}

using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Management.Tests.Lifecycle;

/// <summary>An HTTP answer read whole.</summary>
internal sealed record Answer(int Status, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? ErrorMessage => Status >= 400 && Body.Length > 0 ? Json.GetProperty("error").GetProperty("message").GetString() : null;

    public string? ErrorType => Status >= 400 && Body.Length > 0 ? Json.GetProperty("error").GetProperty("type").GetString() : null;

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>
/// A standalone app whose soft-deletion queue has no workers (its tasks stay put for the task API to
/// show and control) while the log cleanup runs, and a soft-delete warehouse (an hour) with helpers.
/// </summary>
public sealed class LifecycleFixture : IAsyncLifetime
{
    public StandaloneApp App { get; private set; } = null!;

    /// <summary>The soft-delete warehouse the helpers use.</summary>
    public string Warehouse { get; private set; } = null!;

    /// <summary>A hard-delete warehouse.</summary>
    public string Plain { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        App = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["TASK_POLL_INTERVAL"] = "200ms",
            ["TASK_SOFT_DELETION_WORKERS"] = "0",
        });
        Plain = await App.CreateWarehouseAsync("plain");
        Warehouse = await CreateSoftWarehouseAsync("lifecycle");
    }

    public async Task<string> CreateSoftWarehouseAsync(string name, long expirationSeconds = 3600)
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
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("warehouse-id").GetString()!;
    }

    internal async Task<Answer> SendAsync(HttpMethod method, string url, string? json = null, string? project = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (project is not null)
        {
            request.Headers.TryAddWithoutValidation("x-project-id", project);
        }

        using var response = await App.Client.SendAsync(request);
        return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    internal string Catalog(string rest, string? warehouse = null) => $"/catalog/v1/{warehouse ?? Warehouse}/{rest}";

    internal string Management(string rest, string? warehouse = null) => $"/management/v1/warehouse/{warehouse ?? Warehouse}/{rest}";

    internal async Task CreateNamespaceAsync(params string[] levels)
    {
        var reply = await SendAsync(HttpMethod.Post, Catalog("namespaces"), JsonSerializer.Serialize(new { @namespace = levels }));
        Assert.True(reply.Status is 200 or 409, reply.ToString());
    }

    /// <summary>Creates a table in an existing namespace (levels joined by %1F); returns its id.</summary>
    internal async Task<string> CreateTableAsync(string ns, string name)
    {
        var body = JsonSerializer.Serialize(new
        {
            name,
            schema = new { type = "struct", fields = new object[] { new { id = 1, name = "id", required = true, type = "long" } } },
        });
        var reply = await SendAsync(HttpMethod.Post, Catalog($"namespaces/{ns}/tables"), body);
        Assert.True(reply.Status == 200, reply.ToString());
        return reply.Json.GetProperty("metadata").GetProperty("table-uuid").GetString()!;
    }

    /// <summary>Creates and soft-drops a table; returns its id.</summary>
    internal async Task<string> DroppedTableAsync(string ns, string name)
    {
        await CreateNamespaceAsync(ns);
        var id = await CreateTableAsync(ns, name);
        var drop = await SendAsync(HttpMethod.Delete, Catalog($"namespaces/{ns}/tables/{name}"));
        Assert.True(drop.Status == 204, drop.ToString());
        return id;
    }

    /// <summary>The id of the soft-deletion task of a dropped table.</summary>
    internal async Task<string> ExpirationTaskAsync(string tableId)
    {
        var list = await SendAsync(HttpMethod.Post, Management("task/list"),
            JsonSerializer.Serialize(new { entities = new[] { new { type = "table", table_id = tableId } } }).Replace("table_id", "table-id", StringComparison.Ordinal));
        Assert.True(list.Status == 200, list.ToString());
        return Assert.Single(list.Json.GetProperty("tasks").EnumerateArray()).GetProperty("task-id").GetString()!;
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}

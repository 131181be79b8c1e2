using System.Net.Http.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Events.Tests.Support;

/// <summary>The catalog calls the event tests make (create, commit), and reads of the outbox.</summary>
internal sealed class CatalogClient(StandaloneApp app, string prefix)
{
    public StandaloneApp App => app;

    public string Prefix => prefix;

    public static async Task<CatalogClient> StartAsync(StandaloneApp app, string warehouse = "demo") => new(app, await app.CreateWarehouseAsync(warehouse));

    public async Task CreateNamespaceAsync(string name) =>
        await EnsureAsync(await app.Client.PostAsJsonAsync($"/catalog/v1/{prefix}/namespaces", new { @namespace = new[] { name } }), "create namespace " + name);

    public async Task CreateTableAsync(string ns, string name) =>
        await EnsureAsync(await app.Client.PostAsJsonAsync($"/catalog/v1/{prefix}/namespaces/{ns}/tables", new Dictionary<string, object>
        {
            ["name"] = name,
            ["schema"] = new Dictionary<string, object>
            {
                ["type"] = "struct",
                ["schema-id"] = 0,
                ["fields"] = new[] { new Dictionary<string, object> { ["id"] = 1, ["name"] = "id", ["required"] = true, ["type"] = "long" } },
            },
        }), "create table " + name);

    /// <summary>A commit that sets a property (one new metadata file, one event).</summary>
    public async Task CommitAsync(string ns, string table, string key, string value, string? requestId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces/{ns}/tables/{table}")
        {
            Content = JsonContent.Create(new { requirements = Array.Empty<object>(), updates = new[] { SetProperty(key, value) } }),
        };
        if (requestId is not null)
        {
            request.Headers.Add("X-Request-Id", requestId);
        }

        await EnsureAsync(await app.Client.SendAsync(request), $"commit to {ns}.{table}");
    }

    /// <summary>A multi-table commit that sets a property on each table.</summary>
    public async Task TransactionAsync(string requestId, params (string Namespace, string Table)[] tables)
    {
        var changes = tables.Select(t => new Dictionary<string, object>
        {
            ["identifier"] = new { @namespace = new[] { t.Namespace }, name = t.Table },
            ["requirements"] = Array.Empty<object>(),
            ["updates"] = new[] { SetProperty("tx", requestId) },
        }).ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/catalog/v1/{prefix}/transactions/commit")
        {
            Content = JsonContent.Create(new Dictionary<string, object> { ["table-changes"] = changes }),
        };
        request.Headers.Add("X-Request-Id", requestId);
        await EnsureAsync(await app.Client.SendAsync(request), "transaction");
    }

    /// <summary>The warehouse's events in the order they were written: (event id, object id, published).</summary>
    public async Task<IReadOnlyList<(Guid Id, Guid ObjectId, bool Published)>> OutboxAsync()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT event_id, object_id, NOT EXISTS (SELECT 1 FROM event_pending p WHERE p.seq = e.seq) FROM event_outbox e WHERE warehouse_id = $1::uuid ORDER BY seq", connection)
        {
            Parameters = { new NpgsqlParameter { Value = prefix } },
        };
        var rows = new List<(Guid, Guid, bool)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetBoolean(2)));
        }

        return rows;
    }

    /// <summary>Waits until every event of the warehouse is published (off the relay's queue).</summary>
    public Task AllPublishedAsync(TimeSpan timeout) =>
        Eventually.TrueAsync(async () => (await OutboxAsync()).All(e => e.Published), timeout, "every event to be published");

    private static Dictionary<string, object> SetProperty(string key, string value) => new()
    {
        ["action"] = "set-properties",
        ["updates"] = new Dictionary<string, string> { [key] = value },
    };

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// Listing soft-deleted tables (<c>GET /management/v1/warehouse/{id}/deleted-tabulars</c>) in a
/// soft-delete warehouse holding 10,000 dropped tables (each with its pending expiration task) beside
/// 10,000 live ones: the first page, every page of a full walk with page tokens, and a namespace
/// filter. A standalone host built in Release, durable Postgres.
/// </summary>
internal sealed class LifecycleScenario : IScenario
{
    private const int Dropped = 10_000;
    private const int Live = 10_000;
    private const int Namespaces = 10;
    private const int Repeats = 200;

    public string Name => "lifecycle";

    public string Description => "deleted-tabulars over 10,000 soft-deleted tables (p50 of the first page, a full paged walk, a namespace filter)";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine(Machine.Describe());
        var postgres = await PostgresServer.StartDedicatedAsync(durable: true);
        var database = await postgres.CreateDatabaseAsync();
        var warehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-bench-").FullName;
        await using var host = await ServiceProcess.StartAsync("standalone", FreePort.Next(), new Dictionary<string, string>
        {
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = database,
            ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = warehouseRoot,
            ["LAKEKEEPER__LOG__LEVEL"] = "Warning",
        });
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var warehouse = await SetUpAsync(client, warehouseRoot);
        var clock = Stopwatch.StartNew();
        await GenerateAsync(database, warehouse);
        Console.WriteLine($"{Dropped:N0} soft-deleted and {Live:N0} live tables in {Namespaces} namespaces generated in {clock.Elapsed.TotalSeconds:N1} s");

        var path = $"/management/v1/warehouse/{warehouse}/deleted-tabulars";
        for (var i = 0; i < 50; i++)
        {
            await ListAsync(client, path, cancellationToken);
        }

        // The floor on this machine at this moment: a small management GET, alternated with the listing.
        var first = new LatencyHistogram();
        var floor = new LatencyHistogram();
        for (var i = 0; i < Repeats; i++)
        {
            first.Record(await TimedAsync(() => ListAsync(client, path, cancellationToken)));
            floor.Record(await TimedAsync(async () =>
            {
                using var response = await client.GetAsync("/management/v1/info", cancellationToken);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
            }));
        }

        Report($"first page (100 of {Dropped:N0}), {Repeats} sequential requests", first);
        Console.WriteLine($"  reference, GET /management/v1/info alternated with it: p50 {LoadResult.Ms(floor.Percentile(50))}   p90 {LoadResult.Ms(floor.Percentile(90))}");

        var walk = new LatencyHistogram();
        var walked = 0;
        for (var round = 0; round < 2; round++)
        {
            string? token = null;
            walked = 0;
            do
            {
                var url = path + "?pageSize=100" + (token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token));
                (int Count, string? Next) page = default;
                walk.Record(await TimedAsync(async () => page = await ListAsync(client, url, cancellationToken)));
                walked += page.Count;
                token = page.Next;
            }
            while (token is not null);
        }

        Report($"every page of a full walk, pageSize 100, twice ({walked:N0} tables per walk)", walk);

        var namespaceId = await NamespaceIdAsync(client, warehouse);
        var filtered = new LatencyHistogram();
        for (var i = 0; i < Repeats; i++)
        {
            filtered.Record(await TimedAsync(() => ListAsync(client, $"{path}?namespaceId={namespaceId}", cancellationToken)));
        }

        Report($"first page filtered to one namespace ({Dropped / Namespaces:N0} dropped there)", filtered);
        return 0;
    }

    private static void Report(string what, LatencyHistogram latency)
    {
        Console.WriteLine();
        Console.WriteLine($"deleted-tabulars, {what}");
        Console.WriteLine($"  p50 {LoadResult.Ms(latency.Percentile(50))}   p90 {LoadResult.Ms(latency.Percentile(90))}   p99 {LoadResult.Ms(latency.Percentile(99))}   (goal: p50 < 20 ms)");
    }

    private static async Task<TimeSpan> TimedAsync(Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started);
    }

    private static async Task<(int Count, string? Next)> ListAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(url, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        var next = document.RootElement.GetProperty("next-page-token");
        return (document.RootElement.GetProperty("tabulars").GetArrayLength(), next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }

    private static async Task<string> NamespaceIdAsync(HttpClient client, string warehouse)
    {
        var body = await SendAsync(client, HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/ns03?returnUuid=true", null);
        return JsonDocument.Parse(body).RootElement.GetProperty("namespace-uuid").GetString()!;
    }

    private static async Task<string> SetUpAsync(HttpClient client, string warehouseRoot)
    {
        await SendAsync(client, HttpMethod.Post, "/management/v1/bootstrap", """{"accept-terms-of-use":true}""");
        var root = Path.Combine(warehouseRoot, "bench");
        Directory.CreateDirectory(root);
        var created = await SendAsync(client, HttpMethod.Post, "/management/v1/warehouse", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["warehouse-name"] = "bench",
            ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = root },
            ["delete-profile"] = new Dictionary<string, object> { ["type"] = "soft", ["expiration-seconds"] = 86_400 },
        }));
        var warehouse = JsonDocument.Parse(created).RootElement.GetProperty("warehouse-id").GetString()!;
        for (var n = 0; n < Namespaces; n++)
        {
            await SendAsync(client, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", $$"""{"namespace":["ns{{n:D2}}"]}""");
        }

        return warehouse;
    }

    /// <summary>
    /// Table rows written straight into the database (dropping 10,000 tables through the API would take
    /// far longer than the measurement): the dropped ones with distinct drop times and, as a drop
    /// writes it, a pending <c>soft_deletion</c> task a day later.
    /// </summary>
    private static async Task GenerateAsync(string connectionString, string warehouse)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var tables = new NpgsqlCommand(
            """
            INSERT INTO tabular (tabular_id, warehouse_id, namespace_id, name, name_key, typ, metadata_location, metadata, location, format_version,
                                 created_at, deleted_at)
            SELECT gen_random_uuid(), $1, n.namespace_id, 't' || g.i, 't' || g.i, 'table',
                   'file:///bench/' || g.i || '/metadata/00000.metadata.json', '\x7b7d'::bytea, 'file:///bench/' || g.i, 2,
                   now() - interval '2 days', CASE WHEN g.i <= $2 THEN now() - interval '3 hours' + g.i * interval '1 second' END
            FROM generate_series(1, $2 + $3) g(i)
            JOIN namespace n ON n.warehouse_id = $1 AND n.name[1] = 'ns' || lpad((g.i % $4)::text, 2, '0')
            """, connection) { CommandTimeout = 600 })
        {
            tables.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(warehouse) });
            tables.Parameters.Add(new NpgsqlParameter { Value = Dropped });
            tables.Parameters.Add(new NpgsqlParameter { Value = Live });
            tables.Parameters.Add(new NpgsqlParameter { Value = Namespaces });
            await tables.ExecuteNonQueryAsync();
        }

        await using (var tasks = new NpgsqlCommand(
            """
            INSERT INTO task (task_id, queue, warehouse_id, entity_id, entity_type, entity_name, payload, scheduled_for)
            SELECT gen_random_uuid(), 'soft_deletion', t.warehouse_id, t.tabular_id, 'table', n.name || t.name,
                   '{"deletion-kind":"default","tabular-type":"table"}', t.deleted_at + interval '1 day'
            FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id
            WHERE t.warehouse_id = $1 AND t.deleted_at IS NOT NULL
            """, connection) { CommandTimeout = 600 })
        {
            tasks.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(warehouse) });
            await tasks.ExecuteNonQueryAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE tabular; ANALYZE task; ANALYZE namespace", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    private static async Task<string> SendAsync(HttpClient client, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {body}");
        }

        return body;
    }
}

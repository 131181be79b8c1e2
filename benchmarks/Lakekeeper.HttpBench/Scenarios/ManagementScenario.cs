using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// The management numbers: <c>search-tabular</c> latency over a warehouse of 100,000 tables, and what
/// the endpoint statistics cost loadTable (two standalone processes on one database, one counting with
/// a 1 s flush interval and one not, alternated in one run). Hosts built in Release, durable Postgres.
/// </summary>
internal sealed class ManagementScenario : IScenario
{
    private const int Tables = 100_000;
    private const int Namespaces = 100;
    private const int Searches = 400;
    private static readonly TimeSpan WarmUpSlice = TimeSpan.FromSeconds(2);

    private static readonly string[] Subjects =
        ["customer", "order", "invoice", "payment", "shipment", "product", "supplier", "employee", "account", "ledger",
         "campaign", "session", "device", "sensor", "ticket", "refund", "coupon", "review", "inventory", "contract"];

    private static readonly string[] Shapes = ["raw", "clean", "daily", "hourly", "agg", "snapshot", "history", "staging", "mart", "archive"];

    public string Name => "management";

    public string Description => "search-tabular over 100,000 tables (p50); loadTable with endpoint statistics on vs off";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine(Machine.Describe());
        var (database, warehouseRoot, common) = await BenchSetUp.StartAsync();

        await using var counting = await ServiceProcess.StartAsync("standalone", FreePort.Next(),
            new Dictionary<string, string>(common) { ["LAKEKEEPER__ENDPOINT_STAT_FLUSH_INTERVAL"] = "1s" });
        await using var silent = await ServiceProcess.StartAsync("standalone", FreePort.Next(),
            new Dictionary<string, string>(common) { ["LAKEKEEPER__ENDPOINT_STATISTICS_ENABLED"] = "false" });
        using var setup = new HttpClient { BaseAddress = counting.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var warehouse = await SetUpAsync(setup, warehouseRoot);

        var clock = Stopwatch.StartNew();
        await GenerateTablesAsync(database, warehouse);
        Console.WriteLine($"{Tables:N0} tables in {Namespaces} namespaces generated in {clock.Elapsed.TotalSeconds:N1} s");

        await SearchAsync(setup, warehouse, cancellationToken);
        await EndpointStatisticsCostAsync(options, counting.BaseAddress, silent.BaseAddress, warehouse, cancellationToken);
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT coalesce(sum(count), 0) FROM endpoint_statistics", connection);
            Console.WriteLine($"  requests recorded by the counting host: {await command.ExecuteScalarAsync(cancellationToken):N0}");
        }

        return 0;
    }

    /// <summary>p50/p90/p99 of sequential searches with misspelt, partial and exact names, and ids.</summary>
    private static async Task SearchAsync(HttpClient client, string warehouse, CancellationToken cancellationToken)
    {
        var random = new Random(7);
        var terms = Enumerable.Range(0, Searches).Select(i => (i % 4) switch
        {
            0 => $"{Subjects[random.Next(Subjects.Length)]}_{Shapes[random.Next(Shapes.Length)]}",
            1 => Misspell($"{Subjects[random.Next(Subjects.Length)]}_{Shapes[random.Next(Shapes.Length)]}", random),
            2 => $"ns{random.Next(Namespaces):D3}.{Subjects[random.Next(Subjects.Length)]}",
            _ => $"{Subjects[random.Next(Subjects.Length)]}_{Shapes[random.Next(Shapes.Length)]}_{random.Next(Tables)}",
        }).ToList();

        // Warm-up: the plan, the index pages and the JIT.
        foreach (var term in terms.Take(50))
        {
            await SearchOnceAsync(client, warehouse, term, cancellationToken);
        }

        var latency = new LatencyHistogram();
        var hits = 0;
        foreach (var term in terms)
        {
            var started = Stopwatch.GetTimestamp();
            hits += await SearchOnceAsync(client, warehouse, term, cancellationToken);
            latency.Record(Stopwatch.GetElapsedTime(started));
        }

        Console.WriteLine();
        Console.WriteLine($"search-tabular over {Tables:N0} tables, {Searches} sequential searches over HTTP ({hits} results)");
        Console.WriteLine($"  p50 {LoadResult.Ms(latency.Percentile(50))}   p90 {LoadResult.Ms(latency.Percentile(90))}   p99 {LoadResult.Ms(latency.Percentile(99))}   (goal: p50 < 20 ms)");
    }

    private static async Task<int> SearchOnceAsync(HttpClient client, string warehouse, string term, CancellationToken cancellationToken)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["search"] = term }), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync($"/management/v1/warehouse/{warehouse}/search-tabular", content, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        return document.RootElement.GetProperty("tabulars").GetArrayLength();
    }

    private static string Misspell(string word, Random random)
    {
        var i = random.Next(1, word.Length - 1);
        return word[..i] + word[(i + 1)..];
    }

    /// <summary>loadTable on the counting and the silent host, alternated in rounds; the ratio of the medians.</summary>
    private static async Task EndpointStatisticsCostAsync(
        BenchOptions options, Uri counting, Uri silent, string warehouse, CancellationToken cancellationToken)
    {
        var path = $"/catalog/v1/{warehouse}/namespaces/ns000/tables/small";
        var targets = new List<(string Name, Uri Url)> { ("stats-on", new Uri(counting, path)), ("stats-off", new Uri(silent, path)) };
        using var load = new LoadGenerator(options.Concurrency);
        for (var warmed = TimeSpan.Zero; warmed < options.WarmUp; warmed += WarmUpSlice)
        {
            foreach (var (name, url) in targets)
            {
                await load.RunAsync(name, url, WarmUpSlice, cancellationToken);
            }
        }

        var rates = targets.ToDictionary(t => t.Name, _ => new List<double>());
        var ratios = new List<double>();
        Console.WriteLine();
        Console.WriteLine($"loadTable, endpoint statistics on (flush every 1 s) vs off; {options.Concurrency} workers, {options.Rounds} rounds x {options.Duration.TotalSeconds} s, alternating");
        for (var round = 1; round <= options.Rounds; round++)
        {
            var order = round % 2 == 0 ? targets.AsEnumerable().Reverse() : targets;
            foreach (var (name, url) in order)
            {
                var result = await load.RunAsync(name, url, options.Duration, cancellationToken);
                Console.WriteLine($"  round {round}: {result}");
                rates[name].Add(result.RequestsPerSecond);
            }

            ratios.Add(rates["stats-on"][^1] / rates["stats-off"][^1]);
        }

        var median = ratios.Order().ElementAt(ratios.Count / 2);
        Console.WriteLine($"  on / off throughput per round: {string.Join(", ", ratios.Select(r => r.ToString("P1", CultureInfo.InvariantCulture)))}; median {median.ToString("P1", CultureInfo.InvariantCulture)} (goal >= 97 %)");
    }

    private static async Task<string> SetUpAsync(HttpClient client, string warehouseRoot)
    {
        await SendAsync(client, HttpMethod.Post, "/management/v1/bootstrap", """{"accept-terms-of-use":true}""");
        var root = Path.Combine(warehouseRoot, "bench");
        Directory.CreateDirectory(root);
        var created = await SendAsync(client, HttpMethod.Post, "/management/v1/warehouse",
            JsonSerializer.Serialize(new Dictionary<string, object> { ["warehouse-name"] = "bench", ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = root } }));
        var warehouse = JsonDocument.Parse(created).RootElement.GetProperty("warehouse-id").GetString()!;
        for (var n = 0; n < Namespaces; n++)
        {
            await SendAsync(client, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", $$"""{"namespace":["ns{{n:D3}}"]}""");
        }

        await SendAsync(client, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces/ns000/tables",
            """{"name":"small","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""");
        return warehouse;
    }

    /// <summary>
    /// 100,000 table rows written straight into the database (creating them through the API would take
    /// far longer than the measurement): names like <c>invoice_daily_4711</c>, a placeholder document.
    /// The search reads only names, so the documents do not matter.
    /// </summary>
    private static async Task GenerateTablesAsync(string connectionString, string warehouse)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO tabular (tabular_id, warehouse_id, namespace_id, name, name_key, typ, metadata_location, metadata, location, format_version)
            SELECT gen_random_uuid(), $1, n.namespace_id, g.name, lower(g.name), 'table',
                   'file:///bench/' || g.i || '/metadata/00000.metadata.json', '\x7b7d'::bytea, 'file:///bench/' || g.i, 2
            FROM (SELECT i, ($2::text[])[1 + i % 20] || '_' || ($3::text[])[1 + (i / 20) % 10] || '_' || i AS name FROM generate_series(1, $4) i) g
            JOIN namespace n ON n.warehouse_id = $1 AND n.name[1] = 'ns' || lpad((g.i % $5)::text, 3, '0')
            """,
            connection) { CommandTimeout = 600 };
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(warehouse) });
        command.Parameters.Add(new NpgsqlParameter { Value = Subjects });
        command.Parameters.Add(new NpgsqlParameter { Value = Shapes });
        command.Parameters.Add(new NpgsqlParameter { Value = Tables });
        command.Parameters.Add(new NpgsqlParameter { Value = Namespaces });
        await command.ExecuteNonQueryAsync();
        await using var analyze = new NpgsqlCommand("ANALYZE tabular", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    private static async Task<string> SendAsync(HttpClient client, HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {body}");
        }

        return body;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// The catalog's numbers, all in one run on one machine: loadTable against its floor (a bare endpoint
/// reading the same row), standalone and through the gateway in microservices; ETag revalidation;
/// commits spread over 100 tables and on one hot table; loads of a table with 10,000 snapshots.
/// Every service runs as its own process, built in Release, on a Postgres with its default durability.
/// </summary>
internal sealed class CatalogScenario : IScenario
{
    private const string Namespace = "bench";
    private const int SpreadTables = 100;
    private const int BigSnapshots = 10_000;
    private const int BigColumns = 200;
    private const int MediumSnapshots = 300;
    private const int MediumColumns = 50;
    private static readonly TimeSpan WarmUpSlice = TimeSpan.FromSeconds(2);

    public string Name => "catalog";

    public string Description => "loadTable vs its floor (standalone, microservices), 304s, commits/s, a 10k-snapshot table";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine(Machine.Describe());
        var (database, warehouseRoot, common) = await BenchSetUp.StartAsync();

        await using var standalone = await ServiceProcess.StartAsync("standalone", FreePort.Next(), common);
        using var setup = new HttpClient { BaseAddress = standalone.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var prefix = await SetUpAsync(setup, warehouseRoot);
        var tableId = await ScalarAsync(database, "SELECT tabular_id::text FROM tabular WHERE name = 'small'");

        var authzGrpc = FreePort.Next();
        await using var authz = await ServiceProcess.StartAsync("authz", FreePort.Next(),
            new Dictionary<string, string> { ["LAKEKEEPER__SERVER__INTERNALPORT"] = authzGrpc.ToString(CultureInfo.InvariantCulture), ["LAKEKEEPER__LOG__LEVEL"] = "Warning" });
        await using var catalog = await ServiceProcess.StartAsync("catalog", FreePort.Next(),
            new Dictionary<string, string>(common) { ["LAKEKEEPER__AUTHZ__ENDPOINT"] = $"http://127.0.0.1:{authzGrpc}" });
        await using var gateway = await ServiceProcess.StartAsync("gateway", FreePort.Next(), new Dictionary<string, string>
        {
            ["LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS"] = catalog.BaseAddress.ToString(),
            ["LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__DESTINATIONS__D1__ADDRESS"] = catalog.BaseAddress.ToString(),
            ["LAKEKEEPER__GATEWAY__CLUSTERS__MANAGEMENT__DESTINATIONS__D1__ADDRESS"] = catalog.BaseAddress.ToString(),
            ["LAKEKEEPER__LOG__LEVEL"] = "Warning",
        });
        using var floor = await StartFloorAsync(database, tableId);

        var tablePath = $"/catalog/v1/{prefix}/namespaces/{Namespace}/tables/small";
        var mediumPath = $"/catalog/v1/{prefix}/namespaces/{Namespace}/tables/medium";
        var targets = new List<(string Name, Uri Url)>
        {
            ("floor", new Uri(floor.Address, "/floor/" + tableId)),
            ("standalone", new Uri(standalone.BaseAddress, tablePath)),
            ("microsvc", new Uri(gateway.BaseAddress, tablePath)),
            ("medium", new Uri(standalone.BaseAddress, mediumPath)),
        };
        using var load = new LoadGenerator(options.Concurrency);
        var revalidations = new List<(string Name, RequestSender Send)>
        {
            ("304", Revalidate(standalone.BaseAddress, tablePath, await ETagAsync(setup, tablePath))),
            ("304-medium", Revalidate(standalone.BaseAddress, mediumPath, await ETagAsync(setup, mediumPath))),
        };

        Console.WriteLine($"{options.Concurrency} workers; warm-up {options.WarmUp.TotalSeconds} s per target; {options.Rounds} rounds x {options.Duration.TotalSeconds} s per target, alternating.");
        for (var warmed = TimeSpan.Zero; warmed < options.WarmUp; warmed += WarmUpSlice)
        {
            foreach (var (name, url) in targets)
            {
                await load.RunAsync(name, url, WarmUpSlice, cancellationToken);
            }

            foreach (var (name, send) in revalidations)
            {
                await load.RunAsync(name, send, WarmUpSlice, cancellationToken);
            }
        }

        var results = new Dictionary<string, List<LoadResult>>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            Console.WriteLine($"round {round}");
            foreach (var (name, url) in Rotate(targets, round))
            {
                Record(results, await load.RunAsync(name, url, options.Duration, cancellationToken));
            }

            foreach (var (name, send) in revalidations)
            {
                Record(results, await load.RunAsync(name, send, options.Duration, cancellationToken));
            }
        }

        Console.WriteLine();
        Console.WriteLine("loadTable, all rounds");
        var merged = results.ToDictionary(r => r.Key, r => Merge(r.Value));
        foreach (var result in merged.Values)
        {
            Console.WriteLine("  " + result + $"   {result.Bytes / Math.Max(1, result.Requests)} B/response");
        }

        var floorRate = merged["floor"].RequestsPerSecond;
        Report("standalone / floor throughput", merged["standalone"].RequestsPerSecond / floorRate, 0.60);
        Report("microservices / floor throughput", merged["microsvc"].RequestsPerSecond / floorRate, 0.40);
        Console.WriteLine($"  p99 standalone {LoadResult.Ms(merged["standalone"].Latency.Percentile(99))}, microservices {LoadResult.Ms(merged["microsvc"].Latency.Percentile(99))} (goal < 10 ms at {options.Concurrency} clients)");
        Report($"304 / full load throughput, small table ({merged["standalone"].Bytes / Math.Max(1, merged["standalone"].Requests):N0} B)", merged["304"].RequestsPerSecond / merged["standalone"].RequestsPerSecond, 2.0);
        Report($"304 / full load throughput, {MediumSnapshots} snapshots ({merged["medium"].Bytes / Math.Max(1, merged["medium"].Requests):N0} B)", merged["304-medium"].RequestsPerSecond / merged["medium"].RequestsPerSecond, 2.0);

        await CommitsAsync(load, standalone.BaseAddress, prefix, options, cancellationToken);
        await BigTableAsync(standalone.BaseAddress, prefix, options, cancellationToken);

        try
        {
            Directory.Delete(warehouseRoot, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder; best effort.
        }

        return 0;
    }

    /// <summary>Bootstrap, warehouse, namespace, the small table, 100 tables for commits, the hot table and the big table.</summary>
    private static async Task<string> SetUpAsync(HttpClient client, string warehouseRoot)
    {
        await SendAsync(client, HttpMethod.Post, "/management/v1/bootstrap", """{"accept-terms-of-use":true}""");
        var root = Path.Combine(warehouseRoot, "bench");
        Directory.CreateDirectory(root);
        var created = await SendAsync(client, HttpMethod.Post, "/management/v1/warehouse",
            JsonSerializer.Serialize(new Dictionary<string, object> { ["warehouse-name"] = "bench", ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = root } }));
        var prefix = JsonDocument.Parse(created).RootElement.GetProperty("warehouse-id").GetString()!;
        await SendAsync(client, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces", $$"""{"namespace":["{{Namespace}}"]}""");
        var tables = new List<string> { "small", "hot" };
        tables.AddRange(Enumerable.Range(0, SpreadTables).Select(i => $"c{i:D3}"));
        foreach (var name in tables)
        {
            await SendAsync(client, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces/{Namespace}/tables",
                $$$"""{"name":"{{{name}}}","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"string"}]}}""");
        }

        // Generated v2 documents, registered (thousands of commits would take long to build them).
        await RegisterGeneratedAsync(client, prefix, root, "medium", MediumSnapshots, MediumColumns);
        await RegisterGeneratedAsync(client, prefix, root, "big", BigSnapshots, BigColumns);
        return prefix;
    }

    private static async Task RegisterGeneratedAsync(HttpClient client, string prefix, string root, string name, int snapshots, int columns)
    {
        var location = "file://" + Path.Combine(root, Namespace, name);
        var metadataFile = Path.Combine(root, Namespace, name, "metadata", "00000-" + Guid.NewGuid() + ".metadata.json");
        Directory.CreateDirectory(Path.GetDirectoryName(metadataFile)!);
        await File.WriteAllBytesAsync(metadataFile, GeneratedMetadata(location, snapshots, columns));
        await SendAsync(client, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces/{Namespace}/register",
            JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = name, ["metadata-location"] = "file://" + metadataFile }));
    }

    /// <summary>Commits/s: set-properties spread over 100 tables; then 16 writers appending to one table.</summary>
    private static async Task CommitsAsync(LoadGenerator load, Uri baseAddress, string prefix, BenchOptions options, CancellationToken cancellationToken)
    {
        var counter = 0L;
        RequestSender spread = async (client, worker, token) =>
        {
            var n = Interlocked.Increment(ref counter);
            var table = $"c{n % SpreadTables:D3}";
            using var request = Post(baseAddress, $"/catalog/v1/{prefix}/namespaces/{Namespace}/tables/{table}",
                $$$"""{"requirements":[],"updates":[{"action":"set-properties","updates":{"bench.counter":"{{{n}}}"}}]}""");
            return await LoadGenerator.SendAsync(client, request, new byte[16 * 1024], token);
        };
        await load.RunAsync("warm-up", spread, options.WarmUp, cancellationToken);
        var spreadResult = await load.RunAsync("spread", spread, options.Duration * options.Rounds, cancellationToken);
        Console.WriteLine();
        Console.WriteLine("commits (file storage, durable Postgres)");
        Console.WriteLine("  " + spreadResult);
        Report($"commits/s over {SpreadTables} tables", spreadResult.RequestsPerSecond / 500, 1.0, $"{spreadResult.RequestsPerSecond:N0} commits/s vs 500");

        // The hot table: each writer loads main and appends a snapshot on top of it; a writer that
        // lost the race gets 409 (its assert-ref-snapshot-id no longer holds) and tries again.
        RequestSender hot = async (client, worker, token) =>
        {
            var tablePath = $"/catalog/v1/{prefix}/namespaces/{Namespace}/tables/hot";
            using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, tablePath + "?snapshots=refs"));
            using var loaded = await client.SendAsync(get, token);
            using var document = JsonDocument.Parse(await loaded.Content.ReadAsStreamAsync(token));
            var metadata = document.RootElement.GetProperty("metadata");
            var current = metadata.TryGetProperty("current-snapshot-id", out var c) && c.ValueKind == JsonValueKind.Number && c.GetInt64() > 0 ? c.GetInt64() : (long?)null;
            var sequence = metadata.GetProperty("last-sequence-number").GetInt64() + 1;
            var id = Random.Shared.NextInt64(1, long.MaxValue);
            var parent = current is { } p ? p.ToString(CultureInfo.InvariantCulture) : "null";
            using var commit = Post(baseAddress, tablePath,
                $$$"""
                {"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":{{{parent}}}}],
                 "updates":[{"action":"add-snapshot","snapshot":{"snapshot-id":{{{id}}},"parent-snapshot-id":{{{parent}}},"sequence-number":{{{sequence}}},
                   "timestamp-ms":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"manifest-list":"s3://x/{{{id}}}.avro","summary":{"operation":"append"},"schema-id":0}},
                   {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":{{{id}}}}]}
                """);
            return await LoadGenerator.SendAsync(client, commit, new byte[64 * 1024], token);
        };
        var hotResult = await load.RunAsync("hot", hot, options.Duration, cancellationToken);
        var attempts = hotResult.Requests + hotResult.Conflicts;
        Console.WriteLine($"  hot table, {options.Concurrency} writers: {hotResult.RequestsPerSecond:N0} commits/s, " +
            $"409 rate {100.0 * hotResult.Conflicts / Math.Max(1, attempts):0.0} % ({hotResult.Conflicts} of {attempts}), errors {hotResult.Errors}, " +
            $"commit p50 {LoadResult.Ms(hotResult.Latency.Percentile(50))} p99 {LoadResult.Ms(hotResult.Latency.Percentile(99))} (load + commit per attempt)");
    }

    /// <summary>loadTable of a table with 10,000 snapshots: one client, full document vs snapshots=refs.</summary>
    private static async Task BigTableAsync(Uri baseAddress, string prefix, BenchOptions options, CancellationToken cancellationToken)
    {
        using var single = new LoadGenerator(1);
        var path = $"/catalog/v1/{prefix}/namespaces/{Namespace}/tables/big";
        var all = new Uri(baseAddress, path);
        var refs = new Uri(baseAddress, path + "?snapshots=refs");
        await single.RunAsync("warm-up", all, options.WarmUp / 2, cancellationToken);
        await single.RunAsync("warm-up", refs, options.WarmUp / 2, cancellationToken);
        var allResult = await single.RunAsync("all", all, options.Duration, cancellationToken);
        var refsResult = await single.RunAsync("refs", refs, options.Duration, cancellationToken);
        Console.WriteLine();
        Console.WriteLine($"a table with {BigSnapshots:N0} snapshots and {BigColumns} columns, one client");
        foreach (var result in new[] { allResult, refsResult })
        {
            Console.WriteLine($"  snapshots={result.Target,-4} p50 {LoadResult.Ms(result.Latency.Percentile(50))}  p99 {LoadResult.Ms(result.Latency.Percentile(99))}  " +
                $"{result.RequestsPerSecond:N0} loads/s  {result.Bytes / Math.Max(1, result.Requests):N0} B/response");
        }
    }

    private static byte[] GeneratedMetadata(string location, int snapshots, int columns)
    {
        var json = new StringBuilder(8 * 1024 * 1024);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (snapshots * 1000L);
        json.Append(CultureInfo.InvariantCulture, $$"""{"format-version":2,"table-uuid":"{{Guid.NewGuid()}}","location":"{{location}}","last-sequence-number":{{snapshots}},"last-updated-ms":{{now + (snapshots * 1000L)}},"last-column-id":{{columns}},"current-schema-id":0,"schemas":[{"type":"struct","schema-id":0,"fields":[""");
        for (var c = 1; c <= columns; c++)
        {
            json.Append(CultureInfo.InvariantCulture, $$"""{{(c > 1 ? "," : string.Empty)}}{"id":{{c}},"name":"column_{{c}}","required":false,"type":"{{(c % 3 == 0 ? "string" : c % 3 == 1 ? "long" : "double")}}"}""");
        }

        json.Append("""]}],"default-spec-id":0,"partition-specs":[{"spec-id":0,"fields":[]}],"last-partition-id":999,"default-sort-order-id":0,"sort-orders":[{"order-id":0,"fields":[]}],"properties":{},""");
        json.Append(CultureInfo.InvariantCulture, $"\"current-snapshot-id\":{snapshots},\"refs\":{{\"main\":{{\"snapshot-id\":{snapshots},\"type\":\"branch\"}}}},\"snapshots\":[");
        for (var s = 1; s <= snapshots; s++)
        {
            json.Append(CultureInfo.InvariantCulture,
                $$"""{{(s > 1 ? "," : string.Empty)}}{"snapshot-id":{{s}},{{(s > 1 ? $"\"parent-snapshot-id\":{s - 1}," : string.Empty)}}"sequence-number":{{s}},"timestamp-ms":{{now + (s * 1000L)}},"manifest-list":"{{location}}/metadata/snap-{{s}}-1-{{Guid.NewGuid()}}.avro","summary":{"operation":"append","added-data-files":"1","added-records":"{{s * 10}}","total-records":"{{s * 100}}","total-data-files":"{{s}}"},"schema-id":0}""");
        }

        json.Append("],\"statistics\":[],\"partition-statistics\":[],\"snapshot-log\":[");
        for (var s = 1; s <= snapshots; s++)
        {
            json.Append(CultureInfo.InvariantCulture, $$"""{{(s > 1 ? "," : string.Empty)}}{"timestamp-ms":{{now + (s * 1000L)}},"snapshot-id":{{s}}}""");
        }

        json.Append("],\"metadata-log\":[]}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    internal static IEnumerable<T> Rotate<T>(List<T> targets, int round) =>
        targets.Skip(round % targets.Count).Concat(targets.Take(round % targets.Count));

    internal static void Record(Dictionary<string, List<LoadResult>> results, LoadResult result)
    {
        Console.WriteLine("  " + result);
        (results.TryGetValue(result.Target, out var list) ? list : results[result.Target] = []).Add(result);
    }

    internal static LoadResult Merge(List<LoadResult> rounds)
    {
        var latency = new LatencyHistogram();
        foreach (var round in rounds)
        {
            latency.Add(round.Latency);
        }

        return new LoadResult(rounds[0].Target, rounds.Sum(r => r.Requests), rounds.Sum(r => r.Errors),
            TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)), latency)
        { Conflicts = rounds.Sum(r => r.Conflicts), Bytes = rounds.Sum(r => r.Bytes) };
    }

    internal static void Report(string what, double ratio, double goal, string? detail = null) =>
        Console.WriteLine($"  {what}: {(detail ?? (ratio * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %")}; goal >= {goal * 100:0} %: {(ratio >= goal ? "met" : "MISSED")}");

    internal static HttpRequestMessage Post(Uri baseAddress, string path, string json) =>
        new(HttpMethod.Post, new Uri(baseAddress, path)) { Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };

    internal static async Task<string> SendAsync(HttpClient client, HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {body}");
    }

    private static RequestSender Revalidate(Uri baseAddress, string path, string etag) =>
        async (client, _, token) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, path));
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            return await LoadGenerator.SendAsync(client, request, new byte[4096], token);
        };

    private static async Task<string> ETagAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("loadTable sent no ETag");
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<FloorProcess> StartFloorAsync(string connectionString, string tableId)
    {
        var port = FreePort.Next();
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(typeof(CatalogScenario).Assembly.Location);
        info.ArgumentList.Add("floor-server");
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--connection");
        info.ArgumentList.Add(connectionString);
        var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var floor = new FloorProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var probe = new HttpClient();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline;)
        {
            try
            {
                using var response = await probe.GetAsync(new Uri(floor.Address, "/floor/" + tableId));
                if (response.IsSuccessStatusCode)
                {
                    return floor;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        floor.Dispose();
        throw new TimeoutException("the floor server did not start");
    }

    private sealed class FloorProcess(Process process, Uri address) : IDisposable
    {
        public Uri Address => address;

        public void Dispose()
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }
}

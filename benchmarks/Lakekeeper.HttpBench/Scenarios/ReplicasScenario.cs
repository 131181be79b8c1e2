using System.Globalization;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// Scale-out through the gateway in one run: two microservices deployments on one database, one with a
/// single catalog and authz process and one with three of each (every catalog a destination of its
/// gateway, every authz address in the catalogs' endpoint list), measured alternately with loadTable
/// and with commits spread over 100 tables. Then the p99 and the errors of loadTable through the
/// three-replica gateway while one catalog replica is killed (SIGKILL), with the gateway's default
/// health checks.
/// </summary>
internal sealed class ReplicasScenario : IScenario
{
    private const int SpreadTables = 100;
    private static readonly TimeSpan WarmUpSlice = TimeSpan.FromSeconds(2);

    public string Name => "replicas";

    public string Description => "loadTable and commits through the gateway, 1 vs 3 catalog+authz replicas; p99 while a replica is killed";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine(Machine.Describe());
        var (database, warehouseRoot, common) = await BenchSetUp.StartAsync();

        string prefix;
        await using (var standalone = await ServiceProcess.StartAsync("standalone", FreePort.Next(), common))
        {
            using var setup = new HttpClient { BaseAddress = standalone.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            prefix = await SetUpAsync(setup, warehouseRoot);
        }

        var processes = new List<ServiceProcess>();
        try
        {
            var one = await DeployAsync(common, 1, processes);
            var three = await DeployAsync(common, 3, processes);
            Console.WriteLine($"deployments: 1 replica at {one.Gateway}, 3 replicas at {three.Gateway} (catalog + authz each; one gateway each)");

            var table = $"/catalog/v1/{prefix}/namespaces/bench/tables/small";
            var targets = new List<(string Name, RequestSender Send)>
            {
                ("load-1", Load(one.Gateway, table)),
                ("load-3", Load(three.Gateway, table)),
                ("commit-1", Commit(one.Gateway, prefix)),
                ("commit-3", Commit(three.Gateway, prefix)),
            };

            using var load = new LoadGenerator(options.Concurrency);
            Console.WriteLine($"{options.Concurrency} workers; warm-up {options.WarmUp.TotalSeconds} s per target; {options.Rounds} rounds x {options.Duration.TotalSeconds} s per target, alternating.");
            for (var warmed = TimeSpan.Zero; warmed < options.WarmUp; warmed += WarmUpSlice)
            {
                foreach (var (name, send) in targets)
                {
                    await load.RunAsync(name, send, WarmUpSlice, cancellationToken);
                }
            }

            var results = new Dictionary<string, List<LoadResult>>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                Console.WriteLine($"round {round}");
                foreach (var (name, send) in CatalogScenario.Rotate(targets, round))
                {
                    CatalogScenario.Record(results, await load.RunAsync(name, send, options.Duration, cancellationToken));
                }
            }

            var merged = results.ToDictionary(r => r.Key, r => CatalogScenario.Merge(r.Value));
            Console.WriteLine();
            Console.WriteLine("all rounds");
            foreach (var result in merged.Values)
            {
                Console.WriteLine("  " + result + $"   conflicts {result.Conflicts}");
            }

            Console.WriteLine($"  loadTable 3 / 1 replicas: {Ratio(merged["load-3"], merged["load-1"])}");
            Console.WriteLine($"  commits   3 / 1 replicas: {Ratio(merged["commit-3"], merged["commit-1"])}");

            // A kill in the middle of a measured window, the gateway's health checks at their defaults.
            Console.WriteLine();
            Console.WriteLine("loadTable through the 3-replica gateway, one catalog replica killed (SIGKILL) after a third of the window");
            var steady = await load.RunAsync("steady", targets[1].Send, options.Duration, cancellationToken);
            var victim = three.Catalogs[1];
            var measured = load.RunAsync("kill", targets[1].Send, options.Duration * 3, cancellationToken);
            await Task.Delay(options.Duration, cancellationToken);
            victim.Kill();
            var killed = await measured;
            var after = await load.RunAsync("after", targets[1].Send, options.Duration, cancellationToken);
            foreach (var result in new[] { steady, killed, after })
            {
                Console.WriteLine("  " + result);
            }

            return 0;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static string Ratio(LoadResult a, LoadResult b) =>
        (a.RequestsPerSecond / b.RequestsPerSecond).ToString("0.00", CultureInfo.InvariantCulture) + "x";

    private sealed record Deployment(Uri Gateway, IReadOnlyList<ServiceProcess> Catalogs);

    private static async Task<Deployment> DeployAsync(Dictionary<string, string> common, int replicas, List<ServiceProcess> processes)
    {
        var grpc = Enumerable.Range(0, replicas).Select(_ => FreePort.Next()).ToList();
        foreach (var port in grpc)
        {
            processes.Add(await ServiceProcess.StartAsync("authz", FreePort.Next(), new Dictionary<string, string>
            {
                ["LAKEKEEPER__SERVER__INTERNALPORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["LAKEKEEPER__LOG__LEVEL"] = "Warning",
            }, TimeSpan.FromMinutes(3)));
        }

        var withAuthz = new Dictionary<string, string>(common)
        {
            ["LAKEKEEPER__AUTHZ__ENDPOINT"] = string.Join(',', grpc.Select(port => $"http://127.0.0.1:{port}")),
        };
        var catalogs = new List<ServiceProcess>();
        for (var i = 0; i < replicas; i++)
        {
            catalogs.Add(await ServiceProcess.StartAsync("catalog", FreePort.Next(), withAuthz, TimeSpan.FromMinutes(3)));
        }

        processes.AddRange(catalogs);
        var gateway = new Dictionary<string, string> { ["LAKEKEEPER__LOG__LEVEL"] = "Warning" };
        for (var i = 0; i < replicas; i++)
        {
            foreach (var cluster in new[] { "CATALOG", "SIGNER", "MANAGEMENT" })
            {
                gateway[$"LAKEKEEPER__GATEWAY__CLUSTERS__{cluster}__DESTINATIONS__D{i + 1}__ADDRESS"] = catalogs[i].BaseAddress.ToString();
            }
        }

        var started = await ServiceProcess.StartAsync("gateway", FreePort.Next(), gateway, TimeSpan.FromMinutes(3));
        processes.Add(started);
        return new Deployment(started.BaseAddress, catalogs);
    }

    private static RequestSender Load(Uri gateway, string path) =>
        async (client, _, token) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, path));
            return await LoadGenerator.SendAsync(client, request, new byte[16 * 1024], token);
        };

    private static RequestSender Commit(Uri gateway, string prefix)
    {
        var counter = 0L;
        return async (client, _, token) =>
        {
            var n = Interlocked.Increment(ref counter);
            using var request = CatalogScenario.Post(gateway, $"/catalog/v1/{prefix}/namespaces/bench/tables/c{n % SpreadTables:D3}",
                $$$"""{"requirements":[],"updates":[{"action":"set-properties","updates":{"bench.counter":"{{{n}}}"}}]}""");
            return await LoadGenerator.SendAsync(client, request, new byte[16 * 1024], token);
        };
    }

    private static async Task<string> SetUpAsync(HttpClient client, string warehouseRoot)
    {
        await CatalogScenario.SendAsync(client, HttpMethod.Post, "/management/v1/bootstrap", """{"accept-terms-of-use":true}""");
        var root = Path.Combine(warehouseRoot, "bench");
        Directory.CreateDirectory(root);
        var created = await CatalogScenario.SendAsync(client, HttpMethod.Post, "/management/v1/warehouse",
            JsonSerializer.Serialize(new Dictionary<string, object> { ["warehouse-name"] = "bench", ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = root } }));
        var prefix = JsonDocument.Parse(created).RootElement.GetProperty("warehouse-id").GetString()!;
        await CatalogScenario.SendAsync(client, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["bench"]}""");
        foreach (var name in Enumerable.Range(0, SpreadTables).Select(i => $"c{i:D3}").Prepend("small"))
        {
            await CatalogScenario.SendAsync(client, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces/bench/tables",
                $$$"""{"name":"{{{name}}}","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"string"}]}}""");
        }

        return prefix;
    }
}

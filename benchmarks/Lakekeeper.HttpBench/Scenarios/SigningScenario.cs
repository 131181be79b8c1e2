using System.Globalization;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// Data access numbers, all through the gateway of a microservices deployment (authz, catalog, signer
/// as processes, Release builds) in one run: S3 sign requests vs loadTable of the same table, and
/// loads with vended credentials (warm cache) vs plain loads. Storage is s3rver; STS is the fake STS of
/// the tests (it is called only when the cache is cold).
/// </summary>
internal sealed class SigningScenario : IScenario
{
    private const string Delegation = "X-Iceberg-Access-Delegation";
    private static readonly TimeSpan WarmUpSlice = TimeSpan.FromSeconds(2);

    public string Name => "signing";

    public string Description => "sign requests vs loadTable, vended-credential loads (warm) vs plain loads, via the gateway";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine(Machine.Describe());
        var (_, _, common) = await BenchSetUp.StartAsync();
        await using var s3 = await S3rverServer.StartAsync();
        await using var sts = await FakeStsServer.StartAsync(new Dictionary<string, string> { [S3rverServer.AccessKeyId] = S3rverServer.SecretAccessKey });

        // Set-up through a standalone host, then the microservices on the same database.
        string signingPrefix, vendingPrefix;
        await using (var standalone = await ServiceProcess.StartAsync("standalone", FreePort.Next(), common))
        {
            using var setup = new HttpClient { BaseAddress = standalone.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            await CatalogScenario.SendAsync(setup, HttpMethod.Post, "/management/v1/bootstrap", """{"accept-terms-of-use":true}""");
            signingPrefix = await WarehouseAsync(setup, "signing", s3, null);
            vendingPrefix = await WarehouseAsync(setup, "vending", s3, sts);
        }

        var authzGrpc = FreePort.Next();
        var withAuthz = new Dictionary<string, string>(common) { ["LAKEKEEPER__AUTHZ__ENDPOINT"] = $"http://127.0.0.1:{authzGrpc}" };
        await using var authz = await ServiceProcess.StartAsync("authz", FreePort.Next(),
            new Dictionary<string, string> { ["LAKEKEEPER__SERVER__INTERNALPORT"] = authzGrpc.ToString(CultureInfo.InvariantCulture), ["LAKEKEEPER__LOG__LEVEL"] = "Warning" });
        await using var catalog = await ServiceProcess.StartAsync("catalog", FreePort.Next(), withAuthz);
        await using var signer = await ServiceProcess.StartAsync("signer", FreePort.Next(), withAuthz);
        await using var gateway = await ServiceProcess.StartAsync("gateway", FreePort.Next(), new Dictionary<string, string>
        {
            ["LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS"] = catalog.BaseAddress.ToString(),
            ["LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__DESTINATIONS__D1__ADDRESS"] = signer.BaseAddress.ToString(),
            ["LAKEKEEPER__GATEWAY__CLUSTERS__MANAGEMENT__DESTINATIONS__D1__ADDRESS"] = catalog.BaseAddress.ToString(),
            ["LAKEKEEPER__LOG__LEVEL"] = "Warning",
        });

        var baseAddress = gateway.BaseAddress;
        var signingTable = $"/catalog/v1/{signingPrefix}/namespaces/bench/tables/t";
        var vendingTable = $"/catalog/v1/{vendingPrefix}/namespaces/bench/tables/t";
        using var client = new HttpClient { BaseAddress = baseAddress };
        var location = JsonDocument.Parse(await client.GetStringAsync(signingTable)).RootElement.GetProperty("metadata").GetProperty("location").GetString()!;
        var signBody = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["region"] = "us-east-1",
            ["uri"] = s3.Endpoint.ToString().TrimEnd('/') + "/" + location["s3://".Length..] + "/data/00000-0-data.parquet",
            ["method"] = "GET",
            ["headers"] = new Dictionary<string, string[]> { ["range"] = ["bytes=0-8191"], ["amz-sdk-invocation-id"] = ["e0f1"], ["user-agent"] = ["bench"] },
        });

        var targets = new List<(string Name, RequestSender Send)>
        {
            ("load", Get(baseAddress, signingTable, "client-managed")),
            ("sign", async (http, _, token) =>
            {
                using var request = CatalogScenario.Post(baseAddress, signingTable + "/sign", signBody);
                return await LoadGenerator.SendAsync(http, request, new byte[4096], token);
            }),
            ("plain", Get(baseAddress, vendingTable, "client-managed")),
            ("vended", Get(baseAddress, vendingTable, "vended-credentials")),
        };
        await CheckAsync(client, targets[1].Send, "sign");
        await CheckAsync(client, targets[3].Send, "vended");

        using var load = new LoadGenerator(options.Concurrency);
        Console.WriteLine($"{options.Concurrency} workers through the gateway; warm-up {options.WarmUp.TotalSeconds} s per target; {options.Rounds} rounds x {options.Duration.TotalSeconds} s per target, alternating.");
        for (var warmed = TimeSpan.Zero; warmed < options.WarmUp; warmed += WarmUpSlice)
        {
            foreach (var (name, send) in targets)
            {
                await load.RunAsync(name, send, WarmUpSlice, cancellationToken);
            }
        }

        var stsCalls = (await sts.RequestsAsync()).Count;
        var results = new Dictionary<string, List<LoadResult>>();
        var cpu = targets.ToDictionary(t => t.Name, _ => new Dictionary<string, double>());
        for (var round = 1; round <= options.Rounds; round++)
        {
            Console.WriteLine($"round {round}");
            foreach (var (name, send) in CatalogScenario.Rotate(targets, round))
            {
                var before = CpuAccounting.Snapshot();
                CatalogScenario.Record(results, await load.RunAsync(name, send, options.Duration, cancellationToken));
                CpuAccounting.Add(cpu[name], CpuAccounting.Between(before, CpuAccounting.Snapshot()));
            }
        }

        var merged = results.ToDictionary(r => r.Key, r => CatalogScenario.Merge(r.Value));
        Console.WriteLine();
        Console.WriteLine("all rounds");
        foreach (var result in merged.Values)
        {
            Console.WriteLine("  " + result + $"   {result.Bytes / Math.Max(1, result.Requests)} B/response");
        }

        Console.WriteLine("CPU ms per request, by process (bench = the load generator):");
        foreach (var result in merged.Values)
        {
            Console.WriteLine($"  {result.Target,-8} {CpuAccounting.PerUnit(cpu[result.Target], result.Requests)}");
        }

        CatalogScenario.Report("sign / loadTable throughput", merged["sign"].RequestsPerSecond / merged["load"].RequestsPerSecond, 0.50);
        Console.WriteLine($"  sign p50 {LoadResult.Ms(merged["sign"].Latency.Percentile(50))}, p99 {LoadResult.Ms(merged["sign"].Latency.Percentile(99))} (goal p99 < 5 ms at {options.Concurrency} clients: " +
            $"{(merged["sign"].Latency.Percentile(99) < TimeSpan.FromMilliseconds(5) ? "met" : "MISSED")})");
        CatalogScenario.Report("vended-credential loads (warm) / plain loads throughput", merged["vended"].RequestsPerSecond / merged["plain"].RequestsPerSecond, 0.80);
        Console.WriteLine($"  STS calls while measuring: {(await sts.RequestsAsync()).Count - stsCalls} (the cache served every vended load)");
        return 0;
    }

    private static RequestSender Get(Uri baseAddress, string path, string delegation) =>
        async (client, _, token) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, path));
            request.Headers.TryAddWithoutValidation(Delegation, delegation);
            return await LoadGenerator.SendAsync(client, request, new byte[16 * 1024], token);
        };

    private static async Task CheckAsync(HttpClient client, RequestSender send, string what)
    {
        var (outcome, _) = await send(client, 0, CancellationToken.None);
        if (outcome != Outcome.Ok)
        {
            throw new InvalidOperationException($"the {what} request does not succeed ({outcome})");
        }
    }

    /// <summary>An s3 warehouse on s3rver (vending through the fake STS when given) with namespace <c>bench</c> and table <c>t</c>.</summary>
    private static async Task<string> WarehouseAsync(HttpClient client, string name, S3rverServer s3, FakeStsServer? sts)
    {
        var profile = new Dictionary<string, object>
        {
            ["type"] = "s3", ["bucket"] = S3rverServer.Bucket, ["region"] = "us-east-1", ["endpoint"] = s3.Endpoint.ToString(),
            ["path-style-access"] = true, ["key-prefix"] = name,
        };
        if (sts is not null)
        {
            profile["sts-enabled"] = true;
            profile["flavor"] = "s3-compat";
            profile["sts-endpoint"] = sts.Endpoint.ToString();
            profile["sts-role-arn"] = "arn:aws:iam::123456789012:role/bench";
        }

        var created = await CatalogScenario.SendAsync(client, HttpMethod.Post, "/management/v1/warehouse", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["warehouse-name"] = name,
            ["storage-profile"] = profile,
            ["storage-credential"] = new Dictionary<string, object>
            {
                ["type"] = "s3", ["credential-type"] = "access-key", ["access-key-id"] = S3rverServer.AccessKeyId, ["secret-access-key"] = S3rverServer.SecretAccessKey,
            },
        }));
        var prefix = JsonDocument.Parse(created).RootElement.GetProperty("warehouse-id").GetString()!;
        await CatalogScenario.SendAsync(client, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["bench"]}""");
        await CatalogScenario.SendAsync(client, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces/bench/tables",
            """{"name":"t","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"string"}]}}""");
        return prefix;
    }
}

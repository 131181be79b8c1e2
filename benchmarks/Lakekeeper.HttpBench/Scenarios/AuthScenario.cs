using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// The cost of authentication on loadTable: the standalone host (Release, its own process) without an
/// identity provider, and the same host validating an RS256 or ES256 bearer token from a real OpenID
/// provider (npm oidc-provider) on every request, both reading the same table of one database.
/// Alternated in each round; after warm-up the key set is cached, so validation is local.
/// </summary>
internal sealed class AuthScenario : IScenario
{
    public string Name => "auth";

    public string Description => "loadTable with bearer-token validation (RS256, ES256) vs anonymous, same run";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine(Machine.Describe());
        var rsa = new OidcClient("bench-rs256", "RS256");
        var ec = new OidcClient("bench-es256", "ES256");
        await using var idp = await OidcProvider.StartAsync([rsa, ec]);
        var (database, warehouseRoot, common) = await BenchSetUp.StartAsync();

        await using var anonymous = await ServiceProcess.StartAsync("standalone", FreePort.Next(), common);
        await using var authenticated = await ServiceProcess.StartAsync("standalone", FreePort.Next(), new Dictionary<string, string>(common)
        {
            ["LAKEKEEPER__OPENID_PROVIDER_URI"] = idp.IssuerText,
            ["LAKEKEEPER__OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
            // Authentication alone is measured here (an identity provider would select builtin authz).
            ["LAKEKEEPER__AUTHZ_BACKEND"] = "allowall",
        });
        using var setup = new HttpClient { BaseAddress = anonymous.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var tablePath = await SetUpAsync(setup, warehouseRoot);
        var rsaToken = await idp.GetTokenAsync(rsa);
        var ecToken = await idp.GetTokenAsync(ec);

        var targets = new List<(string Name, RequestSender Send)>
        {
            ("anonymous", Load(anonymous.BaseAddress, tablePath, null)),
            ("rs256", Load(authenticated.BaseAddress, tablePath, rsaToken)),
            ("es256", Load(authenticated.BaseAddress, tablePath, ecToken)),
        };
        var serverOf = new Dictionary<string, int>
        {
            ["anonymous"] = anonymous.ProcessId,
            ["rs256"] = authenticated.ProcessId,
            ["es256"] = authenticated.ProcessId,
        };
        using var load = new LoadGenerator(options.Concurrency);
        using (var probe = new HttpClient())
        {
            foreach (var (name, baseAddress, token) in new[] { ("anonymous", anonymous.BaseAddress, (string?)null), ("rs256", authenticated.BaseAddress, rsaToken), ("es256", authenticated.BaseAddress, ecToken) })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, tablePath));
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                using var response = await probe.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{name}: loadTable fails before measuring: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
        }

        Console.WriteLine($"{options.Concurrency} workers; warm-up {options.WarmUp.TotalSeconds} s per target; {options.Rounds} rounds x {options.Duration.TotalSeconds} s per target, alternating.");
        foreach (var (name, send) in targets)
        {
            await load.RunAsync(name, send, options.WarmUp, cancellationToken);
        }

        var results = targets.ToDictionary(t => t.Name, _ => new List<LoadResult>());
        var cpu = targets.ToDictionary(t => t.Name, _ => (Time: TimeSpan.Zero, Requests: 0L));
        var ratios = new List<(double Rs, double Es)>();
        var cpuRatios = new List<(double Rs, double Es)>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            Console.WriteLine($"round {round}");
            var inRound = new Dictionary<string, LoadResult>();
            var cpuInRound = new Dictionary<string, double>();
            foreach (var (name, send) in CatalogScenario.Rotate(targets, round))
            {
                var cpuBefore = ServerCpu(serverOf[name]);
                var result = await load.RunAsync(name, send, options.Duration, cancellationToken);
                var cpuUsed = ServerCpu(serverOf[name]) - cpuBefore;
                cpu[name] = (cpu[name].Time + cpuUsed, cpu[name].Requests + result.Requests);
                cpuInRound[name] = cpuUsed.TotalMicroseconds / Math.Max(1, result.Requests);
                Console.WriteLine($"  {result}   server CPU {cpuUsed.TotalMicroseconds / Math.Max(1, result.Requests):0} µs/request");
                results[name].Add(result);
                inRound[name] = result;
            }

            ratios.Add((inRound["rs256"].RequestsPerSecond / inRound["anonymous"].RequestsPerSecond,
                inRound["es256"].RequestsPerSecond / inRound["anonymous"].RequestsPerSecond));
            cpuRatios.Add((cpuInRound["anonymous"] / cpuInRound["rs256"], cpuInRound["anonymous"] / cpuInRound["es256"]));
        }

        Console.WriteLine();
        Console.WriteLine("loadTable, per round ratio to anonymous (rs256, es256): " +
            string.Join("; ", ratios.Select(r => $"{r.Rs * 100:0.0} %, {r.Es * 100:0.0} %")));
        var rsMedian = Median(ratios.Select(r => r.Rs));
        var esMedian = Median(ratios.Select(r => r.Es));
        foreach (var (name, list) in results)
        {
            var requests = list.Sum(r => r.Requests);
            var seconds = list.Sum(r => r.Elapsed.TotalSeconds);
            var latency = new LatencyHistogram();
            foreach (var r in list)
            {
                latency.Add(r.Latency);
            }

            Console.WriteLine($"  {name,-10} {requests / seconds,10:N0} req/s   p50 {LoadResult.Ms(latency.Percentile(50))}   p99 {LoadResult.Ms(latency.Percentile(99))}   errors {list.Sum(r => r.Errors)}");
        }

        double CpuPerRequest(string name) => cpu[name].Time.TotalMicroseconds / Math.Max(1, cpu[name].Requests);
        Console.WriteLine($"  server CPU per request: anonymous {CpuPerRequest("anonymous"):0} µs, RS256 {CpuPerRequest("rs256"):0} µs, ES256 {CpuPerRequest("es256"):0} µs");
        Console.WriteLine($"  throughput per server core (anonymous CPU per request / authenticated), median of rounds: RS256 {Median(cpuRatios.Select(r => r.Rs)) * 100:0.0} %, ES256 {Median(cpuRatios.Select(r => r.Es)) * 100:0.0} %");
        Console.WriteLine($"  RS256 validation / anonymous (median of rounds): {rsMedian * 100:0.0} %; goal >= 90 %: {(rsMedian >= 0.9 ? "met" : "MISSED")}");
        Console.WriteLine($"  ES256 validation / anonymous (median of rounds): {esMedian * 100:0.0} %; goal >= 90 %: {(esMedian >= 0.9 ? "met" : "MISSED")}");
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

    /// <summary>
    /// User plus system CPU time the server process has used so far. Unlike wall-clock throughput, the
    /// CPU a request costs the server barely moves when other processes load the machine.
    /// </summary>
    private static TimeSpan ServerCpu(int processId)
    {
        using var process = System.Diagnostics.Process.GetProcessById(processId);
        return process.TotalProcessorTime;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static RequestSender Load(Uri baseAddress, string path, string? token) =>
        async (client, _, cancellation) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, path));
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return await LoadGenerator.SendAsync(client, request, new byte[16 * 1024], cancellation);
        };

    /// <summary>Bootstrap, a file warehouse, a namespace and one small table; returns the table's path.</summary>
    private static async Task<string> SetUpAsync(HttpClient client, string warehouseRoot)
    {
        await SendAsync(client, "/management/v1/bootstrap", """{"accept-terms-of-use":true}""");
        var root = Path.Combine(warehouseRoot, "bench");
        Directory.CreateDirectory(root);
        var created = await SendAsync(client, "/management/v1/warehouse",
            JsonSerializer.Serialize(new Dictionary<string, object> { ["warehouse-name"] = "bench", ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = root } }));
        var prefix = JsonDocument.Parse(created).RootElement.GetProperty("warehouse-id").GetString()!;
        await SendAsync(client, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["bench"]}""");
        await SendAsync(client, $"/catalog/v1/{prefix}/namespaces/bench/tables",
            """{"name":"small","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"string"}]}}""");
        return $"/catalog/v1/{prefix}/namespaces/bench/tables/small";
    }

    private static async Task<string> SendAsync(HttpClient client, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {body}");
    }
}

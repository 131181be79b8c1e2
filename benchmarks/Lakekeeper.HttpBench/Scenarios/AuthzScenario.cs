using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// The cost of authorization over HTTP, in one run: two standalone hosts (Release, own processes) on one
/// database behind the same OpenID provider, one with the builtin authorizer and one with allowall.
/// loadTable as the owner on both (issue 9: builtin ≥ 80 % of allowall); and Lakekeeper #1992's shape —
/// 68 namespaces, 353 tables, an unprivileged user granted select on 40 tables spread over 20 namespaces —
/// where that user's <c>/config</c> and list namespaces are timed (goal p50 &lt; 20 ms).
/// </summary>
internal sealed class AuthzScenario : IScenario
{
    private const int Namespaces = 68;
    private const int Tables = 353;

    public string Name => "authz";

    public string Description => "loadTable with builtin authz vs allowall; /config and list namespaces for a sparse user (Lakekeeper #1992 shape)";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine(Machine.Describe());
        var admin = new OidcClient("bench-admin", "RS256");
        var sparse = new OidcClient("bench-sparse", "RS256");
        await using var idp = await OidcProvider.StartAsync([admin, sparse]);
        var (_, warehouseRoot, common) = await BenchSetUp.StartAsync();
        common["LAKEKEEPER__OPENID_PROVIDER_URI"] = idp.IssuerText;
        common["LAKEKEEPER__OPENID_AUDIENCE"] = OidcProvider.DefaultAudience;

        await using var builtin = await ServiceProcess.StartAsync("standalone", FreePort.Next(), new Dictionary<string, string>(common) { ["LAKEKEEPER__AUTHZ_BACKEND"] = "builtin" });
        var adminToken = await idp.GetTokenAsync(admin);
        var sparseToken = await idp.GetTokenAsync(sparse);
        using var setup = new HttpClient { BaseAddress = builtin.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        setup.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        Console.WriteLine($"Setting up {Namespaces} namespaces and {Tables} tables through the builtin host …");
        var (prefix, tablePath) = await SetUpAsync(setup, warehouseRoot, "oidc~" + sparse.Id);

        // Started after the set-up, so that its outbox worker (allowall drops writes) never sees a tuple.
        await using var allowall = await ServiceProcess.StartAsync("standalone", FreePort.Next(), new Dictionary<string, string>(common) { ["LAKEKEEPER__AUTHZ_BACKEND"] = "allowall" });

        var loadTargets = new List<(string Name, RequestSender Send)>
        {
            ("allowall", Get(allowall.BaseAddress, tablePath, adminToken)),
            ("builtin", Get(builtin.BaseAddress, tablePath, adminToken)),
        };
        var sparseTargets = new List<(string Name, RequestSender Send)>
        {
            ("config", Get(builtin.BaseAddress, "/catalog/v1/config?warehouse=bench", sparseToken)),
            ("namespaces", Get(builtin.BaseAddress, $"/catalog/v1/{prefix}/namespaces", sparseToken)),
        };
        using var load = new LoadGenerator(options.Concurrency);
        using (var probe = new HttpMessageInvoker(new SocketsHttpHandler()))
        {
            foreach (var (name, send) in loadTargets.Concat(sparseTargets))
            {
                var (outcome, _) = await send(probe, 0, cancellationToken);
                if (outcome != Outcome.Ok)
                {
                    throw new InvalidOperationException($"{name}: fails before measuring ({outcome})");
                }
            }
        }

        Console.WriteLine($"{options.Concurrency} workers; warm-up {options.WarmUp.TotalSeconds} s per target; {options.Rounds} rounds x {options.Duration.TotalSeconds} s per target, alternating.");
        foreach (var (name, send) in loadTargets.Concat(sparseTargets))
        {
            await load.RunAsync(name, send, options.WarmUp, cancellationToken);
        }

        var results = loadTargets.Concat(sparseTargets).ToDictionary(t => t.Name, _ => new List<LoadResult>());
        var ratios = new List<double>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            Console.WriteLine($"round {round}");
            var inRound = new Dictionary<string, LoadResult>();
            var order = round % 2 == 0 ? loadTargets : [.. Enumerable.Reverse(loadTargets)];
            foreach (var (name, send) in order.Concat(sparseTargets))
            {
                var result = await load.RunAsync(name, send, options.Duration, cancellationToken);
                Console.WriteLine("  " + result);
                results[name].Add(result);
                inRound[name] = result;
            }

            ratios.Add(inRound["builtin"].RequestsPerSecond / inRound["allowall"].RequestsPerSecond);
        }

        Console.WriteLine();
        Console.WriteLine("loadTable builtin / allowall per round: " + string.Join("; ", ratios.Select(r => $"{r * 100:0.0} %")));
        foreach (var (name, list) in results)
        {
            var latency = new LatencyHistogram();
            foreach (var r in list)
            {
                latency.Add(r.Latency);
            }

            Console.WriteLine($"  {name,-10} {list.Sum(r => r.Requests) / list.Sum(r => r.Elapsed.TotalSeconds),10:N0} req/s   p50 {LoadResult.Ms(latency.Percentile(50))}   p99 {LoadResult.Ms(latency.Percentile(99))}   errors {list.Sum(r => r.Errors)}");
        }

        var median = ratios.Order().ElementAt(ratios.Count / 2);
        Console.WriteLine($"  loadTable builtin / allowall (median of rounds): {median * 100:0.0} %; goal >= 80 %: {(median >= 0.8 ? "met" : "MISSED")}");
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

    private static RequestSender Get(Uri baseAddress, string path, string token) =>
        async (client, _, cancellation) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await LoadGenerator.SendAsync(client, request, new byte[64 * 1024], cancellation);
        };

    /// <summary>
    /// Bootstrap, the warehouse <c>bench</c>, 68 namespaces with 353 tables between them, and select for
    /// <paramref name="sparseUser"/> on 40 tables of 20 namespaces; returns the prefix and a table's path.
    /// </summary>
    private static async Task<(string Prefix, string TablePath)> SetUpAsync(HttpClient client, string warehouseRoot, string sparseUser)
    {
        await SendAsync(client, "/management/v1/bootstrap", """{"accept-terms-of-use":true}""");
        var root = Path.Combine(warehouseRoot, "bench");
        Directory.CreateDirectory(root);
        var created = await SendAsync(client, "/management/v1/warehouse",
            JsonSerializer.Serialize(new Dictionary<string, object> { ["warehouse-name"] = "bench", ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = root } }));
        var prefix = JsonDocument.Parse(created).RootElement.GetProperty("warehouse-id").GetString()!;
        const string Schema = """{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"string"}]}""";
        var grants = 0;
        for (var t = 0; t < Tables; t++)
        {
            var ns = t % Namespaces;
            if (t < Namespaces)
            {
                await SendAsync(client, $"/catalog/v1/{prefix}/namespaces", $$"""{"namespace":["ns{{ns:D2}}"]}""");
            }

            var table = await SendAsync(client, $"/catalog/v1/{prefix}/namespaces/ns{ns:D2}/tables", $$"""{"name":"t{{t:D3}}","schema":{{Schema}}}""");
            // 40 grants: two tables in each of the first 20 namespaces.
            if (ns < 20 && t < 2 * Namespaces)
            {
                var id = JsonDocument.Parse(table).RootElement.GetProperty("metadata").GetProperty("table-uuid").GetString();
                await SendAsync(client, $"/management/v1/permissions/warehouse/{prefix}/table/{id}/assignments",
                    $$"""{"writes":[{"type":"select","user":"{{sparseUser}}"}]}""");
                grants++;
            }
        }

        Console.WriteLine($"{Namespaces} namespaces, {Tables} tables, {grants} select grants for {sparseUser}.");
        return (prefix, $"/catalog/v1/{prefix}/namespaces/ns00/tables/t000");
    }

    private static async Task<string> SendAsync(HttpClient client, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {body}");
    }
}

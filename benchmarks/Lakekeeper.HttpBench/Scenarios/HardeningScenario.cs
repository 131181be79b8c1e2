using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// Issue 14's numbers. (1) The catalog's resident memory before, at the peak of, and 30 s after 16
/// concurrent 30 MiB request bodies (the process-wide body budget bounds what is buffered at once).
/// (2) loadTable throughput of this build against a reference build of the standalone host
/// (<c>LAKEKEEPER_BENCH_REFERENCE_STANDALONE=&lt;path to Lakekeeper.Standalone.dll&gt;</c>, e.g. main
/// built from a <c>git archive</c> copy), same database and table, alternating in one run.
/// </summary>
internal sealed class HardeningScenario : IScenario
{
    private const int Bodies = 16;
    private const int BodyBytes = 30 * 1024 * 1024;

    public string Name => "hardening";

    public string Description => "RSS around 16 concurrent 30 MiB bodies; loadTable vs a reference build (issue 14)";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.WriteLine(Machine.Describe());
        var (database, warehouseRoot, common) = await BenchSetUp.StartAsync();

        await using var host = await ServiceProcess.StartAsync("standalone", FreePort.Next(), common);
        using var setup = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        await CatalogScenario.SendAsync(setup, HttpMethod.Post, "/management/v1/bootstrap", """{"accept-terms-of-use":true}""");
        var root = Path.Combine(warehouseRoot, "bench");
        Directory.CreateDirectory(root);
        var created = await CatalogScenario.SendAsync(setup, HttpMethod.Post, "/management/v1/warehouse",
            JsonSerializer.Serialize(new Dictionary<string, object> { ["warehouse-name"] = "bench", ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = root } }));
        var prefix = JsonDocument.Parse(created).RootElement.GetProperty("warehouse-id").GetString()!;
        await CatalogScenario.SendAsync(setup, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["bench"]}""");
        await CatalogScenario.SendAsync(setup, HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces/bench/tables",
            """{"name":"small","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""");
        var tablePath = $"/catalog/v1/{prefix}/namespaces/bench/tables/small";

        if (Environment.GetEnvironmentVariable("LAKEKEEPER_BENCH_REFERENCE_STANDALONE") is { Length: > 0 } reference)
        {
            await using var referenceHost = await ServiceProcess.StartAsync("standalone", FreePort.Next(), common, hostDll: reference);
            await CompareAsync(options, [("this build", new Uri(host.BaseAddress, tablePath)), ("reference", new Uri(referenceHost.BaseAddress, tablePath))], cancellationToken);
        }
        else
        {
            Console.WriteLine("loadTable comparison skipped: set LAKEKEEPER_BENCH_REFERENCE_STANDALONE to a reference build's Lakekeeper.Standalone.dll");
        }

        await BodiesAsync(host, prefix, cancellationToken);
        return 0;
    }

    private static async Task CompareAsync(BenchOptions options, List<(string Name, Uri Url)> targets, CancellationToken cancellationToken)
    {
        using var load = new LoadGenerator(options.Concurrency);
        foreach (var (name, url) in targets)
        {
            await load.RunAsync(name, url, options.WarmUp, cancellationToken);
        }

        var results = new Dictionary<string, List<LoadResult>>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var (name, url) in CatalogScenario.Rotate(targets, round))
            {
                CatalogScenario.Record(results, await load.RunAsync(name, url, options.Duration, cancellationToken));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"loadTable, {options.Concurrency} clients, {options.Rounds} rounds x {options.Duration.TotalSeconds} s alternating");
        foreach (var (name, rounds) in results)
        {
            Console.WriteLine($"  {name}: rounds {string.Join(", ", rounds.Select(r => r.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture)))} req/s");
        }

        var ratios = Enumerable.Range(0, options.Rounds)
            .Select(i => results["this build"][i].RequestsPerSecond / results["reference"][i].RequestsPerSecond).Order().ToList();
        CatalogScenario.Report("this build / reference, median of rounds", ratios[ratios.Count / 2], 0.97,
            $"per round: {string.Join(", ", ratios.Select(r => r.ToString("P1", CultureInfo.InvariantCulture)))}");
    }

    private static async Task BodiesAsync(ServiceProcess host, string prefix, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"{Bodies} concurrent {BodyBytes / (1024 * 1024)} MiB bodies (createNamespace with one huge property)");
        await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
        var baseline = Rss(host.ProcessId);
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(host.ProcessId));
                try
                {
                    await Task.Delay(20, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);

        var body = new byte[BodyBytes];
        var head = Encoding.ASCII.GetBytes("""{"namespace":["big"],"properties":{"p":" """.TrimEnd());
        var tail = Encoding.ASCII.GetBytes("\"}}");
        body.AsSpan().Fill((byte)'v');
        head.CopyTo(body, 0);
        tail.CopyTo(body, body.Length - tail.Length);
        var statuses = new ConcurrentDictionary<string, int>();
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Bodies).Select(async _ =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            string answer;
            try
            {
                using var response = await client.PostAsync(new Uri(host.BaseAddress, $"/catalog/v1/{prefix}/namespaces"), content, cancellationToken);
                answer = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException)
            {
                // The server answered before reading the whole body and closed the connection while the client still sent it.
                answer = "closed early";
            }

            statuses.AddOrUpdate(answer, 1, (_, n) => n + 1);
        }));
        clock.Stop();
        await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
        await sampling.CancelAsync();
        await sampler;
        var after = Rss(host.ProcessId);

        Console.WriteLine($"  answers in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} x {s.Value}"))}");
        Console.WriteLine($"  RSS baseline {Mib(baseline)}, peak {Mib(peak)} (+{Mib(peak - baseline)}; goal < +200 MiB), 30 s after {Mib(after)} ({(double)after / baseline:P1} of baseline; goal <= 110 %)");
    }

    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("N0", CultureInfo.InvariantCulture) + " MiB";
}

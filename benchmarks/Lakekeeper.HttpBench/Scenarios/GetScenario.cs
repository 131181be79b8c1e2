namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>Load on any URL: <c>get --url http://host:port/path</c>.</summary>
internal sealed class GetScenario : IScenario
{
    public string Name => "get";

    public string Description => "GET one URL (--url) with N workers: requests/s and latency percentiles";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(options.Text("url"), UriKind.Absolute, out var url))
        {
            throw new ArgumentException("--url must be an absolute URL.");
        }

        using var load = new LoadGenerator(options.Concurrency);
        Console.WriteLine($"GET {url}: {options.Concurrency} workers, warm-up {options.WarmUp.TotalSeconds} s, {options.Rounds} x {options.Duration.TotalSeconds} s");
        await load.RunAsync("warm-up", url, options.WarmUp, cancellationToken);
        for (var round = 1; round <= options.Rounds; round++)
        {
            var result = await load.RunAsync($"round {round}", url, options.Duration, cancellationToken);
            Console.WriteLine(result);
        }

        return 0;
    }
}

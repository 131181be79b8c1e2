using Lakekeeper.HttpBench;
using Lakekeeper.HttpBench.Scenarios;

IScenario[] scenarios = [new GatewayScenario(), new CatalogScenario(), new AuthScenario(), new AuthzScenario(), new SigningScenario(), new ManagementScenario(), new ReplicasScenario(), new FloorServerScenario(), new GetScenario(), new HardeningScenario(), new LifecycleScenario()];

BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 64;
}

var scenario = options is null ? null : Array.Find(scenarios, s => s.Name == options.Scenario);
if (options is null || scenario is null)
{
    Console.WriteLine("Usage: dotnet run -c Release --project benchmarks/Lakekeeper.HttpBench -- <scenario> [options]");
    Console.WriteLine();
    Console.WriteLine("Scenarios:");
    foreach (var s in scenarios)
    {
        Console.WriteLine($"  {s.Name,-10} {s.Description}");
    }

    Console.WriteLine();
    Console.WriteLine("Common options: --duration <s> (10)  --warmup <s> (10)  --concurrency <n> (16)  --rounds <n> (3)");
    Console.WriteLine("gateway:        --baseline (also measure a bare forwarder)  --upstream-cpu <µs>  --allocations  --serve (for wrk)");
    Console.WriteLine("get:            --url <url>");
    Console.WriteLine("catalog:        (no extra options; builds on the Release hosts)");
    Console.WriteLine("auth:           (no extra options; builds on the Release hosts; needs npm ci --prefix tests/node)");
    Console.WriteLine("authz:          (no extra options; builds on the Release hosts; needs npm ci --prefix tests/node)");
    Console.WriteLine("signing:        (no extra options; needs npm s3rver and Debian's python3-botocore for the fake STS)");
    Console.WriteLine("management:     (no extra options; builds on the Release hosts)");
    Console.WriteLine("lifecycle:      (no extra options; builds on the Release hosts)");
    return options is null ? 0 : 64;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    return await scenario.RunAsync(options, stop.Token);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 64;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 130;
}

using Lakekeeper.AuthzBench;

// The builtin authorization engine: check latency (in process and over gRPC) and list-objects over
// 10,000 tables. Usage: dotnet run -c Release --project benchmarks/Lakekeeper.AuthzBench [-- --calls 20000 --lists 200]
var calls = Arg(args, "--calls", 20_000);
var lists = Arg(args, "--lists", 200);
await using var bench = await AuthzBench.StartAsync(Console.Out);
await bench.RunAsync(calls, lists, Console.Out);
return 0;

static int Arg(string[] args, string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : fallback;
}

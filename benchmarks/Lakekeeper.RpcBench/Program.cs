using Lakekeeper.RpcBench;

// gRPC unary round trip on loopback: our client -> our server (the authz host, allowall Check).
// Usage: dotnet run -c Release --project benchmarks/Lakekeeper.RpcBench [-- --warmup 10 --seconds 5]
var settings = BenchSettings.Parse(args);
await using var bench = await RoundTripBench.StartAsync();
await bench.RunAsync(settings, Console.Out);

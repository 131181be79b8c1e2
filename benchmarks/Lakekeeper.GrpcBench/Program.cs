using Lakekeeper.GrpcBench;

// gRPC unary round trip on loopback: Grpc.Net.Client -> the authz host on Grpc.AspNetCore (allowall Check).
// Usage: dotnet run -c Release --project benchmarks/Lakekeeper.GrpcBench [-- --warmup 10 --seconds 5 --calls 20000]
var settings = BenchSettings.Parse(args);
await using var bench = await RoundTripBench.StartAsync();
await bench.RunAsync(settings, Console.Out);

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Lakekeeper.Gateway;
using Lakekeeper.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// The gateway's overhead: an upstream Kestrel serving a 200-byte JSON document, the gateway (YARP with
/// the gateway's transforms, health checks and error handling, composed like its host) in front of it,
/// both warmed up, then direct and through-the-gateway load measured in alternating rounds at the same
/// concurrency. Goals (issue 7): at least 70% of direct throughput with an upstream that spends 200 µs
/// per request (<c>--upstream-cpu 200</c>), and less than 0.3 ms added at p50. With <c>--serve</c> it only
/// starts both and prints their URLs, for an external generator such as wrk.
/// </summary>
internal sealed class GatewayScenario : IScenario
{
    private const string Path = "/catalog/v1/config";
    private const double ThroughputGoal = 0.70;
    private static readonly TimeSpan AddedLatencyGoal = TimeSpan.FromMilliseconds(0.3);
    private static readonly TimeSpan WarmUpSlice = TimeSpan.FromSeconds(2);

    public string Name => "gateway";

    public string Description => "direct vs through the gateway, alternating rounds: throughput ratio and added latency";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        // --upstream-cpu <µs>: CPU the upstream burns per request, to see the ratio for heavier endpoints.
        var upstreamWork = TimeSpan.FromMicroseconds(options.Flag("upstream-cpu") ? options.Number("upstream-cpu", 0) : 0);
        await using var upstream = await StartUpstreamAsync(upstreamWork, cancellationToken);
        var upstreamAddress = AddressOf(upstream);
        await using var gateway = await StartGatewayAsync(upstreamAddress, cancellationToken);
        var direct = new Uri(upstreamAddress + Path);
        var through = new Uri(AddressOf(gateway) + Path);

        if (options.Flag("serve"))
        {
            Console.WriteLine($"direct:  {direct}");
            Console.WriteLine($"gateway: {through}");
            Console.WriteLine("Serving until Ctrl+C.");
            // Ctrl+C or SIGTERM: the hosts' console lifetime stops the gateway, the tool's handler cancels.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, gateway.Lifetime.ApplicationStopping);
            await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return 0;
        }

        Console.WriteLine(Machine.Describe());

        Console.WriteLine($"Payload {Payload.Length} bytes, upstream CPU {upstreamWork.TotalMicroseconds} µs per request; {options.Concurrency} workers; warm-up {options.WarmUp.TotalSeconds} s per target; " +
            $"{options.Rounds} rounds x {options.Duration.TotalSeconds} s per target, alternating.");
        using var load = new LoadGenerator(options.Concurrency);

        // Tiered JIT: both paths get hot before anything is measured.
        for (var warmed = TimeSpan.Zero; warmed < options.WarmUp; warmed += WarmUpSlice)
        {
            await load.RunAsync("warm-up", direct, WarmUpSlice, cancellationToken);
            await load.RunAsync("warm-up", through, WarmUpSlice, cancellationToken);
        }

        var targets = new List<(string Name, Uri Url)> { ("direct", direct), ("gateway", through) };
        await using var bare = options.Flag("baseline") ? await StartBareForwarderAsync(upstreamAddress, cancellationToken) : null;
        if (bare is not null)
        {
            targets.Add(("bare", new Uri(AddressOf(bare) + Path)));
        }

        if (options.Flag("allocations"))
        {
            await ReportAllocationsAsync(targets, cancellationToken);
        }

        // Tiered JIT: every path gets hot before anything is measured.
        for (var warmed = TimeSpan.Zero; warmed < options.WarmUp; warmed += WarmUpSlice)
        {
            foreach (var (_, url) in targets)
            {
                await load.RunAsync("warm-up", url, WarmUpSlice, cancellationToken);
            }
        }

        var totals = targets.ToDictionary(t => t.Name, _ => (Latency: new LatencyHistogram(), Errors: 0L));
        var ratios = new List<double>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            // Rotate which target goes first so drift (thermal, other builds) hits all alike.
            Console.WriteLine($"round {round}");
            var results = new Dictionary<string, LoadResult>();
            for (var i = 0; i < targets.Count; i++)
            {
                var (name, url) = targets[(i + round - 1) % targets.Count];
                var result = await load.RunAsync(name, url, options.Duration, cancellationToken);
                Console.WriteLine("  " + result);
                results[name] = result;
                totals[name].Latency.Add(result.Latency);
                totals[name] = (totals[name].Latency, totals[name].Errors + result.Errors);
            }

            ratios.Add(results["gateway"].RequestsPerSecond / results["direct"].RequestsPerSecond);
        }

        var measured = options.Duration * options.Rounds;
        var summary = totals.ToDictionary(t => t.Key, t => new LoadResult(t.Key, t.Value.Latency.Count, t.Value.Errors, measured, t.Value.Latency));
        var ratio = summary["gateway"].RequestsPerSecond / summary["direct"].RequestsPerSecond;
        var addedP50 = summary["gateway"].Latency.Percentile(50) - summary["direct"].Latency.Percentile(50);
        var addedP99 = summary["gateway"].Latency.Percentile(99) - summary["direct"].Latency.Percentile(99);

        Console.WriteLine();
        Console.WriteLine("all rounds");
        foreach (var result in summary.Values)
        {
            Console.WriteLine("  " + result);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput ratio gateway/direct: {ratio:P1} (per round: {string.Join(", ", ratios.Select(r => r.ToString("P1", CultureInfo.InvariantCulture)))}); goal >= {ThroughputGoal:P0}: {(ratio >= ThroughputGoal ? "met" : "MISSED")}"));
        Console.WriteLine($"added latency p50: {LoadResult.Ms(addedP50)}; goal < {LoadResult.Ms(AddedLatencyGoal)}: {(addedP50 < AddedLatencyGoal ? "met" : "MISSED")}");
        Console.WriteLine($"added latency p99: {LoadResult.Ms(addedP99)}");
        if (summary.TryGetValue("bare", out var bareResult))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bare forwarder/direct: {bareResult.RequestsPerSecond / summary["direct"].RequestsPerSecond:P1}; gateway/bare: {summary["gateway"].RequestsPerSecond / bareResult.RequestsPerSecond:P1}"));
        }

        return summary.Values.Sum(r => r.Errors) == 0 ? 0 : 1;
    }

    /// <summary>Bytes the whole process allocates per sequential request to each target (<c>--allocations</c>).</summary>
    private static async Task ReportAllocationsAsync(IEnumerable<(string Name, Uri Url)> targets, CancellationToken cancellationToken)
    {
        using var load = new LoadGenerator(1);
        foreach (var (name, url) in targets)
        {
            await load.RunAsync(name, url, TimeSpan.FromSeconds(1), cancellationToken);
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var result = await load.RunAsync(name, url, TimeSpan.FromSeconds(2), cancellationToken);
            var perRequest = (GC.GetTotalAllocatedBytes(precise: true) - before) / Math.Max(1, result.Requests);
            Console.WriteLine($"allocated per request ({name}, whole process): {perRequest:N0} bytes");
        }
    }

    /// <summary>A 200-byte JSON document, about the size of a small catalog answer.</summary>
    internal static readonly byte[] Payload = CreatePayload(200);

    private static byte[] CreatePayload(int size)
    {
        const string head = """{"defaults":{"warehouse":"s3://lake/warehouse"},"overrides":{"prefix":"wh-0192"},"endpoints":["GET /v1/{prefix}/namespaces"],"padding":""";
        const string tail = "\"}";
        return Encoding.UTF8.GetBytes(head + new string('x', size - head.Length - tail.Length) + tail);
    }

    private static async Task<WebApplication> StartUpstreamAsync(TimeSpan work, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.Run(context =>
        {
            if (work > TimeSpan.Zero)
            {
                var until = Stopwatch.GetTimestamp() + (long)(work.TotalSeconds * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() < until)
                {
                    Thread.SpinWait(20);
                }
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = Payload.Length;
            return context.Response.Body.WriteAsync(Payload, context.RequestAborted).AsTask();
        });
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>Composed like services/gateway's Program.cs; settings as the environment would give them.</summary>
    private static async Task<WebApplication> StartGatewayAsync(string upstreamAddress, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Server:ListenPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            ["Log:Level"] = "Warning",
            ["Gateway:Clusters:catalog:Destinations:d1:Address"] = upstreamAddress,
            ["Gateway:Clusters:signer:Destinations:d1:Address"] = upstreamAddress,
            ["Gateway:Clusters:management:Destinations:d1:Address"] = upstreamAddress,
        };
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults("gateway");
        builder.AddGateway();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapGateway();
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>
    /// The least any .NET forwarder does (Kestrel in, HttpMessageInvoker out, copy status, type and body;
    /// no routing, headers, middleware or telemetry): the reference that separates the cost of a proxy hop
    /// on this machine from the cost of the gateway's own code.
    /// </summary>
    private static async Task<WebApplication> StartBareForwarderAsync(string upstreamAddress, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false });
        app.Lifetime.ApplicationStopped.Register(invoker.Dispose);
        app.Run(async context =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, upstreamAddress + context.Request.Path.Value);
            using var response = await invoker.SendAsync(request, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            context.Response.ContentLength = response.Content.Headers.ContentLength;
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        return app;
    }

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
}

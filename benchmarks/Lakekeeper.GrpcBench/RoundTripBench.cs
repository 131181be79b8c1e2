using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Grpc.Net.Client;
using Lakekeeper.Authz;
using Lakekeeper.Authz.V1;
using Lakekeeper.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Principal = Lakekeeper.Authz.Principal;

namespace Lakekeeper.GrpcBench;

/// <summary>
/// Starts the authz host in process (ServiceDefaults + AddAuthzServer on Grpc.AspNetCore, as its
/// Program.cs does) and measures callers of it over loopback cleartext HTTP/2, alternating between them:
/// <list type="bullet">
/// <item><c>raw-h2</c>: the reference, an HTTP/2 POST of the same bytes to a plain endpoint (no gRPC).</item>
/// <item><c>grpc</c>: the generated <c>Authorizer.AuthorizerClient.CheckAsync</c> (Grpc.Net.Client) with a 5 s deadline.</item>
/// <item><c>grpc-no-deadline</c>: the same without a deadline (no grpc-timeout, no timers).</item>
/// <item><c>iauthorizer</c>: <see cref="IAuthorizer.CheckAsync"/> through the binding modules use
/// (<c>AddAuthz</c> with an endpoint: Grpc.Net.ClientFactory, a deadline per call, no check cache).</item>
/// </list>
/// </summary>
internal sealed class RoundTripBench : IAsyncDisposable
{
    private static readonly CheckRequest Request = new()
    {
        Principal = new Lakekeeper.Authz.V1.Principal { UserId = "oidc~0191a0f5-1d2e-7000-8000-000000000001" },
        Object = new ObjectRef { Type = ObjectTypes.Table, Id = "0191a0f5-1d2e-7000-8000-00000000beef" },
        Relation = Relations.CanGetMetadata,
    };

    private readonly WebApplication _server;
    private readonly IHost _client;
    private readonly GrpcChannel _channel;
    private readonly Lakekeeper.Authz.V1.Authorizer.AuthorizerClient _grpc;
    private readonly HttpMessageInvoker _raw;
    private readonly Uri _rawUri;
    private readonly IAuthorizer _authorizer;
    private readonly byte[] _rawBody;

    private RoundTripBench(WebApplication server, IHost client, Uri internalAddress)
    {
        _server = server;
        _client = client;
        _channel = GrpcChannel.ForAddress(internalAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, UseProxy = false },
        });
        _grpc = new Lakekeeper.Authz.V1.Authorizer.AuthorizerClient(_channel);
        _raw = new HttpMessageInvoker(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, UseProxy = false });
        _rawUri = new Uri(internalAddress, "/bench/raw");
        _authorizer = client.Services.GetRequiredService<IAuthorizer>();
        _rawBody = Google.Protobuf.MessageExtensions.ToByteArray(Request);
    }

    private delegate Task Call();

    public static async Task<RoundTripBench> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:ListenPort"] = "0",
            ["Server:InternalPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            ["Log:Level"] = "Warning",
        });
        builder.AddServiceDefaults("authz");
        builder.Logging.ClearProviders();
        builder.AddAuthzServer();
        var server = builder.Build();
        server.UseServiceDefaults();
        server.MapServiceDefaults();
        server.MapAuthzServer();
        server.MapPost("/bench/raw", static async (HttpContext context) =>
        {
            // Same work as the gRPC path minus the protocol: read the body, answer a small message.
            var body = await context.Request.BodyReader.ReadAsync(context.RequestAborted);
            context.Request.BodyReader.AdvanceTo(body.Buffer.End);
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(new byte[] { 8, 1 }, context.RequestAborted);
        });
        await server.StartAsync();
        var internalAddress = await FindInternalAsync(server);

        var clientBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        clientBuilder.Logging.ClearProviders();
        clientBuilder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Authz:Endpoint"] = internalAddress.ToString(),
            ["Authz:TimeoutMs"] = "5000",
            // Every check must make the round trip being measured.
            ["Authz:CheckCacheMs"] = "0",
        });
        clientBuilder.AddAuthz();
        var client = clientBuilder.Build();
        await client.StartAsync();
        return new RoundTripBench(server, client, internalAddress);
    }

    public async Task RunAsync(BenchSettings settings, TextWriter output)
    {
        var targets = new (string Name, Call Call)[]
        {
            ("raw-h2", RawAsync),
            ("grpc", GrpcAsync),
            ("grpc-no-deadline", GrpcNoDeadlineAsync),
            ("iauthorizer", AuthorizerAsync),
        };
        foreach (var (name, call) in targets)
        {
            await call(); // fail fast if a target is broken
            output.WriteLine($"{name}: ok");
        }

        output.WriteLine($"Warming up for {settings.Warmup.TotalSeconds:0} s (all targets, 1 and 4 callers)...");
        var warmupEnd = Stopwatch.GetTimestamp() + (long)(settings.Warmup.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < warmupEnd)
        {
            foreach (var (_, call) in targets)
            {
                await ThroughputAsync(call, 4, TimeSpan.FromMilliseconds(250));
                await LatencyAsync(call, 200);
            }
        }

        // Sequential latency: rounds of calls per target, alternating so drift hits all equally.
        var samples = targets.ToDictionary(t => t.Name, _ => new List<double>(settings.SequentialCalls));
        const int Rounds = 10;
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var (name, call) in targets)
            {
                samples[name].AddRange(await LatencyAsync(call, settings.SequentialCalls / Rounds));
            }
        }

        // Allocation per round trip, client and server together (load on the machine does not skew it).
        var allocated = new Dictionary<string, double>();
        foreach (var (name, call) in targets)
        {
            const int Calls = 5000;
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await LatencyAsync(call, Calls);
            allocated[name] = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Calls;
        }

        // Throughput per concurrency level: rounds alternating the targets, the median round per cell
        // (on shared cores a single cell moves by tens of percent).
        var throughput = targets.ToDictionary(t => t.Name, _ => new Dictionary<int, double>());
        foreach (var callers in settings.Concurrency)
        {
            var rounds = targets.ToDictionary(t => t.Name, _ => new List<double>(settings.Rounds));
            for (var round = 0; round < settings.Rounds; round++)
            {
                foreach (var (name, call) in targets)
                {
                    rounds[name].Add(await ThroughputAsync(call, callers, settings.Measure));
                }
            }

            foreach (var (name, _) in targets)
            {
                throughput[name][callers] = rounds[name].Order().ElementAt(rounds[name].Count / 2);
            }
        }

        output.WriteLine();
        output.WriteLine(Environment());
        output.WriteLine();
        output.WriteLine($"Sequential latency, one caller, {settings.SequentialCalls} calls per target (ms):");
        output.WriteLine();
        output.WriteLine("| target | p50 | p90 | p99 | mean | allocated per call (client + server) |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, _) in targets)
        {
            var sorted = samples[name].Order().ToArray();
            output.WriteLine($"| {name} | {Percentile(sorted, 0.50):0.000} | {Percentile(sorted, 0.90):0.000} | {Percentile(sorted, 0.99):0.000} | {sorted.Average():0.000} | {allocated[name] / 1024:0.0} KiB |");
        }

        output.WriteLine();
        output.WriteLine($"Throughput, calls/s, median of {settings.Rounds} rounds of {settings.Measure.TotalSeconds:0} s per cell (ratio to raw-h2 in brackets):");
        output.WriteLine();
        output.WriteLine("| target | " + string.Join(" | ", settings.Concurrency.Select(c => $"{c} caller{(c == 1 ? string.Empty : "s")}")) + " |");
        output.WriteLine("|---|" + string.Concat(settings.Concurrency.Select(_ => "---:|")));
        foreach (var (name, _) in targets)
        {
            output.WriteLine($"| {name} | " + string.Join(" | ", settings.Concurrency.Select(c =>
                $"{throughput[name][c]:0} ({throughput[name][c] / throughput["raw-h2"][c]:0.00})")) + " |");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        _raw.Dispose();
        await _client.StopAsync();
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static async Task<List<double>> LatencyAsync(Call call, int count)
    {
        var samples = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return samples;
    }

    private static async Task<double> ThroughputAsync(Call call, int callers, TimeSpan duration)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counts = new long[callers];
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            await Task.Yield();
            long done = 0;
            while (Stopwatch.GetTimestamp() < end)
            {
                await call();
                done++;
            }

            counts[caller] = done;
        }));
        return counts.Sum() / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<Uri> FindInternalAsync(WebApplication server)
    {
        // Both ports are 0: the internal listener is the one that does not answer HTTP/1.1.
        var addresses = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a)).ToList();
        using var http = new HttpClient();
        foreach (var address in addresses)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(address, "/health/live"));
                if (!response.IsSuccessStatusCode)
                {
                    return address;
                }
            }
            catch (HttpRequestException)
            {
                return address;
            }
        }

        throw new InvalidOperationException("No internal HTTP/2 listener found.");
    }

    private static string Environment()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {System.Environment.ProcessorCount} cores, CPU: {cpu ?? "unknown"}";
    }

    private async Task RawAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _rawUri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(_rawBody),
        };
        using var response = await _raw.SendAsync(request, CancellationToken.None);
        await response.Content.ReadAsByteArrayAsync();
    }

    private async Task GrpcAsync()
    {
        var reply = await _grpc.CheckAsync(Request, deadline: DateTime.UtcNow.AddSeconds(5));
        if (!reply.Allowed)
        {
            throw new InvalidOperationException("allowall denied a check");
        }
    }

    private async Task GrpcNoDeadlineAsync() => await _grpc.CheckAsync(Request);

    private async Task AuthorizerAsync()
    {
        if (!await _authorizer.CheckAsync(new Principal("oidc~0191a0f5-1d2e-7000-8000-000000000001"), AuthzObject.Table("0191a0f5-1d2e-7000-8000-00000000beef"), Relations.CanGetMetadata))
        {
            throw new InvalidOperationException("allowall denied a check");
        }
    }
}

using System.Diagnostics;
using Lakekeeper.Gateway.Tests.Infrastructure;

namespace Lakekeeper.Gateway.Tests;

/// <summary>
/// Runs alone: an <see cref="ActivityListener"/> is process-wide, so while one test listens every other
/// gateway in the process would have spans too.
/// </summary>
[CollectionDefinition(nameof(TracingCollection), DisableParallelization = true)]
public sealed class TracingCollection;

/// <summary>W3C trace context through the gateway, as YARP's HTTP client propagates it.</summary>
[Collection(nameof(TracingCollection))]
public sealed class TracePropagationTests
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string ClientSpanId = "b7ad6b7169203331";
    private const string ClientTraceparent = $"00-{TraceId}-{ClientSpanId}-01";

    [Fact]
    public async Task The_upstream_continues_the_client_trace_through_the_gateway_span()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        await using var gateway = await GatewayServer.StartAsync(new Settings()
            .Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address));
        // The gateway has a span of its own only when something traces it (OpenTelemetry in production).
        using var tracing = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(tracing);

        var response = await RawHttp.SendAsync(gateway.Port, "GET", "/catalog/v1/config",
            $"traceparent: {ClientTraceparent}", "tracestate: vendor=abc", "baggage: k=v");

        Assert.Equal(200, response.Status);
        var seen = upstream.Requests.Single();
        var parts = seen.Single("traceparent")!.Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal(TraceId, parts[1]);
        // The parent is the gateway's span, not the client's: the gateway is a hop in the trace, and
        // the client's header was replaced, not sent a second time.
        Assert.NotEqual(ClientSpanId, parts[2]);
        Assert.Equal("vendor=abc", seen.Single("tracestate"));
        // Re-injected by the propagator, which may space it out ("k = v"; W3C baggage allows that).
        Assert.Equal("k=v", seen.Single("baggage")!.Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_any_span_the_client_trace_headers_pass_unchanged()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        await using var gateway = await GatewayServer.StartAsync(new Settings()
            .Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address));

        var response = await RawHttp.SendAsync(gateway.Port, "GET", "/catalog/v1/config",
            $"traceparent: {ClientTraceparent}", "tracestate: vendor=client", "baggage: k=v");

        Assert.Equal(200, response.Status);
        var seen = upstream.Requests.Single();
        Assert.Equal(ClientTraceparent, seen.Single("traceparent"));
        Assert.Equal("vendor=client", seen.Single("tracestate"));
        Assert.Equal("k=v", seen.Single("baggage"));
    }
}

using System.Diagnostics;
using Lakekeeper.Gateway.Configuration;
using Lakekeeper.Gateway.Forwarding;
using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Gateway.Tests;

/// <summary>
/// Where the HTTP handler does not propagate trace context (runtime switch
/// <c>System.Net.Http.EnableActivityPropagation=false</c>, or no propagator), the forwarder itself must
/// continue the trace through the gateway's span, and still never send two traceparents.
/// </summary>
public sealed class TracePropagationTests
{
    private const string ClientTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public async Task Without_handler_propagation_the_gateway_span_is_set_by_the_forwarder()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        var handler = ForwarderHandlerFactory.Create(new GatewayHttpClientOptions());
        handler.ActivityHeadersPropagator = null;
        Assert.False(ForwarderHandlerFactory.PropagatesTraceContext(handler));
        using var invoker = new HttpMessageInvoker(handler);
        var forwarder = new HttpForwarder(invoker, handlerPropagatesTraceContext: false);

        using var gatewaySpan = new Activity("gateway request");
        gatewaySpan.SetIdFormat(ActivityIdFormat.W3C);
        gatewaySpan.SetParentId(ClientTraceparent);
        gatewaySpan.TraceStateString = "vendor=abc";
        gatewaySpan.Start();
        var context = ClientRequest();

        var outcome = await forwarder.ForwardAsync(context, upstream.Address, TimeSpan.FromSeconds(10));

        Assert.Equal(ForwarderError.None, outcome.Error);
        var seen = upstream.Requests.Single();
        Assert.Equal(gatewaySpan.Id, seen.Single("traceparent"));
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", seen.Single("traceparent"), StringComparison.Ordinal);
        Assert.Equal("vendor=abc", seen.Single("tracestate"));
        Assert.Equal("k=v", seen.Single("baggage"));
    }

    [Fact]
    public async Task Without_any_activity_the_client_trace_headers_pass_unchanged()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        var handler = ForwarderHandlerFactory.Create(new GatewayHttpClientOptions());
        using var invoker = new HttpMessageInvoker(handler);
        var forwarder = new HttpForwarder(invoker, ForwarderHandlerFactory.PropagatesTraceContext(handler));
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            var outcome = await forwarder.ForwardAsync(ClientRequest(), upstream.Address, TimeSpan.FromSeconds(10));

            Assert.Equal(ForwarderError.None, outcome.Error);
        }
        finally
        {
            Activity.Current = previous;
        }

        var seen = upstream.Requests.Single();
        Assert.Equal(ClientTraceparent, seen.Single("traceparent"));
        Assert.Equal("vendor=client", seen.Single("tracestate"));
        Assert.Equal("k=v", seen.Single("baggage"));
    }

    private static DefaultHttpContext ClientRequest()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("lake.example.com");
        context.Request.Path = "/catalog/v1/config";
        context.Request.Headers["traceparent"] = ClientTraceparent;
        context.Request.Headers["tracestate"] = "vendor=client";
        context.Request.Headers["baggage"] = "k=v";
        context.Response.Body = new MemoryStream();
        return context;
    }
}

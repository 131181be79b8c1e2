using Lakekeeper.Gateway.Forwarding;
using Microsoft.Extensions.Primitives;

namespace Lakekeeper.Gateway.Tests;

public sealed class HeaderRulesTests
{
    [Theory]
    [InlineData("Connection")]
    [InlineData("keep-alive")]
    [InlineData("Proxy-Authorization")]
    [InlineData("Proxy-Authenticate")]
    [InlineData("Proxy-Connection")]
    [InlineData("te")]
    [InlineData("Trailer")]
    [InlineData("Transfer-Encoding")]
    [InlineData("UPGRADE")]
    public void Hop_by_hop_headers_are_recognised_in_any_case(string name)
    {
        Assert.True(HeaderRules.IsHopByHop(name));
        Assert.Equal(HeaderAction.Skip, HeaderRules.ForRequest(name));
    }

    [Theory]
    [InlineData("Authorization", "Copy")]
    [InlineData("Content-Type", "Copy")]
    [InlineData("Trailers", "Copy")]
    [InlineData("Host", "Skip")]
    [InlineData("X-Forwarded-For", "Skip")]
    [InlineData("x-request-id", "Skip")]
    [InlineData("traceparent", "TraceContext")]
    [InlineData("tracestate", "TraceContext")]
    [InlineData("baggage", "Baggage")]
    public void End_to_end_headers_are_copied_and_gateway_owned_ones_replaced(string name, string expected)
    {
        Assert.Equal(Enum.Parse<HeaderAction>(expected), HeaderRules.ForRequest(name));
    }

    [Theory]
    [InlineData("close, X-Hop", "x-hop", true)]
    [InlineData("keep-alive,X-Hop ", "X-Hop", true)]
    [InlineData("X-Hopper", "X-Hop", false)]
    [InlineData("", "X-Hop", false)]
    public void Headers_named_in_connection_are_found_as_whole_tokens(string connection, string name, bool expected)
    {
        Assert.Equal(expected, HeaderRules.IsListedIn(new StringValues(connection), name));
    }
}

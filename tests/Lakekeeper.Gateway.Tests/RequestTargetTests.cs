using Lakekeeper.Gateway.Proxy;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Gateway.Tests;

public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/catalog/v1/a%1Fb+c?x=%2B", "", "/catalog/v1/a%1Fb+c?x=%2B")]
    [InlineData("/lake/catalog/v1/a%2Fb?x=1", "/lake", "/catalog/v1/a%2Fb?x=1")]
    [InlineData("/lake/a/b/catalog/x", "/lake/a/b", "/catalog/x")]
    [InlineData("/lake?x=1", "/lake", "/?x=1")]
    [InlineData("/lake", "/lake", "/")]
    public void The_raw_target_is_kept_minus_the_path_base(string rawTarget, string pathBase, string expected)
    {
        Assert.True(RequestTarget.TrySelect(rawTarget, new PathString(pathBase.Length == 0 ? null : pathBase), out var selected));

        Assert.Equal(expected, selected);
    }

    [Theory]
    [InlineData("/management/../catalog/x")]
    [InlineData("/management/%2e%2e/catalog/x")]
    [InlineData("/catalog/\u00e9t\u00e9")]
    [InlineData("http://lake.example.com/catalog/x")]
    public void Targets_routing_saw_normalised_are_left_to_yarp_to_build_from_the_normalised_path(string rawTarget)
    {
        Assert.False(RequestTarget.TrySelect(rawTarget, PathString.Empty, out _));
    }

    [Theory]
    [InlineData("http://upstream:8181/base")]
    [InlineData("http://upstream:8181/base/")]
    public void The_uri_keeps_every_escape_as_sent(string prefix)
    {
        var uri = RequestTarget.Create(prefix, "/catalog/%41%1F+%2F?x=%7E");

        Assert.Equal("http://upstream:8181/base/catalog/%41%1F+%2F?x=%7E", uri.OriginalString);
        Assert.Equal("/base/catalog/%41%1F+%2F?x=%7E", uri.PathAndQuery);
    }
}

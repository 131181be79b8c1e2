using Lakekeeper.Gateway.Forwarding;
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
        var path = new PathString("/ignored");

        var selected = RequestTarget.Select(rawTarget, new PathString(pathBase.Length == 0 ? null : pathBase), path, QueryString.Empty);

        Assert.Equal(expected, selected);
    }

    [Theory]
    [InlineData("/management/../catalog/x")]
    [InlineData("/management/%2e%2e/catalog/x")]
    [InlineData("http://lake.example.com/catalog/x")]
    public void Targets_routing_saw_normalised_are_forwarded_normalised(string rawTarget)
    {
        var selected = RequestTarget.Select(rawTarget, PathString.Empty, new PathString("/catalog/x"), new QueryString("?q=1"));

        Assert.Equal("/catalog/x?q=1", selected);
    }

    [Fact]
    public void The_uri_keeps_every_escape_as_sent()
    {
        var uri = RequestTarget.Create("http://upstream:8181/base", "/catalog/%41%1F+%2F?x=%7E", PathString.Empty, PathString.Empty, QueryString.Empty);

        Assert.Equal("http://upstream:8181/base/catalog/%41%1F+%2F?x=%7E", uri.OriginalString);
        Assert.Equal("/base/catalog/%41%1F+%2F?x=%7E", uri.PathAndQuery);
    }
}

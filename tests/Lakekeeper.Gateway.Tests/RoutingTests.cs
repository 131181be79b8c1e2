using System.Net;
using Lakekeeper.Gateway.Tests.Infrastructure;

namespace Lakekeeper.Gateway.Tests;

public sealed class RoutingTests(ThreeClusters clusters) : IClassFixture<ThreeClusters>
{
    [Theory]
    [InlineData("/catalog/v1/config?warehouse=wh", "catalog")]
    [InlineData("/catalog/v1/namespaces", "catalog")]
    [InlineData("/catalog/v1/wh-1/namespaces/ns/tables/t", "catalog")]
    [InlineData("/catalog", "catalog")]
    [InlineData("/catalog/v1/wh-1/v1/aws/s3/sign", "signer")]
    [InlineData("/catalog/v1/aws/s3/sign", "signer")]
    [InlineData("/catalog/v1/signer/wh-1/v1/aws/s3/sign", "signer")]
    [InlineData("/catalog/v1/signer", "signer")]
    [InlineData("/CATALOG/V1/AWS/S3/SIGN", "signer")]
    [InlineData("/catalog/v1/wh-1/v1/aws/s3/sign/more", "catalog")]
    [InlineData("/catalog/v1/wh-1/v2/aws/s3/sign", "catalog")]
    [InlineData("/management/v1/info", "management")]
    [InlineData("/management", "management")]
    public async Task Requests_go_to_the_cluster_of_the_most_specific_route(string target, string expectedUpstream)
    {
        var (response, seen) = await clusters.SendAsync(target);

        Assert.Equal(expectedUpstream, response.Values("X-Upstream").Single());
        Assert.Equal(target, seen.RawTarget);
    }

    [Theory]
    [InlineData("POST", "/catalog/v1/wh-1/namespaces/ns/tables/t/sign", "signer")]
    [InlineData("POST", "/catalog/v1/wh-1/namespaces/a%1Fb/tables/t%2Fx/sign", "signer")]
    [InlineData("GET", "/catalog/v1/wh-1/namespaces/ns/tables/t/sign", "catalog")]
    [InlineData("POST", "/catalog/v1/wh-1/namespaces/ns/tables/t/sign/more", "catalog")]
    [InlineData("POST", "/catalog/v1/wh-1/namespaces/ns/views/v/sign", "catalog")]
    [InlineData("GET", "/ui", "management")]
    [InlineData("GET", "/ui/assets/app.js", "management")]
    [InlineData("GET", "/api-docs/management/v1/openapi.json", "management")]
    [InlineData("GET", "/swagger-ui/index.html", "management")]
    [InlineData("GET", "/", "management")]
    public async Task Table_signing_the_console_and_api_docs_have_routes_of_their_own(string method, string target, string expectedUpstream)
    {
        var (response, seen) = await clusters.SendMethodAsync(method, target);

        Assert.Equal(expectedUpstream, response.Values("X-Upstream").Single());
        Assert.Equal(target, seen.RawTarget);
        Assert.Equal(method, seen.Method);
    }

    [Theory]
    [InlineData("/catalog/v1/wh%1F1/namespaces/a%1Fb+c%2Fd/tables/t%20x?pageToken=a+b%2B%3D&x=%1F")]
    [InlineData("/catalog/v1/warehouse%2Bone/v1/aws/s3/sign")]
    [InlineData("/catalog/v1/wh/namespaces/%C3%A9t%C3%A9/tables/%41")]
    [InlineData("/management/v1/project/a+b%20c")]
    public async Task Encoded_paths_reach_the_upstream_byte_for_byte(string target)
    {
        var (_, seen) = await clusters.SendAsync(target);

        Assert.Equal(target, seen.RawTarget);
    }

    [Fact]
    public async Task Unrouted_paths_get_the_error_contract_and_reach_no_upstream()
    {
        var before = clusters.Catalog.Requests.Count + clusters.Signer.Requests.Count + clusters.Management.Requests.Count;

        var response = await clusters.Gateway.Client.GetAsync("/elsewhere/v1/config", Deadline.Test);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("\"code\":404", await response.Content.ReadAsStringAsync(Deadline.Test), StringComparison.Ordinal);
        Assert.Equal(before, clusters.Catalog.Requests.Count + clusters.Signer.Requests.Count + clusters.Management.Requests.Count);
    }

    [Fact]
    public async Task Health_probes_answer_without_asking_the_upstreams()
    {
        var live = await clusters.Gateway.Client.GetAsync("/health/live", Deadline.Test);
        var ready = await clusters.Gateway.Client.GetAsync("/health/ready", Deadline.Test);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.False(live.Headers.Contains("X-Upstream"));
        Assert.False(ready.Headers.Contains("X-Upstream"));
    }

    [Fact]
    public async Task A_configured_route_wins_where_it_is_more_specific_and_keeps_the_destination_base_path()
    {
        await using var catalog = await UpstreamServer.StartAsync("catalog");
        await using var special = await UpstreamServer.StartAsync("special");
        var settings = new Settings()
            .Cluster("catalog", catalog.Address)
            .Cluster("signer", catalog.Address)
            .Cluster("management", catalog.Address)
            .Cluster("special", special.Address + "/base/");
        settings["Gateway:Routes:special:ClusterId"] = "special";
        settings["Gateway:Routes:special:Match:Path"] = "/catalog/v1/{prefix}/special/{**rest}";
        await using var gateway = await GatewayServer.StartAsync(settings);

        var toSpecial = await RawHttp.SendAsync(gateway.Port, "GET", "/catalog/v1/wh/special/a%2Fb?q=1");
        var toCatalog = await RawHttp.SendAsync(gateway.Port, "GET", "/catalog/v1/wh/other/a");

        Assert.Equal("special", toSpecial.Values("X-Upstream").Single());
        Assert.Equal("/base/catalog/v1/wh/special/a%2Fb?q=1", special.Requests.Single().RawTarget);
        Assert.Equal("catalog", toCatalog.Values("X-Upstream").Single());
    }

    [Fact]
    public async Task A_lower_order_wins_before_specificity_is_compared()
    {
        await using var catalog = await UpstreamServer.StartAsync("catalog");
        await using var management = await UpstreamServer.StartAsync("management");
        var settings = new Settings()
            .Cluster("catalog", catalog.Address)
            .Cluster("signer", catalog.Address)
            .Cluster("management", management.Address);
        settings["Gateway:Routes:first:ClusterId"] = "management";
        settings["Gateway:Routes:first:Match:Path"] = "/catalog/{version}/{**rest}";
        settings["Gateway:Routes:first:Order"] = "-1";
        await using var gateway = await GatewayServer.StartAsync(settings);

        // The built-in sign route is more specific, but "first" has the lower order.
        var response = await RawHttp.SendAsync(gateway.Port, "GET", "/catalog/v1/aws/s3/sign");

        Assert.Equal("management", response.Values("X-Upstream").Single());
    }
}

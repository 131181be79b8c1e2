using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Gateway.Tests;

public sealed class HeaderTests(ThreeClusters clusters) : IClassFixture<ThreeClusters>
{
    [Fact]
    public async Task Hop_by_hop_request_headers_stay_at_the_gateway()
    {
        // Kestrel keeps only the close/keep-alive token of a Connection header that carries one, so the
        // extra names a gateway can honour are those of a Connection header without either.
        var (_, seen) = await clusters.SendAsync("/catalog/v1/config",
            "Connection: X-Hop-Custom",
            "X-Hop-Custom: 1",
            "Keep-Alive: timeout=5",
            "Proxy-Authorization: Basic c2VjcmV0",
            "Proxy-Connection: keep-alive",
            "TE: trailers",
            "Trailer: X-Checksum",
            "Upgrade: example/1",
            "X-End-To-End: kept");

        foreach (var name in new[] { "Connection", "X-Hop-Custom", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer", "Upgrade", "Transfer-Encoding" })
        {
            Assert.True(seen.Values(name).Length == 0, $"{name} reached the upstream: {string.Join(", ", seen.Values(name))}");
        }

        Assert.Equal("kept", seen.Single("X-End-To-End"));
    }

    [Fact]
    public async Task Hop_by_hop_response_headers_stay_at_the_gateway()
    {
        await using var upstream = await UpstreamServer.StartAsync("hops", context =>
        {
            var headers = context.Response.Headers;
            headers["Connection"] = "X-Hop-Response";
            headers["X-Hop-Response"] = "1";
            headers["Keep-Alive"] = "timeout=5";
            headers["Proxy-Authenticate"] = "Basic";
            headers["Upgrade"] = "example/1";
            headers["X-End-To-End"] = "kept";
            headers.Append("Set-Cookie", "a=1");
            headers.Append("Set-Cookie", "b=2");
            return Task.CompletedTask;
        });
        await using var gateway = await GatewayServer.StartAsync(new Settings()
            .Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address));

        var response = await RawHttp.SendAsync(gateway.Port, "GET", "/catalog/v1/config");

        Assert.Equal(200, response.Status);
        foreach (var name in new[] { "X-Hop-Response", "Keep-Alive", "Proxy-Authenticate", "Upgrade" })
        {
            Assert.True(response.Values(name).Length == 0, $"{name} reached the client");
        }

        Assert.DoesNotContain(response.Values("Connection"), value => value.Contains("X-Hop-Response", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("kept", Assert.Single(response.Values("X-End-To-End")));
        Assert.Equal(["a=1", "b=2"], response.Values("Set-Cookie"));
    }

    [Fact]
    public async Task Forwarded_headers_describe_the_client_side_and_host_is_the_destination()
    {
        var (_, seen) = await clusters.SendAsync("/catalog/v1/config",
            "Host: lake.example.com:8443",
            "X-Forwarded-For: 203.0.113.7",
            "X-Forwarded-Host: forged.example.com",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Prefix: /forged");

        Assert.Equal("203.0.113.7, 127.0.0.1", seen.Single("X-Forwarded-For"));
        Assert.Equal("http", seen.Single("X-Forwarded-Proto"));
        Assert.Equal("lake.example.com:8443", seen.Single("X-Forwarded-Host"));
        Assert.Null(seen.Single("X-Forwarded-Prefix"));
        Assert.Equal($"127.0.0.1:{clusters.Catalog.Port}", seen.Single("Host"));
    }

    [Fact]
    public async Task The_gateway_adds_itself_to_via_after_other_proxies()
    {
        var (_, seen) = await clusters.SendAsync("/catalog/v1/config", "Via: 1.1 squid (cache, v5), 1.0 fred");

        var via = seen.Single("Via");
        Assert.NotNull(via);
        Assert.Matches(@"^1\.1 squid \(cache, v5\), 1\.0 fred, 1\.1 lakekeeper-gateway-[0-9a-f]{12}$", via);
    }

    [Fact]
    public async Task A_path_base_is_removed_from_the_forwarded_path_and_sent_as_forwarded_prefix()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        await using var gateway = await GatewayServer.StartAsync(
            new Settings().Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address),
            app =>
            {
                app.UsePathBase("/lake");
                app.UseRouting();
            });

        var response = await RawHttp.SendAsync(gateway.Port, "GET", "/lake/catalog/v1/a%1Fb+c?x=%2B");

        Assert.Equal(200, response.Status);
        var seen = upstream.Requests.Single();
        Assert.Equal("/catalog/v1/a%1Fb+c?x=%2B", seen.RawTarget);
        Assert.Equal("/lake", seen.Single("X-Forwarded-Prefix"));
    }

    [Fact]
    public async Task The_client_request_id_reaches_the_upstream_and_comes_back_once()
    {
        var (response, seen) = await clusters.SendAsync("/catalog/v1/config", "X-Request-Id: client-id-42");

        Assert.Equal("client-id-42", seen.Single("X-Request-Id"));
        Assert.Equal("client-id-42", Assert.Single(response.Values("X-Request-Id")));
    }

    [Fact]
    public async Task Without_a_client_request_id_the_gateway_generated_one_is_forwarded()
    {
        var (response, seen) = await clusters.SendAsync("/catalog/v1/config");

        var generated = Assert.Single(response.Values("X-Request-Id"));
        Assert.False(string.IsNullOrEmpty(generated));
        Assert.Equal(generated, seen.Single("X-Request-Id"));
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Lakekeeper.Gateway.Tests;

/// <summary>Methods, status codes and content headers the catalog relies on pass through unchanged.</summary>
public sealed class ProtocolTests
{
    [Fact]
    public async Task A_json_body_and_its_content_headers_reach_the_upstream()
    {
        string? received = null;
        await using var upstream = await UpstreamServer.StartAsync("catalog", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            received = await reader.ReadToEndAsync(context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status201Created;
        });
        await using var gateway = await StartGatewayAsync(upstream);
        const string json = """{"namespace":["ns"],"properties":{"owner":"me"}}""";

        using var response = await gateway.Client.PostAsync("/catalog/v1/namespaces",
            new StringContent(json, Encoding.UTF8, "application/json"), Deadline.Test);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(json, received);
        var seen = upstream.Requests.Single();
        Assert.Equal("POST", seen.Method);
        Assert.Equal("application/json; charset=utf-8", seen.Single("Content-Type"));
        Assert.Equal(Encoding.UTF8.GetByteCount(json).ToString(System.Globalization.CultureInfo.InvariantCulture), seen.Single("Content-Length"));
    }

    [Fact]
    public async Task Conditional_requests_get_the_upstream_304_with_its_etag()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog", context =>
        {
            context.Response.Headers.ETag = "\"v1\"";
            context.Response.StatusCode = context.Request.Headers.IfNoneMatch == "\"v1\"" ? StatusCodes.Status304NotModified : StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        await using var gateway = await StartGatewayAsync(upstream);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/catalog/v1/wh/namespaces/ns/tables/t");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"v1\""));

        using var response = await gateway.Client.SendAsync(request, Deadline.Test);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"v1\"", response.Headers.ETag?.Tag);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Deadline.Test));
    }

    [Fact]
    public async Task Head_responses_keep_the_content_length_without_a_body()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog", context =>
        {
            context.Response.ContentLength = 1234;
            context.Response.ContentType = "application/json";
            return Task.CompletedTask;
        });
        await using var gateway = await StartGatewayAsync(upstream);

        using var response = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/catalog/v1/wh/namespaces/ns"), Deadline.Test);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1234, response.Content.Headers.ContentLength);
        Assert.Equal("HEAD", upstream.Requests.Single().Method);
    }

    [Fact]
    public async Task Compressed_bodies_and_redirects_are_passed_through_untouched()
    {
        var gzipped = new byte[] { 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00 };
        await using var upstream = await UpstreamServer.StartAsync("catalog", async context =>
        {
            if (context.Request.Path.StartsWithSegments("/catalog/v1/moved", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = "/catalog/v1/elsewhere";
                return;
            }

            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.Headers.SetCookie = "session=upstream";
            await context.Response.Body.WriteAsync(gzipped, context.RequestAborted);
        });
        await using var gateway = await StartGatewayAsync(upstream);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = gateway.Client.BaseAddress,
        };

        using var compressed = await client.GetAsync("/catalog/v1/compressed", Deadline.Test);
        using var moved = await client.GetAsync("/catalog/v1/moved", Deadline.Test);

        Assert.Equal(["gzip"], compressed.Content.Headers.ContentEncoding);
        Assert.Equal(gzipped, await compressed.Content.ReadAsByteArrayAsync(Deadline.Test));
        Assert.Equal(["session=upstream"], compressed.Headers.GetValues("Set-Cookie"));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, moved.StatusCode);
        Assert.Equal("/catalog/v1/elsewhere", moved.Headers.Location?.OriginalString);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task Upstreams_get_http_1_1_unless_a_cluster_asks_for_http_2()
    {
        await using var http1 = await UpstreamServer.StartAsync("catalog");
        await using var http2 = await UpstreamServer.StartAsync("management", protocols: HttpProtocols.Http2);
        var settings = new Settings().Cluster("catalog", http1.Address).Cluster("signer", http1.Address).Cluster("management", http2.Address);
        settings["Gateway:Clusters:management:HttpRequest:Version"] = "2";
        settings["Gateway:Clusters:management:HttpRequest:VersionPolicy"] = "RequestVersionExact";
        await using var gateway = await GatewayServer.StartAsync(settings);

        using var toCatalog = await gateway.Client.GetAsync("/catalog/v1/config", Deadline.Test);
        using var toManagement = await gateway.Client.GetAsync("/management/v1/info", Deadline.Test);

        Assert.Equal(HttpStatusCode.OK, toCatalog.StatusCode);
        Assert.Equal(HttpStatusCode.OK, toManagement.StatusCode);
        Assert.Equal("HTTP/1.1", http1.Requests.Single().Protocol);
        Assert.Equal("HTTP/2", http2.Requests.Single().Protocol);
    }

    private static Task<GatewayServer> StartGatewayAsync(UpstreamServer upstream) =>
        GatewayServer.StartAsync(new Settings().Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address));
}

using System.Net;
using System.Text.Json;
using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Gateway.Tests;

public sealed class FailureTests
{
    [Fact]
    public async Task An_unreachable_upstream_answers_502_in_the_error_contract_without_internals()
    {
        var closedPort = UpstreamServer.ClosedPort();
        var address = $"http://127.0.0.1:{closedPort}";
        await using var gateway = await GatewayServer.StartAsync(new Settings()
            .Cluster("catalog", address).Cluster("signer", address).Cluster("management", address));

        using var response = await gateway.Client.GetAsync("/catalog/v1/config", Deadline.Test);

        var error = await AssertErrorAsync(response, 502, "BadGatewayException");
        AssertNothingLeaked(error, closedPort);
    }

    [Fact]
    public async Task An_upstream_that_does_not_answer_within_the_route_timeout_answers_504_and_is_cancelled()
    {
        var upstreamCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync("catalog", context => HangAsync(context, null, upstreamCancelled));
        var settings = new Settings().Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address);
        settings["Gateway:Routes:catalog:Timeout"] = "00:00:00.5";
        await using var gateway = await GatewayServer.StartAsync(settings);

        using var response = await gateway.Client.GetAsync("/catalog/v1/config", Deadline.Test);

        var error = await AssertErrorAsync(response, 504, "GatewayTimeoutException");
        AssertNothingLeaked(error, upstream.Port);
        await upstreamCancelled.Task.WaitAsync("the upstream request to be cancelled after the timeout");
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_the_upstream_request()
    {
        var upstreamEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstreamCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync("catalog", context => HangAsync(context, upstreamEntered, upstreamCancelled));
        await using var gateway = await GatewayServer.StartAsync(new Settings()
            .Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address));

        using var disconnect = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Test);
        var call = gateway.Client.GetAsync("/catalog/v1/config", disconnect.Token);
        await upstreamEntered.Task.WaitAsync("the request to reach the upstream");
        await disconnect.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await upstreamCancelled.Task.WaitAsync("the upstream request to be cancelled after the client left");
    }

    [Fact]
    public async Task An_upstream_failing_mid_response_aborts_the_client_connection()
    {
        var clientGotFirstBytes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync("catalog", async context =>
        {
            // Chunked: if the gateway simply ended its response, the client would see a complete body.
            await context.Response.Body.WriteAsync(new byte[1024], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await clientGotFirstBytes.Task.WaitAsync("the client to receive the start of the response");
            context.Abort();
        });
        await using var gateway = await GatewayServer.StartAsync(new Settings()
            .Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address));

        using var response = await gateway.Client.GetAsync("/catalog/v1/config", HttpCompletionOption.ResponseHeadersRead, Deadline.Test);
        var body = await response.Content.ReadAsStreamAsync(Deadline.Test);
        var first = new byte[1024];
        await body.ReadExactlyAsync(first, Deadline.Test);
        clientGotFirstBytes.SetResult();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(Stream.Null, Deadline.Test));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_the_server_limit_answers_413(bool announceLength)
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        var settings = new Settings().Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address);
        settings["Server:MaxRequestBodyBytes"] = "4096";
        await using var gateway = await GatewayServer.StartAsync(settings);

        using var response = await gateway.Client.PostAsync("/catalog/v1/upload", new PatternContent(64 * 1024, announceLength), Deadline.Test);

        await AssertErrorAsync(response, 413, "BadRequestException");
        if (announceLength)
        {
            Assert.Empty(upstream.Requests);
        }
    }

    [Fact]
    public async Task A_malformed_request_body_answers_400_not_502()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        await using var gateway = await GatewayServer.StartAsync(new Settings()
            .Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address));

        // "zz" is not a chunk size: Kestrel fails the body read, which is the client's fault.
        var response = await RawHttp.SendWithBodyAsync(gateway.Port, "POST", "/catalog/v1/namespaces", "zz\r\n{}\r\n0\r\n\r\n",
            "Transfer-Encoding: chunked", "Content-Type: application/json");

        Assert.Equal(400, response.Status);
        Assert.Contains("\"type\":\"BadRequestException\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_body_that_stops_arriving_answers_408_in_the_error_contract_after_the_activity_timeout()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        var settings = new Settings().Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address);
        settings["Gateway:Clusters:catalog:HttpRequest:ActivityTimeout"] = "00:00:00.5";
        await using var gateway = await GatewayServer.StartAsync(settings);

        // Content-Length promises 1000 bytes; 10 arrive, then nothing.
        var response = await RawHttp.SendWithBodyAsync(gateway.Port, "POST", "/catalog/v1/namespaces", "{\"a\":\"bcd\"",
            "Content-Type: application/json", "Content-Length: 1000", "Connection: keep-alive");

        Assert.Equal(408, response.Status);
        AssertErrorBody(response.Body, 408, "BadRequestException");
    }

    [Fact]
    public async Task A_client_body_slower_than_the_servers_minimum_rate_answers_408_in_the_error_contract()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        await using var gateway = await GatewayServer.StartAsync(
            new Settings().Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address),
            app => app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MinRequestBodyDataRate =
                new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(2)));

        var response = await RawHttp.SendWithBodyAsync(gateway.Port, "POST", "/catalog/v1/namespaces", "{\"a\":\"bcd\"",
            "Content-Type: application/json", "Content-Length: 1000", "Connection: keep-alive");

        Assert.Equal(408, response.Status);
        AssertErrorBody(response.Body, 408, "BadRequestException");
    }

    private static void AssertErrorBody(string body, int status, string type)
    {
        using var document = JsonDocument.Parse(body);
        var error = document.RootElement.GetProperty("error");
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    private static async Task HangAsync(HttpContext context, TaskCompletionSource? entered, TaskCompletionSource cancelled)
    {
        entered?.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            cancelled.TrySetResult();
        }
    }

    private static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, int status, string type)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Deadline.Test));
        var error = document.RootElement.GetProperty("error");
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error.Clone();
    }

    private static void AssertNothingLeaked(JsonElement error, int port)
    {
        var message = error.GetProperty("message").GetString()!;
        foreach (var secret in new[] { "127.0.0.1", ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), "refused", "Exception", "   at " })
        {
            Assert.DoesNotContain(secret, message, StringComparison.OrdinalIgnoreCase);
        }
    }
}

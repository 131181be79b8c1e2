using System.Globalization;
using System.Net;
using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Gateway.Tests;

/// <summary>Runs alone: it measures the bytes the whole process allocates while a large body passes.</summary>
[CollectionDefinition(nameof(StreamingCollection), DisableParallelization = true)]
public sealed class StreamingCollection;

[Collection(nameof(StreamingCollection))]
public sealed class StreamingTests
{
    private const long Large = 64L * 1024 * 1024;

    /// <summary>Well under the body size: a gateway that buffered would allocate at least the body.</summary>
    private const long AllocationBudget = 16L * 1024 * 1024;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_large_upload_passes_intact_without_being_buffered(bool announceLength)
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog", AnswerWithPatternCheckAsync);
        await using var gateway = await StartGatewayAsync(upstream);
        await WarmUpAsync(gateway);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await gateway.Client.PostAsync("/catalog/v1/upload", new PatternContent(Large, announceLength), Deadline.Test);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{Large} valid", await response.Content.ReadAsStringAsync(Deadline.Test));
        var seen = upstream.Requests.Last();
        if (announceLength)
        {
            Assert.Equal(Large.ToString(CultureInfo.InvariantCulture), seen.Single("Content-Length"));
            Assert.Null(seen.Single("Transfer-Encoding"));
        }
        else
        {
            Assert.Equal("chunked", seen.Single("Transfer-Encoding"));
            Assert.Null(seen.Single("Content-Length"));
        }

        Assert.True(allocated < AllocationBudget, $"{allocated / 1024 / 1024} MiB allocated while 64 MiB went through");
    }

    [Fact]
    public async Task A_large_download_passes_intact_without_being_buffered()
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog", async context =>
        {
            context.Response.ContentLength = Large;
            await Pattern.WriteAsync(context.Response.Body, Large, cancellationToken: context.RequestAborted);
        });
        await using var gateway = await StartGatewayAsync(upstream);
        await WarmUpAsync(gateway);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await gateway.Client.GetAsync("/catalog/v1/download", HttpCompletionOption.ResponseHeadersRead, Deadline.Test);
        var (length, valid) = await Pattern.ReadAsync(await response.Content.ReadAsStreamAsync(Deadline.Test), cancellationToken: Deadline.Test);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Large, response.Content.Headers.ContentLength);
        Assert.Equal(Large, length);
        Assert.True(valid, "the downloaded bytes differ from what the upstream sent");
        Assert.True(allocated < AllocationBudget, $"{allocated / 1024 / 1024} MiB allocated while 64 MiB went through");
    }

    [Fact]
    public async Task The_upstream_reads_the_first_bytes_before_the_client_has_sent_the_rest()
    {
        const int firstChunk = 16 * 1024;
        var upstreamGotFirstChunk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync("catalog", async context =>
        {
            var (length, valid) = await Pattern.ReadAsync(context.Request.Body, total =>
            {
                if (total >= firstChunk)
                {
                    upstreamGotFirstChunk.TrySetResult();
                }
            }, context.RequestAborted);
            await context.Response.WriteAsync($"{length} {(valid ? "valid" : "corrupt")}", context.RequestAborted);
        });
        await using var gateway = await StartGatewayAsync(upstream);

        // The client holds back everything after the first chunk until the upstream has seen it.
        var content = new PatternContent(1024 * 1024, announceLength: false, firstChunk,
            () => upstreamGotFirstChunk.Task.WaitAsync("the upstream to receive the first chunk while the client is still sending"));
        using var response = await gateway.Client.PostAsync("/catalog/v1/upload", content, Deadline.Test);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{1024 * 1024} valid", await response.Content.ReadAsStringAsync(Deadline.Test));
    }

    [Fact]
    public async Task The_client_reads_the_first_bytes_before_the_upstream_has_sent_the_rest()
    {
        const int firstChunk = 16 * 1024;
        var clientGotFirstChunk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync("catalog", context =>
            Pattern.WriteAsync(context.Response.Body, 1024 * 1024, firstChunk,
                () => clientGotFirstChunk.Task.WaitAsync("the client to receive the first chunk while the upstream is still sending"),
                context.RequestAborted));
        await using var gateway = await StartGatewayAsync(upstream);

        using var response = await gateway.Client.GetAsync("/catalog/v1/download", HttpCompletionOption.ResponseHeadersRead, Deadline.Test);
        var (length, valid) = await Pattern.ReadAsync(await response.Content.ReadAsStreamAsync(Deadline.Test), total =>
        {
            if (total >= firstChunk)
            {
                clientGotFirstChunk.TrySetResult();
            }
        }, Deadline.Test);

        Assert.Equal(1024 * 1024, length);
        Assert.True(valid);
        Assert.Null(response.Content.Headers.ContentLength);
    }

    private static async Task AnswerWithPatternCheckAsync(HttpContext context)
    {
        var (length, valid) = await Pattern.ReadAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        await context.Response.WriteAsync($"{length} {(valid ? "valid" : "corrupt")}", context.RequestAborted);
    }

    private static Task<GatewayServer> StartGatewayAsync(UpstreamServer upstream)
    {
        var settings = new Settings().Cluster("catalog", upstream.Address).Cluster("signer", upstream.Address).Cluster("management", upstream.Address);
        settings["Server:MaxRequestBodyBytes"] = (2 * Large).ToString(CultureInfo.InvariantCulture);
        return GatewayServer.StartAsync(settings);
    }

    /// <summary>First-request costs (routing tables, connection pools, JIT) are not the body's.</summary>
    private static async Task WarmUpAsync(GatewayServer gateway)
    {
        using var response = await gateway.Client.PostAsync("/catalog/v1/warm-up", new PatternContent(256 * 1024, announceLength: false), Deadline.Test);
        response.EnsureSuccessStatusCode();
    }
}

using Google.Protobuf;
using Lakekeeper.Rpc.Tests.Echo;
using Lakekeeper.Rpc.Tests.Infrastructure;

namespace Lakekeeper.Rpc.Tests.Interop;

/// <summary>Our client calls real gRPC servers: Python grpcio (C-core) and Node @grpc/grpc-js.</summary>
public sealed class OurClientTheirServerTests(PeerServers peers) : IClassFixture<PeerServers>
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Ok_with_metadata_and_deadline(string peer)
    {
        using var channel = await ChannelAsync(peer);
        var headers = new Metadata { { "x-lakekeeper-principal", "alice" }, { "trace-bin", new byte[] { 0, 1, 2, 250, 255 } } };
        var reply = await channel.CallAsync(EchoService.Say, new EchoRequest { Text = "hello", Payload = ByteString.CopyFrom(new byte[1000]) },
            new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(30), Headers = headers, CancellationToken = TestToken });

        Assert.Equal("hello", reply.Text);
        Assert.Equal(1000, reply.PayloadSize);
        Assert.Equal("alice", reply.Metadata["x-lakekeeper-principal"]);
        Assert.Equal("base64:" + Convert.ToBase64String([0, 1, 2, 250, 255]), reply.Metadata["trace-bin"]);
        Assert.StartsWith("grpc-dotnet-lakekeeper/", reply.Metadata["user-agent"], StringComparison.Ordinal);
        // Our grpc-timeout header reached their server as a deadline.
        Assert.InRange(reply.DeadlineRemainingMs, 20_000, 30_000);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Error_status_with_percent_encoded_message_and_trailers(string peer)
    {
        using var channel = await ChannelAsync(peer);
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallAsync(EchoService.Say,
            new EchoRequest { FailCode = (int)StatusCode.PermissionDenied, FailMessage = "nö – denied 100%" }, Options()));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("nö – denied 100%", error.Status.Detail);
        Assert.Equal("failing", error.Trailers.GetValue("x-echo-trailer"));
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Deadline_exceeded(string peer)
    {
        using var channel = await ChannelAsync(peer);
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallAsync(EchoService.Say, new EchoRequest { Hang = true },
            new CallOptions { Deadline = DateTime.UtcNow.AddMilliseconds(300), CancellationToken = TestToken }));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Every_status_code_round_trips(string peer)
    {
        using var channel = await ChannelAsync(peer);
        foreach (var code in Enum.GetValues<StatusCode>().Where(c => c != StatusCode.OK))
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallAsync(EchoService.Say,
                new EchoRequest { FailCode = (int)code, FailMessage = code.ToString() }, Options()));
            Assert.Equal(code, error.StatusCode);
            Assert.Equal(code.ToString(), error.Status.Detail);
        }
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Unimplemented_method(string peer)
    {
        using var channel = await ChannelAsync(peer);
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallAsync(EchoService.Missing, new EchoRequest(), Options()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Large_messages_within_and_beyond_the_limit(string peer)
    {
        using var channel = await ChannelAsync(peer);
        var reply = await channel.CallAsync(EchoService.Say,
            new EchoRequest { Payload = ByteString.CopyFrom(new byte[3_000_000]), ReplyPayloadSize = 3_000_000 }, Options());
        Assert.Equal(3_000_000, reply.PayloadSize);
        Assert.Equal(3_000_000, reply.Payload.Length);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CallAsync(EchoService.Say, new EchoRequest { ReplyPayloadSize = 5 * 1024 * 1024 }, Options()));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Concurrent_calls_share_the_connection(string peer)
    {
        using var channel = await ChannelAsync(peer);
        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            channel.CallAsync(EchoService.Say, new EchoRequest { Text = "n" + i }, Options())));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => "n" + i), replies.Select(r => r.Text));
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Caller_cancellation(string peer)
    {
        using var channel = await ChannelAsync(peer);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestToken);
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => channel.CallAsync(EchoService.Say,
            new EchoRequest { Hang = true }, new CallOptions { CancellationToken = cancellation.Token }));
    }

    private static CallOptions Options() => CallOptions.WithTimeout(TimeSpan.FromSeconds(30), TestToken);

    private async Task<RpcChannel> ChannelAsync(string peer) => new((await peers.GetAsync(peer)).Address);
}

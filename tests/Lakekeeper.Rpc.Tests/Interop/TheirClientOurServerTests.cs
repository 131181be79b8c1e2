using System.Text.Json;
using Lakekeeper.Rpc.Tests.Infrastructure;

namespace Lakekeeper.Rpc.Tests.Interop;

/// <summary>
/// Real gRPC clients (Python grpcio on C-core, Node @grpc/grpc-js) call our server; each runs every
/// scenario of Peers/*_client.* once and reports what it observed.
/// </summary>
public sealed class TheirClientOurServerTests(EchoServer server) : IClassFixture<EchoServer>
{
    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Their_client_sees_every_outcome_of_our_server(string peer)
    {
        var results = await Peer.Named(peer).RunClientAsync(server.Address, TestContext.Current.CancellationToken);

        var ok = results.GetProperty("ok");
        Assert.Equal("OK", Code(ok));
        Assert.Equal("hello", ok.GetProperty("text").GetString());
        Assert.Equal(1000, ok.GetProperty("payload_size").GetInt32());
        var metadata = ok.GetProperty("metadata");
        Assert.Equal("alice", metadata.GetProperty("x-lakekeeper-principal").GetString());
        Assert.Equal("base64:" + Convert.ToBase64String([0, 1, 2, 250, 255]), metadata.GetProperty("trace-bin").GetString());
        Assert.Contains("grpc", metadata.GetProperty("user-agent").GetString(), StringComparison.Ordinal);
        // Their 5 s timeout reached our handler as a deadline (grpc-timeout parsed).
        Assert.InRange(ok.GetProperty("deadline_remaining_ms").GetInt64(), 1000, 5000);

        var error = results.GetProperty("error");
        Assert.Equal("PERMISSION_DENIED", Code(error));
        Assert.Equal("nö – denied 100%", error.GetProperty("details").GetString());
        Assert.Equal("failing", error.GetProperty("trailers").GetProperty("x-echo-trailer").GetString());

        var deadline = results.GetProperty("deadline");
        Assert.Equal("DEADLINE_EXCEEDED", Code(deadline));
        Assert.InRange(deadline.GetProperty("elapsed_ms").GetInt64(), 250, 10_000);

        var unhandled = results.GetProperty("unhandled");
        Assert.Equal("INTERNAL", Code(unhandled));
        Assert.DoesNotContain("hunter2", unhandled.GetProperty("details").GetString(), StringComparison.Ordinal);

        Assert.Equal("UNIMPLEMENTED", Code(results.GetProperty("unimplemented")));
        Assert.Equal("RESOURCE_EXHAUSTED", Code(results.GetProperty("too_large")));

        // They compress with gzip; we accept identity only and say so.
        Assert.Equal("UNIMPLEMENTED", Code(results.GetProperty("gzip")));
    }

    private static string? Code(JsonElement outcome) => outcome.GetProperty("code").GetString();
}

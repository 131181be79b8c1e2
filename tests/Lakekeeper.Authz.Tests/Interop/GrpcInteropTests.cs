using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Lakekeeper.Authz.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Authz.Tests.Interop;

/// <summary>
/// One test per direction with a foreign gRPC implementation (Node @grpc/grpc-js): their client
/// calling our authz service, and our generated clients calling their server.
/// </summary>
public sealed class GrpcInteropTests(AuthzServer server) : IClassFixture<AuthzServer>
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Their_client_calls_our_health_service_and_Check()
    {
        var results = await NodePeer.RunClientAsync(server.InternalAddress, TestToken);

        Assert.Equal("OK", results.GetProperty("health_server").GetProperty("code").GetString());
        Assert.Equal("SERVING", results.GetProperty("health_server").GetProperty("reply").GetProperty("status").GetString());
        Assert.Equal("SERVING", results.GetProperty("health_authorizer").GetProperty("reply").GetProperty("status").GetString());
        Assert.Equal("NOT_FOUND", results.GetProperty("health_unknown").GetProperty("code").GetString());

        var check = results.GetProperty("check");
        Assert.Equal("OK", check.GetProperty("code").GetString());
        Assert.True(check.GetProperty("reply").GetProperty("allowed").GetBoolean());

        var invalid = results.GetProperty("check_invalid");
        Assert.Equal("INVALID_ARGUMENT", invalid.GetProperty("code").GetString());
        Assert.Contains("object.type 'bucket' is not one of", invalid.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Our_clients_call_their_health_service_and_Check()
    {
        await using var peer = await NodePeer.StartServerAsync(TestToken);

        // The generated grpc.health.v1 client.
        using (var channel = GrpcChannel.ForAddress(peer.Address))
        {
            var health = new Health.HealthClient(channel);
            var serving = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: TestToken);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, serving.Status);
            Assert.Equal(string.Empty, (await peer.NextCallAsync("Health/Check", TestToken)).GetProperty("service").GetString());
        }

        // IAuthorizer as modules get it (AddAuthz with an endpoint): the generated Authorizer client from the
        // client factory. Once started, the host asks the Authorizer's health (warming the connection up).
        using var client = await Hosts.StartClientAsync(peer.Address, timeoutMs: 1500);
        Assert.Equal("lakekeeper.authz.v1.Authorizer", (await peer.NextCallAsync("Health/Check", TestToken)).GetProperty("service").GetString());
        var authorizer = client.Services.GetRequiredService<IAuthorizer>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == nameof(GrpcInteropTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource(nameof(GrpcInteropTests));
        using (var activity = source.StartActivity("caller"))
        {
            Assert.True(await authorizer.CheckAsync(new Principal("oidc~alice"), AuthzObject.Table("t1"), Relations.CanReadData, TestToken));
            var call = await peer.NextCallAsync("Authorizer/Check", TestToken);
            Assert.Equal("oidc~alice", call.GetProperty("user_id").GetString());
            // Our deadline arrived as theirs (1.5 s minus the time on the way).
            Assert.InRange(call.GetProperty("deadline_remaining_ms").GetInt32(), 500, 1500);
            Assert.StartsWith($"00-{activity!.TraceId}-", call.GetProperty("traceparent").GetString(), StringComparison.Ordinal);
        }

        Assert.False(await authorizer.CheckAsync(new Principal("oidc~bob"), AuthzObject.Table("t1"), Relations.CanReadData, TestToken));
        await peer.NextCallAsync("Authorizer/Check", TestToken);

        var invalid = await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.CheckAsync(new Principal("oidc~alice"), new AuthzObject("bucket", "b1"), Relations.CanReadData, TestToken));
        Assert.Equal("object.type 'bucket' is not known", invalid.Message);
        await peer.NextCallAsync("Authorizer/Check", TestToken);

        var slow = await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () =>
            await authorizer.CheckAsync(new Principal("slow"), AuthzObject.Table("t1"), Relations.CanReadData, TestToken));
        Assert.Equal(StatusCode.DeadlineExceeded, Assert.IsType<RpcException>(slow.InnerException).StatusCode);
    }
}

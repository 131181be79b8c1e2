using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Lakekeeper.Authz.Remote;
using Lakekeeper.Authz.Tests.Infrastructure;
using Lakekeeper.Authz.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lakekeeper.Authz.Tests;

/// <summary>The authz host as its Program.cs composes it: IAuthorizer through the gRPC client, and what each port serves.</summary>
public sealed class AuthzServiceTests(AuthzServer server) : IClassFixture<AuthzServer>, IAsyncDisposable
{
    private static readonly Principal Alice = new("oidc~alice");
    private readonly List<IHost> _clients = [];
    private readonly List<GrpcChannel> _channels = [];

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Allowall_allows_every_check()
    {
        var authorizer = await ClientAsync();
        Assert.True(await authorizer.CheckAsync(Alice, AuthzObject.Warehouse("0191a0f5-1d2e-7000-8000-000000000001"), Relations.CanCreateNamespace, TestToken));
        Assert.True(await authorizer.CheckAsync(Principal.Anonymous, AuthzObject.Server("00000000-0000-0000-0000-000000000000"), Relations.CanCreateProject, TestToken));
        Assert.True(await authorizer.CheckAsync(new Principal("oidc~bob", "r1"), AuthzObject.Table("t1"), Relations.CanWriteData, TestToken));
    }

    [Fact]
    public async Task Allowall_answers_every_batch_item_in_order()
    {
        var authorizer = await ClientAsync();
        var items = Enumerable.Range(0, 500)
            .Select(i => new Authz.CheckItem(AuthzObject.Table("t" + i), i % 2 == 0 ? Relations.CanReadData : Relations.CanGetMetadata))
            .ToList();
        var answers = await authorizer.BatchCheckAsync(Alice, items, TestToken);
        Assert.Equal(500, answers.Count);
        Assert.All(answers, Assert.True);
        Assert.Empty(await authorizer.BatchCheckAsync(Alice, [], TestToken));
    }

    [Fact]
    public async Task Allowall_lists_without_enumerating()
    {
        var authorizer = await ClientAsync();
        var list = await authorizer.ListObjectsAsync(Alice, ObjectTypes.Namespace, Relations.CanIncludeInList, AuthzObject.Warehouse("w1"), TestToken);
        Assert.True(list.Unrestricted);
        Assert.Empty(list.Ids);
        Assert.True(list.Contains("any-namespace-id"));
    }

    [Fact]
    public async Task Allowall_accepts_writes_and_deletes_and_stores_nothing()
    {
        var authorizer = await ClientAsync();
        var grant = new Authz.Relationship(AuthzSubject.User("oidc~alice"), Relations.Select, AuthzObject.Table("t1"));
        var roleGrant = new Authz.Relationship(AuthzSubject.RoleAssignees("r1"), Relations.Modify, AuthzObject.Namespace("n1"));
        var parent = new Authz.Relationship(AuthzSubject.Of(AuthzObject.Warehouse("w1")), "parent", AuthzObject.Namespace("n1"));
        await authorizer.WriteRelationshipsAsync([grant, roleGrant, parent], TestToken);
        var page = await authorizer.ReadRelationshipsAsync(new RelationshipQuery(AuthzObject.Table("t1")), TestToken);
        Assert.Empty(page.Relationships);
        Assert.Null(page.NextPageToken);
        await authorizer.DeleteRelationshipsAsync([grant], TestToken);
    }

    [Fact]
    public async Task Invalid_arguments_come_back_as_argument_exceptions()
    {
        var authorizer = await ClientAsync();
        var bad = await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t1"), "Not A Relation", TestToken));
        Assert.Contains("relation", bad.Message, StringComparison.Ordinal);
        var status = Assert.IsType<RpcException>(bad.InnerException);
        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);

        await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, new AuthzObject("bucket", "b1"), Relations.CanReadData, TestToken));
        await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.WriteRelationshipsAsync([new Authz.Relationship(AuthzSubject.User("a"), Relations.Select, AuthzObject.Table(""))], TestToken));
    }

    [Fact]
    public async Task Every_method_is_served_on_the_internal_port()
    {
        var client = new V1.Authorizer.AuthorizerClient(Channel(server.InternalAddress));
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: TestToken);
        var principal = new V1.Principal { UserId = "u" };
        var target = new ObjectRef { Type = "project", Id = "p" };
        Assert.True((await client.CheckAsync(new CheckRequest { Principal = principal, Object = target, Relation = "can_rename" }, options)).Allowed);
        Assert.Empty((await client.BatchCheckAsync(new BatchCheckRequest { Principal = principal }, options)).Allowed);
        Assert.True((await client.ListObjectsAsync(new ListObjectsRequest { Principal = principal, ObjectType = "role", Relation = "can_assume" }, options)).Unrestricted);
        await client.WriteRelationshipsAsync(new WriteRelationshipsRequest(), options);
        await client.DeleteRelationshipsAsync(new DeleteRelationshipsRequest(), options);
        Assert.Empty((await client.ReadRelationshipsAsync(new ReadRelationshipsRequest { Object = target }, options)).Relationships);

        var missingObject = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CheckAsync(new CheckRequest { Principal = principal, Relation = "can_rename" }, options));
        Assert.Equal(StatusCode.InvalidArgument, missingObject.StatusCode);
        Assert.Contains("object is required", missingObject.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_methods_on_the_internal_port_are_unimplemented()
    {
        var invoker = Channel(server.InternalAddress).CreateCallInvoker();
        var marshaller = Marshallers.Create<CheckRequest>(m => m.ToByteArray(), CheckRequest.Parser.ParseFrom);
        var explain = new Method<CheckRequest, CheckRequest>(MethodType.Unary, V1.Authorizer.Descriptor.FullName, "Explain", marshaller, marshaller);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(explain, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), new CheckRequest()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task The_health_service_answers_serving_on_the_internal_port()
    {
        var health = new Health.HealthClient(Channel(server.InternalAddress));
        foreach (var service in new[] { string.Empty, "lakekeeper.authz.v1.Authorizer" })
        {
            var reply = await health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: TestToken);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        }

        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest { Service = "nope.Nothing" }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: TestToken));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Server_reflection_lists_the_services_on_the_internal_port()
    {
        var reflection = new ServerReflection.ServerReflectionClient(Channel(server.InternalAddress));
        using var call = reflection.ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: TestToken);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty }, TestToken);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(TestToken));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("lakekeeper.authz.v1.Authorizer", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Theory]
    [InlineData("/lakekeeper.authz.v1.Authorizer/Check")]
    [InlineData("/grpc.health.v1.Health/Check")]
    [InlineData("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")]
    [InlineData("/lakekeeper.authz.v1.Authorizer/Explain")]
    [InlineData("/some.Unknown/Method")]
    public async Task The_public_port_does_not_serve_grpc(string path)
    {
        // An HTTP/1.1 POST to a gRPC path on the public port gets the host's ordinary "no route" answer.
        using var http = new HttpClient();
        using var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        using var response = await http.PostAsync(new Uri(server.PublicAddress, path), content, TestToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("grpc-status"));
        Assert.Contains("No route", await response.Content.ReadAsStringAsync(TestToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_grpc_client_pointed_at_the_public_port_gets_no_decision()
    {
        var health = new Health.HealthClient(Channel(server.PublicAddress));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: TestToken));
        Assert.NotEqual(StatusCode.OK, error.StatusCode);

        var authorizer = await ClientAsync(server.PublicAddress);
        var unavailable = await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t1"), Relations.CanDrop, TestToken));
        Assert.IsType<RpcException>(unavailable.InnerException);
    }

    [Fact]
    public async Task Health_probes_answer_on_the_public_port()
    {
        using var http = new HttpClient();
        foreach (var path in new[] { "/health/live", "/health/ready" })
        {
            using var response = await http.GetAsync(new Uri(server.PublicAddress, path), TestToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var client in _clients)
        {
            await client.StopAsync(TestToken);
            client.Dispose();
        }
    }

    private GrpcChannel Channel(Uri address)
    {
        var channel = GrpcChannel.ForAddress(address);
        _channels.Add(channel);
        return channel;
    }

    private async Task<IAuthorizer> ClientAsync(Uri? endpoint = null)
    {
        // These tests are about the wire: every check must reach the server (no check cache).
        var host = await Hosts.StartClientAsync(endpoint ?? server.InternalAddress);
        _clients.Add(host);
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        Assert.IsType<GrpcAuthorizer>(Assert.IsType<MeasuredAuthorizer>(authorizer).Inner);
        return authorizer;
    }
}

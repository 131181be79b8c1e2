using System.Net;
using Microsoft.Extensions.Configuration;
using Lakekeeper.Authz;
using Lakekeeper.Authz.Remote;
using Lakekeeper.Authz.V1;
using Principal = Lakekeeper.Authz.Principal;
using Relationship = Lakekeeper.Authz.Relationship;
using Lakekeeper.Rpc.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Rpc.Tests.Authz;

/// <summary>IAuthorizer as a gRPC client (AddAuthz with an endpoint) against the real authz host.</summary>
public sealed class AuthzClientServerTests(AuthzServer server) : IClassFixture<AuthzServer>, IAsyncDisposable
{
    private static readonly Principal Alice = new("oidc~alice");
    private IHost? _client;

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
            .Select(i => new Lakekeeper.Authz.CheckItem(AuthzObject.Table("t" + i), i % 2 == 0 ? Relations.CanReadData : Relations.CanGetMetadata))
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
        var list = await authorizer.ListObjectsAsync(Alice, ObjectTypes.Namespace, Relations.CanIncludeInList,
            AuthzObject.Warehouse("w1"), TestToken);
        Assert.True(list.Unrestricted);
        Assert.Empty(list.Ids);
        Assert.True(list.Contains("any-namespace-id"));
    }

    [Fact]
    public async Task Allowall_accepts_writes_and_deletes_and_stores_nothing()
    {
        var authorizer = await ClientAsync();
        var grant = new Relationship(AuthzSubject.User("oidc~alice"), Relations.Select, AuthzObject.Table("t1"));
        var roleGrant = new Relationship(AuthzSubject.RoleAssignees("r1"), Relations.Modify, AuthzObject.Namespace("n1"));
        var parent = new Relationship(AuthzSubject.Of(AuthzObject.Warehouse("w1")), "parent", AuthzObject.Namespace("n1"));
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
        var bad = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t1"), "Not A Relation", TestToken));
        Assert.Contains("relation", bad.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, new AuthzObject("bucket", "b1"), Relations.CanReadData, TestToken));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await authorizer.WriteRelationshipsAsync([new Relationship(AuthzSubject.User("a"), Relations.Select, AuthzObject.Table(""))], TestToken));
    }

    [Fact]
    public async Task Every_method_is_served_on_the_internal_port()
    {
        using var channel = new RpcChannel(server.InternalAddress);
        var options = CallOptions.WithTimeout(TimeSpan.FromSeconds(30), TestToken);
        var principal = new Lakekeeper.Authz.V1.Principal { UserId = "u" };
        var target = new ObjectRef { Type = "project", Id = "p" };
        Assert.True((await channel.CallAsync(AuthzRpcMethods.Check, new CheckRequest { Principal = principal, Object = target, Relation = "can_rename" }, options)).Allowed);
        Assert.Empty((await channel.CallAsync(AuthzRpcMethods.BatchCheck, new BatchCheckRequest { Principal = principal }, options)).Allowed);
        Assert.True((await channel.CallAsync(AuthzRpcMethods.ListObjects, new ListObjectsRequest { Principal = principal, ObjectType = "role", Relation = "can_assume" }, options)).Unrestricted);
        await channel.CallAsync(AuthzRpcMethods.WriteRelationships, new WriteRelationshipsRequest(), options);
        await channel.CallAsync(AuthzRpcMethods.DeleteRelationships, new DeleteRelationshipsRequest(), options);
        Assert.Empty((await channel.CallAsync(AuthzRpcMethods.ReadRelationships, new ReadRelationshipsRequest { Object = target }, options)).Relationships);

        var missingObject = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CallAsync(AuthzRpcMethods.Check, new CheckRequest { Principal = principal, Relation = "can_rename" }, options));
        Assert.Equal(StatusCode.InvalidArgument, missingObject.StatusCode);
        Assert.Contains("object is required", missingObject.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_public_port_does_not_serve_grpc()
    {
        // An HTTP/1.1 POST to a gRPC path on the public port gets the host's ordinary "no route" answer.
        using var http = new HttpClient();
        using var content = new ByteArrayContent([0, 0, 0, 0, 0]);
        content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        using var response = await http.PostAsync(new Uri(server.PublicAddress, AuthzRpcMethods.Check.Path), content, TestToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("grpc-status"));
        Assert.Contains("No route", await response.Content.ReadAsStringAsync(TestToken), StringComparison.Ordinal);

        // ...and an HTTP/2 client cannot reach it there at all.
        using var channel = new RpcChannel(server.PublicAddress);
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallAsync(AuthzRpcMethods.Check,
            new CheckRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(30), TestToken)));
        Assert.NotEqual(StatusCode.OK, error.StatusCode);
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

    [Fact]
    public async Task Unknown_methods_on_the_internal_port_are_unimplemented()
    {
        using var channel = new RpcChannel(server.InternalAddress);
        var method = new RpcMethod<CheckRequest, CheckResponse>(AuthzRpcMethods.ServiceName, "Explain");
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CallAsync(method, new CheckRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(30), TestToken)));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync(TestToken);
            _client.Dispose();
        }
    }

    private async Task<IAuthorizer> ClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Authz:Endpoint"] = server.InternalAddress.ToString(),
            ["Authz:TimeoutMs"] = "30000",
            // These tests are about the wire: every check must reach the server.
            ["Authz:CheckCacheMs"] = "0",
        });
        builder.Logging.ClearProviders();
        builder.AddAuthz();
        _client = builder.Build();
        await _client.StartAsync(TestToken);
        var authorizer = _client.Services.GetRequiredService<IAuthorizer>();
        Assert.IsType<RpcAuthorizer>(Assert.IsType<MeasuredAuthorizer>(authorizer).Inner);
        return authorizer;
    }
}

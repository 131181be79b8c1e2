using Lakekeeper.Authz;
using Lakekeeper.Testing;

namespace Lakekeeper.Fga.Tests.Integration;

/// <summary>
/// The <c>builtin</c> and <c>openfga</c> backends through <see cref="IAuthorizer"/> on real authz hosts
/// and Postgres. No OpenFGA server runs here: the <c>openfga</c> backend talks to the OpenFGA-compatible
/// API of a second authz host, the same wire contract.
/// </summary>
public sealed class BackendTests(FgaDatabase database) : IClassFixture<FgaDatabase>
{
    private static readonly Principal Anne = new("oidc~anne");
    private static readonly Principal Bob = new("oidc~bob");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Builtin_grants_and_revokes_take_effect_on_every_replica()
    {
        await using var first = await AuthzHost.StartAsync(database.ConnectionString, api: false, ("AUTHZ_BACKEND", "builtin"));
        await using var second = await AuthzHost.StartAsync(database.ConnectionString, api: false, ("AUTHZ_BACKEND", "builtin"));
        var table = AuthzObject.Table("0193a0f5-0000-7000-8000-0000000000a1");
        await WriteCatalogAsync(first.Authorizer, table);

        Assert.False(await second.Authorizer.CheckAsync(Anne, table, Relations.CanReadData, Ct));
        var grant = new Relationship(AuthzSubject.RoleAssignees("readers"), Relations.Select, AuthzObject.Namespace("ns1"));
        var membership = new Relationship(AuthzSubject.User(Anne.UserId!), Relations.Assignee, AuthzObject.Role("readers"));
        await first.Authorizer.WriteRelationshipsAsync([grant, membership], Ct);
        Assert.True(await first.Authorizer.CheckAsync(Anne, table, Relations.CanReadData, Ct));
        await Eventually.ReturnsAsync(async () => await second.Authorizer.CheckAsync(Anne, table, Relations.CanReadData, Ct) ? "granted" : null, TimeSpan.FromSeconds(10), "the grant to reach the second replica");

        await first.Authorizer.DeleteRelationshipsAsync([membership], Ct);
        Assert.False(await first.Authorizer.CheckAsync(Anne, table, Relations.CanReadData, Ct));
        await Eventually.ReturnsAsync(async () => await second.Authorizer.CheckAsync(Anne, table, Relations.CanReadData, Ct) ? null : "revoked", TimeSpan.FromSeconds(10), "the revoke to reach the second replica");
    }

    [Fact]
    public async Task Builtin_lists_stores_reads_and_fails_closed()
    {
        await using var host = await AuthzHost.StartAsync(database.ConnectionString, api: false, ("AUTHZ_BACKEND", "builtin"));
        var authorizer = host.Authorizer;
        var table = AuthzObject.Table("0193a0f5-0000-7000-8000-0000000000b1");
        await WriteCatalogAsync(authorizer, table);
        await authorizer.WriteRelationshipsAsync([new Relationship(AuthzSubject.User(Bob.UserId!), Relations.Select, table)], Ct);
        // Writing twice and deleting what is not there are fine.
        await authorizer.WriteRelationshipsAsync([new Relationship(AuthzSubject.User(Bob.UserId!), Relations.Select, table)], Ct);
        await authorizer.DeleteRelationshipsAsync([new Relationship(AuthzSubject.User("nobody"), Relations.Select, table)], Ct);

        var tables = await authorizer.ListObjectsAsync(Bob, ObjectTypes.Table, Relations.CanIncludeInList, AuthzObject.Namespace("ns1"), Ct);
        Assert.False(tables.Unrestricted);
        Assert.Equal([table.Id], tables.Ids);
        var everything = await authorizer.ListObjectsAsync(new Principal("oidc~owner"), ObjectTypes.Table, Relations.CanIncludeInList, AuthzObject.Namespace("ns1"), Ct);
        Assert.True(everything.Unrestricted);

        var page = await authorizer.ReadRelationshipsAsync(new RelationshipQuery(table, Relations.Select), Ct);
        Assert.Equal([new Relationship(AuthzSubject.User(Bob.UserId!), Relations.Select, table)], page.Relationships);

        Assert.False(await authorizer.CheckAsync(Principal.Anonymous, table, Relations.CanGetMetadata, Ct));
        Assert.False(await authorizer.CheckAsync(new Principal(Bob.UserId, "readers"), table, Relations.CanGetMetadata, Ct));
        await Assert.ThrowsAsync<AuthzArgumentException>(async () => await authorizer.CheckAsync(Bob, table, "can_fly", Ct));
        await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.WriteRelationshipsAsync([new Relationship(AuthzSubject.AllUsers, Relations.Ownership, table)], Ct));
    }

    [Fact]
    public async Task Openfga_backend_against_an_openfga_compatible_server()
    {
        await using var server = await AuthzHost.StartAsync(database.ConnectionString, api: true);
        (string, string?)[] settings =
        [
            ("AUTHZ_BACKEND", "openfga"),
            ("OpenFga:ENDPOINT", server.ApiAddress.ToString()),
            ("OpenFga:API_KEY", AuthzHost.ApiKey),
            ("OpenFga:STORE_NAME", "lakekeeper-remote"),
        ];
        var table = AuthzObject.Table("0193a0f5-0000-7000-8000-0000000000c1");
        await using (var client = await AuthzHost.StartAsync(database.ConnectionString, api: false, settings))
        {
            var authorizer = client.Authorizer;
            await WriteCatalogAsync(authorizer, table);
            Assert.False(await authorizer.CheckAsync(Anne, table, Relations.CanReadData, Ct));
            await authorizer.WriteRelationshipsAsync([
                new Relationship(AuthzSubject.User(Anne.UserId!), Relations.Assignee, AuthzObject.Role("readers")),
                new Relationship(AuthzSubject.RoleAssignees("readers"), Relations.Select, AuthzObject.Namespace("ns1")),
            ], Ct);
            Assert.True(await authorizer.CheckAsync(Anne, table, Relations.CanReadData, Ct));
            Assert.True(await authorizer.CheckAsync(new Principal(Anne.UserId, "readers"), table, Relations.CanReadData, Ct));
            Assert.False(await authorizer.CheckAsync(new Principal(Bob.UserId, "readers"), table, Relations.CanReadData, Ct));
            Assert.Equal([true, false, true],
                await authorizer.BatchCheckAsync(Anne, [new CheckItem(table, Relations.CanReadData), new CheckItem(table, Relations.CanDrop), new CheckItem(table, Relations.CanGetMetadata)], Ct));
            var listed = await authorizer.ListObjectsAsync(Anne, ObjectTypes.Table, Relations.CanReadData, null, Ct);
            Assert.Equal([table.Id], listed.Ids);
            var page = await authorizer.ReadRelationshipsAsync(new RelationshipQuery(AuthzObject.Role("readers")), Ct);
            Assert.Single(page.Relationships);
            await authorizer.DeleteRelationshipsAsync([new Relationship(AuthzSubject.User(Anne.UserId!), Relations.Assignee, AuthzObject.Role("readers"))], Ct);
            Assert.False(await authorizer.CheckAsync(Anne, table, Relations.CanReadData, Ct));
        }

        // A second start finds the store and the same model: nothing new is written.
        using var api = server.ApiClient();
        var before = await CountModelsAsync(api);
        await using (var again = await AuthzHost.StartAsync(database.ConnectionString, api: false, settings))
        {
            Assert.True(await again.Authorizer.CheckAsync(new Principal("oidc~owner"), table, Relations.CanDrop, Ct));
        }

        Assert.Equal(before, await CountModelsAsync(api));
        Assert.Equal(1, before);
    }

    [Fact]
    public async Task Openfga_backend_without_a_server_is_unavailable_not_a_decision()
    {
        await using var client = await AuthzHost.StartAsync(database.ConnectionString, api: false,
            ("AUTHZ_BACKEND", "openfga"), ("OpenFga:ENDPOINT", $"http://127.0.0.1:{FreePort.Next()}"), ("Authz:TimeoutMs", "2000"));
        await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () =>
            await client.Authorizer.CheckAsync(Anne, AuthzObject.Table("t"), Relations.CanReadData, Ct));
    }

    /// <summary>warehouse w1 → ns1 → the table, owned by oidc~owner at the namespace.</summary>
    private static async Task WriteCatalogAsync(IAuthorizer authorizer, AuthzObject table)
    {
        var warehouse = AuthzObject.Warehouse("w1");
        var ns = AuthzObject.Namespace("ns1");
        await authorizer.WriteRelationshipsAsync([
            new Relationship(AuthzSubject.Of(warehouse), "parent", ns),
            new Relationship(AuthzSubject.Of(ns), "namespace", warehouse),
            new Relationship(AuthzSubject.Of(ns), "parent", table),
            new Relationship(AuthzSubject.Of(table), "child", ns),
            new Relationship(AuthzSubject.User("oidc~owner"), Relations.Ownership, ns),
        ], Ct);
    }

    private static async Task<int> CountModelsAsync(HttpClient api)
    {
        var stores = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync("stores?name=lakekeeper-remote", Ct))!["stores"]!.AsArray();
        var storeId = Assert.Single(stores)!["id"]!.GetValue<string>();
        var models = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync($"stores/{storeId}/authorization-models", Ct))!;
        return models["authorization_models"]!.AsArray().Count;
    }
}

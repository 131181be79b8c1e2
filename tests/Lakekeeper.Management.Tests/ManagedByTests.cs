using System.Net.Http.Headers;
using System.Text;
using Lakekeeper.Authz;
using Lakekeeper.Management.Tests.Contracts;
using Lakekeeper.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management.Tests;

/// <summary>
/// The standalone server behind a real OpenID provider (npm oidc-provider) with the builtin authorization
/// backend: <c>oidc~admin</c> bootstrapped the server (the authorizer's <c>server#admin</c>, so an instance
/// administrator) and is project admin of the default project; <c>oidc~alice</c> owns the warehouses the
/// tests give her and may create warehouses, but is no instance administrator. Grants are written through
/// the app's own <see cref="IAuthorizer"/>.
/// </summary>
public sealed class ManagedByFixture : IAsyncLifetime
{
    public static readonly OidcClient Admin = new("admin", "RS256", new Dictionary<string, object> { ["name"] = "Ada Admin" });

    public static readonly OidcClient Alice = new("alice", "RS256", new Dictionary<string, object> { ["name"] = "Alice Example" });

    /// <summary>Lakekeeper's default project id (the nil UUID).</summary>
    public static readonly string DefaultProject = Guid.Empty.ToString();

    private readonly List<HttpClient> _clients = [];

    public OidcProvider Idp { get; private set; } = null!;

    public StandaloneApp App { get; private set; } = null!;

    internal ManagementClient AdminApi { get; private set; } = null!;

    internal ManagementClient AliceApi { get; private set; } = null!;

    public HttpClient AliceHttp { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Idp = await OidcProvider.StartAsync([Admin, Alice]);
        App = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["OPENID_PROVIDER_URI"] = Idp.IssuerText,
            ["OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
            ["AUTHZ_BACKEND"] = "builtin",
        });
        var adminHttp = await ClientAsync(Admin);
        AliceHttp = await ClientAsync(Alice);
        AdminApi = new ManagementClient(adminHttp);
        AliceApi = new ManagementClient(AliceHttp);
        (await AdminApi.PostAsync("/management/v1/bootstrap", """{"accept-terms-of-use":true}""")).Is(204);
        await GrantAsync(AuthzObject.Project(DefaultProject), "project_admin", "oidc~admin");
        await GrantAsync(AuthzObject.Project(DefaultProject), Relations.Create, "oidc~alice");
    }

    public async Task GrantAsync(AuthzObject target, string relation, string user) =>
        await App.Services.GetRequiredService<IAuthorizer>().WriteRelationshipsAsync([new Relationship(AuthzSubject.User(user), relation, target)]);

    /// <summary>A file warehouse created by the admin, owned by Alice as well; returns its id.</summary>
    public async Task<string> WarehouseAsync(string name, string managedBy)
    {
        var root = Path.Combine(App.WarehouseRoot, name);
        Directory.CreateDirectory(root);
        var created = (await AdminApi.PostAsync("/management/v1/warehouse",
            $$"""{"warehouse-name":"{{name}}","storage-profile":{"type":"file","root":"{{root}}"},"managed-by":"{{managedBy}}"}""")).Is(201);
        Assert.Equal(managedBy, created.GetProperty("managed-by").GetString());
        var id = created.GetProperty("warehouse-id").GetString()!;
        await GrantAsync(AuthzObject.Warehouse(id), Relations.Ownership, "oidc~alice");
        return id;
    }

    private async Task<HttpClient> ClientAsync(OidcClient client)
    {
        var http = new HttpClient { BaseAddress = App.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Idp.GetTokenAsync(client));
        _clients.Add(http);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await App.DisposeAsync();
        await Idp.DisposeAsync();
    }
}

/// <summary>
/// Lakekeeper's <c>managed-by: instance-admin</c>: the warehouse's spec changes only through instance
/// administrators (403 for anyone else, even an owner), while what lives inside it is unaffected.
/// </summary>
public sealed class ManagedByTests(ManagedByFixture f) : IClassFixture<ManagedByFixture>
{
    /// <summary>Every guarded change: its path below the warehouse, its body, and the status it answers when allowed.</summary>
    public static TheoryData<string, string, string?, int> SpecChanges => new()
    {
        { "rename", "POST", """{"new-name":"{0}-renamed"}""", 200 },
        { "deactivate", "POST", null, 200 },
        { "activate", "POST", null, 200 },
        { "protection", "POST", """{"protected":true}""", 200 },
        { "delete-profile", "POST", """{"delete-profile":{"type":"soft","expiration-seconds":3600}}""", 200 },
        { "format-version-policy", "POST", """{"allowed-format-versions":[2,3],"default-format-version":3}""", 200 },
        { "storage", "POST", """{"storage-profile":{"type":"file","root":"{root}"}}""", 200 },
        { "storage-credential", "POST", "{}", 200 },
        { "", "DELETE", null, 204 },
    };

    [Fact]
    public async Task Whoami_reports_instance_admin_as_the_authorizer_decides()
    {
        Assert.True((await f.AdminApi.GetAsync("/management/v1/whoami")).Is(200).GetProperty("is-instance-admin").GetBoolean());
        Assert.False((await f.AliceApi.GetAsync("/management/v1/whoami")).Is(200).GetProperty("is-instance-admin").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(SpecChanges))]
    public async Task A_spec_change_of_an_instance_admin_warehouse_is_403_for_an_owner_and_allowed_for_an_instance_admin(
        string path, string method, string? body, int allowed)
    {
        var name = "m-" + Guid.NewGuid().ToString("N")[..8];
        var managed = await f.WarehouseAsync(name, "instance-admin");
        var before = (await f.AdminApi.GetAsync($"/management/v1/warehouse/{managed}")).Is(200);

        var refused = await SendAsync(f.AliceApi, method, managed, path, Body(body, name));
        refused.IsError(403, "instance administrator");
        Assert.Equal("ForbiddenException", refused.Json.GetProperty("error").GetProperty("type").GetString());
        var after = (await f.AdminApi.GetAsync($"/management/v1/warehouse/{managed}")).Is(200);
        Assert.Equal(before.ToString(), after.ToString()); // nothing changed, not even updated-at

        Assert.Equal(allowed, (await SendAsync(f.AdminApi, method, managed, path, Body(body, name))).Status);
    }

    [Theory]
    [MemberData(nameof(SpecChanges))]
    public async Task The_same_change_of_a_self_managed_warehouse_is_allowed_to_its_owner(string path, string method, string? body, int allowed)
    {
        var name = "s-" + Guid.NewGuid().ToString("N")[..8];
        var own = await f.WarehouseAsync(name, "self-managed");
        var reply = await SendAsync(f.AliceApi, method, own, path, Body(body, name));
        Assert.True(reply.Status == allowed, reply.ToString());
    }

    [Fact]
    public async Task Only_an_instance_admin_sets_or_clears_the_marker_and_the_warehouse_shows_it()
    {
        var warehouse = await f.WarehouseAsync("mark-" + Guid.NewGuid().ToString("N")[..8], "self-managed");
        (await f.AliceApi.PostAsync($"/management/v1/warehouse/{warehouse}/managed-by", """{"managed-by":"instance-admin"}""")).IsError(403, "instance administrator");
        Assert.Equal("self-managed", (await f.AdminApi.GetAsync($"/management/v1/warehouse/{warehouse}")).Is(200).GetProperty("managed-by").GetString());

        var set = (await f.AdminApi.PostAsync($"/management/v1/warehouse/{warehouse}/managed-by", """{"managed-by":"instance-admin"}""")).Is(200);
        Assert.Equal("instance-admin", set.GetProperty("managed-by").GetString());
        Assert.Equal("instance-admin", (await f.AliceApi.GetAsync($"/management/v1/warehouse/{warehouse}")).Is(200).GetProperty("managed-by").GetString());
        var listed = (await f.AdminApi.GetAsync("/management/v1/warehouse")).Is(200).GetProperty("warehouses").EnumerateArray()
            .Single(w => w.GetProperty("warehouse-id").GetString() == warehouse);
        Assert.Equal("instance-admin", listed.GetProperty("managed-by").GetString());

        (await f.AliceApi.PostAsync($"/management/v1/warehouse/{warehouse}/managed-by", """{"managed-by":"self-managed"}""")).IsError(403, "instance administrator");
        (await f.AliceApi.PostAsync($"/management/v1/warehouse/{warehouse}/rename", """{"new-name":"taken-over"}""")).IsError(403, "name");

        Assert.Equal("self-managed", (await f.AdminApi.PostAsync($"/management/v1/warehouse/{warehouse}/managed-by", """{"managed-by":"self-managed"}""")).Is(200)
            .GetProperty("managed-by").GetString());
        Assert.Equal("taken-over-" + warehouse[..4], (await f.AliceApi.PostAsync($"/management/v1/warehouse/{warehouse}/rename", $$"""{"new-name":"taken-over-{{warehouse[..4]}}"}""")).Is(200)
            .GetProperty("name").GetString());
    }

    [Fact]
    public async Task Creating_an_instance_admin_warehouse_needs_an_instance_admin_and_its_dry_run_says_so()
    {
        var name = "alice-" + Guid.NewGuid().ToString("N")[..8];
        var root = Path.Combine(f.App.WarehouseRoot, name);
        Directory.CreateDirectory(root);
        var body = $$"""{"warehouse-name":"{{name}}","storage-profile":{"type":"file","root":"{{root}}"},"managed-by":"instance-admin"}""";

        var checks = (await f.AliceApi.PostAsync("/management/v1/warehouse-creation-validation", body)).Is(200);
        Assert.False(checks.GetProperty("valid").GetBoolean());
        var check = checks.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "managed-by-allowed");
        Assert.Equal("failed", check.GetProperty("status").GetString());

        (await f.AliceApi.PostAsync("/management/v1/warehouse", body)).IsError(403, "instance administrator");
        Assert.DoesNotContain((await f.AdminApi.GetAsync("/management/v1/warehouse")).Is(200).GetProperty("warehouses").EnumerateArray(),
            w => w.GetProperty("name").GetString() == name);

        // Her grants suffice for a self-managed one.
        var created = (await f.AliceApi.PostAsync("/management/v1/warehouse", body.Replace("instance-admin", "self-managed", StringComparison.Ordinal))).Is(201);
        Assert.Equal("self-managed", created.GetProperty("managed-by").GetString());
    }

    [Fact]
    public async Task A_forced_project_delete_that_would_take_an_instance_admin_warehouse_needs_an_instance_admin()
    {
        var project = Guid.Parse((await f.AdminApi.PostAsync("/management/v1/project", $$"""{"project-name":"p-{{Guid.NewGuid():N}}"}"""))
            .Is(201).GetProperty("project-id").GetString()!);
        await f.GrantAsync(AuthzObject.Project(project.ToString()), "project_admin", "oidc~admin");
        await f.GrantAsync(AuthzObject.Project(project.ToString()), "project_admin", "oidc~alice");
        var name = "pm-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(Path.Combine(f.App.WarehouseRoot, name));
        var warehouse = (await f.AdminApi.PostAsync("/management/v1/warehouse",
            $$"""{"warehouse-name":"{{name}}","storage-profile":{"type":"file","root":"{{Path.Combine(f.App.WarehouseRoot, name)}}"},"managed-by":"instance-admin"}""", project))
            .Is(201).GetProperty("warehouse-id").GetString()!;

        (await f.AliceApi.DeleteAsync("/management/v1/project?force=true", project)).IsError(403, "instance administrator");
        (await f.AdminApi.GetAsync($"/management/v1/warehouse/{warehouse}")).Is(200);
        (await f.AdminApi.DeleteAsync("/management/v1/project?force=true", project)).Is(204);
        (await f.AdminApi.GetAsync($"/management/v1/warehouse/{warehouse}")).IsError(404, "Warehouse does not exist");
    }

    [Fact]
    public async Task What_lives_inside_an_instance_admin_warehouse_is_unaffected()
    {
        var managed = await f.WarehouseAsync("inside-" + Guid.NewGuid().ToString("N")[..8], "instance-admin");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/catalog/v1/{managed}/namespaces")
        {
            Content = new StringContent("""{"namespace":["owned_by_alice"]}""", Encoding.UTF8, "application/json"),
        };
        using var response = await f.AliceHttp.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        (await f.AliceApi.PostAsync($"/management/v1/warehouse/{managed}/storage/validate-access", "{}")).Is(200);
    }

    private static async Task<Reply> SendAsync(ManagementClient api, string method, string warehouse, string path, string? body) =>
        await api.SendAsync(new HttpMethod(method), path.Length == 0 ? $"/management/v1/warehouse/{warehouse}" : $"/management/v1/warehouse/{warehouse}/{path}", body);

    /// <summary>The body with <c>{0}</c> as the warehouse's name and <c>{root}</c> as its folder (named after it).</summary>
    private string? Body(string? template, string name) =>
        template?.Replace("{0}", name, StringComparison.Ordinal).Replace("{root}", Path.Combine(f.App.WarehouseRoot, name), StringComparison.Ordinal);
}

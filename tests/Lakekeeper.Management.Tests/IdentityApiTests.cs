using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Management.Tests;

/// <summary>Users, roles, membership, x-assume-role, bootstrap and whoami with real tokens against the standalone server.</summary>
public sealed class IdentityApiTests(IdentityFixture f) : IClassFixture<IdentityFixture>
{
    private static readonly HttpMethod Get = HttpMethod.Get;
    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly HttpMethod Put = HttpMethod.Put;
    private static readonly HttpMethod Delete = HttpMethod.Delete;

    [Fact]
    public async Task Bootstrap_recorded_the_calling_user_as_admin_and_is_refused_once_done()
    {
        await using (var connection = new NpgsqlConnection(f.App.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT bootstrapped_by || ' as ' || bootstrapped_as FROM server", connection);
            Assert.Equal("oidc~admin as admin", await command.ExecuteScalarAsync());
        }

        var (status, body) = await f.CallAsync(IdentityFixture.Alice, Post, "/management/v1/bootstrap", new { accept_terms_of_use = true });
        Assert.Equal(400, status); // the body's field is accept-terms-of-use, so this one lacks it
        (status, body) = await f.CallAsync(IdentityFixture.Alice, Post, "/management/v1/bootstrap", """{"accept-terms-of-use":true,"is-operator":true}""");
        AssertError(status, body, 409, "already bootstrapped");
    }

    [Fact]
    public async Task Whoami_shows_the_user_and_instance_admin_only_when_acting_directly()
    {
        var (status, me) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/whoami");
        Assert.Equal(200, status);
        Assert.Equal("oidc~admin", me.GetProperty("id").GetString());
        Assert.Equal("Ada Admin", me.GetProperty("name").GetString());
        Assert.True(me.GetProperty("is-instance-admin").GetBoolean());

        var role = await CreateRoleAsync("admins-" + Suffix());
        await AddMembersAsync(role, users: ["oidc~admin"]);
        (status, me) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/whoami", assumeRole: role);
        Assert.Equal(200, status);
        Assert.False(me.GetProperty("is-instance-admin").GetBoolean());

        // Alice is not listed in LAKEKEEPER__INSTANCE_ADMINS, but the allow-all backend grants everyone the
        // server's admin relation, which makes an instance admin too (ManagedByTests: a real denial under builtin).
        (status, me) = await f.CallAsync(IdentityFixture.Alice, Get, "/management/v1/whoami");
        Assert.Equal(200, status);
        Assert.True(me.GetProperty("is-instance-admin").GetBoolean());
    }

    [Fact]
    public async Task Users_are_provisioned_listed_read_replaced_searched_and_deleted()
    {
        var id = "oidc~provisioned-" + Suffix();
        var (status, user) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/user",
            new Dictionary<string, object> { ["id"] = id, ["name"] = "Grace Hopper", ["email"] = "grace@example.com", ["user-type"] = "human" });
        Assert.Equal(201, status);
        Assert.Equal(id, user.GetProperty("id").GetString());
        Assert.Equal("create-endpoint", user.GetProperty("last-updated-with").GetString());

        (status, user) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/user", new Dictionary<string, object> { ["id"] = id, ["name"] = "Other Name" });
        Assert.Equal(200, status);
        Assert.Equal("Grace Hopper", user.GetProperty("name").GetString());
        (status, user) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/user",
            new Dictionary<string, object> { ["id"] = id, ["name"] = "Grace B. Hopper", ["update-if-exists"] = true });
        Assert.Equal(200, status);
        Assert.Equal("Grace B. Hopper", user.GetProperty("name").GetString());

        (status, _) = await f.CallAsync(IdentityFixture.Admin, Put, "/management/v1/user/" + id,
            new Dictionary<string, object> { ["name"] = "Rear Admiral Hopper", ["user-type"] = "application" });
        Assert.Equal(200, status);
        (status, user) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/user/" + id);
        Assert.Equal(200, status);
        Assert.Equal("Rear Admiral Hopper", user.GetProperty("name").GetString());
        Assert.Equal("application", user.GetProperty("user-type").GetString());
        Assert.False(user.TryGetProperty("email", out _));
        Assert.Equal("update-endpoint", user.GetProperty("last-updated-with").GetString());

        var (_, page) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/user?name=admiral&pageSize=1");
        Assert.Equal([id], page.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetString()));

        foreach (var search in new[] { "Admiral Hoper", id, "hopper" })
        {
            var (searched, found) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/search/user", new { search });
            Assert.Equal(200, searched);
            Assert.Equal(id, found.GetProperty("users")[0].GetProperty("id").GetString());
        }

        (status, _) = await f.CallAsync(IdentityFixture.Admin, Delete, "/management/v1/user/" + id);
        Assert.Equal(204, status);
        (status, var missing) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/user/" + id);
        AssertError(status, missing, 404, id);
        (status, missing) = await f.CallAsync(IdentityFixture.Admin, Delete, "/management/v1/user/" + id);
        AssertError(status, missing, 404, id);
    }

    [Fact]
    public async Task Listing_users_pages_with_a_token_until_none_is_left()
    {
        var seen = new List<string>();
        string? token = null;
        do
        {
            var (status, page) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/user?pageSize=1" + (token is null ? string.Empty : "&pageToken=" + token));
            Assert.Equal(200, status);
            seen.AddRange(page.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetString()!));
            token = page.TryGetProperty("next-page-token", out var next) ? next.GetString() : null;
        }
        while (token is not null && seen.Count < 100);

        Assert.Contains("oidc~admin", seen);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
    }

    [Fact]
    public async Task A_user_registers_itself_from_its_token_and_is_registered_again_after_deletion()
    {
        var (status, me) = await f.CallAsync(IdentityFixture.Frank, Post, "/management/v1/user", new { });
        Assert.True(status is 200 or 201, me.ToString());
        Assert.Equal("oidc~frank", me.GetProperty("id").GetString());
        Assert.Equal("frank.smith@example.org", me.GetProperty("email").GetString());

        (status, _) = await f.CallAsync(IdentityFixture.Admin, Delete, "/management/v1/user/oidc~frank");
        Assert.Equal(204, status);
        (status, me) = await f.CallAsync(IdentityFixture.Frank, Get, "/management/v1/whoami");
        Assert.Equal(200, status);
        Assert.Equal("Frank Smith", me.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("""{"id":"no-provider","name":"x"}""", "id must be")]
    [InlineData("""{"id":"oidc~has space","name":"x"}""", "id must be")]
    [InlineData("""{"id":"oidc~someone"}""", "name is required")]
    [InlineData("""{"id":"oidc~someone","name":"x","user-type":"robot"}""", "user-type")]
    [InlineData("""{"id":17}""", "not a valid CreateUserRequest")]
    [InlineData("""[1,2]""", "not a valid CreateUserRequest")]
    [InlineData("""not json""", "Malformed request: invalid JSON")]
    [InlineData("""{"id":"a","id":"b"}""", "appears twice")]
    public async Task A_bad_provisioning_request_is_400_and_creates_nothing(string body, string message)
    {
        var (status, error) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/user", body);
        AssertError(status, error, 400, message);
        var (_, list) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/user?name=someone");
        Assert.Empty(list.GetProperty("users").EnumerateArray());
    }

    [Fact]
    public async Task Roles_are_created_read_listed_updated_and_deleted_within_their_project()
    {
        var name = "engineers-" + Suffix();
        var (status, role) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/role", new { name, description = "people who build" });
        Assert.Equal(201, status);
        var id = role.GetProperty("id").GetGuid();
        Assert.Equal("lakekeeper", role.GetProperty("provider-id").GetString());
        Assert.Equal(id.ToString(), role.GetProperty("source-id").GetString());
        Assert.Equal("lakekeeper~" + id, role.GetProperty("ident").GetString());
        Assert.Equal(Guid.Empty, role.GetProperty("project-id").GetGuid());

        (status, var conflict) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/role", new { name = name.ToUpperInvariant() });
        AssertError(status, conflict, 409, "already exists");

        (status, role) = await f.CallAsync(IdentityFixture.Admin, Get, $"/management/v1/role/{id}");
        Assert.Equal(200, status);
        Assert.Equal("people who build", role.GetProperty("description").GetString());

        var (_, list) = await f.CallAsync(IdentityFixture.Admin, Get, $"/management/v1/role?roleIds={id}");
        Assert.Equal([id], list.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));

        (status, role) = await f.CallAsync(IdentityFixture.Admin, Post, $"/management/v1/role/{id}", new { name = name + "-renamed" });
        Assert.Equal(200, status);
        Assert.Equal(name + "-renamed", role.GetProperty("name").GetString());
        Assert.False(role.TryGetProperty("description", out _));

        var (_, found) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/search/role", new { search = name + "-renamd" });
        Assert.Equal(id, found.GetProperty("roles")[0].GetProperty("id").GetGuid());

        (status, _) = await f.CallAsync(IdentityFixture.Admin, Delete, $"/management/v1/role/{id}");
        Assert.Equal(204, status);
        (status, var missing) = await f.CallAsync(IdentityFixture.Admin, Get, $"/management/v1/role/{id}");
        AssertError(status, missing, 404, "Role does not exist");
    }

    [Fact]
    public async Task A_role_of_project_Q_addressed_with_project_P_is_not_found_and_not_listed()
    {
        var projectP = await CreateProjectAsync();
        var projectQ = await CreateProjectAsync();
        var (status, created) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/role", new { name = "q-only" }, project: projectQ);
        Assert.Equal(201, status);
        var roleQ = created.GetProperty("id").GetGuid();
        Assert.Equal(projectQ, created.GetProperty("project-id").GetGuid());

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (Get, $"/management/v1/role/{roleQ}", null),
            (Post, $"/management/v1/role/{roleQ}", new { name = "stolen" }),
            (Delete, $"/management/v1/role/{roleQ}", null),
            (Get, $"/management/v1/role/{roleQ}/members", null),
            (Post, $"/management/v1/role/{roleQ}/members", new { members = new[] { new { type = "user", id = "oidc~admin" } } }),
            (Delete, $"/management/v1/role/{roleQ}/members/user/oidc~admin", null),
            (Get, $"/management/v1/role/{roleQ}/member-of", null),
        })
        {
            var (refused, error) = await f.CallAsync(IdentityFixture.Admin, method, path, body, project: projectP);
            AssertError(refused, error, 404, "Role does not exist");
        }

        var (_, listP) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/role", project: projectP);
        Assert.Empty(listP.GetProperty("roles").EnumerateArray());
        var (_, searchP) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/search/role", new { search = "q-only" }, project: projectP);
        Assert.Empty(searchP.GetProperty("roles").EnumerateArray());
        var (_, listQ) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/role", project: projectQ);
        Assert.Equal([roleQ], listQ.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));

        // Still there, unchanged, in its own project; its metadata is readable from anywhere.
        (status, var role) = await f.CallAsync(IdentityFixture.Admin, Get, $"/management/v1/role/{roleQ}", project: projectQ);
        Assert.Equal(200, status);
        Assert.Equal("q-only", role.GetProperty("name").GetString());
        (status, role) = await f.CallAsync(IdentityFixture.Admin, Get, $"/management/v1/role/{roleQ}/metadata", project: projectP);
        Assert.Equal(200, status);
        Assert.Equal(projectQ, role.GetProperty("project-id").GetGuid());

        // A role of another project cannot become a member either.
        var roleP = (await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/role", new { name = "p-role" }, project: projectP)).Body.GetProperty("id").GetGuid();
        var (crossStatus, crossError) = await f.CallAsync(IdentityFixture.Admin, Post, $"/management/v1/role/{roleP}/members",
            new { members = new[] { new { type = "role", id = roleQ.ToString() } } }, project: projectP);
        AssertError(crossStatus, crossError, 404, roleQ.ToString());
    }

    [Fact]
    public async Task Members_are_users_and_roles_listed_directly_and_transitively()
    {
        var top = await CreateRoleAsync("top-" + Suffix());
        var middle = await CreateRoleAsync("middle-" + Suffix());
        await TokenUserAsync(IdentityFixture.Alice);
        await AddMembersAsync(top, users: ["oidc~admin"], roles: [middle]);
        await AddMembersAsync(middle, users: ["oidc~alice"]);

        var direct = await MembersAsync($"/management/v1/role/{top}/members");
        Assert.Equal(["user:oidc~admin", "role:" + middle], direct);
        var transitive = await MembersAsync($"/management/v1/role/{top}/members/transitive");
        Assert.Equal(["user:oidc~admin", "user:oidc~alice", "role:" + middle], transitive);
        Assert.Equal(["role:" + middle], await MembersAsync($"/management/v1/role/{top}/members?type=role"));

        var (_, memberOf) = await f.CallAsync(IdentityFixture.Admin, Get, $"/management/v1/role/{middle}/member-of");
        Assert.Equal([top], memberOf.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
        var (_, aliceRoles) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/user/oidc~alice/roles/transitive");
        Assert.Contains(top, aliceRoles.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
        var (_, aliceDirect) = await f.CallAsync(IdentityFixture.Admin, Get, "/management/v1/user/oidc~alice/roles");
        Assert.DoesNotContain(top, aliceDirect.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));

        var (status, _) = await f.CallAsync(IdentityFixture.Admin, Delete, $"/management/v1/role/{top}/members/role/{middle}");
        Assert.Equal(204, status);
        (status, _) = await f.CallAsync(IdentityFixture.Admin, Delete, $"/management/v1/role/{top}/members/role/{middle}");
        Assert.Equal(204, status);
        Assert.Equal(["user:oidc~admin"], await MembersAsync($"/management/v1/role/{top}/members/transitive"));

        var (unknown, error) = await f.CallAsync(IdentityFixture.Admin, Post, $"/management/v1/role/{top}/members",
            new { members = new[] { new { type = "user", id = "oidc~nobody" }, new { type = "user", id = "oidc~admin" } } });
        AssertError(unknown, error, 404, "oidc~nobody");
    }

    [Fact]
    public async Task Nesting_that_would_make_a_cycle_is_refused_and_changes_nothing()
    {
        var a = await CreateRoleAsync("cycle-a-" + Suffix());
        var b = await CreateRoleAsync("cycle-b-" + Suffix());
        await AddMembersAsync(a, roles: [b]);

        var (status, error) = await f.CallAsync(IdentityFixture.Admin, Post, $"/management/v1/role/{b}/members", new { members = new[] { new { type = "role", id = a.ToString() } } });
        AssertError(status, error, 400, "cycle");
        (status, error) = await f.CallAsync(IdentityFixture.Admin, Post, $"/management/v1/role/{a}/members", new { members = new[] { new { type = "role", id = a.ToString() } } });
        AssertError(status, error, 400, "cycle");
        Assert.Empty(await MembersAsync($"/management/v1/role/{b}/members"));
        Assert.Equal(["role:" + b], await MembersAsync($"/management/v1/role/{a}/members"));
    }

    [Fact]
    public async Task Nesting_deeper_than_the_limit_is_refused_from_below_and_from_above()
    {
        // LAKEKEEPER__ROLE__MAX_NESTING_DEPTH=2: a ⊃ b ⊃ c is as deep as it gets.
        var a = await CreateRoleAsync("deep-a-" + Suffix());
        var b = await CreateRoleAsync("deep-b-" + Suffix());
        var c = await CreateRoleAsync("deep-c-" + Suffix());
        var d = await CreateRoleAsync("deep-d-" + Suffix());
        await AddMembersAsync(a, roles: [b]);
        await AddMembersAsync(b, roles: [c]);

        var (status, error) = await f.CallAsync(IdentityFixture.Admin, Post, $"/management/v1/role/{c}/members", new { members = new[] { new { type = "role", id = d.ToString() } } });
        AssertError(status, error, 400, "would nest roles 3 deep; the limit is 2");
        (status, error) = await f.CallAsync(IdentityFixture.Admin, Post, $"/management/v1/role/{d}/members", new { members = new[] { new { type = "role", id = a.ToString() } } });
        AssertError(status, error, 400, "would nest roles 3 deep");
        Assert.Empty(await MembersAsync($"/management/v1/role/{c}/members"));
        Assert.Empty(await MembersAsync($"/management/v1/role/{d}/members"));

        // Alongside, not deeper: fine.
        await AddMembersAsync(a, roles: [d]);
    }

    [Fact]
    public async Task Assuming_a_role_the_user_does_not_hold_is_403_and_one_it_holds_through_nesting_works()
    {
        await TokenUserAsync(IdentityFixture.Alice);
        var outer = await CreateRoleAsync("assumable-" + Suffix());
        var inner = await CreateRoleAsync("assumable-inner-" + Suffix());

        var (status, error) = await f.CallAsync(IdentityFixture.Alice, Get, "/management/v1/whoami", assumeRole: outer);
        AssertError(status, error, 403, "may not assume role " + outer);
        (status, error) = await f.CallAsync(IdentityFixture.Alice, Get, "/catalog/v1/config?warehouse=none", assumeRole: outer);
        AssertError(status, error, 403, "may not assume role");

        await AddMembersAsync(outer, roles: [inner]);
        await AddMembersAsync(inner, users: ["oidc~alice"]);
        (status, _) = await f.CallAsync(IdentityFixture.Alice, Get, "/management/v1/whoami", assumeRole: outer);
        Assert.Equal(200, status);

        using var request = new HttpRequestMessage(Get, "/management/v1/whoami");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + await f.TokenAsync(IdentityFixture.Alice));
        request.Headers.TryAddWithoutValidation("x-assume-role", "not-a-uuid");
        using var response = await f.App.Client.SendAsync(request);
        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task The_roles_claim_of_a_token_makes_the_user_a_member_of_the_roles_it_names()
    {
        var (status, role) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/role", new Dictionary<string, object>
        {
            ["name"] = "analysts-" + Suffix(), ["provider-id"] = "oidc", ["source-id"] = "analyst",
        });
        Assert.Equal(201, status);
        var id = role.GetProperty("id").GetGuid();
        Assert.Equal("oidc~analyst", role.GetProperty("ident").GetString());

        // Erin's first call registers her with the roles her token names.
        (status, _) = await f.CallAsync(IdentityFixture.Erin, Get, "/management/v1/whoami", assumeRole: id);
        Assert.Equal(200, status);
        Assert.Contains("user:oidc~erin", await MembersAsync($"/management/v1/role/{id}/members"));
    }

    [Fact]
    public async Task Management_changes_are_audited_with_the_actor_and_never_a_token()
    {
        var id = await CreateRoleAsync("audited-" + Suffix());
        var logs = f.Logs.Text;
        Assert.Contains($"audit: create-role role:{id}", logs, StringComparison.Ordinal);
        Assert.Contains("by principal oidc~admin", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(await f.TokenAsync(IdentityFixture.Admin), logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_identity_provider_whoami_says_the_caller_is_anonymous()
    {
        await using var anonymous = await StandaloneApp.StartAsync();
        using var response = await anonymous.Client.GetAsync("/management/v1/whoami");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertError((int)response.StatusCode, body, 404, "anonymous");
    }

    private async Task TokenUserAsync(OidcClient client)
    {
        var (status, _) = await f.CallAsync(client, Get, "/management/v1/whoami");
        Assert.Equal(200, status);
    }

    private async Task<Guid> CreateRoleAsync(string name)
    {
        var (status, role) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/role", new { name });
        Assert.Equal(201, status);
        return role.GetProperty("id").GetGuid();
    }

    private async Task<Guid> CreateProjectAsync()
    {
        var (status, project) = await f.CallAsync(IdentityFixture.Admin, Post, "/management/v1/project", new Dictionary<string, object> { ["project-name"] = "p-" + Suffix() });
        Assert.Equal(201, status);
        return project.GetProperty("project-id").GetGuid();
    }

    private async Task AddMembersAsync(Guid role, string[]? users = null, Guid[]? roles = null)
    {
        var members = (users ?? []).Select(u => new { type = "user", id = u }).Concat((roles ?? []).Select(r => new { type = "role", id = r.ToString() })).ToArray();
        var (status, body) = await f.CallAsync(IdentityFixture.Admin, Post, $"/management/v1/role/{role}/members", new { members });
        Assert.True(status == 200, body.ToString());
        Assert.Equal(members.Length, body.GetProperty("members").GetArrayLength());
    }

    private async Task<List<string>> MembersAsync(string path)
    {
        var (status, body) = await f.CallAsync(IdentityFixture.Admin, Get, path);
        Assert.True(status == 200, body.ToString());
        return [.. body.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("type").GetString() + ":" + m.GetProperty("id").GetString())];
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private static void AssertError(int status, JsonElement body, int expected, string contains)
    {
        Assert.True(status == expected, $"{status}: {body}");
        var error = body.GetProperty("error");
        Assert.Equal(expected, error.GetProperty("code").GetInt32());
        Assert.Contains(contains, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

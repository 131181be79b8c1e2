using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Lakekeeper.Management.Tests.Lifecycle;

namespace Lakekeeper.Management.Tests;

/// <summary>
/// A standalone app with a soft-delete warehouse holding five dropped tables (and their five
/// soft-deletion tasks), five users, and roles with members, so that every paged management
/// listing has more than two pages at page size 2.
/// </summary>
public sealed class PagingFixture : IAsyncLifetime
{
    public const int Count = 5;

    public LifecycleFixture Lifecycle { get; } = new();

    /// <summary>A soft-delete warehouse of this fixture alone: five dropped tables.</summary>
    public string Warehouse { get; private set; } = null!;

    public List<string> DroppedTables { get; } = [];

    public List<string> Users { get; } = [];

    public List<string> Roles { get; } = [];

    /// <summary>A role with <see cref="Count"/> roles as members.</summary>
    public string Parent { get; private set; } = null!;

    /// <summary>A role that is a member of <see cref="Count"/> roles, and a user in as many.</summary>
    public string Child { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Lifecycle.InitializeAsync();
        Warehouse = await Lifecycle.CreateSoftWarehouseAsync("paging");
        await Lifecycle.SendAsync(HttpMethod.Post, Lifecycle.Catalog("namespaces", Warehouse), """{"namespace":["pt"]}""");
        for (var i = 0; i < Count; i++)
        {
            var created = await Lifecycle.SendAsync(HttpMethod.Post, Lifecycle.Catalog("namespaces/pt/tables", Warehouse),
                $$$"""{"name":"t{{{i}}}","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""");
            Assert.True(created.Status == 200, created.ToString());
            DroppedTables.Add(created.Json.GetProperty("metadata").GetProperty("table-uuid").GetString()!);
            Assert.Equal(204, (await Lifecycle.SendAsync(HttpMethod.Delete, Lifecycle.Catalog($"namespaces/pt/tables/t{i}", Warehouse))).Status);
        }

        for (var i = 0; i < Count; i++)
        {
            var id = $"oidc~paging-{i}";
            var user = await Lifecycle.SendAsync(HttpMethod.Post, "/management/v1/user",
                JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = id, ["name"] = $"Paging Person {i}", ["user-type"] = "human" }));
            Assert.True(user.Status is 200 or 201, user.ToString());
            Users.Add(id);
        }

        Parent = await RoleAsync("pt-parent");
        Child = await RoleAsync("pt-child");
        for (var i = 0; i < Count; i++)
        {
            var role = await RoleAsync($"pt-role-{i}");
            Roles.Add(role);
            await MembersAsync(Parent, "role", role);
            await MembersAsync(role, "role", Child);
            await MembersAsync(role, "user", Users[0]);
        }
    }

    private async Task<string> RoleAsync(string name)
    {
        var role = await Lifecycle.SendAsync(HttpMethod.Post, "/management/v1/role", JsonSerializer.Serialize(new { name }));
        Assert.True(role.Status == 201, role.ToString());
        return role.Json.GetProperty("id").GetString()!;
    }

    private async Task MembersAsync(string role, string type, string member)
    {
        var added = await Lifecycle.SendAsync(HttpMethod.Post, $"/management/v1/role/{role}/members",
            JsonSerializer.Serialize(new { members = new[] { new { type, id = member } } }));
        Assert.True(added.Status is 200 or 201 or 204, added.ToString());
    }

    public async ValueTask DisposeAsync() => await Lifecycle.DisposeAsync();
}

/// <summary>
/// Issue 14, defect 6, for the management API (issue 11's paged listings): page tokens are sealed
/// for the listing and filters they came from, as the catalog's are. For every paged listing: a
/// genuine token walks the whole listing without loss or duplicates; a forged or altered token, or
/// one from another listing or another filter, is a 400 in the error shape.
/// </summary>
public sealed class PageTokenTests(PagingFixture fixture) : IClassFixture<PagingFixture>
{
    private LifecycleFixture App => fixture.Lifecycle;

    private string Tasks => App.Management("task/list", fixture.Warehouse);

    [Fact]
    public async Task Users()
    {
        var ids = await WalkGetAsync("/management/v1/user?name=paging%20person&pageSize=2", "users", "id");
        Assert.Equal(fixture.Users.Order(StringComparer.Ordinal), ids);

        var token = await FirstTokenAsync(HttpMethod.Get, "/management/v1/user?name=paging%20person&pageSize=2", null);
        await RefusedAsync(HttpMethod.Get, "/management/v1/user?name=paging%20person&pageToken=" + Altered(token));
        await RefusedAsync(HttpMethod.Get, "/management/v1/user?name=paging%20person&pageToken=" + Unsealed("oidc~paging-1"));
        // Another filter, another listing.
        await RefusedAsync(HttpMethod.Get, "/management/v1/user?name=paging&pageToken=" + token);
        await RefusedAsync(HttpMethod.Get, "/management/v1/role?pageToken=" + token);
    }

    [Fact]
    public async Task User_search()
    {
        string Body(string search, string? token) => JsonSerializer.Serialize(new Dictionary<string, object?> { ["search"] = search, ["page-size"] = 2, ["page-token"] = token });
        var ids = await WalkAsync(HttpMethod.Post, "/management/v1/search/user", t => Body("paging person", t), "users", "id");
        Assert.Equal(fixture.Users.Order(StringComparer.Ordinal), ids.Where(fixture.Users.Contains).Order(StringComparer.Ordinal));
        Assert.Equal(ids.Distinct().Count(), ids.Count);

        var token = await FirstTokenAsync(HttpMethod.Post, "/management/v1/search/user", Body("paging person", null));
        await RefusedAsync(HttpMethod.Post, "/management/v1/search/user", Body("paging person", Altered(token)));
        await RefusedAsync(HttpMethod.Post, "/management/v1/search/user", Body("paging person", Unsealed("2")));
        await RefusedAsync(HttpMethod.Post, "/management/v1/search/user", Body("someone else", token));
    }

    [Fact]
    public async Task Roles()
    {
        var ids = await WalkGetAsync("/management/v1/role?pageSize=2", "roles", "id");
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Superset(new HashSet<string>([.. fixture.Roles, fixture.Parent, fixture.Child]), new HashSet<string>(ids));

        var token = await FirstTokenAsync(HttpMethod.Get, "/management/v1/role?pageSize=2", null);
        await RefusedAsync(HttpMethod.Get, "/management/v1/role?pageToken=" + Altered(token));
        await RefusedAsync(HttpMethod.Get, "/management/v1/role?pageToken=" + Unsealed(fixture.Roles[0]));
        await RefusedAsync(HttpMethod.Get, $"/management/v1/role?roleIds={fixture.Roles[0]}&pageToken=" + token);
        await RefusedAsync(HttpMethod.Get, "/management/v1/user?pageToken=" + token);
    }

    [Fact]
    public async Task Role_members_and_memberships()
    {
        var members = await WalkGetAsync($"/management/v1/role/{fixture.Parent}/members?pageSize=2", "members", "id");
        Assert.Equal(fixture.Roles.Order(StringComparer.Ordinal), members.Order(StringComparer.Ordinal));
        Assert.Equal(members.Distinct().Count(), members.Count);
        var memberOf = await WalkGetAsync($"/management/v1/role/{fixture.Child}/member-of?pageSize=2", "roles", "id");
        Assert.Equal(fixture.Roles.Order(StringComparer.Ordinal), memberOf.Order(StringComparer.Ordinal));
        var userRoles = await WalkGetAsync($"/management/v1/user/{fixture.Users[0]}/roles?pageSize=2", "roles", "id");
        Assert.Equal(fixture.Roles.Order(StringComparer.Ordinal), userRoles.Order(StringComparer.Ordinal));

        var token = await FirstTokenAsync(HttpMethod.Get, $"/management/v1/role/{fixture.Parent}/members?pageSize=2", null);
        await RefusedAsync(HttpMethod.Get, $"/management/v1/role/{fixture.Parent}/members?pageToken=" + Altered(token));
        // The same listing of another role, the transitive listing, and another filter.
        await RefusedAsync(HttpMethod.Get, $"/management/v1/role/{fixture.Roles[0]}/members?pageToken=" + token);
        await RefusedAsync(HttpMethod.Get, $"/management/v1/role/{fixture.Parent}/members/transitive?pageToken=" + token);
        await RefusedAsync(HttpMethod.Get, $"/management/v1/role/{fixture.Parent}/members?type=role&pageToken=" + token);

        var memberOfToken = await FirstTokenAsync(HttpMethod.Get, $"/management/v1/role/{fixture.Child}/member-of?pageSize=2", null);
        await RefusedAsync(HttpMethod.Get, $"/management/v1/role/{fixture.Child}/member-of?pageToken=" + Altered(memberOfToken));
        await RefusedAsync(HttpMethod.Get, $"/management/v1/user/{fixture.Users[0]}/roles?pageToken=" + memberOfToken);
        var userToken = await FirstTokenAsync(HttpMethod.Get, $"/management/v1/user/{fixture.Users[0]}/roles?pageSize=2", null);
        await RefusedAsync(HttpMethod.Get, $"/management/v1/user/{fixture.Users[1]}/roles?pageToken=" + userToken);
    }

    [Fact]
    public async Task Deleted_tabulars()
    {
        var listing = App.Management("deleted-tabulars?pageSize=2", fixture.Warehouse);
        var ids = await WalkGetAsync(listing, "tabulars", "id");
        Assert.Equal(fixture.DroppedTables.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Distinct().Count(), ids.Count);

        var token = await FirstTokenAsync(HttpMethod.Get, listing, null);
        await RefusedAsync(HttpMethod.Get, App.Management("deleted-tabulars?pageToken=" + Altered(token), fixture.Warehouse));
        await RefusedAsync(HttpMethod.Get, App.Management("deleted-tabulars?pageToken=" + Unsealed($"{DateTimeOffset.UtcNow.UtcTicks}|{Guid.Empty}"), fixture.Warehouse));
        // The same listing of another warehouse.
        await RefusedAsync(HttpMethod.Get, App.Management("deleted-tabulars?pageToken=" + token, App.Warehouse));
    }

    [Fact]
    public async Task Warehouse_tasks()
    {
        string Body(string? token, string? status = null) => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["page-size"] = 2,
            ["page-token"] = token,
            ["status"] = status is null ? null : new[] { status },
        });
        var tasks = await WalkAsync(HttpMethod.Post, Tasks, t => Body(t), "tasks", "task-id");
        Assert.Equal(PagingFixture.Count, tasks.Count);
        Assert.Equal(tasks.Distinct().Count(), tasks.Count);

        var token = await FirstTokenAsync(HttpMethod.Post, Tasks, Body(null));
        await RefusedAsync(HttpMethod.Post, Tasks, Body(Altered(token)));
        await RefusedAsync(HttpMethod.Post, Tasks, Body(Unsealed($"{DateTimeOffset.UtcNow.UtcTicks}|{Guid.Empty}")));
        // Another filter, the same listing of another warehouse, and the project's listing.
        await RefusedAsync(HttpMethod.Post, Tasks, Body(token, "SCHEDULED"));
        await RefusedAsync(HttpMethod.Post, App.Management("task/list", App.Warehouse), Body(token));
        await RefusedAsync(HttpMethod.Post, "/management/v1/project/task/list", Body(token));
    }

    [Fact]
    public async Task A_token_stays_valid_when_the_client_names_the_project_it_was_already_in()
    {
        // The console sends x-project-id once it knows the project; a token of a page asked without the header
        // (the default project) opens the next page asked with the default project's id, and not with another one.
        const string Body = """{"page-size":2}""";
        var token = await FirstTokenAsync(HttpMethod.Post, Tasks, Body);
        var next = JsonSerializer.Serialize(new Dictionary<string, object> { ["page-size"] = 2, ["page-token"] = token });
        var answer = await App.SendAsync(HttpMethod.Post, Tasks, next, project: "00000000-0000-0000-0000-000000000000");
        Assert.True(answer.Status == 200, answer.ToString());
        var other = await App.SendAsync(HttpMethod.Post, Tasks, next, project: Guid.NewGuid().ToString());
        Assert.NotEqual(200, other.Status);
    }

    [Fact]
    public async Task Project_tasks_and_warehouse_statistics_refuse_foreign_and_forged_tokens()
    {
        var foreign = await FirstTokenAsync(HttpMethod.Post, Tasks, """{"page-size":1}""");
        await RefusedAsync(HttpMethod.Post, "/management/v1/project/task/list", JsonSerializer.Serialize(new Dictionary<string, object> { ["page-token"] = foreign }));
        await RefusedAsync(HttpMethod.Post, "/management/v1/project/task/list", JsonSerializer.Serialize(new Dictionary<string, object> { ["page-token"] = Altered(foreign) }));

        var statistics = App.Management("statistics", fixture.Warehouse);
        Assert.Equal(200, (await App.SendAsync(HttpMethod.Get, statistics + "?page_size=1")).Status);
        await RefusedAsync(HttpMethod.Get, statistics + "?page_token=" + foreign);
        await RefusedAsync(HttpMethod.Get, statistics + "?page_token=" + Unsealed(DateTimeOffset.UtcNow.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Endpoint_statistics_windows()
    {
        const string All = """{"type":"all"}""";
        string Body(string warehouse, string? token, string codes = "") =>
            "{\"warehouse\":" + warehouse + codes
            + (token is null ? string.Empty : ",\"range-specifier\":{\"type\":\"page-token\",\"token\":\"" + token + "\"}") + "}";
        var first = await App.SendAsync(HttpMethod.Post, "/management/v1/endpoint-statistics", Body(All, null));
        Assert.True(first.Status == 200, first.ToString());
        var previous = first.Json.GetProperty("previous-page-token").GetString()!;

        // A genuine token walks back window by window, each window the one before the last.
        var walked = await App.SendAsync(HttpMethod.Post, "/management/v1/endpoint-statistics", Body(All, previous));
        Assert.True(walked.Status == 200, walked.ToString());
        var back = walked.Json.GetProperty("next-page-token").GetString()!;
        var returned = await App.SendAsync(HttpMethod.Post, "/management/v1/endpoint-statistics", Body(All, back));
        Assert.Equal(first.Json.GetProperty("timestamps").ToString(), returned.Json.GetProperty("timestamps").ToString());

        await RefusedAsync(HttpMethod.Post, "/management/v1/endpoint-statistics", Body(All, Altered(previous)));
        await RefusedAsync(HttpMethod.Post, "/management/v1/endpoint-statistics", Body(All, Unsealed($"{DateTimeOffset.UtcNow.UtcTicks}|{TimeSpan.TicksPerDay}")));
        // The same window asked for other warehouses or status codes.
        await RefusedAsync(HttpMethod.Post, "/management/v1/endpoint-statistics", Body("""{"type":"unmapped"}""", previous));
        await RefusedAsync(HttpMethod.Post, "/management/v1/endpoint-statistics", Body(All, previous, ""","status-codes":[200]"""));
    }

    private Task<List<string>> WalkGetAsync(string url, string items, string id) =>
        WalkAsync(HttpMethod.Get, url, token => null, items, id, token => url + "&pageToken=" + token);

    /// <summary>Every page of a listing, following next-page-token until it is null; the ids in order.</summary>
    private async Task<List<string>> WalkAsync(
        HttpMethod method, string url, Func<string?, string?> body, string items, string id, Func<string, string>? next = null)
    {
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await App.SendAsync(method, token is null || next is null ? url : next(token), body(token));
            Assert.True(page.Status == 200, page.ToString());
            var found = page.Json.GetProperty(items).EnumerateArray().Select(e => e.GetProperty(id).GetString()!).ToList();
            Assert.True(found.Count <= 2, page.ToString());
            seen.AddRange(found);
            token = page.Json.TryGetProperty("next-page-token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            Assert.True(++pages < 50, "the listing does not end");
        }
        while (token is not null);

        Assert.True(pages >= 3, $"{url}: only {pages} pages");
        return seen;
    }

    private async Task<string> FirstTokenAsync(HttpMethod method, string url, string? body)
    {
        var page = await App.SendAsync(method, url, body);
        Assert.True(page.Status == 200, page.ToString());
        return page.Json.GetProperty("next-page-token").GetString() ?? throw new InvalidOperationException("no next page: " + page);
    }

    private async Task RefusedAsync(HttpMethod method, string url, string? body = null)
    {
        var answer = await App.SendAsync(method, url, body);
        Assert.True(answer.Status == 400, $"{method} {url} {body}: {answer}");
        Assert.Equal(400, answer.Json.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("token", answer.ErrorMessage, StringComparison.Ordinal);
    }

    /// <summary>The token with its sealed key changed (the tag kept): no longer a token of this server.</summary>
    private static string Altered(string token)
    {
        var dot = token.LastIndexOf('.');
        var key = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(0, dot)));
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key + "0")) + token[dot..];
    }

    /// <summary>A key encoded the way tokens were before they were sealed: base64url, no tag.</summary>
    private static string Unsealed(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key));
}

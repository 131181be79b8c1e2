using System.Text.Json;
using Lakekeeper.Abstractions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management.Tests;

/// <summary>
/// The management surface under the <c>builtin</c> authorizer and a real identity provider: the actions
/// endpoints and batch-check answer from the authorizer, also on behalf of another user or a role; a role
/// named in the token's roles claim carries its grants; hidden projects and roles are 404, visible but
/// forbidden 403; a forced delete leaves no tuple behind; filtered listings page without gaps.
/// </summary>
public sealed class BuiltinAuthzTests(BuiltinAuthzFixture f) : IClassFixture<BuiltinAuthzFixture>
{
    private static readonly HttpMethod Get = HttpMethod.Get;
    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly HttpMethod Delete = HttpMethod.Delete;

    [Fact]
    public async Task Actions_and_batch_check_answer_from_the_authorizer_for_the_caller_another_user_or_a_role()
    {
        var (bob, dave) = (BuiltinAuthzFixture.Bob, BuiltinAuthzFixture.Dave);
        var admin = BuiltinAuthzFixture.Admin;
        var wh = await f.CreateWarehouseAsync("actions");
        await f.OkAsync(bob, Get, "/management/v1/whoami");
        await f.OkAsync(dave, Get, "/management/v1/whoami");

        // Without a grant the warehouse is hidden from Bob: its actions are the 404 of a missing one.
        var hidden = await f.ExpectAsync(404, bob, Get, $"/management/v1/warehouse/{wh}/actions");
        var missing = await f.ExpectAsync(404, admin, Get, $"/management/v1/warehouse/{Guid.NewGuid()}/actions");
        Assert.Equal(missing.GetProperty("error").GetProperty("type").GetString(), hidden.GetProperty("error").GetProperty("type").GetString());
        var bobOnServer = Actions(await f.OkAsync(bob, Get, "/management/v1/server/actions"));
        Assert.DoesNotContain("create_project", bobOnServer);
        Assert.Contains("create_project", Actions(await f.OkAsync(admin, Get, "/management/v1/server/actions")));

        await f.GrantAsync($"warehouse/{wh}", "select", user: "oidc~bob");
        var bobs = Actions(await f.OkAsync(bob, Get, $"/management/v1/warehouse/{wh}/actions"));
        Assert.Contains("get_metadata", bobs);
        Assert.Contains("use", bobs);
        Assert.DoesNotContain("delete", bobs);
        Assert.DoesNotContain("create_namespace", bobs);
        Assert.Contains("delete", Actions(await f.OkAsync(admin, Get, $"/management/v1/warehouse/{wh}/actions")));

        // On behalf of another user: the admin may ask, and gets that user's answer, not his own.
        Assert.Equal(bobs, Actions(await f.OkAsync(admin, Get, $"/management/v1/warehouse/{wh}/actions?principalUser=oidc~bob")));
        Assert.Empty(Actions(await f.OkAsync(admin, Get, $"/management/v1/warehouse/{wh}/actions?principalUser=oidc~dave")));
        Assert.Equal(bobOnServer, Actions(await f.OkAsync(admin, Get, "/management/v1/server/actions?principalUser=oidc~bob")));
        // Bob may name himself, but not ask for others: 403 where he sees the object, 404 for Dave who does not.
        Assert.Equal(bobs, Actions(await f.OkAsync(bob, Get, $"/management/v1/warehouse/{wh}/actions?principalUser=oidc~bob")));
        await f.ExpectAsync(403, bob, Get, $"/management/v1/warehouse/{wh}/actions?principalUser=oidc~admin");
        await f.ExpectAsync(403, bob, Get, "/management/v1/server/actions?principalUser=oidc~admin");
        await f.ExpectAsync(404, dave, Get, $"/management/v1/warehouse/{wh}/actions?principalUser=oidc~bob");

        // On behalf of a role: what its members get through it.
        var readers = (await f.OkAsync(admin, Post, "/management/v1/role", new { name = "wh-readers" })).GetProperty("id").GetString()!;
        var idle = (await f.OkAsync(admin, Post, "/management/v1/role", new { name = "idle" })).GetProperty("id").GetString()!;
        await f.GrantAsync($"warehouse/{wh}", "select", role: readers);
        var readersActions = Actions(await f.OkAsync(admin, Get, $"/management/v1/warehouse/{wh}/actions?principalRole={readers}"));
        Assert.Contains("get_metadata", readersActions);
        Assert.DoesNotContain("delete", readersActions);
        Assert.Empty(Actions(await f.OkAsync(admin, Get, $"/management/v1/warehouse/{wh}/actions?principalRole={idle}")));
        Assert.Contains("can_get_metadata", Actions(await f.OkAsync(admin, Get, $"/management/v1/permissions/warehouse/{wh}/authorizer-actions?principalRole={readers}")));
        await f.ExpectAsync(403, bob, Get, $"/management/v1/warehouse/{wh}/actions?principalRole={readers}");
        await f.ExpectAsync(400, admin, Get, $"/management/v1/warehouse/{wh}/actions?principalUser=oidc~bob&principalRole={readers}");

        // Batch check: per item, for the caller, another user or a role.
        var checks = new
        {
            checks = new object[]
            {
                new { id = "bob-use", identity = new { user = "oidc~bob" }, operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "use" }, ["warehouse-id"] = wh } } },
                new { id = "dave-use", identity = new { user = "oidc~dave" }, operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "use" }, ["warehouse-id"] = wh } } },
                new { id = "role-use", identity = new { role = readers }, operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "use" }, ["warehouse-id"] = wh } } },
                new { id = "bob-delete", identity = new { user = "oidc~bob" }, operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "delete" }, ["warehouse-id"] = wh } } },
                new { id = "me-delete", operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "delete" }, ["warehouse-id"] = wh } } },
            },
        };
        var results = (await f.OkAsync(admin, Post, "/management/v1/action/batch-check", checks)).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["bob-use", "dave-use", "role-use", "bob-delete", "me-delete"], results.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal([true, false, true, false, true], results.Select(r => r.GetProperty("allowed").GetBoolean()));

        var own = new
        {
            checks = new object[]
            {
                new { operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "use" }, ["warehouse-id"] = wh } } },
                new { operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "delete" }, ["warehouse-id"] = wh } } },
            },
        };
        results = (await f.OkAsync(bob, Post, "/management/v1/action/batch-check", own)).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([true, false], results.Select(r => r.GetProperty("allowed").GetBoolean()));
        await f.ExpectAsync(403, bob, Post, "/management/v1/action/batch-check", new
        {
            checks = new object[] { new { identity = new { user = "oidc~admin" }, operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "use" }, ["warehouse-id"] = wh } } } },
        });
        // Dave cannot see the warehouse: asking for Bob there is answered as for a missing object.
        results = (await f.OkAsync(dave, Post, "/management/v1/action/batch-check", new
        {
            checks = new object[] { new { identity = new { user = "oidc~bob" }, operation = new { warehouse = new Dictionary<string, object> { ["action"] = new { action = "use" }, ["warehouse-id"] = wh } } } },
        })).GetProperty("results").EnumerateArray().ToList();
        Assert.False(Assert.Single(results).GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task A_role_named_in_the_token_roles_claim_carries_its_grants_to_the_user()
    {
        var (admin, carol, dave) = (BuiltinAuthzFixture.Admin, BuiltinAuthzFixture.Carol, BuiltinAuthzFixture.Dave);
        var wh = await f.CreateWarehouseAsync("claims");
        await f.CreateNamespaceAsync(wh, "audit");
        await f.CreateTableAsync(wh, "audit", "ledger");
        await f.CreateNamespaceAsync(wh, "secret");
        await f.CreateTableAsync(wh, "secret", "plans");
        var audit = Assert.Single(await f.QueryAsync("SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name = $2", Guid.Parse(wh), new[] { "audit" }));

        // The role exists before Carol's first call; her token names it by its source id.
        var auditors = (await f.OkAsync(admin, Post, "/management/v1/role",
            new Dictionary<string, object> { ["name"] = "auditors", ["provider-id"] = "oidc", ["source-id"] = "auditors" })).GetProperty("id").GetString()!;
        await f.GrantAsync($"namespace/{audit}", "select", role: auditors);

        // Carol's first call registers her with the role her claim names: the grant reaches her at once.
        await f.OkAsync(carol, Get, $"/catalog/v1/{wh}/namespaces/audit/tables/ledger");
        await f.ExpectAsync(403, carol, Delete, $"/catalog/v1/{wh}/namespaces/audit/tables/ledger");
        await f.ExpectAsync(404, carol, Get, $"/catalog/v1/{wh}/namespaces/secret/tables/plans");
        // Dave has no such claim: the same table is hidden from him.
        await f.ExpectAsync(404, dave, Get, $"/catalog/v1/{wh}/namespaces/audit/tables/ledger");

        // The membership is a tuple like one made by the API, and listed as Carol's.
        Assert.Contains("oidc~carol", await f.QueryAsync(
            "SELECT user_id FROM authz_tuple WHERE object_type = 'role' AND object_id = $1 AND relation = 'assignee' AND user_type = 'user'", auditors));
        var members = await f.OkAsync(admin, Get, $"/management/v1/role/{auditors}/members");
        Assert.Contains(members.GetProperty("members").EnumerateArray(), m => m.GetProperty("id").GetString() == "oidc~carol");
        Assert.Contains("get_metadata", Actions(await f.OkAsync(admin, Get, $"/management/v1/warehouse/{wh}/namespace/{audit}/actions?principalUser=oidc~carol")));
        var ledger = Assert.Single(await f.QueryAsync("SELECT tabular_id FROM tabular WHERE warehouse_id = $1 AND name = $2", Guid.Parse(wh), "ledger"));
        var carols = Actions(await f.OkAsync(carol, Get, $"/management/v1/warehouse/{wh}/table/{ledger}/actions"));
        Assert.Contains("read_data", carols);
        Assert.DoesNotContain("drop", carols);
        Assert.Equal(carols, Actions(await f.OkAsync(admin, Get, $"/management/v1/warehouse/{wh}/table/{ledger}/actions?principalRole={auditors}")));
    }

    [Fact]
    public async Task A_project_or_role_the_caller_cannot_see_is_404_and_absent_from_lists_while_a_visible_one_is_403()
    {
        var (admin, erin) = (BuiltinAuthzFixture.Admin, BuiltinAuthzFixture.Erin);
        var p = await f.DefaultProjectAsync();
        var q = await f.CreateProjectAsync("q-" + Guid.NewGuid().ToString("N")[..6]);
        var pRole = (await f.OkAsync(admin, Post, "/management/v1/role", new { name = "p-visible" }, p)).GetProperty("id").GetString()!;
        var qRole = (await f.OkAsync(admin, Post, "/management/v1/role", new { name = "q-hidden" }, q)).GetProperty("id").GetString()!;
        await f.OkAsync(erin, Get, "/management/v1/whoami");
        // Erin is a user of P: she may see the project (describe), nothing of Q.
        await f.GrantAsync("project", "describe", user: "oidc~erin", project: p);

        // Q's role: by id (with Q's header or P's), in lists, in search.
        await f.ExpectAsync(404, erin, Get, $"/management/v1/role/{qRole}", project: q);
        await f.ExpectAsync(404, erin, Get, $"/management/v1/role/{qRole}", project: p);
        await f.ExpectAsync(404, erin, Get, $"/management/v1/role/{qRole}/actions", project: q);
        await f.ExpectAsync(404, erin, Get, $"/management/v1/role/{qRole}/members", project: q);
        await f.ExpectAsync(404, erin, Post, $"/management/v1/role/{qRole}", new { name = "renamed" }, q);
        await f.ExpectAsync(404, erin, Delete, $"/management/v1/role/{qRole}", project: q);
        await f.ExpectAsync(404, erin, Post, $"/management/v1/role/{qRole}/members", new { members = new[] { new { type = "user", id = "oidc~erin" } } }, q);
        await f.ExpectAsync(404, erin, Get, "/management/v1/role", project: q);
        await f.ExpectAsync(404, erin, Get, $"/management/v1/role?projectId={q}");
        await f.ExpectAsync(404, erin, Post, "/management/v1/search/role", new { search = "q-hidden" }, q);
        await f.ExpectAsync(404, erin, Post, "/management/v1/role", new { name = "intruder" }, q);
        var listed = (await f.OkAsync(erin, Get, "/management/v1/role", project: p)).GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Contains(pRole, listed);
        Assert.DoesNotContain(qRole, listed);
        var found = (await f.OkAsync(erin, Post, "/management/v1/search/role", new { search = "hidden" }, p)).GetProperty("roles").EnumerateArray()
            .Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain(qRole, found);
        Assert.Equal(200, (await f.CallAsync(admin, Get, $"/management/v1/role/{qRole}", project: q)).Status);

        // P's role is visible to her: what she may not do there is 403.
        await f.OkAsync(erin, Get, $"/management/v1/role/{pRole}", project: p);
        await f.ExpectAsync(403, erin, Delete, $"/management/v1/role/{pRole}", project: p);
        await f.ExpectAsync(403, erin, Post, $"/management/v1/role/{pRole}/members", new { members = new[] { new { type = "user", id = "oidc~erin" } } }, p);

        // Projects: Q hidden (404 on get, rename, delete, its warehouse list), P visible but not hers to change (403).
        await f.ExpectAsync(404, erin, Get, "/management/v1/project", project: q);
        await f.ExpectAsync(404, erin, Post, "/management/v1/project/rename", new Dictionary<string, object> { ["new-name"] = "mine" }, q);
        await f.ExpectAsync(404, erin, Delete, "/management/v1/project", project: q);
        await f.ExpectAsync(404, erin, Get, $"/management/v1/warehouse?projectId={q}");
        await f.ExpectAsync(404, erin, Get, "/management/v1/project/actions", project: q);
        await f.OkAsync(erin, Get, "/management/v1/project", project: p);
        await f.ExpectAsync(403, erin, Post, "/management/v1/project/rename", new Dictionary<string, object> { ["new-name"] = "mine" }, p);
        await f.ExpectAsync(403, erin, Delete, "/management/v1/project", project: p);
        var projects = (await f.OkAsync(erin, Get, "/management/v1/project-list")).GetProperty("projects").EnumerateArray().Select(x => x.GetProperty("project-id").GetGuid()).ToList();
        Assert.Contains(p, projects);
        Assert.DoesNotContain(q, projects);
        Assert.Equal(q, (await f.OkAsync(admin, Get, "/management/v1/project", project: q)).GetProperty("project-id").GetGuid());
    }

    [Fact]
    public async Task A_forced_delete_of_a_warehouse_or_project_removes_the_tuples_of_everything_below_it()
    {
        var admin = BuiltinAuthzFixture.Admin;
        var project = await f.CreateProjectAsync("doomed-" + Guid.NewGuid().ToString("N")[..6]);
        var first = await f.CreateWarehouseAsync("doomed-a-" + Guid.NewGuid().ToString("N")[..6], project);
        var second = await f.CreateWarehouseAsync("doomed-b-" + Guid.NewGuid().ToString("N")[..6], project);
        foreach (var wh in new[] { first, second })
        {
            await f.CreateNamespaceAsync(wh, "a");
            await f.CreateNamespaceAsync(wh, "a", "b");
            await f.CreateTableAsync(wh, "a", "t1");
            await f.CreateTableAsync(wh, "a%1Fb", "t2");
        }

        var role = (await f.OkAsync(admin, Post, "/management/v1/role", new { name = "doomed" }, project)).GetProperty("id").GetString()!;
        var ns = Assert.Single(await f.QueryAsync("SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name = $2", Guid.Parse(second), new[] { "a" }));
        await f.GrantAsync($"namespace/{ns}", "select", user: "oidc~grace");
        await f.GrantAsync($"namespace/{ns}", "modify", role: role);

        // The second warehouse, forced: its namespaces and tables lose every tuple; the first keeps its own.
        var secondObjects = await ObjectsBelowAsync("warehouse_id = $1", Guid.Parse(second));
        Assert.Equal(5, secondObjects.Count);
        Assert.NotEmpty(await TuplesNamingAsync(secondObjects));
        await f.ExpectAsync(204, admin, Delete, $"/management/v1/warehouse/{second}?force=true");
        Assert.Empty(await TuplesNamingAsync(secondObjects));
        var firstObjects = await ObjectsBelowAsync("warehouse_id = $1", Guid.Parse(first));
        Assert.NotEmpty(await TuplesNamingAsync(firstObjects));

        // The project, forced: its warehouse with all below it, its roles and itself.
        var rest = firstObjects.Append(project.ToString()).Append(role).ToList();
        await f.ExpectAsync(204, admin, Delete, "/management/v1/project?force=true", project: project);
        Assert.Empty(await TuplesNamingAsync(rest));
        Assert.Empty(await f.QueryAsync("SELECT outbox_id FROM authz_outbox"));

        // reconcile (dry run) finds nothing to repair.
        var reconcile = f.App.Services.GetServices<IHostCommand>().Single(c => c.Name == "reconcile");
        Assert.Equal(0, await reconcile.RunAsync(f.App.Services, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Paging_a_sparse_filtered_listing_returns_every_visible_item_once_and_no_short_page_before_the_end()
    {
        var frank = BuiltinAuthzFixture.Frank;
        var wh = await f.CreateWarehouseAsync("paging");
        // Tables of "wide" (130: more than one batch of the filter); Frank is granted select on every ninth and the last.
        List<string> expectedTables = [.. Enumerable.Range(0, 130).Where(i => i % 9 == 4 || i == 129).Select(i => $"t{i:D3}")];
        // Namespaces: "wide" (visible through its tables) and every thirteenth of n000..n099.
        List<string> expectedNamespaces = [.. Enumerable.Range(0, 100).Where(i => i % 13 == 7).Select(i => $"n{i:D3}").Append("wide").Order(StringComparer.Ordinal)];
        await f.CreateNamespaceAsync(wh, "wide");
        for (var i = 0; i < 130; i++)
        {
            await f.CreateTableAsync(wh, "wide", $"t{i:D3}");
        }

        for (var i = 0; i < 100; i++)
        {
            await f.CreateNamespaceAsync(wh, $"n{i:D3}");
        }

        foreach (var table in expectedTables)
        {
            var id = Assert.Single(await f.QueryAsync("SELECT tabular_id FROM tabular WHERE warehouse_id = $1 AND name = $2", Guid.Parse(wh), table));
            await f.GrantAsync($"warehouse/{wh}/table/{id}", "select", user: "oidc~frank");
        }

        foreach (var name in expectedNamespaces.Where(n => n != "wide"))
        {
            var id = Assert.Single(await f.QueryAsync("SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name = $2", Guid.Parse(wh), new[] { name }));
            await f.GrantAsync($"namespace/{id}", "select", user: "oidc~frank");
        }

        foreach (var pageSize in new[] { 1, 3, 4 })
        {
            var tables = await WalkAsync(frank, $"/catalog/v1/{wh}/namespaces/wide/tables", pageSize, "identifiers", e => e.GetProperty("name").GetString()!);
            Assert.Equal(expectedTables, tables.Order(StringComparer.Ordinal));
            var namespaces = await WalkAsync(frank, $"/catalog/v1/{wh}/namespaces", pageSize, "namespaces", e => e[0].GetString()!);
            Assert.Equal(expectedNamespaces, namespaces.Order(StringComparer.Ordinal));
        }

        // The admin sees all of them.
        Assert.Equal(101, (await WalkAsync(BuiltinAuthzFixture.Admin, $"/catalog/v1/{wh}/namespaces", 50, "namespaces", e => e[0].GetString()!)).Count);
    }

    /// <summary>Walks every page; asserts no page but the last is short and nothing repeats.</summary>
    private async Task<List<string>> WalkAsync(Lakekeeper.Testing.OidcClient client, string path, int pageSize, string property, Func<JsonElement, string> name)
    {
        var all = new List<string>();
        string? token = null;
        var pages = new List<int>();
        for (var round = 0; round < 1000; round++)
        {
            var url = $"{path}?pageSize={pageSize}" + (token is null ? "" : "&pageToken=" + Uri.EscapeDataString(token));
            var body = await f.OkAsync(client, Get, url);
            var items = body.GetProperty(property).EnumerateArray().Select(name).ToList();
            pages.Add(items.Count);
            all.AddRange(items);
            token = body.TryGetProperty("next-page-token", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (token is null)
            {
                break;
            }
        }

        Assert.Null(token);
        Assert.True(pages.Take(pages.Count - 1).All(c => c == pageSize), $"a short page before the end: [{string.Join(", ", pages)}]");
        Assert.True(pages[^1] <= pageSize);
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
        return all;
    }

    /// <summary>The ids of the warehouses matching <paramref name="where"/> and of their namespaces and tables.</summary>
    private async Task<List<string>> ObjectsBelowAsync(string where, Guid parameter) =>
    [
        .. await f.QueryAsync($"SELECT warehouse_id::text FROM warehouse WHERE {where}", parameter),
        .. await f.QueryAsync($"SELECT namespace_id::text FROM namespace WHERE {where}", parameter),
        .. await f.QueryAsync($"SELECT tabular_id::text FROM tabular WHERE {where}", parameter),
    ];

    /// <summary>Every stored tuple with one of <paramref name="ids"/> as its object or its subject.</summary>
    private Task<List<string>> TuplesNamingAsync(List<string> ids) =>
        f.QueryAsync(
            "SELECT object_type || ':' || object_id || '#' || relation || '@' || user_type || ':' || user_id FROM authz_tuple WHERE object_id = ANY($1) OR user_id = ANY($1)",
            new object[] { ids.ToArray() });

    private static List<string> Actions(JsonElement body, string property = "allowed-actions") =>
        [.. body.GetProperty(property).EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetProperty("action").GetString()!)];
}

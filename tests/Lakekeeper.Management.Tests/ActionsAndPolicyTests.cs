using System.Text;
using System.Text.Json;
using Lakekeeper.Management.Tests.Contracts;
using Lakekeeper.Testing;

namespace Lakekeeper.Management.Tests;

/// <summary>
/// <c>/action/batch-check</c> and the <c>…/actions</c> listings (answered by the authorizer: allow-all
/// here), and the warehouse's format version policy as the catalog enforces it.
/// </summary>
public sealed class ActionsAndPolicyTests : IAsyncLifetime
{
    private const string Schema = """{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"}]}""";

    private StandaloneApp _app = null!;
    private ManagementClient _api = null!;
    private string _warehouse = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await StandaloneApp.StartAsync();
        _api = new ManagementClient(_app.Client);
        _warehouse = await _app.CreateWarehouseAsync("acts");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<(int Status, string Body)> CatalogAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, $"/catalog/v1/{_warehouse}/{path}");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _app.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> TableIdAsync(string ns, string name)
    {
        var found = (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/search-tabular", $$"""{"search":"{{ns}}.{{name}}"}""")).Is(200).GetProperty("tabulars")[0];
        Assert.Equal(name, found.GetProperty("tabular-name").GetString());
        return found.GetProperty("tabular-id").GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Actions_lists_name_what_the_authorizer_allows_and_404_for_missing_objects()
    {
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, "namespaces", """{"namespace":["ns"]}""")).Status);
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, "namespaces/ns/tables", $$"""{"name":"t","schema":{{Schema}}}""")).Status);
        var table = await TableIdAsync("ns", "t");

        Assert.Contains("create_project", Actions((await _api.GetAsync("/management/v1/server/actions")).Is(200)));
        Assert.Contains("create_warehouse", Actions((await _api.GetAsync("/management/v1/project/actions")).Is(200)));
        var warehouse = Actions((await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/actions")).Is(200));
        Assert.Contains("update_storage", warehouse);
        Assert.Equal(24, warehouse.Count);
        Assert.Contains("write_data", Actions((await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/table/{table}/actions")).Is(200)));
        Assert.Contains("drop", Actions((await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/table/{table}/actions?principalUser=oidc~someone")).Is(200)));

        (await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/view/{table}/actions")).IsError(404, "View does not exist");
        (await _api.GetAsync($"/management/v1/warehouse/{Guid.NewGuid()}/actions")).IsError(404, "Warehouse does not exist");
        (await _api.GetAsync($"/management/v1/warehouse/{_warehouse}/namespace/{Guid.NewGuid()}/actions")).IsError(404, "Namespace does not exist");
        (await _api.GetAsync("/management/v1/project/actions", Guid.NewGuid())).IsError(404, "Project does not exist");
        (await _api.GetAsync($"/management/v1/server/actions?principalUser=a&principalRole={Guid.NewGuid()}")).IsError(400, "principalUser");
    }

    [Fact]
    public async Task Batch_check_answers_each_item_in_order_and_missing_objects_are_denied_or_404()
    {
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, "namespaces", """{"namespace":["b"]}""")).Status);
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, "namespaces/b/tables", $$"""{"name":"t","schema":{{Schema}}}""")).Status);
        var missing = Guid.NewGuid();
        var answer = (await _api.PostAsync("/management/v1/action/batch-check", """
            {"checks":[
              {"id":"server","operation":{"server":{"action":{"action":"create_project","name":"p"}}}},
              {"operation":{"project":{"action":{"action":"create_warehouse"}}}},
              {"id":"wh","operation":{"warehouse":{"action":{"action":"create_namespace"},"warehouse-id":"WAREHOUSE"}}},
              {"id":"ns","operation":{"namespace":{"action":{"action":"create_table"},"warehouse-id":"WAREHOUSE","namespace":["b"]}}},
              {"id":"table","identity":{"user":"oidc~other"},"operation":{"table":{"action":{"action":"read_data"},"warehouse-id":"WAREHOUSE","namespace":["b"],"table":"t"}}},
              {"id":"gone","operation":{"warehouse":{"action":{"action":"delete"},"warehouse-id":"MISSING"}}}
            ]}
            """.Replace("WAREHOUSE", _warehouse, StringComparison.Ordinal).Replace("MISSING", missing.ToString(), StringComparison.Ordinal))).Is(200).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["server", "1", "wh", "ns", "table", "gone"], answer.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal([true, true, true, true, true, false], answer.Select(r => r.GetProperty("allowed").GetBoolean()));

        (await _api.PostAsync("/management/v1/action/batch-check", """
            {"error-on-not-found":true,"checks":[{"operation":{"warehouse":{"action":{"action":"delete"},"warehouse-id":"MISSING"}}}]}
            """.Replace("MISSING", missing.ToString(), StringComparison.Ordinal))).IsError(404, "checks[0]");
    }

    [Theory]
    [InlineData("""{}""", "checks")]
    [InlineData("""{"checks":[{}]}""", "checks[0].operation")]
    [InlineData("""{"checks":[{"operation":{}}]}""", "exactly one")]
    [InlineData("""{"checks":[{"operation":{"server":{"action":{"action":"fly"}}}}]}""", "fly")]
    [InlineData("""{"checks":[{"operation":{"server":{}}}]}""", "action is required")]
    [InlineData("""{"checks":[{"operation":{"warehouse":{"action":{"action":"use"}}}}]}""", "warehouse-id")]
    [InlineData("""{"checks":[{"identity":{},"operation":{"server":{"action":{"action":"create_project"}}}}]}""", "identity")]
    [InlineData("""{"checks":[{"operation":{"table":{"action":{"action":"drop"},"warehouse-id":"00000000-0000-0000-0000-000000000001"}}}]}""", "table-id")]
    public async Task Bad_batch_checks_are_400_naming_the_item(string body, string mentions)
    {
        (await _api.PostAsync("/management/v1/action/batch-check", body)).IsError(400, mentions);
    }

    [Fact]
    public async Task The_format_version_policy_is_enforced_on_create_register_and_upgrade()
    {
        (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/format-version-policy", """{"allowed-format-versions":[1,2]}""")).Is(200);
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, "namespaces", """{"namespace":["fv"]}""")).Status);

        var v3 = await CatalogAsync(HttpMethod.Post, "namespaces/fv/tables", $$$"""{"name":"v3","schema":{{{Schema}}},"properties":{"format-version":"3"}}""");
        Assert.Equal(400, v3.Status);
        Assert.Contains("format version 3 is not allowed", v3.Body, StringComparison.Ordinal);

        // No format-version: the warehouse's default (v2 here).
        var plain = await CatalogAsync(HttpMethod.Post, "namespaces/fv/tables", $$"""{"name":"plain","schema":{{Schema}}}""");
        Assert.Equal(200, plain.Status);
        Assert.Equal(2, JsonDocument.Parse(plain.Body).RootElement.GetProperty("metadata").GetProperty("format-version").GetInt32());

        var upgrade = await CatalogAsync(HttpMethod.Post, "namespaces/fv/tables/plain",
            """{"requirements":[],"updates":[{"action":"upgrade-format-version","format-version":3}]}""");
        Assert.Equal(400, upgrade.Status);
        Assert.Contains("not allowed", upgrade.Body, StringComparison.Ordinal);

        // A v3 table written elsewhere cannot be registered either.
        (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/format-version-policy", """{"allowed-format-versions":[1,2,3],"default-format-version":3}""")).Is(200);
        var made = await CatalogAsync(HttpMethod.Post, "namespaces/fv/tables", $$"""{"name":"made_v3","schema":{{Schema}}}""");
        Assert.Equal(200, made.Status);
        var document = JsonDocument.Parse(made.Body).RootElement;
        Assert.Equal(3, document.GetProperty("metadata").GetProperty("format-version").GetInt32());
        var location = document.GetProperty("metadata-location").GetString();
        Assert.Equal(204, (await CatalogAsync(HttpMethod.Delete, "namespaces/fv/tables/made_v3")).Status);

        (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/format-version-policy", """{"allowed-format-versions":[2]}""")).Is(200);
        var registered = await CatalogAsync(HttpMethod.Post, "namespaces/fv/register", $$"""{"name":"again","metadata-location":"{{location}}"}""");
        Assert.Equal(400, registered.Status);
        Assert.Contains("not allowed", registered.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Role_and_user_actions_name_every_action_of_the_kind_and_404_for_missing_ones()
    {
        var role = (await _api.PostAsync("/management/v1/role", """{"name":"actors"}""")).Is(201).GetProperty("id").GetString();
        Assert.Equal(
            ["read", "read_metadata", "delete", "update", "manage_role_assignments", "read_role_assignments", "update_source_system"],
            Actions((await _api.GetAsync($"/management/v1/role/{role}/actions")).Is(200)));
        (await _api.GetAsync($"/management/v1/role/{Guid.NewGuid()}/actions")).IsError(404, "Role does not exist");
        // A role belongs to its project: addressed with another one, it is not found.
        (await _api.GetAsync($"/management/v1/role/{role}/actions", Guid.NewGuid())).IsError(404, "Role does not exist");

        (await _api.PostAsync("/management/v1/user", """{"id":"oidc~actor","name":"Actor"}""")).Is(201);
        Assert.Equal(["read", "update", "delete", "read_role_assignments"], Actions((await _api.GetAsync("/management/v1/user/oidc~actor/actions")).Is(200)));
        Assert.Equal(["read", "update", "delete", "read_role_assignments"],
            Actions((await _api.GetAsync("/management/v1/user/oidc~actor/actions?principalUser=oidc~actor")).Is(200)));
        (await _api.GetAsync("/management/v1/user/oidc~nobody/actions")).IsError(404, "User does not exist");
        (await _api.GetAsync("/management/v1/user/not-a-user-id/actions")).IsError(404, "User does not exist");
        // On behalf of a role (allow-all: it may everything a user may be granted).
        Assert.Equal(["read", "update", "delete", "read_role_assignments"],
            Actions((await _api.GetAsync($"/management/v1/user/oidc~actor/actions?principalRole={Guid.NewGuid()}")).Is(200)));
    }

    [Fact]
    public async Task Managed_by_is_set_and_cleared_by_an_instance_admin_and_bad_bodies_are_400()
    {
        // Allow-all: the authorizer grants everyone the server's admin relation, so the anonymous caller is an instance admin.
        var warehouse = (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/managed-by", """{"managed-by":"instance-admin"}""")).Is(200);
        Assert.Equal(_warehouse, warehouse.GetProperty("warehouse-id").GetString());
        Assert.Equal("instance-admin", warehouse.GetProperty("managed-by").GetString());
        Assert.Equal("instance-admin", (await _api.GetAsync($"/management/v1/warehouse/{_warehouse}")).Is(200).GetProperty("managed-by").GetString());
        Assert.Equal("self-managed", (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/managed-by", """{"managed-by":"self-managed"}""")).Is(200)
            .GetProperty("managed-by").GetString());

        (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/managed-by", """{"managed-by":"someone"}""")).IsError(400, "managed-by");
        (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/managed-by", "{}")).IsError(400, "managed-by is required");
        (await _api.PostAsync($"/management/v1/warehouse/{_warehouse}/managed-by", """{"managed_by":"self-managed"}""")).IsError(400, "managed_by");
        (await _api.PostAsync($"/management/v1/warehouse/{Guid.NewGuid()}/managed-by", """{"managed-by":"self-managed"}""")).IsError(404, "Warehouse does not exist");
        Assert.Equal("self-managed", (await _api.GetAsync($"/management/v1/warehouse/{_warehouse}")).Is(200).GetProperty("managed-by").GetString());
    }

    /// <summary>The action names of a listing: Lakekeeper's <c>{"action":"…"}</c> objects.</summary>
    private static List<string> Actions(JsonElement body) =>
        [.. body.GetProperty("allowed-actions").EnumerateArray().Select(a => a.GetProperty("action").GetString()!)];
}

using System.Text.Json;
using Lakekeeper.Management.Tests.Contracts;
using Lakekeeper.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lakekeeper.Management.Tests;

/// <summary>
/// Server, projects and warehouses over real HTTP against the standalone host; every answer is
/// checked against the committed OpenAPI document (<see cref="ManagementClient"/>).
/// </summary>
public sealed class ManagementApiTests : IAsyncLifetime
{
    private StandaloneApp _app = null!;
    private ManagementClient _api = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await StandaloneApp.StartAsync();
        _api = new ManagementClient(_app.Client);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task BootstrapAsync() => (await _api.PostAsync("/management/v1/bootstrap", """{"accept-terms-of-use":true}""")).Is(204);

    private string FileProfile(string name)
    {
        var root = Path.Combine(_app.WarehouseRoot, name);
        Directory.CreateDirectory(root);
        return JsonSerializer.Serialize(new { type = "file", root });
    }

    private async Task<string> CreateWarehouseAsync(string name, Guid? project = null, string extra = "")
    {
        var created = (await _api.PostAsync("/management/v1/warehouse",
            $$"""{"warehouse-name":"{{name}}","storage-profile":{{FileProfile(name)}}{{extra}}}""", project)).Is(201);
        return created.GetProperty("warehouse-id").GetString()!;
    }

    private async Task<long> CountAsync(string sql, params object[] values)
    {
        await using var dataSource = NpgsqlDataSource.Create(_app.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Info_answers_in_Lakekeepers_shape_and_bootstrap_happens_once()
    {
        var info = (await _api.GetAsync("/management/v1/info")).Is(200);
        Assert.False(info.GetProperty("bootstrapped").GetBoolean());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("server-id").ValueKind);
        Assert.Equal(info.GetProperty("version").GetString(), info.GetProperty("lakekeeper-version").GetString());
        Assert.Contains("tabular_purge", info.GetProperty("queues").EnumerateArray().Select(q => q.GetString()));
        Assert.False(info.GetProperty("aws-system-identities-enabled").GetBoolean());

        (await _api.PostAsync("/management/v1/bootstrap", """{"accept-terms-of-use":false}""")).IsError(400, "accept-terms-of-use");
        (await _api.PostAsync("/management/v1/bootstrap", """{"accept-terms-of-use":true,"surprise":1}""")).IsError(400, "surprise");
        await BootstrapAsync();
        (await _api.PostAsync("/management/v1/bootstrap", """{"accept-terms-of-use":true}""")).IsError(409, "already bootstrapped");

        info = (await _api.GetAsync("/management/v1/info")).Is(200);
        Assert.True(info.GetProperty("bootstrapped").GetBoolean());
        Assert.Equal(7, Guid.Parse(info.GetProperty("server-id").GetString()!).Version);
        Assert.Equal(Guid.Empty.ToString(), info.GetProperty("default-project-id").GetString());
        Assert.Equal("allowall", info.GetProperty("authz-backend").GetString());
    }

    [Fact]
    public async Task Projects_are_created_listed_read_renamed_and_deleted()
    {
        await BootstrapAsync();
        var id = Guid.CreateVersion7();
        var created = (await _api.PostAsync("/management/v1/project", $$"""{"project-name":"Sales","project-id":"{{id}}"}""")).Is(201);
        Assert.Equal(id.ToString(), created.GetProperty("project-id").GetString());
        var chosen = Guid.Parse((await _api.PostAsync("/management/v1/project", """{"project-name":"Chosen by the server"}""")).Is(201).GetProperty("project-id").GetString()!);
        Assert.Equal(7, chosen.Version);

        (await _api.PostAsync("/management/v1/project", $$"""{"project-name":"Again","project-id":"{{id}}"}""")).IsError(409, id.ToString());
        (await _api.PostAsync("/management/v1/project", """{"project-name":""}""")).IsError(400, "project-name");
        (await _api.PostAsync("/management/v1/project", """{"project-name":"x","project-id":"nope"}""")).IsError(400, "project-id");
        // Issue 14, defect 2: a lone surrogate escape answered 500; a duplicate key let the last one win.
        (await _api.PostAsync("/management/v1/project", """{"project-name":"\ud800"}""")).IsError(400, "surrogate");
        (await _api.PostAsync("/management/v1/project", """{"project-name":"A","project-name":"B"}""")).IsError(400, "twice");

        var list = (await _api.GetAsync("/management/v1/project-list")).Is(200);
        Assert.Contains(list.GetProperty("projects").EnumerateArray(), p => p.GetProperty("project-name").GetString() == "Sales");
        Assert.Equal("Sales", (await _api.GetAsync("/management/v1/project", id)).Is(200).GetProperty("project-name").GetString());
        Assert.Equal("Default Project", (await _api.GetAsync("/management/v1/project")).Is(200).GetProperty("project-name").GetString());
        (await _api.GetAsync($"/management/v1/project/{Guid.NewGuid()}")).IsError(404, "Project does not exist");
        (await _api.GetAsync("/management/v1/project", Guid.NewGuid())).IsError(404, "Project does not exist");

        (await _api.PostAsync("/management/v1/project/rename", """{"new-name":"Revenue"}""", id)).Is(200);
        Assert.Equal("Revenue", (await _api.GetAsync($"/management/v1/project/{id}")).Is(200).GetProperty("project-name").GetString());
        (await _api.PostAsync($"/management/v1/project/{id}/rename", """{"new-name":"Sales"}""")).Is(200);
        (await _api.PostAsync("/management/v1/project/rename", """{"new-name":"\u0007"}""", id)).IsError(400, "new-name");
        (await _api.PostAsync("/management/v1/project/rename", """{"new-name":"x"}""", Guid.NewGuid())).IsError(404, "Project does not exist");

        (await _api.DeleteAsync("/management/v1/project", id)).Is(204);
        (await _api.GetAsync($"/management/v1/project/{id}")).IsError(404, "Project does not exist");
        (await _api.DeleteAsync($"/management/v1/project/{chosen}")).Is(204);
    }

    [Fact]
    public async Task A_project_with_warehouses_is_deleted_only_with_force_and_then_nothing_of_it_is_left()
    {
        await BootstrapAsync();
        var project = Guid.CreateVersion7();
        (await _api.PostAsync("/management/v1/project", $$"""{"project-name":"P","project-id":"{{project}}"}""")).Is(201);
        var warehouse = await CreateWarehouseAsync("doomed", project, ""","delete-profile":{"type":"soft","expiration-seconds":3600}""");
        (await _api.PostAsync($"/management/v1/warehouse/{warehouse}/protection", """{"protected":true}""")).Is(200);
        using (var ns = await _app.Client.PostAsync($"/catalog/v1/{warehouse}/namespaces",
                   new StringContent("""{"namespace":["a"]}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(200, (int)ns.StatusCode);
        }

        using (var child = await _app.Client.PostAsync($"/catalog/v1/{warehouse}/namespaces",
                   new StringContent("""{"namespace":["a","b"]}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(200, (int)child.StatusCode);
        }

        (await _api.GetAsync("/management/v1/info", project)).Is(200);
        await _app.Services.GetRequiredService<Lakekeeper.Persistence.Statistics.EndpointStatisticsCounter>().FlushAsync(CancellationToken.None);
        Assert.True(await CountAsync("SELECT count(*) FROM endpoint_statistics WHERE project_id = $1", project) > 0);

        (await _api.DeleteAsync("/management/v1/project", project)).IsError(409, "still has warehouses");
        (await _api.GetAsync($"/management/v1/warehouse/{warehouse}")).Is(200);

        (await _api.DeleteAsync("/management/v1/project?force=true", project)).Is(204);
        (await _api.GetAsync("/management/v1/project", project)).IsError(404, "Project does not exist");
        (await _api.GetAsync($"/management/v1/warehouse/{warehouse}")).IsError(404, "Warehouse does not exist");
        var wid = Guid.Parse(warehouse);
        foreach (var table in new[] { "warehouse", "namespace", "tabular", "warehouse_statistics" })
        {
            Assert.Equal(0, await CountAsync($"SELECT count(*) FROM {table} WHERE warehouse_id = $1", wid));
        }

        Assert.Equal(0, await CountAsync("SELECT count(*) FROM endpoint_statistics WHERE project_id = $1 OR warehouse_id = $2", project, wid));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM project WHERE project_id = $1", project));
    }

    [Fact]
    public async Task Warehouses_are_created_in_Lakekeepers_shape_read_listed_and_deleted_without_showing_the_credential()
    {
        await BootstrapAsync();
        var created = (await _api.PostAsync("/management/v1/warehouse", $$"""{"warehouse-name":"Lake","storage-profile":{{FileProfile("lake")}}}""")).Is(201);
        var id = created.GetProperty("warehouse-id").GetString()!;
        Assert.Equal(id, created.GetProperty("id").GetString());
        Assert.Equal(7, Guid.Parse(id).Version);
        Assert.Equal("Lake", created.GetProperty("name").GetString());
        Assert.False(created.GetProperty("protected").GetBoolean());
        Assert.Equal([1, 2, 3], created.GetProperty("allowed-format-versions").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal("hard", created.GetProperty("delete-profile").GetProperty("type").GetString());
        Assert.Equal("self-managed", created.GetProperty("managed-by").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("storage-credential-type").ValueKind);

        (await _api.PostAsync("/management/v1/warehouse", $$"""{"warehouse-name":"LAKE","storage-profile":{{FileProfile("lake2")}}}""")).IsError(409, "Warehouse already exists");

        var warehouse = (await _api.GetAsync($"/management/v1/warehouse/{id}")).Is(200);
        Assert.Equal("file", warehouse.GetProperty("storage-profile").GetProperty("type").GetString());
        Assert.Equal("active", warehouse.GetProperty("status").GetString());
        var list = (await _api.GetAsync("/management/v1/warehouse")).Is(200);
        Assert.Single(list.GetProperty("warehouses").EnumerateArray(), w => w.GetProperty("warehouse-id").GetString() == id);
        (await _api.GetAsync($"/management/v1/warehouse/{Guid.NewGuid()}")).IsError(404, "Warehouse does not exist");

        // A warehouse with content goes only with force; an empty one without.
        using (var ns = await _app.Client.PostAsync($"/catalog/v1/{id}/namespaces", new StringContent("""{"namespace":["n"]}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(200, (int)ns.StatusCode);
        }

        (await _api.DeleteAsync($"/management/v1/warehouse/{id}")).IsError(409, "not empty");
        using (var drop = await _app.Client.DeleteAsync($"/catalog/v1/{id}/namespaces/n"))
        {
            Assert.Equal(204, (int)drop.StatusCode);
        }

        (await _api.DeleteAsync($"/management/v1/warehouse/{id}")).Is(204);
        (await _api.GetAsync($"/management/v1/warehouse/{id}")).IsError(404, "Warehouse does not exist");
    }

    [Fact]
    public async Task A_caller_may_choose_the_warehouse_id_once()
    {
        await BootstrapAsync();
        var id = Guid.NewGuid();
        var created = (await _api.PostAsync("/management/v1/warehouse",
            $$"""{"warehouse-name":"chosen","warehouse-id":"{{id}}","storage-profile":{{FileProfile("chosen")}}}""")).Is(201);
        Assert.Equal(id.ToString(), created.GetProperty("warehouse-id").GetString());

        (await _api.PostAsync("/management/v1/warehouse",
            $$"""{"warehouse-name":"other","warehouse-id":"{{id}}","storage-profile":{{FileProfile("other")}}}""")).IsError(409, id.ToString());
        (await _api.PostAsync("/management/v1/warehouse",
            $$"""{"warehouse-name":"nil","warehouse-id":"{{Guid.Empty}}","storage-profile":{{FileProfile("nil")}}}""")).IsError(400, "warehouse-id");
        Assert.Single((await _api.GetAsync("/management/v1/warehouse")).Is(200).GetProperty("warehouses").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"warehouse-name":"w"}""", "storage-profile")]
    [InlineData("""{"storage-profile":{"type":"file","root":"/x"}}""", "warehouse-name")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file"}}""", "root")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"relative/path"}}""", "root")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/etc"}}""", "allowed")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"gopher","root":"/x"}}""", "type")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"s3","bucket":"b","region":"us-east-1","key_prefix":"x"}}""", "key_prefix")]
    [InlineData("""{"warehouse-name":"","storage-profile":{"type":"file","root":"/x"}}""", "warehouse-name")]
    [InlineData("""{"warehouse-name":"a/b","storage-profile":{"type":"file","root":"/x"}}""", "warehouse-name")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"allowed-format-versions":[]}""", "allowed-format-versions")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"allowed-format-versions":[4]}""", "allowed-format-versions")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"allowed-format-versions":[2],"default-format-version":3}""", "default-format-version")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"default-format-version":"two"}""", "default-format-version")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"delete-profile":{"type":"soft"}}""", "expiration-seconds")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"delete-profile":{"type":"soft","expiration-seconds":0}}""", "expiration-seconds")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"delete-profile":{"type":"later"}}""", "delete-profile")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"managed-by":"someone"}""", "managed-by")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"warehouse-id":"not-a-uuid"}""", "warehouse-id")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"storage-credentials":{}}""", "storage-credentials")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x"},"project-id":"nope"}""", "project-id")]
    [InlineData("""not json""", "JSON")]
    [InlineData("""[]""", "body")]
    [InlineData("""{"warehouse-name":"w\ud800","storage-profile":{"type":"file","root":"/x"}}""", "surrogate")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/x","\udc00":"x"}}""", "surrogate")]
    [InlineData("""{"warehouse-name":"w","warehouse-name":"v","storage-profile":{"type":"file","root":"/x"}}""", "twice")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","type":"s3","root":"/x"}}""", "twice")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"s3","bucket":"b","region":"us-east-1","endpoint":"http://169.254.169.254"},"storage-credential":{"type":"s3","credential-type":"access-key","access-key-id":"A","secret-access-key":"B"}}""", "LAKEKEEPER__STORAGE__ALLOWED_S3_ENDPOINTS")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"s3","bucket":"b","region":"us-east-1","endpoint":"http://internal-admin.svc:8080"},"storage-credential":{"type":"s3","credential-type":"access-key","access-key-id":"A","secret-access-key":"B"}}""", "not an allowed S3 endpoint")]
    public async Task Bad_warehouse_requests_are_400_naming_the_field_and_create_nothing(string body, string mentions)
    {
        await BootstrapAsync();
        (await _api.PostAsync("/management/v1/warehouse", body)).IsError(400, mentions);
        Assert.Empty((await _api.GetAsync("/management/v1/warehouse?warehouseStatus=active&warehouseStatus=inactive")).Is(200).GetProperty("warehouses").EnumerateArray());
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM warehouse"));
    }

    [Fact]
    public async Task Overlapping_warehouse_locations_are_refused()
    {
        await BootstrapAsync();
        await CreateWarehouseAsync("outer");
        var inner = Path.Combine(_app.WarehouseRoot, "outer", "inner");
        Directory.CreateDirectory(inner);
        (await _api.PostAsync("/management/v1/warehouse", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["warehouse-name"] = "inner",
            ["storage-profile"] = new { type = "file", root = inner },
        }))).IsError(400, "location-exclusive");
    }

    [Fact]
    public async Task A_deactivated_warehouse_is_404_on_the_catalog_API_keeps_its_data_and_comes_back()
    {
        await BootstrapAsync();
        var id = await CreateWarehouseAsync("sleepy");
        using (var ns = await _app.Client.PostAsync($"/catalog/v1/{id}/namespaces", new StringContent("""{"namespace":["kept"]}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(200, (int)ns.StatusCode);
        }

        (await _api.PostAsync($"/management/v1/warehouse/{id}/deactivate", "{}")).Is(200);
        Assert.Equal("inactive", (await _api.GetAsync($"/management/v1/warehouse/{id}")).Is(200).GetProperty("status").GetString());
        using (var hidden = await _app.Client.GetAsync($"/catalog/v1/{id}/namespaces/kept"))
        {
            Assert.Equal(404, (int)hidden.StatusCode);
            Assert.Contains("NoSuchWarehouseException", await hidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var config = await _app.Client.GetAsync("/catalog/v1/config?warehouse=sleepy"))
        {
            Assert.Equal(404, (int)config.StatusCode);
        }

        Assert.Empty((await _api.GetAsync("/management/v1/warehouse")).Is(200).GetProperty("warehouses").EnumerateArray());
        Assert.Single((await _api.GetAsync("/management/v1/warehouse?warehouseStatus=inactive")).Is(200).GetProperty("warehouses").EnumerateArray());
        (await _api.GetAsync("/management/v1/warehouse?warehouseStatus=sleeping")).IsError(400, "warehouseStatus");

        (await _api.PostAsync($"/management/v1/warehouse/{id}/activate", "{}")).Is(200);
        using var back = await _app.Client.GetAsync($"/catalog/v1/{id}/namespaces/kept");
        Assert.Equal(200, (int)back.StatusCode);
    }

    [Fact]
    public async Task Warehouses_are_renamed_protected_and_given_delete_profiles_and_format_policies()
    {
        await BootstrapAsync();
        var id = await CreateWarehouseAsync("first");
        await CreateWarehouseAsync("second");

        var renamed = (await _api.PostAsync($"/management/v1/warehouse/{id}/rename", """{"new-name":"renamed"}""")).Is(200);
        Assert.Equal("renamed", renamed.GetProperty("name").GetString());
        (await _api.PostAsync($"/management/v1/warehouse/{id}/rename", """{"new-name":"SECOND"}""")).IsError(409, "already exists");
        (await _api.PostAsync($"/management/v1/warehouse/{id}/rename", """{"new-name":"a/b"}""")).IsError(400, "new-name");
        (await _api.PostAsync($"/management/v1/warehouse/{Guid.NewGuid()}/rename", """{"new-name":"x"}""")).IsError(404, "Warehouse does not exist");
        using (var config = await _app.Client.GetAsync("/catalog/v1/config?warehouse=renamed"))
        {
            Assert.Equal(200, (int)config.StatusCode);
        }

        var protection = (await _api.PostAsync($"/management/v1/warehouse/{id}/protection", """{"protected":true}""")).Is(200);
        Assert.True(protection.GetProperty("protected").GetBoolean());
        Assert.Equal(JsonValueKind.String, protection.GetProperty("updated_at").ValueKind);
        Assert.True((await _api.GetAsync($"/management/v1/warehouse/{id}")).Is(200).GetProperty("protected").GetBoolean());
        (await _api.PostAsync($"/management/v1/warehouse/{id}/protection", "{}")).IsError(400, "protected");
        (await _api.DeleteAsync($"/management/v1/warehouse/{id}")).IsError(409, "protected");

        var soft = (await _api.PostAsync($"/management/v1/warehouse/{id}/delete-profile", """{"delete-profile":{"type":"soft","expiration-seconds":86400}}""")).Is(200);
        Assert.Equal(86400, soft.GetProperty("delete-profile").GetProperty("expiration-seconds").GetInt64());
        (await _api.PostAsync($"/management/v1/warehouse/{id}/delete-profile", """{"delete-profile":{"type":"hard","expiration-seconds":5}}""")).IsError(400, "expiration-seconds");
        (await _api.PostAsync($"/management/v1/warehouse/{id}/delete-profile", "{}")).IsError(400, "delete-profile");
        Assert.Equal(86400, await CountAsync("SELECT (delete_profile->>'expiration-seconds')::bigint FROM warehouse WHERE warehouse_id = $1", Guid.Parse(id)));

        var policy = (await _api.PostAsync($"/management/v1/warehouse/{id}/format-version-policy", """{"allowed-format-versions":[3,2],"default-format-version":3}""")).Is(200);
        Assert.Equal([2, 3], policy.GetProperty("allowed-format-versions").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(3, policy.GetProperty("default-format-version").GetInt32());
        (await _api.PostAsync($"/management/v1/warehouse/{id}/format-version-policy", """{"allowed-format-versions":[1],"default-format-version":2}""")).IsError(400, "default-format-version");
        (await _api.PostAsync($"/management/v1/warehouse/{id}/format-version-policy", """{"allowed-format-versions":[2,2]}""")).IsError(400, "allowed-format-versions");
        (await _api.PostAsync($"/management/v1/warehouse/{id}/format-version-policy", "{}")).IsError(400, "allowed-format-versions");

        (await _api.DeleteAsync($"/management/v1/warehouse/{id}?force=true")).Is(204);
    }

    [Fact]
    public async Task Without_a_default_project_requests_must_name_one_and_a_configured_default_id_is_used()
    {
        await using var strict = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["ENABLE_DEFAULT_PROJECT"] = "false" });
        var api = new ManagementClient(strict.Client);
        (await api.PostAsync("/management/v1/bootstrap", """{"accept-terms-of-use":true}""")).Is(204);
        Assert.Equal(JsonValueKind.Null, (await api.GetAsync("/management/v1/info")).Is(200).GetProperty("default-project-id").ValueKind);
        (await api.GetAsync("/management/v1/project")).IsError(400, "x-project-id is required");
        (await api.GetAsync("/management/v1/warehouse")).IsError(400, "x-project-id is required");
        Assert.Empty((await api.GetAsync("/management/v1/project-list")).Is(200).GetProperty("projects").EnumerateArray());

        var custom = Guid.NewGuid();
        await using var configured = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["DEFAULT_PROJECT_ID"] = custom.ToString() });
        api = new ManagementClient(configured.Client);
        (await api.PostAsync("/management/v1/bootstrap", """{"accept-terms-of-use":true}""")).Is(204);
        Assert.Equal(custom.ToString(), (await api.GetAsync("/management/v1/info")).Is(200).GetProperty("default-project-id").GetString());
        Assert.Equal(custom.ToString(), (await api.GetAsync("/management/v1/project")).Is(200).GetProperty("project-id").GetString());
        var root = Path.Combine(configured.WarehouseRoot, "w");
        Directory.CreateDirectory(root);
        var warehouse = (await api.PostAsync("/management/v1/warehouse", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["warehouse-name"] = "w",
            ["storage-profile"] = new { type = "file", root },
        }))).Is(201);
        Assert.Equal(custom.ToString(), warehouse.GetProperty("project-id").GetString());
        using var config = await configured.Client.GetAsync("/catalog/v1/config?warehouse=w");
        Assert.Equal(200, (int)config.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/management/v1/nothing-here", 404)]
    [InlineData("PUT", "/management/v1/warehouse", 405)]
    [InlineData("GET", "/management/v1/warehouse/not-a-uuid", 404)]
    public async Task Unknown_management_routes_answer_in_the_error_shape(string method, string path, int status)
    {
        using var response = await _app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(status, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_body_that_is_not_json_content_is_415_in_the_error_shape()
    {
        using var response = await _app.Client.PostAsync("/management/v1/project", new StringContent("""{"project-name":"x"}""", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(415, (int)response.StatusCode);
        Assert.Equal(415, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Management.Tests;

/// <summary>Bootstrap, info, projects and warehouses over real HTTP against the standalone host.</summary>
public sealed class ManagementApiTests : IAsyncLifetime
{
    private StandaloneApp _app = null!;

    private HttpClient Client => _app.Client;

    public async ValueTask InitializeAsync() => _app = await StandaloneApp.StartAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<(int Status, JsonElement Body)> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static void AssertError(int status, JsonElement body, int expected, string contains)
    {
        Assert.Equal(expected, status);
        var error = body.GetProperty("error");
        Assert.Equal(expected, error.GetProperty("code").GetInt32());
        Assert.Contains(contains, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task BootstrapAsync() =>
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostAsync("/management/v1/bootstrap", Json("""{"accept-terms-of-use":true}"""))).StatusCode);

    private string FileProfile(string name)
    {
        var root = Path.Combine(_app.WarehouseRoot, name);
        Directory.CreateDirectory(root);
        return JsonSerializer.Serialize(new { type = "file", root });
    }

    [Fact]
    public async Task Bootstrap_happens_once_and_needs_the_terms_accepted()
    {
        var (status, info) = await ReadAsync(await Client.GetAsync("/management/v1/info"));
        Assert.Equal(200, status);
        Assert.False(info.GetProperty("bootstrapped").GetBoolean());

        var refused = await ReadAsync(await Client.PostAsync("/management/v1/bootstrap", Json("""{"accept-terms-of-use":false}""")));
        AssertError(refused.Status, refused.Body, 400, "accept-terms-of-use");

        await BootstrapAsync();
        var again = await ReadAsync(await Client.PostAsync("/management/v1/bootstrap", Json("""{"accept-terms-of-use":true}""")));
        AssertError(again.Status, again.Body, 409, "already bootstrapped");

        (status, info) = await ReadAsync(await Client.GetAsync("/management/v1/info"));
        Assert.True(info.GetProperty("bootstrapped").GetBoolean());
        Assert.True(Guid.TryParse(info.GetProperty("server-id").GetString(), out _));
        Assert.Equal(Guid.Empty.ToString(), info.GetProperty("default-project-id").GetString());
        Assert.Equal("allowall", info.GetProperty("authz-backend").GetString());
    }

    [Fact]
    public async Task Projects_are_created_listed_read_and_deleted()
    {
        await BootstrapAsync();
        var id = Guid.CreateVersion7();
        var (status, created) = await ReadAsync(await Client.PostAsync("/management/v1/project", Json($$"""{"project-name":"Sales","project-id":"{{id}}"}""")));
        Assert.Equal(201, status);
        Assert.Equal(id.ToString(), created.GetProperty("project-id").GetString());

        var duplicate = await ReadAsync(await Client.PostAsync("/management/v1/project", Json($$"""{"project-name":"Again","project-id":"{{id}}"}""")));
        AssertError(duplicate.Status, duplicate.Body, 409, id.ToString());
        var badName = await ReadAsync(await Client.PostAsync("/management/v1/project", Json("""{"project-name":""}""")));
        AssertError(badName.Status, badName.Body, 400, "project-name");

        var (_, list) = await ReadAsync(await Client.GetAsync("/management/v1/project-list"));
        Assert.Contains(list.GetProperty("projects").EnumerateArray(), p => p.GetProperty("project-name").GetString() == "Sales");

        using (var byHeader = new HttpRequestMessage(HttpMethod.Get, "/management/v1/project"))
        {
            byHeader.Headers.Add("x-project-id", id.ToString());
            var (_, project) = await ReadAsync(await Client.SendAsync(byHeader));
            Assert.Equal("Sales", project.GetProperty("project-name").GetString());
        }

        var (_, byDefault) = await ReadAsync(await Client.GetAsync("/management/v1/project"));
        Assert.Equal("Default Project", byDefault.GetProperty("project-name").GetString());
        var missing = await ReadAsync(await Client.GetAsync($"/management/v1/project/{Guid.NewGuid()}"));
        Assert.Equal(404, missing.Status);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/management/v1/project/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/management/v1/project/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_project_with_warehouses_cannot_be_deleted()
    {
        await BootstrapAsync();
        var id = Guid.CreateVersion7();
        await Client.PostAsync("/management/v1/project", Json($$"""{"project-name":"P","project-id":"{{id}}"}"""));
        var created = await Client.PostAsync("/management/v1/warehouse", Json($$"""{"warehouse-name":"w","project-id":"{{id}}","storage-profile":{{FileProfile("p-w")}}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var refused = await ReadAsync(await Client.DeleteAsync($"/management/v1/project/{id}"));
        AssertError(refused.Status, refused.Body, 409, "still has warehouses");
    }

    [Fact]
    public async Task Warehouses_are_created_read_listed_and_deleted_and_never_show_the_credential()
    {
        await BootstrapAsync();
        var (status, created) = await ReadAsync(await Client.PostAsync("/management/v1/warehouse",
            Json($$"""{"warehouse-name":"Lake","storage-profile":{{FileProfile("lake")}}}""")));
        Assert.Equal(201, status);
        var id = created.GetProperty("warehouse-id").GetString();

        var duplicate = await ReadAsync(await Client.PostAsync("/management/v1/warehouse",
            Json($$"""{"warehouse-name":"LAKE","storage-profile":{{FileProfile("lake2")}}}""")));
        AssertError(duplicate.Status, duplicate.Body, 409, "Warehouse already exists");

        var (_, warehouse) = await ReadAsync(await Client.GetAsync($"/management/v1/warehouse/{id}"));
        Assert.Equal("Lake", warehouse.GetProperty("name").GetString());
        Assert.Equal("file", warehouse.GetProperty("storage-profile").GetProperty("type").GetString());
        Assert.Equal("active", warehouse.GetProperty("status").GetString());
        Assert.False(warehouse.TryGetProperty("storage-credential", out _));

        var (_, list) = await ReadAsync(await Client.GetAsync("/management/v1/warehouse"));
        Assert.Single(list.GetProperty("warehouses").EnumerateArray(), w => w.GetProperty("id").GetString() == id);

        // A warehouse with content cannot go; an empty one can.
        var ns = await Client.PostAsync($"/catalog/v1/{id}/namespaces", Json("""{"namespace":["n"]}"""));
        Assert.Equal(HttpStatusCode.OK, ns.StatusCode);
        var notEmpty = await ReadAsync(await Client.DeleteAsync($"/management/v1/warehouse/{id}"));
        AssertError(notEmpty.Status, notEmpty.Body, 409, "not empty");
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/catalog/v1/{id}/namespaces/n")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/management/v1/warehouse/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/management/v1/warehouse/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("""{"warehouse-name":"w"}""", "storage-profile")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file"}}""", "root")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"relative/path"}}""", "root")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"file","root":"/etc"}}""", "allowed")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"gopher","root":"/x"}}""", "type")]
    [InlineData("""{"warehouse-name":"w","storage-profile":{"type":"s3","bucket":"b","region":"us-east-1","key_prefix":"x"}}""", "key_prefix")]
    [InlineData("""{"warehouse-name":"","storage-profile":{"type":"file","root":"/x"}}""", "warehouse-name")]
    [InlineData("""{"warehouse-name":"a/b","storage-profile":{"type":"file","root":"/x"}}""", "warehouse-name")]
    [InlineData("""not json""", "JSON")]
    public async Task Bad_warehouse_requests_are_400_and_create_nothing(string body, string mentions)
    {
        await BootstrapAsync();
        var (status, error) = await ReadAsync(await Client.PostAsync("/management/v1/warehouse", Json(body)));

        AssertError(status, error, 400, mentions);
        var (_, list) = await ReadAsync(await Client.GetAsync("/management/v1/warehouse"));
        Assert.Empty(list.GetProperty("warehouses").EnumerateArray());
    }

    [Fact]
    public async Task An_unreachable_s3_storage_fails_validation_and_creates_nothing()
    {
        await BootstrapAsync();
        var port = FreePort.Next();
        var (status, error) = await ReadAsync(await Client.PostAsync("/management/v1/warehouse", Json($$$"""
            {"warehouse-name":"s3w","storage-profile":{"type":"s3","bucket":"bucket","region":"us-east-1","endpoint":"http://127.0.0.1:{{{port}}}","path-style-access":true},
             "storage-credential":{"type":"s3","credential-type":"access-key","access-key-id":"AKIA","secret-access-key":"top-secret-value"}}
            """)));

        AssertError(status, error, 400, "validation failed");
        Assert.DoesNotContain("top-secret-value", error.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storage_credentials_are_encrypted_at_rest_and_bound_to_their_warehouse()
    {
        await BootstrapAsync();
        await using var s3 = await S3rverServer.StartAsync();
        var (status, created) = await ReadAsync(await Client.PostAsync("/management/v1/warehouse", Json($$$"""
            {"warehouse-name":"enc","storage-profile":{"type":"s3","bucket":"{{{S3rverServer.Bucket}}}","region":"us-east-1","endpoint":"{{{s3.Endpoint}}}","path-style-access":true},
             "storage-credential":{"type":"s3","credential-type":"access-key","access-key-id":"{{{S3rverServer.AccessKeyId}}}","secret-access-key":"{{{S3rverServer.SecretAccessKey}}}-and-more-secret"}}
            """)));
        Assert.Equal(201, status);
        var id = Guid.Parse(created.GetProperty("warehouse-id").GetString()!);

        await using var dataSource = NpgsqlDataSource.Create(_app.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT storage_secret FROM warehouse WHERE warehouse_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        var secret = (byte[])(await command.ExecuteScalarAsync())!;
        Assert.DoesNotContain("and-more-secret", Encoding.UTF8.GetString(secret), StringComparison.Ordinal);
        Assert.Equal(1, secret[0]); // the envelope version

        var (_, warehouse) = await ReadAsync(await Client.GetAsync($"/management/v1/warehouse/{id}"));
        Assert.DoesNotContain("and-more-secret", warehouse.GetRawText(), StringComparison.Ordinal);
        Assert.True(warehouse.GetProperty("has-storage-credential").GetBoolean());
    }
}

using System.Text;
using Lakekeeper.Management.Tests.Contracts;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Management.Tests;

/// <summary>
/// S3 warehouses against a real S3 server (npm <c>s3rver</c>, which stores objects but does not check
/// signatures): Lakekeeper's own request bodies, storage and credential changes, and the dry runs.
/// </summary>
public sealed class WarehouseStorageTests : IAsyncLifetime
{
    private StandaloneApp _app = null!;
    private S3rverServer _s3 = null!;
    private ManagementClient _api = null!;
    private bool _s3Stopped;

    public async ValueTask InitializeAsync()
    {
        _s3 = await S3rverServer.StartAsync(S3rverServer.Bucket, "other-bucket");
        _app = await StandaloneApp.StartAsync();
        _api = new ManagementClient(_app.Client);
        (await _api.PostAsync("/management/v1/bootstrap", """{"accept-terms-of-use":true}""")).Is(204);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        if (!_s3Stopped)
        {
            await _s3.DisposeAsync();
        }
    }

    private string Profile(string bucket = S3rverServer.Bucket, string prefix = "initial-warehouse", string region = "local-01", string? endpoint = null) =>
        $$"""{"type":"s3","bucket":"{{bucket}}","key-prefix":"{{prefix}}","endpoint":"{{endpoint ?? _s3.Endpoint.ToString().TrimEnd('/')}}","region":"{{region}}","path-style-access":true,"sts-enabled":false}""";

    private static string Credential(string secret) =>
        $$"""{"type":"s3","credential-type":"access-key","access-key-id":"{{S3rverServer.AccessKeyId}}","secret-access-key":"{{secret}}"}""";

    private async Task<byte[]?> StoredSecretAsync(string warehouse)
    {
        await using var dataSource = NpgsqlDataSource.Create(_app.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT storage_secret FROM warehouse WHERE warehouse_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(warehouse) });
        return await command.ExecuteScalarAsync() as byte[];
    }

    private async Task<string> CreateAsync(string name, string secret = "first-secret-value")
    {
        var created = (await _api.PostAsync("/management/v1/warehouse",
            $$"""{"warehouse-name":"{{name}}","storage-profile":{{Profile(prefix: name)}},"storage-credential":{{Credential(secret)}}}""")).Is(201);
        return created.GetProperty("warehouse-id").GetString()!;
    }

    /// <summary>
    /// The bodies of Lakekeeper's documentation and management OpenAPI (create with an S3 profile and
    /// an access key spelt <c>aws-access-key-id</c>, update the storage, rotate the credential), sent as
    /// they are.
    /// </summary>
    [Fact]
    public async Task Lakekeepers_own_request_bodies_are_accepted_unchanged()
    {
        var endpoint = _s3.Endpoint.ToString().TrimEnd('/');
        var created = (await _api.PostAsync("/management/v1/warehouse", $$"""
            {
              "warehouse-name": "demo",
              "storage-profile": {
                "type": "s3",
                "bucket": "bucket",
                "key-prefix": "initial-warehouse",
                "endpoint": "{{endpoint}}",
                "region": "local-01",
                "path-style-access": true,
                "sts-enabled": false
              },
              "storage-credential": {
                "type": "s3",
                "credential-type": "access-key",
                "aws-access-key-id": "S3RVER",
                "aws-secret-access-key": "S3RVER-docs-secret"
              },
              "delete-profile": { "type": "soft", "expiration-seconds": 604800 }
            }
            """)).Is(201);
        var id = created.GetProperty("warehouse-id").GetString()!;
        Assert.Equal("soft", created.GetProperty("delete-profile").GetProperty("type").GetString());
        Assert.Equal("access-key", created.GetProperty("storage-credential-type").GetProperty("credential-type").GetString());
        Assert.DoesNotContain("docs-secret", created.GetRawText(), StringComparison.Ordinal);

        var updated = (await _api.PostAsync($"/management/v1/warehouse/{id}/storage", $$"""
            {
              "storage-profile": {
                "type": "s3",
                "bucket": "bucket",
                "key-prefix": "initial-warehouse",
                "endpoint": "{{endpoint}}",
                "region": "local-02",
                "path-style-access": true,
                "sts-enabled": false
              },
              "storage-credential": {
                "type": "s3",
                "credential-type": "access-key",
                "access-key-id": "S3RVER",
                "secret-access-key": "S3RVER-second-secret"
              }
            }
            """)).Is(200);
        Assert.Equal("local-02", updated.GetProperty("storage-profile").GetProperty("region").GetString());

        var before = await StoredSecretAsync(id);
        (await _api.PostAsync($"/management/v1/warehouse/{id}/storage-credential", """
            {
              "new-storage-credential": {
                "type": "s3",
                "credential-type": "access-key",
                "access-key-id": "S3RVER",
                "secret-access-key": "S3RVER-rotated-secret"
              }
            }
            """)).Is(200);
        var after = await StoredSecretAsync(id);
        Assert.NotNull(after);
        Assert.NotEqual(before, after);
        Assert.DoesNotContain("rotated-secret", Encoding.UTF8.GetString(after!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storage_changes_that_would_move_the_data_are_refused_and_the_dry_run_says_why()
    {
        var id = await CreateAsync("movable");

        (await _api.PostAsync($"/management/v1/warehouse/{id}/storage", $$"""{"storage-profile":{{Profile(bucket: "other-bucket", prefix: "movable")}}}""")).IsError(400, "bucket");
        (await _api.PostAsync($"/management/v1/warehouse/{id}/storage", $$"""{"storage-profile":{{Profile(prefix: "elsewhere")}}}""")).IsError(400, "key-prefix");
        (await _api.PostAsync($"/management/v1/warehouse/{id}/storage", $$$"""{"storage-profile":{"type":"file","root":"{{{_app.WarehouseRoot}}}"}}""")).IsError(400, "type");
        (await _api.PostAsync($"/management/v1/warehouse/{id}/storage", "{}")).IsError(400, "storage-profile");

        var dry = (await _api.PostAsync($"/management/v1/warehouse/{id}/storage/validate-profile", $$"""{"storage-profile":{{Profile(bucket: "other-bucket", prefix: "movable")}}}""")).Is(200);
        Assert.False(dry.GetProperty("valid").GetBoolean());
        var checks = dry.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
        Assert.Equal("failed", checks["profile-compatible"].GetProperty("status").GetString());
        Assert.Contains("bucket", checks["profile-compatible"].GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("skipped", checks["lakekeeper-read-write"].GetProperty("status").GetString());

        var fine = (await _api.PostAsync($"/management/v1/warehouse/{id}/storage/validate-profile", $$"""{"storage-profile":{{Profile(prefix: "movable", region: "eu-west-1")}}}""")).Is(200);
        Assert.True(fine.GetProperty("valid").GetBoolean());
        Assert.Equal("local-01", (await _api.GetAsync($"/management/v1/warehouse/{id}")).Is(200).GetProperty("storage-profile").GetProperty("region").GetString());
    }

    [Fact]
    public async Task Credential_dry_runs_and_access_checks_change_nothing_and_report_each_check()
    {
        var id = await CreateAsync("checked");
        var stored = await StoredSecretAsync(id);

        var dry = (await _api.PostAsync($"/management/v1/warehouse/{id}/storage/validate-credential", $$"""{"new-storage-credential":{{Credential("candidate-secret")}}}""")).Is(200);
        Assert.True(dry.GetProperty("valid").GetBoolean());
        Assert.Equal(["profile-well-formed", "lakekeeper-read-write", "cleanup"], dry.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(stored, await StoredSecretAsync(id));

        var bad = (await _api.PostAsync($"/management/v1/warehouse/{id}/storage/validate-credential",
            """{"new-storage-credential":{"type":"s3","credential-type":"access-key","access-key-id":"has space","secret-access-key":"x"}}""")).Is(200);
        Assert.False(bad.GetProperty("valid").GetBoolean());
        (await _api.PostAsync($"/management/v1/warehouse/{id}/storage-credential",
            """{"new-storage-credential":{"type":"s3","credential-type":"access-key","access-key-id":"has space","secret-access-key":"x"}}""")).IsError(400, "access-key-id");
        Assert.Equal(stored, await StoredSecretAsync(id));

        var access = (await _api.PostAsync($"/management/v1/warehouse/{id}/storage/validate-access", "")).Is(200);
        Assert.True(access.GetProperty("valid").GetBoolean());
        (await _api.PostAsync($"/management/v1/warehouse/{Guid.NewGuid()}/storage/validate-access", "")).IsError(404, "Warehouse does not exist");

        // The storage goes away: the stored configuration no longer works, and the answer says where.
        await _s3.DisposeAsync();
        _s3Stopped = true;
        var broken = (await _api.PostAsync($"/management/v1/warehouse/{id}/storage/validate-access", "")).Is(200);
        Assert.False(broken.GetProperty("valid").GetBoolean());
        Assert.Contains(broken.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "lakekeeper-read-write" && c.GetProperty("status").GetString() == "failed");
    }

    [Fact]
    public async Task The_creation_dry_run_answers_every_check_and_creates_nothing()
    {
        var valid = (await _api.PostAsync("/management/v1/warehouse-creation-validation",
            $$"""{"warehouse-name":"maybe","storage-profile":{{Profile(prefix: "maybe")}},"storage-credential":{{Credential("dry-secret")}}}""")).Is(200);
        Assert.True(valid.GetProperty("valid").GetBoolean());
        Assert.Equal(
            ["profile-well-formed", "warehouse-name-valid", "format-version-policy-consistent", "managed-by-allowed", "location-exclusive", "lakekeeper-read-write", "cleanup"],
            valid.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        await CreateAsync("taken");
        var port = FreePort.Next();
        var invalid = (await _api.PostAsync("/management/v1/warehouse-creation-validation",
            $$"""{"warehouse-name":"taken","allowed-format-versions":[1],"default-format-version":2,"storage-profile":{{Profile(prefix: "x", endpoint: $"http://127.0.0.1:{port}")}}}""")).Is(200);
        Assert.False(invalid.GetProperty("valid").GetBoolean());
        var status = invalid.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("failed", status["warehouse-name-valid"]);
        Assert.Equal("failed", status["format-version-policy-consistent"]);
        Assert.Equal("skipped", status["lakekeeper-read-write"]);

        (await _api.PostAsync("/management/v1/warehouse-creation-validation", """{"warehouse-name":"x"}""")).IsError(400, "storage-profile");
        Assert.Single((await _api.GetAsync("/management/v1/warehouse")).Is(200).GetProperty("warehouses").EnumerateArray());
    }

    [Fact]
    public async Task An_unreachable_storage_fails_the_create_without_echoing_the_secret_and_creates_nothing()
    {
        var port = FreePort.Next();
        (await _api.PostAsync("/management/v1/warehouse",
                $$"""{"warehouse-name":"s3w","storage-profile":{{Profile(endpoint: $"http://127.0.0.1:{port}")}},"storage-credential":{{Credential("top-secret-value")}}}"""))
            .IsError(400, "validation failed");
        Assert.Empty((await _api.GetAsync("/management/v1/warehouse")).Is(200).GetProperty("warehouses").EnumerateArray());
    }

    [Fact]
    public async Task Credentials_are_encrypted_bound_to_their_warehouse_and_deleted_with_it()
    {
        var id = await CreateAsync("enc", "S3RVER-and-more-secret");
        var secret = await StoredSecretAsync(id);
        Assert.NotNull(secret);
        Assert.DoesNotContain("and-more-secret", Encoding.UTF8.GetString(secret!), StringComparison.Ordinal);
        Assert.Equal(1, secret![0]); // the envelope version

        var warehouse = (await _api.GetAsync($"/management/v1/warehouse/{id}")).Is(200);
        Assert.DoesNotContain("and-more-secret", warehouse.GetRawText(), StringComparison.Ordinal);

        (await _api.DeleteAsync($"/management/v1/warehouse/{id}")).Is(204);
        Assert.Null(await StoredSecretAsync(id));
        await using var dataSource = NpgsqlDataSource.Create(_app.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM warehouse WHERE storage_secret IS NOT NULL");
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    /// <summary>
    /// Lakekeeper's S3 profile fields: <c>allow-alternative-protocols</c> and <c>sts-session-tags</c> are stored and
    /// shown; the first decides whether the catalog takes Hadoop's <c>s3a://</c> locations in the warehouse.
    /// </summary>
    [Fact]
    public async Task Alternative_protocols_and_session_tags_are_stored_and_s3a_locations_need_the_flag()
    {
        var allowing = (await _api.PostAsync("/management/v1/warehouse", $$$"""
            {"warehouse-name":"hadoop","storage-profile":{{{Profile(prefix: "hadoop")[..^1]}}},"allow-alternative-protocols":true,"sts-session-tags":{"team":"data"}},
             "storage-credential":{{{Credential("first-secret-value")}}}}
            """)).Is(201);
        var profile = allowing.GetProperty("storage-profile");
        Assert.True(profile.GetProperty("allow-alternative-protocols").GetBoolean());
        Assert.Equal("data", profile.GetProperty("sts-session-tags").GetProperty("team").GetString());
        var strict = await CreateAsync("strict");

        var hadoop = allowing.GetProperty("warehouse-id").GetString()!;
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{hadoop}/namespaces", """{"namespace":["ns"]}""")).Status);
        var created = await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{hadoop}/namespaces/ns/tables",
            $$$"""{"name":"legacy","location":"s3a://{{{S3rverServer.Bucket}}}/hadoop/ns/legacy","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""");
        Assert.True(created.Status == 200, created.Body);

        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{strict}/namespaces", """{"namespace":["ns"]}""")).Status);
        var refused = await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{strict}/namespaces/ns/tables",
            $$$"""{"name":"legacy","location":"s3a://{{{S3rverServer.Bucket}}}/strict/ns/legacy","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""");
        Assert.Equal(400, refused.Status);
        Assert.Contains("allow-alternative-protocols", refused.Body, StringComparison.Ordinal);
        Assert.Equal(404, (await CatalogAsync(HttpMethod.Get, $"/catalog/v1/{strict}/namespaces/ns/tables/legacy")).Status);
    }

    [Theory]
    [InlineData("\"push-s3-delete-disabled\":\"yes\"", "push-s3-delete-disabled")]
    [InlineData("\"legacy-md5-behavior\":\"yes\"", "legacy-md5-behavior")]
    [InlineData("\"sts-session-tags\":{\"aws:reserved\":\"x\"}", "sts-session-tags")]
    public async Task Invalid_lakekeeper_profile_fields_are_400_by_name_and_create_nothing(string field, string name)
    {
        var warehouse = "refused-" + Guid.NewGuid().ToString("N")[..8];
        (await _api.PostAsync("/management/v1/warehouse", $$$"""
            {"warehouse-name":"{{{warehouse}}}","storage-profile":{{{Profile(prefix: warehouse)[..^1]}}},{{{field}}}},"storage-credential":{{{Credential("first-secret-value")}}}}
            """)).IsError(400, name);
        Assert.DoesNotContain((await _api.GetAsync("/management/v1/warehouse")).Is(200).GetProperty("warehouses").EnumerateArray(),
            w => w.GetProperty("name").GetString() == warehouse);
    }

    [Fact]
    public async Task Lakekeeper_storage_types_this_server_has_not_are_400_by_name()
    {
        (await _api.PostAsync("/management/v1/warehouse",
            """{"warehouse-name":"gcs","storage-profile":{"type":"gcs","bucket":"lake"},"storage-credential":{"type":"gcs","credential-type":"service-account-key","key":{}}}"""))
            .IsError(400, "type 'gcs' is not supported");
    }

    private const string TableSchema = """{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}""";

    private async Task<Guid> NamespaceIdAsync(string warehouse, params string[] levels)
    {
        await using var dataSource = NpgsqlDataSource.Create(_app.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(warehouse) });
        command.Parameters.Add(new NpgsqlParameter { Value = levels });
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A warehouse with <paramref name="layout"/> (JSON), the namespace <c>sales.eu</c>, and the table <c>my orders</c> in it: its location.</summary>
    private async Task<(string Warehouse, string Location, Guid TableId)> TableWithLayoutAsync(string name, string layout)
    {
        var created = (await _api.PostAsync("/management/v1/warehouse", $$$"""
            {"warehouse-name":"{{{name}}}","storage-profile":{{{Profile(prefix: name)[..^1]}}},"storage-layout":{{{layout}}}},"storage-credential":{{{Credential("first-secret-value")}}}}
            """)).Is(201);
        var warehouse = created.GetProperty("warehouse-id").GetString()!;
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", """{"namespace":["sales"]}""")).Status);
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", """{"namespace":["sales","eu"]}""")).Status);
        var table = await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces/sales%1Feu/tables", $$"""{"name":"my orders","schema":{{TableSchema}}}""");
        Assert.True(table.Status == 200, table.Body);
        var metadata = System.Text.Json.JsonDocument.Parse(table.Body).RootElement.GetProperty("metadata");
        return (warehouse, metadata.GetProperty("location").GetString()!, Guid.Parse(metadata.GetProperty("table-uuid").GetString()!));
    }

    /// <summary>
    /// Lakekeeper's three layouts, sent as Lakekeeper's documentation writes them: the profile comes back
    /// as given, and a new table lands where that layout puts it (namespace ids and names, escaped names).
    /// </summary>
    [Theory]
    [InlineData("""{"type":"default"}""", "{table}")]
    [InlineData("""{"type":"full-hierarchy","namespace":"{name}-{uuid}","tabular":"{name}-{uuid}"}""", "sales-{sales}/eu-{eu}/my%20orders-{table}")]
    [InlineData("""{"type":"full-hierarchy","namespace":"{name}","tabular":"t_{uuid}"}""", "sales/eu/t_{table}")]
    [InlineData("""{"type":"tabular-only","tabular":"{name}-{uuid}"}""", "my%20orders-{table}")]
    public async Task Each_storage_layout_round_trips_and_places_new_tables_as_lakekeeper_does(string layout, string expected)
    {
        var name = "layout-" + Guid.NewGuid().ToString("N")[..8];

        var (warehouse, location, tableId) = await TableWithLayoutAsync(name, layout);

        var profile = (await _api.GetAsync($"/management/v1/warehouse/{warehouse}")).Is(200).GetProperty("storage-profile");
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.Nodes.JsonNode.Parse(layout), System.Text.Json.Nodes.JsonNode.Parse(profile.GetProperty("storage-layout").GetRawText())));
        var path = expected.Replace("{table}", tableId.ToString("D"), StringComparison.Ordinal)
            .Replace("{sales}", (await NamespaceIdAsync(warehouse, "sales")).ToString("D"), StringComparison.Ordinal)
            .Replace("{eu}", (await NamespaceIdAsync(warehouse, "sales", "eu")).ToString("D"), StringComparison.Ordinal);
        Assert.Equal($"s3://{S3rverServer.Bucket}/{name}/{path}", location);

        // The metadata file is in the bucket under that location, and a view follows the same layout.
        var loaded = await CatalogAsync(HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/sales%1Feu/tables/my%20orders");
        Assert.Contains($"\"metadata-location\":\"{location}/metadata/", loaded.Body, StringComparison.Ordinal);
        var view = await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces/sales%1Feu/views", """
            {"name":"my orders view","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"x","required":false,"type":"long"}]},
             "view-version":{"version-id":1,"timestamp-ms":1700000000000,"schema-id":0,"summary":{},
               "representations":[{"type":"sql","sql":"select 1 as x","dialect":"spark"}],"default-namespace":["sales","eu"]},"properties":{}}
            """);
        Assert.True(view.Status == 200, view.Body);
        var viewMetadata = System.Text.Json.JsonDocument.Parse(view.Body).RootElement.GetProperty("metadata");
        var viewPath = expected.Replace("my%20orders", "my%20orders%20view", StringComparison.Ordinal)
            .Replace("{table}", viewMetadata.GetProperty("view-uuid").GetString(), StringComparison.Ordinal)
            .Replace("{sales}", (await NamespaceIdAsync(warehouse, "sales")).ToString("D"), StringComparison.Ordinal)
            .Replace("{eu}", (await NamespaceIdAsync(warehouse, "sales", "eu")).ToString("D"), StringComparison.Ordinal);
        Assert.Equal($"s3://{S3rverServer.Bucket}/{name}/{viewPath}", viewMetadata.GetProperty("location").GetString());
    }

    [Fact]
    public async Task A_layout_set_by_a_storage_update_places_later_tables_and_a_bad_one_changes_nothing()
    {
        var id = await CreateAsync("relayout");
        Assert.Equal(200, (await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{id}/namespaces", """{"namespace":["ns"]}""")).Status);
        var before = await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{id}/namespaces/ns/tables", $$"""{"name":"before","schema":{{TableSchema}}}""");
        Assert.Contains($"s3://{S3rverServer.Bucket}/relayout/ns/before-", before.Body, StringComparison.Ordinal);

        (await _api.PostAsync($"/management/v1/warehouse/{id}/storage", "{\"storage-profile\":" + Profile(prefix: "relayout")[..^1] + ""","storage-layout":{"type":"tabular-only","tabular":"{name}"}}}""")).IsError(400, "storage-layout.tabular");
        (await _api.PostAsync($"/management/v1/warehouse/{id}/storage", "{\"storage-profile\":" + Profile(prefix: "relayout")[..^1] + ""","storage-layout":{"type":"tabular-only","tabular":"{uuid}"}}}""")).Is(200);
        Assert.Equal("tabular-only", (await _api.GetAsync($"/management/v1/warehouse/{id}")).Is(200)
            .GetProperty("storage-profile").GetProperty("storage-layout").GetProperty("type").GetString());

        var after = await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{id}/namespaces/ns/tables", $$"""{"name":"after","schema":{{TableSchema}}}""");
        var metadata = System.Text.Json.JsonDocument.Parse(after.Body).RootElement.GetProperty("metadata");
        Assert.Equal($"s3://{S3rverServer.Bucket}/relayout/{metadata.GetProperty("table-uuid").GetString()}", metadata.GetProperty("location").GetString());
        // The table created before keeps its location.
        Assert.Contains($"s3://{S3rverServer.Bucket}/relayout/ns/before-",
            (await CatalogAsync(HttpMethod.Get, $"/catalog/v1/{id}/namespaces/ns/tables/before")).Body, StringComparison.Ordinal);
    }

    /// <summary>
    /// A name-only table template gives a renamed table's old name the same folder: a new table of that
    /// name is refused (400 naming the table that holds the location), and nothing is created.
    /// </summary>
    [Fact]
    public async Task A_name_only_template_refuses_a_new_table_whose_folder_another_table_still_holds()
    {
        var (warehouse, location, _) = await TableWithLayoutAsync("byname", """{"type":"full-hierarchy","namespace":"{name}","tabular":"{name}"}""");
        Assert.Equal($"s3://{S3rverServer.Bucket}/byname/sales/eu/my%20orders", location);
        Assert.Equal(204, (await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{warehouse}/tables/rename",
            """{"source":{"namespace":["sales","eu"],"name":"my orders"},"destination":{"namespace":["sales","eu"],"name":"renamed"}}""")).Status);

        var again = await CatalogAsync(HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces/sales%1Feu/tables", $$"""{"name":"my orders","schema":{{TableSchema}}}""");

        Assert.Equal(400, again.Status);
        Assert.Contains("overlaps the location of table sales.eu.renamed", again.Body, StringComparison.Ordinal);
        Assert.Equal(404, (await CatalogAsync(HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/sales%1Feu/tables/my%20orders")).Status);
    }

    [Theory]
    [InlineData("""{"type":"tabular-only","tabular":"{name}"}""", "storage-layout.tabular")]
    [InlineData("""{"type":"full-hierarchy","namespace":"a/{name}","tabular":"{uuid}"}""", "storage-layout.namespace")]
    [InlineData("""{"type":"full-hierarchy","namespace":"{name}","tabular":".."}""", "storage-layout.tabular")]
    [InlineData("""{"type":"flat","tabular":"{uuid}"}""", "unknown type 'flat'")]
    [InlineData("""{"type":"full-hierarchy","tabular":"{uuid}"}""", "storage-layout")]
    public async Task A_bad_storage_layout_is_400_naming_the_field_and_creates_nothing(string layout, string mentions)
    {
        var warehouse = "badlayout-" + Guid.NewGuid().ToString("N")[..8];
        (await _api.PostAsync("/management/v1/warehouse", $$$"""
            {"warehouse-name":"{{{warehouse}}}","storage-profile":{{{Profile(prefix: warehouse)[..^1]}}},"storage-layout":{{{layout}}}},"storage-credential":{{{Credential("first-secret-value")}}}}
            """)).IsError(400, mentions);
        Assert.DoesNotContain((await _api.GetAsync("/management/v1/warehouse")).Is(200).GetProperty("warehouses").EnumerateArray(),
            w => w.GetProperty("name").GetString() == warehouse);
    }

    private async Task<(int Status, string Body)> CatalogAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _app.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

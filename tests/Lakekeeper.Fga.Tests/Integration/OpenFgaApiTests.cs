using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Lakekeeper.Fga.Tests.Integration;

/// <summary>The OpenFGA-compatible HTTP API on a real authz host with Postgres, driven by OpenFGA's own JS SDK and by raw HTTP.</summary>
public sealed class OpenFgaApiTests(FgaDatabase database) : IClassFixture<FgaDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenFgas_own_sdk_works_unchanged()
    {
        await using var host = await AuthzHost.StartAsync(database.ConnectionString, api: true);
        var result = await Node.RunAsync("openfga_sdk.js", host.ApiAddress.ToString().TrimEnd('/'), AuthzHost.ApiKey);
        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var step in new[] { "stores", "model", "write and read", "check", "batch check", "list objects", "list users", "revoke", "errors", "delete store" })
        {
            Assert.Contains("ok " + step, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Status_codes_and_error_bodies_follow_openfga()
    {
        await using var host = await AuthzHost.StartAsync(database.ConnectionString, api: true);
        using var api = host.ApiClient();

        using var created = await api.PostAsJsonAsync("stores", new { name = "raw" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var store = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        var storeId = store["id"]!.GetValue<string>();

        await AssertError(await api.PostAsJsonAsync($"stores/{storeId}/check",
            new { tuple_key = new { user = "user:a", relation = "r", @object = "doc:1" } }, Ct), HttpStatusCode.BadRequest, "latest_authorization_model_not_found");
        await AssertError(await api.GetAsync("stores/01ARZ3NDEKTSV4RRFFQ69G5FAV", Ct), HttpStatusCode.NotFound, "store_id_not_found");
        await AssertError(await api.GetAsync("stores/not-a-ulid", Ct), HttpStatusCode.BadRequest, "validation_error");
        await AssertError(await api.GetAsync("nothing-here", Ct), HttpStatusCode.NotFound, "undefined_endpoint");
        await AssertError(await api.PostAsync($"stores/{storeId}/write", new StringContent("{", System.Text.Encoding.UTF8, "application/json"), Ct),
            HttpStatusCode.BadRequest, "validation_error");
        await AssertError(await api.PostAsJsonAsync($"stores/{storeId}/write", new { }, Ct), HttpStatusCode.BadRequest, "invalid_write_input");
        await AssertError(await api.PostAsJsonAsync($"stores/{storeId}/read", new { continuation_token = "garbage" }, Ct),
            HttpStatusCode.BadRequest, "invalid_continuation_token");

        using var anonymous = host.ApiClient(key: null);
        await AssertError(await anonymous.GetAsync("stores", Ct), HttpStatusCode.Unauthorized, "bearer_token_missing");
        using var wrong = host.ApiClient(key: "wrong-key-0123456789abcdef");
        await AssertError(await wrong.GetAsync("stores", Ct), HttpStatusCode.Unauthorized, "unauthenticated");

        using var deleted = await api.DeleteAsync($"stores/{storeId}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task The_api_lives_on_its_own_port_only()
    {
        await using var host = await AuthzHost.StartAsync(database.ConnectionString, api: true);
        using var publicPort = new HttpClient { BaseAddress = await host.PublicAddressAsync() };
        using var response = await publicPort.PostAsJsonAsync("stores", new { name = "x" }, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No route", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var api = host.ApiClient();
        using var health = await api.GetAsync("health/live", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Writes_are_atomic_per_call()
    {
        await using var host = await AuthzHost.StartAsync(database.ConnectionString, api: true);
        using var api = host.ApiClient();
        var storeId = (await (await api.PostAsJsonAsync("stores", new { name = "atomic" }, Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>();
        var model = JsonNode.Parse("""
            {"schema_version":"1.1","type_definitions":[{"type":"user"},{"type":"doc","relations":{"viewer":{"this":{}}},
             "metadata":{"relations":{"viewer":{"directly_related_user_types":[{"type":"user"}]}}}}]}
            """);
        (await api.PostAsJsonAsync($"stores/{storeId}/authorization-models", model, Ct)).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"stores/{storeId}/write",
            new { writes = new { tuple_keys = new[] { new { user = "user:a", relation = "viewer", @object = "doc:1" } } } }, Ct)).EnsureSuccessStatusCode();

        // One good tuple and one duplicate: nothing of the call is applied.
        await AssertError(await api.PostAsJsonAsync($"stores/{storeId}/write", new
        {
            writes = new
            {
                tuple_keys = new[]
                {
                    new { user = "user:b", relation = "viewer", @object = "doc:1" },
                    new { user = "user:a", relation = "viewer", @object = "doc:1" },
                },
            },
        }, Ct), HttpStatusCode.BadRequest, "write_failed_due_to_invalid_input");
        var read = (await (await api.PostAsJsonAsync($"stores/{storeId}/read", new { tuple_key = new { @object = "doc:1" } }, Ct))
            .Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Single(read["tuples"]!.AsArray());
    }

    [Fact]
    public async Task Read_pages_through_every_tuple_once()
    {
        await using var host = await AuthzHost.StartAsync(database.ConnectionString, api: true);
        using var api = host.ApiClient();
        var storeId = (await (await api.PostAsJsonAsync("stores", new { name = "paging" }, Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>();
        var model = JsonNode.Parse("""
            {"schema_version":"1.1","type_definitions":[{"type":"user"},{"type":"doc","relations":{"viewer":{"this":{}}},
             "metadata":{"relations":{"viewer":{"directly_related_user_types":[{"type":"user"}]}}}}]}
            """);
        (await api.PostAsJsonAsync($"stores/{storeId}/authorization-models", model, Ct)).EnsureSuccessStatusCode();
        var written = Enumerable.Range(0, 95).Select(i => new { user = $"user:u{i:D2}", relation = "viewer", @object = $"doc:{i % 7}" }).ToArray();
        (await api.PostAsJsonAsync($"stores/{storeId}/write", new { writes = new { tuple_keys = written } }, Ct)).EnsureSuccessStatusCode();

        var seen = new List<string>();
        string token = string.Empty;
        do
        {
            var page = (await (await api.PostAsJsonAsync($"stores/{storeId}/read", new { page_size = 10, continuation_token = token }, Ct))
                .Content.ReadFromJsonAsync<JsonObject>(Ct))!;
            var tuples = page["tuples"]!.AsArray();
            Assert.True(tuples.Count <= 10);
            seen.AddRange(tuples.Select(t => t!["key"]!["user"]!.GetValue<string>() + "@" + t["key"]!["object"]!.GetValue<string>()));
            token = page["continuation_token"]!.GetValue<string>();
        }
        while (token.Length > 0);

        Assert.Equal(written.Select(w => w.user + "@" + w.@object).Order(), seen.Order());
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
            var error = JsonNode.Parse(body)!;
            Assert.Equal(code, error["code"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        }
    }
}

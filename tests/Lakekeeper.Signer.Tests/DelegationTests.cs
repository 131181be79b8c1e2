using System.Text.Json;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Sts;
using Lakekeeper.Testing;

namespace Lakekeeper.Signer.Tests;

/// <summary><see cref="SignerApp"/> plus a fake STS (no AWS here; it verifies SigV4 with botocore) and a warehouse <c>vending</c> that vends through it.</summary>
public class FakeStsSignerApp : SignerApp
{
    public const string Role = "arn:aws:iam::123456789012:role/vend";

    public FakeStsServer Sts { get; private set; } = null!;

    public string VendingPrefix { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Sts = await FakeStsServer.StartAsync(new Dictionary<string, string> { [S3rverServer.AccessKeyId] = S3rverServer.SecretAccessKey }, Region);
        await base.InitializeAsync();
        VendingPrefix = await CreateWarehouseAsync("vending", StsProfile());
        await SendAsync(HttpMethod.Post, $"/catalog/v1/{VendingPrefix}/namespaces", """{"namespace":["ns"]}""");
        await CreateTableAsync("t", VendingPrefix);
    }

    public Dictionary<string, object> StsProfile(string role = Role) => Profile(new Dictionary<string, object>
    {
        ["sts-enabled"] = true,
        ["flavor"] = "s3-compat",
        ["sts-endpoint"] = Sts.Endpoint.ToString(),
        ["sts-role-arn"] = role,
        ["sts-token-validity-seconds"] = 1200,
    });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Sts.DisposeAsync();
    }
}

/// <summary>
/// How loads hand out data access: remote-signing config, vended credentials through a fake STS,
/// the fallbacks, ETags that cover the decision, and the management API's storage updates.
/// </summary>
public sealed class DelegationTests(FakeStsSignerApp fixture) : IClassFixture<FakeStsSignerApp>
{
    private const string Delegation = "X-Iceberg-Access-Delegation";

    private string Load(string prefix, string table = "t") => $"/catalog/v1/{prefix}/namespaces/ns/tables/{table}";

    [Fact]
    public async Task Remote_signing_loads_get_the_signer_config_and_the_endpoint_signs()
    {
        var (status, json, _) = await fixture.SendAsync(HttpMethod.Get, Load(fixture.Prefix, "t1"), null, (Delegation, "remote-signing"));

        Assert.Equal(200, status);
        var config = json.GetProperty("config");
        var tableId = json.GetProperty("metadata").GetProperty("table-uuid").GetString();
        var catalogUri = fixture.App.BaseAddress.ToString().TrimEnd('/') + "/catalog/";
        var endpoint = $"v1/signer/{fixture.Prefix}/tabular-id/{tableId}/v1/aws/s3/sign";
        Assert.Equal("true", config.GetProperty("s3.remote-signing-enabled").GetString());
        Assert.Equal("S3V4RestSigner", config.GetProperty("s3.signer").GetString());
        Assert.Equal(catalogUri, config.GetProperty("signer.uri").GetString());
        Assert.Equal(catalogUri, config.GetProperty("s3.signer.uri").GetString());
        Assert.Equal(endpoint, config.GetProperty("signer.endpoint").GetString());
        Assert.Equal(endpoint, config.GetProperty("s3.signer.endpoint").GetString());
        Assert.Equal(JsonValueKind.Object, json.GetProperty("remote-signing-config").ValueKind);
        Assert.Empty(json.GetProperty("storage-credentials").EnumerateArray());
        Assert.False(config.TryGetProperty("s3.secret-access-key", out _));

        var location = json.GetProperty("metadata").GetProperty("location").GetString()!;
        using var http = new HttpClient();
        using var signed = await http.PostAsync(new Uri(new Uri(catalogUri), endpoint),
            new StringContent(SignerApp.SignBody("GET", fixture.Url(location, "/data/a.parquet")), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, signed.StatusCode);
    }

    [Fact]
    public async Task Config_lists_the_sign_endpoint_only_for_warehouses_with_remote_signing()
    {
        const string sign = "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/sign";
        var offName = "off-" + Guid.NewGuid().ToString("N")[..6];
        await fixture.CreateWarehouseAsync(offName, fixture.Profile(new Dictionary<string, object> { ["remote-signing-enabled"] = false }));

        Assert.Contains(sign, await EndpointsAsync("lake"));
        Assert.DoesNotContain(sign, await EndpointsAsync(offName));
    }

    [Fact]
    public async Task Fake_sts_vended_credentials_are_one_scoped_entry_with_expiry_and_refresh_endpoint()
    {
        var before = (await fixture.Sts.RequestsAsync()).Count;
        var (status, json, _) = await fixture.SendAsync(HttpMethod.Get, Load(fixture.VendingPrefix), null, (Delegation, "vended-credentials"));

        Assert.Equal(200, status);
        var location = json.GetProperty("metadata").GetProperty("location").GetString()!;
        var entry = Assert.Single(json.GetProperty("storage-credentials").EnumerateArray());
        Assert.Equal(location, entry.GetProperty("prefix").GetString());
        var credential = entry.GetProperty("config");
        Assert.Equal(
            ["client.refresh-credentials-endpoint", "expiration-time", "s3.access-key-id", "s3.secret-access-key", "s3.session-token", "s3.session-token-expires-at-ms"],
            credential.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.StartsWith("ASIAFAKE", credential.GetProperty("s3.access-key-id").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(S3rverServer.SecretAccessKey, credential.GetProperty("s3.secret-access-key").GetString());
        Assert.Equal($"v1/{fixture.VendingPrefix}/namespaces/ns/tables/t/credentials", credential.GetProperty("client.refresh-credentials-endpoint").GetString());
        Assert.False(json.TryGetProperty("remote-signing-config", out _));

        // The fake STS saw a signed AssumeRole with the read-write-delete policy of exactly this table, and the expiry it returned is the one sent.
        var requests = await fixture.Sts.RequestsAsync();
        var sts = requests.Count > before ? requests[^1] : requests.Last(r => r.Parameters.TryGetValue("Policy", out var p) && p.Contains(location["s3://bucket/".Length..], StringComparison.Ordinal));
        Assert.True(sts.SignatureValid);
        Assert.Equal(FakeStsSignerApp.Role, sts.Parameters["RoleArn"]);
        Assert.Equal("1200", sts.Parameters["DurationSeconds"]);
        var profile = new S3StorageProfile { Bucket = S3rverServer.Bucket, Region = SignerApp.Region };
        Assert.Equal(S3SessionPolicy.Build(profile, StorageLocation.Parse(location), S3AccessLevel.ReadWriteDelete), sts.Parameters["Policy"]);
        Assert.Equal(sts.Expiration.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            credential.GetProperty("s3.session-token-expires-at-ms").GetString());
        Assert.DoesNotContain(S3rverServer.SecretAccessKey + "\"", json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fake_sts_a_warm_cache_serves_loads_and_refresh_without_calling_sts_again()
    {
        await fixture.SendAsync(HttpMethod.Get, Load(fixture.VendingPrefix), null, (Delegation, "vended-credentials"));
        var calls = (await fixture.Sts.RequestsAsync()).Count;

        var again = await fixture.SendAsync(HttpMethod.Get, Load(fixture.VendingPrefix), null, (Delegation, "vended-credentials"));
        var refresh = await fixture.SendAsync(HttpMethod.Get, Load(fixture.VendingPrefix) + "/credentials");

        Assert.Equal(calls, (await fixture.Sts.RequestsAsync()).Count);
        var loaded = again.Json.GetProperty("storage-credentials")[0];
        var refreshed = Assert.Single(refresh.Json.GetProperty("storage-credentials").EnumerateArray());
        Assert.Equal(loaded.GetProperty("config").GetProperty("s3.access-key-id").GetString(), refreshed.GetProperty("config").GetProperty("s3.access-key-id").GetString());
    }

    [Fact]
    public async Task Fake_sts_the_etag_covers_the_delegation_mode()
    {
        var vended = await fixture.SendAsync(HttpMethod.Get, Load(fixture.VendingPrefix), null, (Delegation, "vended-credentials"));
        var signing = await fixture.SendAsync(HttpMethod.Get, Load(fixture.VendingPrefix), null, (Delegation, "remote-signing"));
        var vendedTag = vended.Response.Headers.ETag!.Tag;
        var signingTag = signing.Response.Headers.ETag!.Tag;

        Assert.NotEqual(vendedTag, signingTag);
        Assert.True(signing.Json.TryGetProperty("remote-signing-config", out _));
        Assert.Equal(304, (await fixture.SendAsync(HttpMethod.Get, Load(fixture.VendingPrefix), null, (Delegation, "vended-credentials"), ("If-None-Match", vendedTag))).Status);
        var crossed = await fixture.SendAsync(HttpMethod.Get, Load(fixture.VendingPrefix), null, (Delegation, "vended-credentials"), ("If-None-Match", signingTag));
        Assert.Equal(200, crossed.Status);
        Assert.Single(crossed.Json.GetProperty("storage-credentials").EnumerateArray());
    }

    [Theory]
    [InlineData(null, "remote")]
    [InlineData("vended-credentials, remote-signing", "remote")]
    [InlineData("vended-credentials", "none")]
    [InlineData("client-managed", "none")]
    [InlineData("telepathy", "remote")]
    public async Task Without_sts_vending_falls_back_to_remote_signing_when_the_client_takes_it(string? header, string expected)
    {
        var (status, json, _) = header is null
            ? await fixture.SendAsync(HttpMethod.Get, Load(fixture.Prefix, "t1"))
            : await fixture.SendAsync(HttpMethod.Get, Load(fixture.Prefix, "t1"), null, (Delegation, header));

        Assert.Equal(200, status);
        Assert.Empty(json.GetProperty("storage-credentials").EnumerateArray());
        Assert.Equal(expected == "remote", json.GetProperty("config").TryGetProperty("s3.remote-signing-enabled", out _));
        Assert.Equal(expected == "remote", json.TryGetProperty("remote-signing-config", out _));
    }

    [Theory]
    [InlineData("denied")]
    [InlineData("unavailable")]
    public async Task Fake_sts_when_vending_fails_a_client_that_takes_remote_signing_gets_it_instead(string failure)
    {
        // STS works when the warehouse is created (its checks ask it), and fails later: the role's trust
        // policy was changed, or STS is down. The stored role is changed behind the API's back to one the
        // fake STS refuses (403) or answers 503 for.
        var prefix = await fixture.CreateWarehouseAsync("sts-" + failure + "-" + Guid.NewGuid().ToString("N")[..6], fixture.StsProfile());
        await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["ns"]}""");
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(fixture.App.ConnectionString))
        await using (var command = dataSource.CreateCommand(
            "UPDATE warehouse SET storage_profile = jsonb_set(storage_profile, '{sts-role-arn}', to_jsonb($2::text)), version = version + 1 WHERE warehouse_id = $1"))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Guid.Parse(prefix) });
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = $"arn:aws:iam::123456789012:role/{failure}" });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await fixture.CreateTableAsync("t", prefix);
        // The catalog caches warehouse settings for a few seconds: until then it still vends with the old role.
        (int Status, JsonElement Json, HttpResponseMessage Response) either = default;
        await Eventually.TrueAsync(async () =>
        {
            either = await fixture.SendAsync(HttpMethod.Get, Load(prefix), null, (Delegation, "vended-credentials,remote-signing"));
            return either.Json.TryGetProperty("remote-signing-config", out _);
        }, TimeSpan.FromSeconds(30), "the changed role to reach the catalog");
        var signing = await fixture.SendAsync(HttpMethod.Get, Load(prefix), null, (Delegation, "remote-signing"));
        var onlyVended = await fixture.SendAsync(HttpMethod.Get, Load(prefix), null, (Delegation, "vended-credentials"));

        Assert.Equal(200, either.Status);
        Assert.Empty(either.Json.GetProperty("storage-credentials").EnumerateArray());
        Assert.Equal("true", either.Json.GetProperty("config").GetProperty("s3.remote-signing-enabled").GetString());
        Assert.True(either.Json.TryGetProperty("remote-signing-config", out _));
        // The answer's ETag is remote signing's: it revalidates a remote-signing load, and a client that
        // wants credentials once STS works again is not answered 304 with it.
        Assert.Equal(signing.Response.Headers.ETag!.Tag, either.Response!.Headers.ETag!.Tag);
        Assert.Equal(304, (await fixture.SendAsync(HttpMethod.Get, Load(prefix), null, (Delegation, "remote-signing"), ("If-None-Match", either.Response!.Headers.ETag!.Tag))).Status);
        Assert.Contains(fixture.Logs.Lines, l => l.Contains("the client gets remote signing instead", StringComparison.Ordinal));

        // A client that takes only credentials gets the 503 it got before, the reason in the log only.
        Assert.Equal(503, onlyVended.Status);
        Assert.Equal("ServiceUnavailableException", onlyVended.Json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Create_table_answers_with_the_chosen_access_too()
    {
        var created = await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{fixture.VendingPrefix}/namespaces/ns/tables",
            """{"name":"created","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""", (Delegation, "vended-credentials"));
        var signed = await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables",
            """{"name":"created","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""", (Delegation, "remote-signing"));

        Assert.Equal(200, created.Status);
        Assert.Equal(created.Json.GetProperty("metadata").GetProperty("location").GetString(), Assert.Single(created.Json.GetProperty("storage-credentials").EnumerateArray()).GetProperty("prefix").GetString());
        Assert.Equal(200, signed.Status);
        Assert.Equal("true", signed.Json.GetProperty("config").GetProperty("s3.remote-signing-enabled").GetString());
    }

    [Fact]
    public async Task Storage_updates_are_validated_bump_the_version_and_change_the_etag()
    {
        var name = "updatable-" + Guid.NewGuid().ToString("N")[..6];
        var profile = fixture.Profile();
        var prefix = await fixture.CreateWarehouseAsync(name, profile);
        await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["ns"]}""");
        await fixture.CreateTableAsync("t", prefix);
        var before = await fixture.SendAsync(HttpMethod.Get, Load(prefix), null, (Delegation, "remote-signing"));
        Assert.True(before.Json.GetProperty("config").TryGetProperty("s3.remote-signing-enabled", out _));

        // A dry run of turning on vending: every check, STS included, and nothing changes.
        var vending = new Dictionary<string, object>(profile)
        {
            ["sts-enabled"] = true, ["flavor"] = "s3-compat", ["sts-endpoint"] = fixture.Sts.Endpoint.ToString(), ["sts-role-arn"] = FakeStsSignerApp.Role,
        };
        var dry = await fixture.SendAsync(HttpMethod.Post, $"/management/v1/warehouse/{prefix}/storage/validate-profile", Body(vending));
        Assert.Equal(200, dry.Status);
        Assert.True(dry.Json.GetProperty("valid").GetBoolean(), dry.Json.GetRawText());
        Assert.Equal(["profile-well-formed", "profile-compatible", "lakekeeper-read-write", "vended-credentials-issued", "cleanup"],
            dry.Json.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        var denied = new Dictionary<string, object>(vending) { ["sts-role-arn"] = "arn:aws:iam::123456789012:role/denied" };
        var deniedDry = await fixture.SendAsync(HttpMethod.Post, $"/management/v1/warehouse/{prefix}/storage/validate-profile", Body(denied));
        Assert.False(deniedDry.Json.GetProperty("valid").GetBoolean());
        Assert.Equal("failed", deniedDry.Json.GetProperty("checks")[3].GetProperty("status").GetString());

        var moved = new Dictionary<string, object>(profile) { ["key-prefix"] = "elsewhere" };
        var movedDry = await fixture.SendAsync(HttpMethod.Post, $"/management/v1/warehouse/{prefix}/storage/validate-profile", Body(moved));
        Assert.False(movedDry.Json.GetProperty("valid").GetBoolean());
        Assert.Contains("key-prefix: cannot change", movedDry.Json.GetProperty("checks")[1].GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, $"/management/v1/warehouse/{prefix}/storage", Body(moved))).Status);
        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, $"/management/v1/warehouse/{prefix}/storage",
            Body(new Dictionary<string, object>(profile) { ["sts-token-validity-seconds"] = 5 }))).Status);

        var off = new Dictionary<string, object>(profile) { ["remote-signing-enabled"] = false };
        var updated = await fixture.SendAsync(HttpMethod.Post, $"/management/v1/warehouse/{prefix}/storage", Body(off));
        Assert.Equal(200, updated.Status);
        Assert.False(updated.Json.GetProperty("storage-profile").GetProperty("remote-signing-enabled").GetBoolean());
        Assert.Equal("access-key", updated.Json.GetProperty("storage-credential-type").GetProperty("credential-type").GetString());

        // The catalog caches warehouse settings for a few seconds: poll until the update shows.
        var after = await Eventually.ReturnsAsync(async () =>
        {
            var reply = await fixture.SendAsync(HttpMethod.Get, Load(prefix), null, (Delegation, "remote-signing"));
            return reply.Json.GetProperty("config").TryGetProperty("s3.remote-signing-enabled", out _) ? null : reply.Response;
        }, TimeSpan.FromSeconds(30), "the storage update to reach the catalog");
        Assert.NotEqual(before.Response.Headers.ETag!.Tag, after.Headers.ETag!.Tag);
    }

    private static string Body(Dictionary<string, object> profile) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["storage-profile"] = profile });

    private async Task<List<string>> EndpointsAsync(string warehouse)
    {
        var (status, json, _) = await fixture.SendAsync(HttpMethod.Get, $"/catalog/v1/config?warehouse={warehouse}");
        Assert.Equal(200, status);
        return [.. json.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()!)];
    }
}

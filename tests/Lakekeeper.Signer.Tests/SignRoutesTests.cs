namespace Lakekeeper.Signer.Tests;

/// <summary>The sign routes on an S3 warehouse: what is signed, by which route, and every hostile request refused and logged.</summary>
public sealed class SignRoutesTests(SignerApp fixture) : IClassFixture<SignerApp>
{
    private string Table(string table = "t1") => $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/{table}/sign";

    [Fact]
    public async Task A_read_inside_the_table_is_signed_with_the_warehouse_key_and_cacheable()
    {
        var location = await fixture.LocationAsync("t1");
        var uri = fixture.Url(location, "/data/00000-0.parquet");

        var (status, json, response) = await fixture.SendAsync(HttpMethod.Post, Table(), SignerApp.SignBody("GET", uri,
            headers: new Dictionary<string, string[]> { ["Range"] = ["bytes=0-99"], ["amz-sdk-invocation-id"] = ["abc"] }));

        Assert.Equal(200, status);
        Assert.Equal(uri, json.GetProperty("uri").GetString());
        var headers = json.GetProperty("headers");
        var authorization = headers.GetProperty("authorization")[0].GetString()!;
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={Lakekeeper.Testing.S3rverServer.AccessKeyId}/", authorization, StringComparison.Ordinal);
        Assert.Contains($"/{SignerApp.Region}/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=", authorization, StringComparison.Ordinal);
        Assert.Equal("UNSIGNED-PAYLOAD", headers.GetProperty("x-amz-content-sha256")[0].GetString());
        Assert.Equal("bytes=0-99", headers.GetProperty("Range")[0].GetString());
        Assert.Equal("private", response.Headers.CacheControl?.ToString());
        Assert.DoesNotContain(Lakekeeper.Testing.S3rverServer.SecretAccessKey + "\"", json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_and_deletes_are_signed_and_not_cacheable()
    {
        var location = await fixture.LocationAsync("t1");
        var keys = Enumerable.Range(0, 3).Select(i => $"{location["s3://bucket/".Length..]}/data/{i}.parquet");

        var put = await fixture.SendAsync(HttpMethod.Post, Table(), SignerApp.SignBody("PUT", fixture.Url(location, "/data/new.parquet?x-id=PutObject")));
        var delete = await fixture.SendAsync(HttpMethod.Post, Table(), SignerApp.SignBody("POST", fixture.S3.Endpoint + "bucket?delete",
            body: DeleteBody(keys)));

        Assert.Equal(200, put.Status);
        Assert.Equal("no-cache", put.Response.Headers.CacheControl?.ToString());
        Assert.Equal(200, delete.Status);
        Assert.Matches("^[0-9a-f]{64}$", delete.Json.GetProperty("headers").GetProperty("x-amz-content-sha256")[0].GetString()!);
    }

    [Fact]
    public async Task Every_route_signs_and_the_legacy_global_route_needs_a_warehouse()
    {
        var location = await fixture.LocationAsync("t2");
        var t2 = (await fixture.SendAsync(HttpMethod.Get, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/t2")).Json.GetProperty("metadata").GetProperty("table-uuid").GetString();
        var t1 = (await fixture.SendAsync(HttpMethod.Get, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/t1")).Json.GetProperty("metadata").GetProperty("table-uuid").GetString();
        var body = SignerApp.SignBody("GET", fixture.Url(location, "/metadata/x.json"));

        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, Table("t2"), body)).Status);
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/signer/{fixture.Prefix}/tabular-id/{t2}/v1/aws/s3/sign", body)).Status);
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{fixture.Prefix}/v1/aws/s3/sign", body)).Status);
        // Lakekeeper's tabular-id route falls back to the table that holds the file (older PyIceberg reuses one signer URI);
        // the spec's per-table route does not: another table's file through it is refused.
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/signer/{fixture.Prefix}/tabular-id/{t1}/v1/aws/s3/sign", body)).Status);
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/signer/{fixture.Prefix}/tabular-id/{Guid.NewGuid()}/v1/aws/s3/sign", body)).Status);
        Assert.Equal(403, (await fixture.SendAsync(HttpMethod.Post, Table("t1"), body)).Status);
        var missing = await fixture.SendAsync(HttpMethod.Post, Table("nope"), body);
        Assert.Equal(403, missing.Status);
        Assert.Contains("Table does not exist: ns.nope", missing.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var outsideAnyTable = await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{fixture.Prefix}/v1/aws/s3/sign",
            SignerApp.SignBody("GET", fixture.Url("s3://bucket/" + location["s3://bucket/".Length..].Split('/')[0], "/ns/not-a-table/x")));
        Assert.Equal(403, outsideAnyTable.Status);

        var legacy = await fixture.SendAsync(HttpMethod.Post, "/catalog/v1/aws/s3/sign", body);
        Assert.Equal(400, legacy.Status);
        Assert.Contains("A warehouse is required", legacy.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var unknown = await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{Guid.NewGuid()}/v1/aws/s3/sign", body);
        Assert.Equal(404, unknown.Status);
        Assert.Equal("NoSuchWarehouseException", unknown.Json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_provider_is_s3_or_absent()
    {
        var uri = fixture.Url(await fixture.LocationAsync("t1"), "/data/a");

        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, Table(), SignerApp.SignBody("GET", uri, provider: "s3"))).Status);
        var gcs = await fixture.SendAsync(HttpMethod.Post, Table(), SignerApp.SignBody("GET", uri, provider: "gcs"));
        Assert.Equal(400, gcs.Status);
        Assert.Contains("provider 'gcs' is not supported", gcs.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, int, string> Hostile => new()
    {
        { "another table's key", "other-table", 403, "outside the table location" },
        { "a '..' segment", "dotdot", 403, "'..' segment" },
        { "an encoded traversal", "encoded-dotdot", 403, "'..' segment" },
        { "a sibling-prefix listing", "sibling-list", 403, "does not lie inside the table location" },
        { "one foreign key among 999 good ones", "delete-999+1", 403, "outside the table location" },
        { "the wrong region", "region", 403, "not the warehouse's region" },
        { "a view", "view", 403, "a view is never signed" },
        { "duplicated query parameters", "duplicate-query", 400, "appears more than once" },
        { "a method that is not S3's", "patch", 405, "is not signed" },
        { "another bucket", "bucket", 403, "not the warehouse's bucket" },
        { "another host", "host", 403, "not the warehouse's S3 endpoint" },
        { "a public ACL", "acl", 403, "changes access to objects" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Hostile_sign_requests_are_refused_and_logged(string what, string kind, int status, string reason)
    {
        var t1 = await fixture.LocationAsync("t1");
        var t2 = await fixture.LocationAsync("t2");
        var t1Key = t1["s3://bucket/".Length..];
        var endpoint = fixture.S3.Endpoint.ToString().TrimEnd('/');
        var body = kind switch
        {
            "other-table" => SignerApp.SignBody("GET", fixture.Url(t2, "/data/secret.parquet")),
            "dotdot" => SignerApp.SignBody("GET", fixture.Url(t1, "/../" + t2[(t2.LastIndexOf('/') + 1)..] + "/data/secret.parquet")),
            "encoded-dotdot" => SignerApp.SignBody("GET", fixture.Url(t1, "/data%2F..%2F..%2Fother/x")),
            "sibling-list" => SignerApp.SignBody("GET", $"{endpoint}/bucket?list-type=2&prefix={Uri.EscapeDataString(t1Key)}"),
            "delete-999+1" => SignerApp.SignBody("POST", $"{endpoint}/bucket?delete",
                body: DeleteBody([.. Enumerable.Range(0, 999).Select(i => $"{t1Key}/data/{i}.parquet"), $"{t2["s3://bucket/".Length..]}/data/x.parquet"])),
            "region" => SignerApp.SignBody("GET", fixture.Url(t1, "/data/a"), region: "eu-west-1"),
            "view" => SignerApp.SignBody("GET", fixture.Url(await ViewLocationAsync(), "/metadata/x.json")),
            "duplicate-query" => SignerApp.SignBody("GET", $"{endpoint}/bucket?list-type=2&prefix={Uri.EscapeDataString(t1Key + "/")}&prefix={Uri.EscapeDataString(t1Key + "/")}"),
            "patch" => SignerApp.SignBody("PATCH", fixture.Url(t1, "/data/a")),
            "bucket" => SignerApp.SignBody("GET", $"{endpoint}/other-bucket/{t1Key}/data/a"),
            "host" => SignerApp.SignBody("GET", $"http://evil.example.com/bucket/{t1Key}/data/a"),
            "acl" => SignerApp.SignBody("PUT", fixture.Url(t1, "/data/a"), headers: new Dictionary<string, string[]> { ["x-amz-acl"] = ["public-read"] }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        // A view is reached by location (the warehouse route): the per-table route would already refuse it as outside t1.
        var route = kind == "view" ? $"/catalog/v1/{fixture.Prefix}/v1/aws/s3/sign" : Table();
        var (actual, json, _) = await fixture.SendAsync(HttpMethod.Post, route, body);

        Assert.True(status == actual, $"{what}: expected {status}, got {actual}: {json}");
        var message = json.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.False(json.TryGetProperty("headers", out _));
        Assert.Contains(fixture.Logs.Lines, line => line.StartsWith("Warning ", StringComparison.Ordinal) && line.Contains("[LogRefused]", StringComparison.Ordinal) && line.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_20_megabyte_body_is_refused_before_it_is_read_and_logged()
    {
        var huge = SignerApp.SignBody("POST", fixture.S3.Endpoint + "bucket?delete", body: new string('x', 20 * 1024 * 1024));

        var (status, json, _) = await fixture.SendAsync(HttpMethod.Post, Table(), huge);

        Assert.Equal(413, status);
        Assert.Contains("larger than", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(fixture.Logs.Lines, line => line.StartsWith("Warning ", StringComparison.Ordinal) && line.Contains("[LogRefused]", StringComparison.Ordinal) && line.Contains("(413)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_sign_requests_are_400()
    {
        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, Table(), "{not json")).Status);
        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, Table(), """{"region":"us-east-1","method":"GET","headers":{}}""")).Status);
        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, Table(), """{"region":"us-east-1","method":"GET","uri":"http://x/b/k","headers":{"a":"not-a-list"}}""")).Status);
        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, Table(), SignerApp.SignBody("GET", "not a url"))).Status);
        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, Table(), SignerApp.SignBody("GET", fixture.Url(await fixture.LocationAsync("t1"), "/a"),
            headers: new Dictionary<string, string[]> { ["x-bad"] = ["a\r\nInjected: yes"] }))).Status);
    }

    [Fact]
    public async Task A_warehouse_with_remote_signing_off_signs_nothing()
    {
        var prefix = await fixture.CreateWarehouseAsync("no-signing-" + Guid.NewGuid().ToString("N")[..6],
            fixture.Profile(new Dictionary<string, object> { ["remote-signing-enabled"] = false }));
        await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["ns"]}""");
        await fixture.CreateTableAsync("t", prefix);
        var location = await fixture.LocationAsync("t", prefix);

        var (status, json, _) = await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces/ns/tables/t/sign",
            SignerApp.SignBody("GET", fixture.Url(location, "/data/a")));

        Assert.Equal(403, status);
        Assert.Contains("Remote signing is disabled", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> ViewLocationAsync()
    {
        var (_, json, _) = await fixture.SendAsync(HttpMethod.Get, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/views/v");
        return json.GetProperty("metadata").GetProperty("location").GetString()!;
    }

    internal static string DeleteBody(IEnumerable<string> keys) =>
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        + string.Concat(keys.Select(k => $"<Object><Key>{System.Security.SecurityElement.Escape(k)}</Key></Object>"))
        + "<Quiet>true</Quiet></Delete>";
}

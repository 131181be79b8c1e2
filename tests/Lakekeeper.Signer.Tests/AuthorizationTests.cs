using System.Net.Http.Json;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Sts;
using Lakekeeper.Testing;

namespace Lakekeeper.Signer.Tests;

/// <summary>
/// <see cref="FakeStsSignerApp"/> with a real identity provider (npm oidc-provider), so the builtin
/// authorizer decides with Lakekeeper's model: the admin bootstraps and owns everything (the fixture's
/// <see cref="SignerApp.Client"/> carries its token), and grants on the tables <c>lake.ns.t1</c> and
/// <c>vending.ns.t</c>: <see cref="Reader"/> <c>select</c>, <see cref="Writer"/> <c>modify</c>,
/// <see cref="Viewer"/> <c>describe</c>; <see cref="Stranger"/> holds nothing in either warehouse.
/// Information logs are captured.
/// </summary>
public sealed class BuiltinSignerApp : FakeStsSignerApp
{
    public static readonly OidcClient Admin = new("admin");
    public static readonly OidcClient Reader = new("reader");
    public static readonly OidcClient Writer = new("writer");
    public static readonly OidcClient Viewer = new("viewer");
    public static readonly OidcClient Stranger = new("stranger");

    private readonly Dictionary<string, string> _tokens = [];

    public OidcProvider Idp { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Log:Level"] = "Information",
        ["OPENID_PROVIDER_URI"] = Idp.IssuerText,
        ["OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
        // An identity provider selects builtin; said here so that the test does not depend on the default.
        ["AUTHZ_BACKEND"] = "builtin",
    };

    public override async ValueTask InitializeAsync()
    {
        Idp = await OidcProvider.StartAsync([Admin, Reader, Writer, Viewer, Stranger]);
        await base.InitializeAsync();
        foreach (var (prefix, table) in new[] { (Prefix, "t1"), (VendingPrefix, "t") })
        {
            var (_, json, _) = await SendAsync(HttpMethod.Get, $"/catalog/v1/{prefix}/namespaces/ns/tables/{table}");
            var tableId = json.GetProperty("metadata").GetProperty("table-uuid").GetString();
            using var granted = await Client.PostAsJsonAsync($"/management/v1/permissions/warehouse/{prefix}/table/{tableId}/assignments", new
            {
                writes = new[]
                {
                    new { type = "select", user = "oidc~" + Reader.Id },
                    new { type = "modify", user = "oidc~" + Writer.Id },
                    new { type = "describe", user = "oidc~" + Viewer.Id },
                },
            });
            Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
        }
    }

    protected override async Task OnStartedAsync() =>
        Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await TokenAsync(Admin));

    /// <summary>The <c>Authorization</c> header of <paramref name="client"/> (it takes precedence over the admin's default).</summary>
    public async Task<(string Name, string Value)> As(OidcClient client) => ("Authorization", "Bearer " + await TokenAsync(client));

    private async Task<string> TokenAsync(OidcClient client)
    {
        if (!_tokens.TryGetValue(client.Id, out var token))
        {
            token = await Idp.GetTokenAsync(client);
            _tokens[client.Id] = token;
        }

        return token;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Idp.DisposeAsync();
    }
}

/// <summary>
/// What the caller's permissions decide, with the builtin engine and real grants: which sign requests
/// are signed, the level of vended credentials (through the fake STS), the ETag that keeps one level's
/// answer from another, and the logged reason when a caller gets no credentials.
/// </summary>
public sealed class AuthorizationTests(BuiltinSignerApp fixture) : IClassFixture<BuiltinSignerApp>
{
    private const string Delegation = "X-Iceberg-Access-Delegation";

    private string Sign => $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/t1/sign";

    private string VendingLoad => $"/catalog/v1/{fixture.VendingPrefix}/namespaces/ns/tables/t";

    [Fact]
    public async Task A_reader_with_select_gets_reads_signed_but_writes_and_deletes_are_refused_and_logged()
    {
        var location = await fixture.LocationAsync("t1");
        var key = location["s3://bucket/".Length..];
        var reader = await fixture.As(BuiltinSignerApp.Reader);

        var read = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("GET", fixture.Url(location, "/data/a.parquet")), reader);
        var list = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("GET",
            $"{fixture.S3.Endpoint.ToString().TrimEnd('/')}/bucket?list-type=2&prefix={Uri.EscapeDataString(key + "/")}"), reader);
        var put = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("PUT", fixture.Url(location, "/data/b.parquet")), reader);
        var delete = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("DELETE", fixture.Url(location, "/data/a.parquet")), reader);
        var bulkDelete = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("POST", fixture.S3.Endpoint + "bucket?delete",
            body: SignRoutesTests.DeleteBody([key + "/data/a.parquet"])), reader);
        var upload = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("POST", fixture.Url(location, "/data/c.parquet?uploads")), reader);

        Assert.Equal(200, read.Status);
        Assert.Equal(200, list.Status);
        foreach (var (status, json, _) in new[] { put, delete, bulkDelete, upload })
        {
            Assert.Equal(403, status);
            Assert.Equal("Forbidden: can_write_data on the table", json.GetProperty("error").GetProperty("message").GetString());
            Assert.False(json.TryGetProperty("headers", out _));
        }

        Assert.Equal(4, fixture.Logs.Lines.Count(line => line.StartsWith("Warning ", StringComparison.Ordinal)
            && line.Contains("[LogRefused]", StringComparison.Ordinal) && line.Contains(fixture.Prefix, StringComparison.Ordinal)
            && line.Contains("can_write_data on the table", StringComparison.Ordinal)));

        // modify on the table signs the same write.
        var writer = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("PUT", fixture.Url(location, "/data/b.parquet")),
            await fixture.As(BuiltinSignerApp.Writer));
        Assert.Equal(200, writer.Status);
    }

    [Theory]
    [InlineData("viewer", "Forbidden: can_read_data on the table")]
    [InlineData("stranger", "Forbidden: can_use on the warehouse")]
    public async Task Without_read_access_or_the_warehouse_nothing_is_signed(string user, string message)
    {
        var location = await fixture.LocationAsync("t1");
        var caller = await fixture.As(user == "viewer" ? BuiltinSignerApp.Viewer : BuiltinSignerApp.Stranger);

        var (status, json, _) = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("GET", fixture.Url(location, "/data/a.parquet")), caller);

        Assert.Equal(403, status);
        Assert.Equal(message, json.GetProperty("error").GetProperty("message").GetString());
        Assert.False(json.TryGetProperty("headers", out _));
        Assert.Contains(fixture.Logs.Lines, line => line.Contains("[LogRefused]", StringComparison.Ordinal)
            && line.Contains(message["Forbidden: ".Length..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fake_sts_a_reader_gets_read_only_credentials_under_an_etag_of_its_own()
    {
        var writer = await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"), await fixture.As(BuiltinSignerApp.Writer));
        Assert.Equal(200, writer.Status);
        var writerTag = writer.Response.Headers.ETag!.Tag;
        var writerKey = writer.Json.GetProperty("storage-credentials")[0].GetProperty("config").GetProperty("s3.access-key-id").GetString();
        var location = writer.Json.GetProperty("metadata").GetProperty("location").GetString()!;
        var profile = new S3StorageProfile { Bucket = S3rverServer.Bucket, Region = SignerApp.Region };
        var readOnlyPolicy = S3SessionPolicy.Build(profile, StorageLocation.Parse(location), S3AccessLevel.Read);

        var asReader = await fixture.As(BuiltinSignerApp.Reader);
        var reader = await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"), ("If-None-Match", writerTag), asReader);

        // The writer's ETag does not let the reader keep the writer's credentials: a full answer with its own.
        Assert.Equal(200, reader.Status);
        var readerTag = reader.Response.Headers.ETag!.Tag;
        Assert.NotEqual(writerTag, readerTag);
        var credential = Assert.Single(reader.Json.GetProperty("storage-credentials").EnumerateArray()).GetProperty("config");
        Assert.NotEqual(writerKey, credential.GetProperty("s3.access-key-id").GetString());
        var sts = (await fixture.Sts.RequestsAsync()).Where(r => r.Parameters.TryGetValue("Policy", out var policy) && policy == readOnlyPolicy).ToList();
        Assert.True(sts.Count >= 1, "the fake STS never received the read-only session policy of the table");
        Assert.All(sts, r => Assert.True(r.SignatureValid));
        Assert.Equal(304, (await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"), ("If-None-Match", readerTag), asReader)).Status);

        // Refreshing follows the caller's level too.
        var refreshed = await fixture.SendAsync(HttpMethod.Get, VendingLoad + "/credentials", null, asReader);
        Assert.Equal(credential.GetProperty("s3.access-key-id").GetString(),
            Assert.Single(refreshed.Json.GetProperty("storage-credentials").EnumerateArray()).GetProperty("config").GetProperty("s3.access-key-id").GetString());
    }

    [Fact]
    public async Task Fake_sts_a_caller_without_data_access_gets_no_credentials_and_the_log_says_why()
    {
        var viewer = await fixture.As(BuiltinSignerApp.Viewer);
        var (status, json, _) = await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"), viewer);
        var refreshed = await fixture.SendAsync(HttpMethod.Get, VendingLoad + "/credentials", null, viewer);

        Assert.Equal(200, status);
        Assert.Empty(json.GetProperty("storage-credentials").EnumerateArray());
        Assert.False(json.GetProperty("config").TryGetProperty("s3.session-token", out _));
        // Refreshing needs can_read_data on the table (the table itself stays visible: 403, not 404).
        Assert.Equal(403, refreshed.Status);
        Assert.False(refreshed.Json.TryGetProperty("storage-credentials", out _));
        Assert.Contains(fixture.Logs.Lines, line => line.Contains("[LogNoVending]", StringComparison.Ordinal)
            && line.Contains("the caller has neither can_read_data nor can_write_data", StringComparison.Ordinal));

        // A stranger does not even see the table: the 404 of a missing one.
        var stranger = await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"), await fixture.As(BuiltinSignerApp.Stranger));
        Assert.Equal(404, stranger.Status);
    }

    [Fact]
    public async Task Without_sts_a_client_that_takes_only_vended_credentials_gets_none_and_the_log_says_why()
    {
        var (status, json, _) = await fixture.SendAsync(HttpMethod.Get, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/t1", null, (Delegation, "vended-credentials"),
            await fixture.As(BuiltinSignerApp.Reader));

        Assert.Equal(200, status);
        Assert.Empty(json.GetProperty("storage-credentials").EnumerateArray());
        Assert.False(json.GetProperty("config").TryGetProperty("s3.remote-signing-enabled", out _));
        Assert.Contains(fixture.Logs.Lines, line => line.Contains("[LogNoVending]", StringComparison.Ordinal)
            && line.Contains("sts-enabled is false and the client does not accept remote signing", StringComparison.Ordinal));
    }
}

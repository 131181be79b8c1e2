using Lakekeeper.Authz;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Sts;
using Lakekeeper.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Signer.Tests;

/// <summary>The relations a test currently denies; every other check gets the configured authorizer's answer.</summary>
public sealed class DeniedRelations
{
    private volatile string[] _denied = [];

    public void Set(params string[] relations) => _denied = relations;

    public bool Contains(string relation) => Array.IndexOf(_denied, relation) >= 0;
}

/// <summary>
/// The configured authorizer (allow-all in the test kit) with some relations denied. It stands in for an
/// engine that can say no: the builtin engine needs the ownership tuples the catalog does not write yet,
/// and an OpenFGA server cannot run here.
/// </summary>
internal sealed class DenyingAuthorizer(IAuthorizer inner, DeniedRelations denied) : IAuthorizer
{
    public async ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default) =>
        !denied.Contains(relation) && await inner.CheckAsync(principal, target, relation, cancellationToken);

    public async ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default)
    {
        var answers = await inner.BatchCheckAsync(principal, items, cancellationToken);
        return [.. items.Select((item, i) => answers[i] && !denied.Contains(item.Relation))];
    }

    public ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default) =>
        inner.ListObjectsAsync(principal, objectType, relation, within, cancellationToken);

    public ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default) =>
        inner.WriteRelationshipsAsync(relationships, cancellationToken);

    public ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default) =>
        inner.DeleteRelationshipsAsync(relationships, cancellationToken);

    public ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default) =>
        inner.ReadRelationshipsAsync(query, cancellationToken);
}

/// <summary><see cref="FakeStsSignerApp"/> whose authorizer denies what <see cref="Denied"/> holds; Information logs are captured.</summary>
public sealed class DenyingSignerApp : FakeStsSignerApp
{
    public DeniedRelations Denied { get; } = new();

    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Log:Level"] = "Information" };

    protected override void ConfigureServices(IServiceCollection services)
    {
        var configured = services.Last(d => d.ServiceType == typeof(IAuthorizer) && !d.IsKeyedService);
        services.Remove(configured);
        services.AddSingleton(Denied);
        services.AddSingleton<IAuthorizer>(provider => new DenyingAuthorizer(Build(configured, provider), provider.GetRequiredService<DeniedRelations>()));
    }

    private static IAuthorizer Build(ServiceDescriptor descriptor, IServiceProvider provider) => (IAuthorizer)(
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(provider)
        ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!));
}

/// <summary>
/// What the caller's permissions decide: which sign requests are signed, the level of vended credentials
/// (through the fake STS), the ETag that keeps one level's answer from another, and the logged reason
/// when a caller gets no credentials. The authorizer denies chosen relations (see <see cref="DenyingAuthorizer"/>).
/// </summary>
public sealed class AuthorizationTests(DenyingSignerApp fixture) : IClassFixture<DenyingSignerApp>
{
    private const string Delegation = "X-Iceberg-Access-Delegation";

    private string Sign => $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/t1/sign";

    private string VendingLoad => $"/catalog/v1/{fixture.VendingPrefix}/namespaces/ns/tables/t";

    [Fact]
    public async Task With_denied_write_access_reads_are_signed_but_writes_and_deletes_are_refused_and_logged()
    {
        fixture.Denied.Set(Relations.CanWriteData);
        var location = await fixture.LocationAsync("t1");
        var key = location["s3://bucket/".Length..];

        var read = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("GET", fixture.Url(location, "/data/a.parquet")));
        var list = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("GET",
            $"{fixture.S3.Endpoint.ToString().TrimEnd('/')}/bucket?list-type=2&prefix={Uri.EscapeDataString(key + "/")}"));
        var put = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("PUT", fixture.Url(location, "/data/b.parquet")));
        var delete = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("DELETE", fixture.Url(location, "/data/a.parquet")));
        var bulkDelete = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("POST", fixture.S3.Endpoint + "bucket?delete",
            body: SignRoutesTests.DeleteBody([key + "/data/a.parquet"])));
        var upload = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("POST", fixture.Url(location, "/data/c.parquet?uploads")));

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
    }

    [Theory]
    [InlineData("can_read_data", "Forbidden: can_read_data on the table")]
    [InlineData("can_use", "Forbidden: can_use on the warehouse")]
    public async Task Without_read_access_or_the_warehouse_nothing_is_signed(string denied, string message)
    {
        fixture.Denied.Set();
        var location = await fixture.LocationAsync("t1");
        fixture.Denied.Set(denied);

        var (status, json, _) = await fixture.SendAsync(HttpMethod.Post, Sign, SignerApp.SignBody("GET", fixture.Url(location, "/data/a.parquet")));

        Assert.Equal(403, status);
        Assert.Equal(message, json.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Fake_sts_a_reader_gets_read_only_credentials_under_an_etag_of_its_own()
    {
        fixture.Denied.Set();
        var writer = await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"));
        var writerTag = writer.Response.Headers.ETag!.Tag;
        var writerKey = writer.Json.GetProperty("storage-credentials")[0].GetProperty("config").GetProperty("s3.access-key-id").GetString();
        var location = writer.Json.GetProperty("metadata").GetProperty("location").GetString()!;
        var profile = new S3StorageProfile { Bucket = S3rverServer.Bucket, Region = SignerApp.Region };
        var readOnlyPolicy = S3SessionPolicy.Build(profile, StorageLocation.Parse(location), S3AccessLevel.Read);

        fixture.Denied.Set(Relations.CanWriteData);
        var reader = await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"), ("If-None-Match", writerTag));

        // The writer's ETag does not let the reader keep the writer's credentials: a full answer with its own.
        Assert.Equal(200, reader.Status);
        var readerTag = reader.Response.Headers.ETag!.Tag;
        Assert.NotEqual(writerTag, readerTag);
        var credential = Assert.Single(reader.Json.GetProperty("storage-credentials").EnumerateArray()).GetProperty("config");
        Assert.NotEqual(writerKey, credential.GetProperty("s3.access-key-id").GetString());
        var sts = (await fixture.Sts.RequestsAsync()).Where(r => r.Parameters.TryGetValue("Policy", out var policy) && policy == readOnlyPolicy).ToList();
        Assert.True(sts.Count >= 1, "the fake STS never received the read-only session policy of the table");
        Assert.All(sts, r => Assert.True(r.SignatureValid));
        Assert.Equal(304, (await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"), ("If-None-Match", readerTag))).Status);

        // Refreshing follows the caller's level too.
        var refreshed = await fixture.SendAsync(HttpMethod.Get, VendingLoad + "/credentials");
        Assert.Equal(credential.GetProperty("s3.access-key-id").GetString(),
            Assert.Single(refreshed.Json.GetProperty("storage-credentials").EnumerateArray()).GetProperty("config").GetProperty("s3.access-key-id").GetString());
    }

    [Fact]
    public async Task Fake_sts_a_caller_without_data_access_gets_no_credentials_and_the_log_says_why()
    {
        fixture.Denied.Set(Relations.CanReadData, Relations.CanWriteData);

        var (status, json, _) = await fixture.SendAsync(HttpMethod.Get, VendingLoad, null, (Delegation, "vended-credentials"));
        var refreshed = await fixture.SendAsync(HttpMethod.Get, VendingLoad + "/credentials");

        Assert.Equal(200, status);
        Assert.Empty(json.GetProperty("storage-credentials").EnumerateArray());
        Assert.False(json.GetProperty("config").TryGetProperty("s3.session-token", out _));
        // Refreshing needs can_read_data on the table (the table itself stays visible: 403, not 404).
        Assert.Equal(403, refreshed.Status);
        Assert.False(refreshed.Json.TryGetProperty("storage-credentials", out _));
        Assert.Contains(fixture.Logs.Lines, line => line.Contains("[LogNoVending]", StringComparison.Ordinal)
            && line.Contains("the caller has neither can_read_data nor can_write_data", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_sts_a_client_that_takes_only_vended_credentials_gets_none_and_the_log_says_why()
    {
        fixture.Denied.Set();

        var (status, json, _) = await fixture.SendAsync(HttpMethod.Get, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/t1", null, (Delegation, "vended-credentials"));

        Assert.Equal(200, status);
        Assert.Empty(json.GetProperty("storage-credentials").EnumerateArray());
        Assert.False(json.GetProperty("config").TryGetProperty("s3.remote-signing-enabled", out _));
        Assert.Contains(fixture.Logs.Lines, line => line.Contains("[LogNoVending]", StringComparison.Ordinal)
            && line.Contains("sts-enabled is false and the client does not accept remote signing", StringComparison.Ordinal));
    }
}

using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary><c>X-Iceberg-Access-Delegation</c>: a comma list; unknown mechanisms are ignored; a file warehouse never gets a credential.</summary>
public sealed class AccessDelegationTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Known_mechanisms_are_accepted_and_unknown_ones_ignored()
    {
        string[] ns = ["delegation"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");

        var pyiceberg = await _http.GetAsync(_http.TableUrl(ns, "t"), ("X-Iceberg-Access-Delegation", "vended-credentials"));
        var both = await _http.GetAsync(_http.TableUrl(ns, "t"), ("X-Iceberg-Access-Delegation", "vended-credentials, remote-signing"));
        var unknown = await _http.GetAsync(_http.TableUrl(ns, "t"), ("X-Iceberg-Access-Delegation", "vended-credentials,telepathy"));
        var create = await _http.PostAsync(_http.Url("namespaces/delegation/tables"), CatalogHttp.CreateTableBody("u"), ("X-Iceberg-Access-Delegation", "telepathy"));

        Assert.Equal(200, pyiceberg.Status);
        Assert.Equal(200, both.Status);
        Assert.Empty(pyiceberg.Json.GetProperty("storage-credentials").EnumerateArray());
        Assert.Equal(200, unknown.Status);
        Assert.Empty(unknown.Json.GetProperty("storage-credentials").EnumerateArray());
        Assert.Equal(200, create.Status);
        Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(ns, "u"))).Status);
        Assert.False(both.Json.GetProperty("config").TryGetProperty("s3.remote-signing-enabled", out _));
        Assert.False(both.Json.TryGetProperty("remote-signing-config", out _));
    }
}

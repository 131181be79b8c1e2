using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary><c>X-Iceberg-Access-Delegation</c>: known mechanisms accepted, anything else a 400; never a credential.</summary>
public sealed class AccessDelegationTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Known_mechanisms_are_accepted_and_unknown_ones_refused()
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
        ErrorAssert.Contains(unknown, 400, "BadRequestException", "unknown mechanism 'telepathy'");
        ErrorAssert.Contains(create, 400, "BadRequestException", "unknown mechanism 'telepathy'");
        Assert.Equal(404, (await _http.GetAsync(_http.TableUrl(ns, "u"))).Status);
    }
}

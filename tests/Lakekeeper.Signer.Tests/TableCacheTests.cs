using System.Diagnostics;
using Lakekeeper.Testing;

namespace Lakekeeper.Signer.Tests;

/// <summary>
/// The signer's table cache (<c>LAKEKEEPER__SIGNER__TABLECACHEDURATION</c>, 2 s): tables found are reused,
/// a refusal is always decided on a fresh lookup, and a dropped table stops being signable within the bound.
/// </summary>
public sealed class TableCacheTests(SignerApp fixture) : IClassFixture<SignerApp>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_table_created_after_a_refused_sign_is_signable_at_once()
    {
        var name = "late_" + Guid.NewGuid().ToString("N")[..6];
        var sign = Route(name);
        var early = await fixture.SendAsync(HttpMethod.Post, sign, SignerApp.SignBody("GET", fixture.S3.Endpoint + "bucket/anything/x.parquet"));
        Assert.Equal(403, early.Status);

        await fixture.CreateTableAsync(name);
        var location = await fixture.LocationAsync(name);

        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, sign, SignerApp.SignBody("PUT", fixture.Url(location, "/data/1.parquet")))).Status);
    }

    [Fact]
    public async Task A_table_dropped_and_created_again_elsewhere_is_signable_at_once_and_the_old_files_are_refused_within_the_bound()
    {
        var name = "again_" + Guid.NewGuid().ToString("N")[..6];
        var sign = Route(name);
        await fixture.CreateTableAsync(name);
        var oldLocation = await fixture.LocationAsync(name);
        var oldFile = SignerApp.SignBody("GET", fixture.Url(oldLocation, "/data/old.parquet"));
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, sign, oldFile)).Status); // now cached

        var dropped = Stopwatch.StartNew();
        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Delete, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/{name}")).Status);
        await fixture.CreateTableAsync(name);
        var newLocation = await fixture.LocationAsync(name);
        Assert.NotEqual(oldLocation, newLocation);

        // The cached row says the old location: the request for the new one is refused by it, asked again, and signed.
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, sign, SignerApp.SignBody("PUT", fixture.Url(newLocation, "/data/new.parquet")))).Status);

        await Eventually.TrueAsync(async () => (await fixture.SendAsync(HttpMethod.Post, sign, oldFile)).Status == 403, Bound * 5, "the old location to be refused");
        Assert.True(dropped.Elapsed < Bound + TimeSpan.FromSeconds(3), $"the dropped table's files were signable for {dropped.Elapsed}");
    }

    [Fact]
    public async Task A_dropped_table_is_refused_by_id_within_the_bound()
    {
        var name = "byid_" + Guid.NewGuid().ToString("N")[..6];
        var created = await fixture.CreateTableAsync(name);
        var id = created.GetProperty("metadata").GetProperty("table-uuid").GetString();
        var location = await fixture.LocationAsync(name);
        var sign = $"/catalog/v1/signer/{fixture.Prefix}/tabular-id/{id}/v1/aws/s3/sign";
        var body = SignerApp.SignBody("GET", fixture.Url(location, "/data/1.parquet"));
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, sign, body)).Status);

        var dropped = Stopwatch.StartNew();
        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Delete, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/{name}")).Status);

        await Eventually.TrueAsync(async () => (await fixture.SendAsync(HttpMethod.Post, sign, body)).Status == 403, Bound * 5, "the dropped table to be refused");
        Assert.True(dropped.Elapsed < Bound + TimeSpan.FromSeconds(3), $"the dropped table's files were signable for {dropped.Elapsed}");
    }

    private string Route(string table) => $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/{table}/sign";
}

/// <summary>With the table cache off, a drop takes effect on the next sign request.</summary>
public sealed class NoTableCacheTests(NoTableCacheTests.App fixture) : IClassFixture<NoTableCacheTests.App>
{
    public sealed class App : SignerApp
    {
        protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Signer:TableCacheDuration"] = "00:00:00" };
    }

    [Fact]
    public async Task A_dropped_table_is_refused_on_the_next_request()
    {
        await fixture.CreateTableAsync("gone");
        var location = await fixture.LocationAsync("gone");
        var sign = $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/gone/sign";
        var body = SignerApp.SignBody("GET", fixture.Url(location, "/data/1.parquet"));
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Post, sign, body)).Status);

        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Delete, $"/catalog/v1/{fixture.Prefix}/namespaces/ns/tables/gone")).Status);

        Assert.Equal(403, (await fixture.SendAsync(HttpMethod.Post, sign, body)).Status);
    }
}

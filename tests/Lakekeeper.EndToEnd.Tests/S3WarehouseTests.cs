using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// The catalog on an <c>s3</c> warehouse against a real S3-compatible server (s3rver, path-style):
/// metadata files land in the bucket, engines get the storage settings but never the key, and a
/// purge empties the table's prefix. (s3rver does not check signatures; signing is proven elsewhere.)
/// </summary>
public sealed class S3WarehouseTests : IAsyncLifetime
{
    private S3rverServer _s3 = null!;
    private StandaloneApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        _s3 = await S3rverServer.StartAsync();
        _app = await StandaloneApp.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _s3.DisposeAsync();
    }

    [Fact]
    public async Task Tables_live_in_the_bucket_and_purge_removes_them()
    {
        var client = _app.Client;
        (await client.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true })).EnsureSuccessStatusCode();
        using var created = await client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = "lake",
            ["storage-profile"] = new Dictionary<string, object>
            {
                ["type"] = "s3",
                ["bucket"] = S3rverServer.Bucket,
                ["region"] = "us-east-1",
                ["endpoint"] = _s3.Endpoint.ToString(),
                ["path-style-access"] = true,
                ["key-prefix"] = "warehouses/lake",
            },
            ["storage-credential"] = new Dictionary<string, object>
            {
                ["type"] = "s3",
                ["credential-type"] = "access-key",
                ["access-key-id"] = S3rverServer.AccessKeyId,
                ["secret-access-key"] = S3rverServer.SecretAccessKey,
            },
        });
        var createdBody = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, createdBody);
        var prefix = JsonDocument.Parse(createdBody).RootElement.GetProperty("warehouse-id").GetString();

        // The warehouse never shows its secret.
        var warehouse = await client.GetStringAsync($"/management/v1/warehouse/{prefix}");
        Assert.DoesNotContain(S3rverServer.SecretAccessKey, warehouse, StringComparison.Ordinal);

        (await client.PostAsJsonAsync($"/catalog/v1/{prefix}/namespaces", new { @namespace = new[] { "sales" } })).EnsureSuccessStatusCode();
        using var table = await client.PostAsJsonAsync($"/catalog/v1/{prefix}/namespaces/sales/tables", new Dictionary<string, object>
        {
            ["name"] = "orders",
            ["schema"] = new Dictionary<string, object>
            {
                ["type"] = "struct",
                ["fields"] = new[] { new Dictionary<string, object> { ["id"] = 1, ["name"] = "id", ["required"] = true, ["type"] = "long" } },
            },
        });
        var load = JsonDocument.Parse(await table.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, table.StatusCode);
        var metadataLocation = load.GetProperty("metadata-location").GetString()!;
        Assert.StartsWith("s3://bucket/warehouses/lake/sales/orders-", metadataLocation, StringComparison.Ordinal);

        var config = load.GetProperty("config");
        Assert.Equal(_s3.Endpoint.ToString().TrimEnd('/'), config.GetProperty("s3.endpoint").GetString()!.TrimEnd('/'));
        Assert.Equal("true", config.GetProperty("s3.path-style-access").GetString());
        Assert.Equal("us-east-1", config.GetProperty("client.region").GetString());
        Assert.DoesNotContain(S3rverServer.SecretAccessKey, load.GetRawText(), StringComparison.Ordinal);

        using var http = new HttpClient();
        var key = metadataLocation["s3://bucket/".Length..];
        using (var stored = await http.GetAsync(new Uri(_s3.Endpoint, $"/{S3rverServer.Bucket}/{key}")))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            Assert.Equal(load.GetProperty("metadata").GetRawText(), await stored.Content.ReadAsStringAsync());
        }

        using (var drop = await client.DeleteAsync($"/catalog/v1/{prefix}/namespaces/sales/tables/orders?purgeRequested=true"))
        {
            Assert.Equal(HttpStatusCode.NoContent, drop.StatusCode);
        }

        var tablePrefix = key[..key.IndexOf("/metadata/", StringComparison.Ordinal)];
        await Eventually.TrueAsync(async () =>
        {
            var listing = await http.GetStringAsync(new Uri(_s3.Endpoint, $"/{S3rverServer.Bucket}?list-type=2&prefix={Uri.EscapeDataString(tablePrefix + "/")}"));
            return !listing.Contains("<Key>", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "the purge to empty the table prefix");
    }
}

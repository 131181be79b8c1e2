using System.Text.Json;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Sts;
using Lakekeeper.Testing;

namespace Lakekeeper.Signer.Tests;

/// <summary>
/// Lakekeeper's <c>push-s3-delete-disabled</c>: where engines may not delete (set explicitly, or by
/// default in a warehouse that deletes softly) a table's config says <c>s3.delete-enabled=false</c>, the
/// <c>/config</c> defaults say it too, a writer's vended credentials (through a fake STS) cannot delete,
/// and the signer refuses DeleteObject and DeleteObjects while writes and multipart aborts are signed.
/// </summary>
public sealed class ClientDeletesTests(FakeStsSignerApp fixture) : IClassFixture<FakeStsSignerApp>
{
    [Theory]
    [InlineData("soft", null, true)]
    [InlineData("soft", false, false)]
    [InlineData("hard", true, true)]
    [InlineData("hard", null, false)]
    public async Task Engines_may_delete_unless_the_profile_says_so_or_the_warehouse_deletes_softly(string deleteProfile, bool? pushDeleteDisabled, bool disabled)
    {
        var name = "deletes-" + Guid.NewGuid().ToString("N")[..8];
        var profile = fixture.StsProfile();
        if (pushDeleteDisabled is { } value)
        {
            profile["push-s3-delete-disabled"] = value;
        }

        var created = await fixture.SendAsync(HttpMethod.Post, "/management/v1/warehouse", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["warehouse-name"] = name,
            ["storage-profile"] = profile,
            ["storage-credential"] = SignerApp.Credential(),
            ["delete-profile"] = deleteProfile == "soft"
                ? new Dictionary<string, object> { ["type"] = "soft", ["expiration-seconds"] = 3600 }
                : new Dictionary<string, object> { ["type"] = "hard" },
        }));
        Assert.True(created.Status is 200 or 201, created.Json.GetRawText());
        var prefix = created.Json.GetProperty("warehouse-id").GetString()!;
        var stored = (await fixture.SendAsync(HttpMethod.Get, $"/management/v1/warehouse/{prefix}")).Json.GetProperty("storage-profile");
        Assert.Equal(pushDeleteDisabled, stored.TryGetProperty("push-s3-delete-disabled", out var field) ? field.GetBoolean() : null);
        await fixture.SendAsync(HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["ns"]}""");
        await fixture.CreateTableAsync("t", prefix);

        // What engines are told: in the table's config and the warehouse's /config defaults.
        var load = await fixture.SendAsync(HttpMethod.Get, $"/catalog/v1/{prefix}/namespaces/ns/tables/t", null, ("X-Iceberg-Access-Delegation", "vended-credentials"));
        Assert.Equal(200, load.Status);
        Assert.Equal(disabled ? "false" : null, ConfigValue(load.Json.GetProperty("config")));
        var config = await fixture.SendAsync(HttpMethod.Get, $"/catalog/v1/config?warehouse={name}");
        Assert.Equal(disabled ? "false" : null, ConfigValue(config.Json.GetProperty("defaults")));

        // What a writer's vended credentials may do: the fake STS got the session policy of the level
        // (when the table was created, which vends too: a client without a preference takes credentials).
        var location = load.Json.GetProperty("metadata").GetProperty("location").GetString()!;
        var sts = (await fixture.Sts.RequestsAsync()).Last(r => r.Parameters["Policy"].Contains(location["s3://bucket/".Length..], StringComparison.Ordinal));
        var policyProfile = new S3StorageProfile { Bucket = S3rverServer.Bucket, Region = SignerApp.Region };
        Assert.Equal(S3SessionPolicy.Build(policyProfile, StorageLocation.Parse(location), disabled ? S3AccessLevel.ReadWrite : S3AccessLevel.ReadWriteDelete),
            sts.Parameters["Policy"]);
        Assert.Equal(!disabled, sts.Parameters["Policy"].Contains("s3:DeleteObject", StringComparison.Ordinal));

        // What the signer signs.
        var sign = $"/catalog/v1/{prefix}/namespaces/ns/tables/t/sign";
        var key = location["s3://bucket/".Length..] + "/data/0.parquet";
        var deleteObject = await fixture.SendAsync(HttpMethod.Post, sign, SignerApp.SignBody("DELETE", fixture.Url(location, "/data/0.parquet")));
        var deleteObjects = await fixture.SendAsync(HttpMethod.Post, sign, SignerApp.SignBody("POST", fixture.S3.Endpoint + "bucket?delete",
            body: $"<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>{key}</Key></Object></Delete>"));
        var abort = await fixture.SendAsync(HttpMethod.Post, sign, SignerApp.SignBody("DELETE", fixture.Url(location, "/data/1.parquet?uploadId=abc")));
        var put = await fixture.SendAsync(HttpMethod.Post, sign, SignerApp.SignBody("PUT", fixture.Url(location, "/data/1.parquet")));

        Assert.Equal(disabled ? 403 : 200, deleteObject.Status);
        Assert.Equal(disabled ? 403 : 200, deleteObjects.Status);
        Assert.Equal(200, abort.Status);
        Assert.Equal(200, put.Status);
        if (disabled)
        {
            Assert.Contains("push-s3-delete-disabled", deleteObject.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains(fixture.Logs.Lines, l => l.Contains("DeleteObjects is not signed", StringComparison.Ordinal));
        }
    }

    private static string? ConfigValue(JsonElement config) =>
        config.TryGetProperty("s3.delete-enabled", out var value) ? value.GetString() : null;
}

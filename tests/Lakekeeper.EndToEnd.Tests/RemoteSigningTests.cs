using System.Net.Http.Json;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// Remote signing as a new user meets it, in both topologies (the same deployments as the iceberg-js
/// lifecycle, so no extra start-up): an <c>s3</c> warehouse on s3rver; iceberg-js 1.0 loads tables
/// with <c>accessDelegation: ['remote-signing']</c> and gets the signer config; the AWS SDK for
/// JavaScript, signing through the catalog's sign endpoint, writes, reads, lists and deletes the
/// table's objects in the bucket; requests outside the table (another table's file, the warehouse
/// root, a sibling listing) are refused with 403; a sign request without a token is 401. Every
/// caller carries a token of the deployment's OpenID provider. (s3rver does not verify signatures:
/// that our signatures are right is proven against botocore in the storage tests.)
/// </summary>
public abstract partial class IcebergJsTests<TTopology>
{
    [Fact]
    public async Task Engines_reach_table_data_through_the_signer_and_nothing_else()
    {
        await using var s3 = await S3rverServer.StartAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var warehouse = "signed-" + suffix;
        using (var created = await topology.Client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = warehouse,
            ["storage-profile"] = new Dictionary<string, object>
            {
                ["type"] = "s3", ["bucket"] = S3rverServer.Bucket, ["region"] = "us-east-1", ["endpoint"] = s3.Endpoint.ToString(),
                ["path-style-access"] = true, ["key-prefix"] = "lake-" + suffix, ["sts-enabled"] = false,
            },
            ["storage-credential"] = new Dictionary<string, object>
            {
                ["type"] = "s3", ["credential-type"] = "access-key", ["access-key-id"] = S3rverServer.AccessKeyId, ["secret-access-key"] = S3rverServer.SecretAccessKey,
            },
        }))
        {
            var body = await created.Content.ReadAsStringAsync();
            Assert.True(created.IsSuccessStatusCode, body);
            await topology.GrantEngineAsync(JsonDocument.Parse(body).RootElement.GetProperty("warehouse-id").GetString()!);
        }

        var observed = await RunSigningScenarioAsync(new Uri(topology.BaseAddress, "/catalog"), warehouse, suffix, await topology.Idp.GetTokenAsync(Topology.Engine));

        var signer = observed.GetProperty("signerConfig");
        Assert.Equal("true", signer.GetProperty("s3.remote-signing-enabled").GetString());
        Assert.Equal("S3V4RestSigner", signer.GetProperty("s3.signer").GetString());
        Assert.Equal(new Uri(topology.BaseAddress, "/catalog/").ToString(), signer.GetProperty("s3.signer.uri").GetString());
        Assert.Equal(signer.GetProperty("s3.signer.uri").GetString(), signer.GetProperty("signer.uri").GetString());
        Assert.Matches("^v1/signer/[0-9a-f-]{36}/tabular-id/[0-9a-f-]{36}/v1/aws/s3/sign$", signer.GetProperty("s3.signer.endpoint").GetString()!);
        Assert.Equal(JsonValueKind.Object, observed.GetProperty("remoteSigningConfig").ValueKind);
        Assert.Equal(0, observed.GetProperty("storageCredentials").GetInt32());

        Assert.Equal($"hello from {suffix}", observed.GetProperty("readBack").GetString());
        Assert.Equal($"hello from {suffix}".Length, observed.GetProperty("headLength").GetInt32());
        Assert.Equal(["hello.txt", "second.txt"], observed.GetProperty("listed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["hello.txt"], observed.GetProperty("listedAfterDelete").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($"hello from {suffix}", observed.GetProperty("perTableReadBack").GetString());
        Assert.True(observed.GetProperty("signCalls").GetInt32() >= 10);

        var refusals = observed.GetProperty("refusals").EnumerateArray().ToDictionary(r => r.GetProperty("what").GetString()!, r => r.GetProperty("status").ToString());
        Assert.Equal(
            ["outside every table", "sibling listing", "table b file through the table a route (write)", "table b file through the table a route (read)"],
            refusals.Keys);
        Assert.All(refusals, r => Assert.True(r.Value == "403", $"{r.Key}: {r.Value}"));

        // The signer authenticates callers itself: without a token a sign request is 401.
        using var http = new HttpClient();
        using (var anonymous = await http.PostAsync(new Uri(new Uri(signer.GetProperty("s3.signer.uri").GetString()!), signer.GetProperty("s3.signer.endpoint").GetString()),
            new StringContent("""{"region":"us-east-1","uri":"http://127.0.0.1/bucket/x","method":"GET","headers":{}}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        // The refused requests never reached the bucket.
        var listing = await http.GetStringAsync(new Uri(s3.Endpoint, $"/{S3rverServer.Bucket}?list-type=2&prefix=lake-{suffix}/"));
        Assert.DoesNotContain("theirs.txt", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("outside.txt", listing, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> RunSigningScenarioAsync(Uri catalog, string warehouse, string suffix, string token)
    {
        var root = ServiceProcess.RepositoryRoot;
        if (!Directory.Exists(Path.Combine(root, "tests", "node", "node_modules", "@aws-sdk", "client-s3")))
        {
            Assert.Fail("@aws-sdk/client-s3 and iceberg-js are not installed: run 'npm ci --prefix tests/node' (./lakekeeper test does it).");
        }

        var script = Path.Combine(root, "tests", "node", "scenarios", "s3-remote-signing.mjs");
        var result = await ExternalProcess.RunAsync("node", [script, catalog.ToString(), warehouse, suffix, token], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, "the remote-signing scenario failed:\n" + result.Output);
        var lastLine = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonDocument.Parse(lastLine).RootElement.Clone();
    }
}

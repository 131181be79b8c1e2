using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// A real third-party Iceberg REST client (npm <c>iceberg-js</c>) against a whole deployment: the
/// lifecycle of notes' "done means" — namespace, table, schema change, snapshot, rename, drop.
/// </summary>
public abstract partial class IcebergJsTests<TTopology>(TTopology topology) : IClassFixture<TTopology>
    where TTopology : Topology
{
    [Fact]
    public async Task A_table_lives_its_whole_life_through_iceberg_js()
    {
        var token = await topology.Idp.GetTokenAsync(Topology.Engine);
        var observed = await RunScenarioAsync(topology.BaseAddress, Guid.NewGuid().ToString("N")[..8], token);

        Assert.Equal(1, observed.GetProperty("currentSchemaId").GetInt32());
        Assert.Equal(4242, observed.GetProperty("currentSnapshotId").GetInt64());
        Assert.Equal(1, observed.GetProperty("lastSequenceNumber").GetInt64());
        Assert.Equal(2, observed.GetProperty("metadataLog").GetInt32());
        Assert.True(observed.GetProperty("notModified").GetBoolean());
        Assert.Equal(409, observed.GetProperty("staleCommit").GetInt32());
        Assert.Equal(["events_renamed"], observed.GetProperty("tablesAfterRename").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(404, observed.GetProperty("oldNameAfterRename").GetInt32());
        Assert.Equal(0, observed.GetProperty("namespacesAtEnd").GetArrayLength());
    }

    [Fact]
    public async Task Iceberg_js_without_a_token_or_with_a_forged_one_is_refused_with_401()
    {
        foreach (var token in new[] { "", topology.Idp.Forge(key: SigningKey.NewRsa()) })
        {
            var result = await RunAsync(topology.BaseAddress, "refused", token);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("401", result.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/catalog/v1/config?warehouse=demo")]
    [InlineData("/management/v1/whoami")]
    public async Task Through_the_entry_point_a_call_without_a_token_is_401_with_WWW_Authenticate(string path)
    {
        using var client = new HttpClient { BaseAddress = topology.BaseAddress };
        using var response = await client.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    private static async Task<ExternalProcess.Result> RunAsync(Uri baseAddress, string suffix, string token)
    {
        var root = ServiceProcess.RepositoryRoot;
        var script = Path.Combine(root, "tests", "node", "scenarios", "iceberg-js-lifecycle.mjs");
        if (!Directory.Exists(Path.Combine(root, "tests", "node", "node_modules", "iceberg-js")))
        {
            Assert.Fail("iceberg-js is not installed: run 'npm ci --prefix tests/node' (./lakekeeper test does it).");
        }

        return await ExternalProcess.RunAsync("node", [script, new Uri(baseAddress, "/catalog").ToString(), "demo", suffix, token], TimeSpan.FromMinutes(2));
    }

    private static async Task<JsonElement> RunScenarioAsync(Uri baseAddress, string suffix, string token)
    {
        var result = await RunAsync(baseAddress, suffix, token);
        Assert.True(result.ExitCode == 0, "the iceberg-js scenario failed:\n" + result.Output);
        var lastLine = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonDocument.Parse(lastLine).RootElement.Clone();
    }
}

public sealed class StandaloneIcebergJsTests(StandaloneTopology topology) : IcebergJsTests<StandaloneTopology>(topology);

public sealed class MicroservicesIcebergJsTests(MicroservicesTopology topology) : IcebergJsTests<MicroservicesTopology>(topology)
{
    private readonly MicroservicesTopology _topology = topology;

    [Fact]
    public async Task Every_service_is_ready_and_the_gateway_routes_to_them()
    {
        Assert.Equal(6, _topology.Processes.Count);
        foreach (var process in _topology.Processes)
        {
            using var client = new HttpClient { BaseAddress = process.BaseAddress };
            using var ready = await client.GetAsync("/health/ready");
            Assert.True(ready.IsSuccessStatusCode, $"{process.Name}: {await ready.Content.ReadAsStringAsync()}");
        }

        using var info = await _topology.Client.GetAsync("/management/v1/info");
        Assert.Contains("\"bootstrapped\":true", await info.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_service_validates_the_token_itself_so_bypassing_the_gateway_gains_nothing()
    {
        var token = await _topology.Idp.GetTokenAsync(Topology.Engine);
        foreach (var (service, path) in new[] { ("catalog", "/catalog/v1/config?warehouse=demo"), ("management", "/management/v1/whoami"), ("signer", "/catalog/v1/sign") })
        {
            var process = _topology.Processes.Single(p => p.Name == service);
            using var client = new HttpClient { BaseAddress = process.BaseAddress };
            using (var anonymous = await client.GetAsync(path))
            {
                Assert.True(anonymous.StatusCode == System.Net.HttpStatusCode.Unauthorized, $"{service}: {(int)anonymous.StatusCode}");
            }

            // Headers a gateway might add do not stand in for a token.
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, path);
            spoofed.Headers.Add("X-Forwarded-User", "oidc~admin");
            spoofed.Headers.Add("X-Auth-Request-User", "oidc~admin");
            using (var refused = await client.SendAsync(spoofed))
            {
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var authenticated = new HttpRequestMessage(HttpMethod.Get, path);
            authenticated.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var accepted = await client.SendAsync(authenticated);
            Assert.NotEqual(System.Net.HttpStatusCode.Unauthorized, accepted.StatusCode);
        }
    }
}

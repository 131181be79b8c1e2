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
        var observed = await IcebergJsLifecycle.RunAsync(topology.BaseAddress, "demo", Guid.NewGuid().ToString("N")[..8], token);
        Assert.Empty(IcebergJsLifecycle.Mismatches(observed));
    }

    [Fact]
    public async Task Iceberg_js_without_a_token_or_with_a_forged_one_is_refused_with_401()
    {
        foreach (var token in new[] { "", topology.Idp.Forge(key: SigningKey.NewRsa()) })
        {
            var result = await IcebergJsLifecycle.RunRawAsync(topology.BaseAddress, "demo", "refused", token);
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

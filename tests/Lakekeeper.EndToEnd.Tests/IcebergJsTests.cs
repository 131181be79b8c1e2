using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// A real third-party Iceberg REST client (npm <c>iceberg-js</c>) against a whole deployment: the
/// lifecycle of notes' "done means" — namespace, table, schema change, snapshot, rename, drop.
/// </summary>
public abstract class IcebergJsTests<TTopology>(TTopology topology) : IClassFixture<TTopology>
    where TTopology : Topology
{
    [Fact]
    public async Task A_table_lives_its_whole_life_through_iceberg_js()
    {
        var observed = await RunScenarioAsync(topology.BaseAddress, Guid.NewGuid().ToString("N")[..8]);

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

    private static async Task<JsonElement> RunScenarioAsync(Uri baseAddress, string suffix)
    {
        var root = ServiceProcess.RepositoryRoot;
        var script = Path.Combine(root, "tests", "node", "scenarios", "iceberg-js-lifecycle.mjs");
        if (!Directory.Exists(Path.Combine(root, "tests", "node", "node_modules", "iceberg-js")))
        {
            Assert.Fail("iceberg-js is not installed: run 'npm ci --prefix tests/node' (./lakekeeper test does it).");
        }

        var result = await ExternalProcess.RunAsync("node", [script, new Uri(baseAddress, "/catalog").ToString(), "demo", suffix], TimeSpan.FromMinutes(2));
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
}

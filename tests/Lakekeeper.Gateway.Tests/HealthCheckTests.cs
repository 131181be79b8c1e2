using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Lakekeeper.Gateway.Tests;

/// <summary>
/// Two catalog replicas on loopback behind one gateway; one is stopped for real (its port closes).
/// Once the gateway has taken it out, every request goes to the other one.
/// </summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task Active_probes_take_a_stopped_replica_out_and_bring_it_back_when_it_answers_again()
    {
        await using var first = await UpstreamServer.StartAsync("first");
        var second = await UpstreamServer.StartAsync("second");
        var settings = Cluster(first, second);
        settings["Gateway:Clusters:catalog:HealthCheck:Active:Interval"] = "00:00:00.2";
        settings["Gateway:Clusters:catalog:HealthCheck:Passive:Enabled"] = "false";
        await using var gateway = await GatewayServer.StartAsync(settings);
        await EventuallyAsync(() => Health(gateway, "d2").Active == DestinationHealth.Healthy, "the first probes to pass");

        var port = second.Port;
        await second.DisposeAsync();
        await EventuallyAsync(() => Health(gateway, "d2").Active == DestinationHealth.Unhealthy, "the stopped replica to fail its probes");

        Assert.Equal(["first"], await SendAsync(gateway, 20));

        await using var restarted = await UpstreamServer.StartAsync("second", port: port);
        await EventuallyAsync(() => Health(gateway, "d2").Active == DestinationHealth.Healthy, "the restarted replica to pass its probes");
        Assert.Equal(["first", "second"], await SendAsync(gateway, 20));
    }

    [Fact]
    public async Task The_first_failed_request_ejects_a_stopped_replica_without_waiting_for_a_probe_and_is_retried()
    {
        await using var first = await UpstreamServer.StartAsync("first");
        var second = await UpstreamServer.StartAsync("second");
        var settings = Cluster(first, second);
        settings["Gateway:Clusters:catalog:HealthCheck:Active:Enabled"] = "false";
        await using var gateway = await GatewayServer.StartAsync(settings);
        Assert.Equal(["first", "second"], await SendAsync(gateway, 4));

        await second.DisposeAsync();
        // Round-robin over two: one of the next two requests is sent to the stopped replica. The refused
        // connection ejects it and the request is retried on the other one, so both succeed.
        Assert.Equal(["first"], await SendAsync(gateway, 2));
        Assert.Equal(DestinationHealth.Unhealthy, Health(gateway, "d2").Passive);
        Assert.Equal(["first"], await SendAsync(gateway, 20));
    }

    private static Settings Cluster(UpstreamServer first, UpstreamServer second) => new Settings()
        .Cluster("catalog", first.Address, second.Address)
        .Cluster("signer", first.Address)
        .Cluster("management", first.Address);

    private static DestinationHealthState Health(GatewayServer gateway, string destination)
    {
        Assert.True(gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("catalog", out var cluster));
        return cluster.Destinations[destination].Health;
    }

    /// <summary>Sends <paramref name="count"/> requests, each of which must succeed; returns the upstreams that answered.</summary>
    private static async Task<string[]> SendAsync(GatewayServer gateway, int count)
    {
        var upstreams = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            using var response = await gateway.Client.GetAsync("/catalog/v1/config", Deadline.Test);
            Assert.True(response.IsSuccessStatusCode, $"request {i + 1} of {count}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Deadline.Test)}");
            upstreams.Add(response.Headers.GetValues("X-Upstream").Single());
        }

        return [.. upstreams];
    }

    private static Task EventuallyAsync(Func<bool> condition, string what) => EventuallyAsync(() => Task.FromResult(condition()), what);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline.Signal;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {Deadline.Signal.TotalSeconds} s waiting for: {what}");
            await Task.Delay(20, Deadline.Test);
        }
    }
}

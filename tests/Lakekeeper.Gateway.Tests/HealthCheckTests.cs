using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
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
        await Deadline.EventuallyAsync(() => gateway.Health("catalog", "d2").Active == DestinationHealth.Healthy, "the first probes to pass");

        var port = second.Port;
        await second.DisposeAsync();
        await Deadline.EventuallyAsync(() => gateway.Health("catalog", "d2").Active == DestinationHealth.Unhealthy, "the stopped replica to fail its probes");

        Assert.Equal(["first"], await gateway.GetUpstreamsAsync(20));

        await using var restarted = await UpstreamServer.StartAsync("second", port: port);
        await Deadline.EventuallyAsync(() => gateway.Health("catalog", "d2").Active == DestinationHealth.Healthy, "the restarted replica to pass its probes");
        Assert.Equal(["first", "second"], await gateway.GetUpstreamsAsync(20));
    }

    [Fact]
    public async Task The_first_failed_request_ejects_a_stopped_replica_without_waiting_for_a_probe_and_is_retried()
    {
        await using var first = await UpstreamServer.StartAsync("first");
        var second = await UpstreamServer.StartAsync("second");
        var settings = Cluster(first, second);
        settings["Gateway:Clusters:catalog:HealthCheck:Active:Enabled"] = "false";
        await using var gateway = await GatewayServer.StartAsync(settings);
        Assert.Equal(["first", "second"], await gateway.GetUpstreamsAsync(4));

        await second.DisposeAsync();
        // Round-robin over two: one of the next two requests is sent to the stopped replica. The refused
        // connection ejects it and the request is retried on the other one, so both succeed.
        Assert.Equal(["first"], await gateway.GetUpstreamsAsync(2));
        Assert.Equal(DestinationHealth.Unhealthy, gateway.Health("catalog", "d2").Passive);
        Assert.Equal(["first"], await gateway.GetUpstreamsAsync(20));
    }

    private static Settings Cluster(UpstreamServer first, UpstreamServer second) => new Settings()
        .Cluster("catalog", first.Address, second.Address)
        .Cluster("signer", first.Address)
        .Cluster("management", first.Address);
}

using Lakekeeper.Gateway.Tests.Infrastructure;

namespace Lakekeeper.Gateway.Tests;

public sealed class RoundRobinTests
{
    [Fact]
    public async Task Requests_are_spread_evenly_over_the_destinations_of_a_cluster()
    {
        await using var first = await UpstreamServer.StartAsync("one");
        await using var second = await UpstreamServer.StartAsync("two");
        await using var third = await UpstreamServer.StartAsync("three");
        await using var other = await UpstreamServer.StartAsync("other");
        var settings = new Settings()
            .Cluster("catalog", first.Address, second.Address, third.Address)
            .Cluster("signer", other.Address)
            .Cluster("management", other.Address);
        await using var gateway = await GatewayServer.StartAsync(settings);

        var order = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var response = await gateway.Client.GetAsync("/catalog/v1/config", Deadline.Test);
            response.EnsureSuccessStatusCode();
            order.Add(response.Headers.GetValues("X-Upstream").Single());
        }

        Assert.Equal(10, first.Requests.Count);
        Assert.Equal(10, second.Requests.Count);
        Assert.Equal(10, third.Requests.Count);
        // Strict rotation: every window of three consecutive requests hits all three upstreams.
        for (var i = 0; i + 3 <= order.Count; i++)
        {
            Assert.Equal(3, order.Skip(i).Take(3).Distinct().Count());
        }

        Assert.Empty(other.Requests);
    }
}

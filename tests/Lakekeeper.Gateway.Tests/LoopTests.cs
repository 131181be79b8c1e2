using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Lakekeeper.Gateway.Tests.Infrastructure;

namespace Lakekeeper.Gateway.Tests;

/// <summary>
/// A destination that leads back to a gateway must not send requests around in circles: the gateway
/// notes itself in <c>Via</c> and refuses a request that already carries its entry or too many gateways'.
/// </summary>
public sealed class LoopTests
{
    [Fact]
    public async Task A_request_that_comes_back_to_the_same_gateway_is_refused_with_508()
    {
        // Gateway a forwards to gateway b, whose destinations point back at a.
        var portOfA = FreePort();
        await using var b = await GatewayServer.StartAsync(Everything($"http://127.0.0.1:{portOfA}"));
        var settings = Everything($"http://127.0.0.1:{b.Port}");
        settings["Server:ListenPort"] = portOfA.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var a = await GatewayServer.StartAsync(settings);

        using var response = await a.Client.GetAsync("/catalog/v1/config", Deadline.Test);

        Assert.Equal(508, (int)response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Deadline.Test));
        var error = document.RootElement.GetProperty("error");
        Assert.Equal("LoopDetectedException", error.GetProperty("type").GetString());
        Assert.Equal(508, error.GetProperty("code").GetInt32());
        // Refused at the first return: a (1) → b (2) → a sees its own entry.
        Assert.Contains("after 2 gateway hop(s)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("Error id: ", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 200)]
    [InlineData(5, 508)]
    public async Task Requests_that_passed_too_many_gateways_are_refused(int gateways, int expected)
    {
        await using var upstream = await UpstreamServer.StartAsync("catalog");
        await using var gateway = await GatewayServer.StartAsync(Everything(upstream.Address));
        var via = string.Join(", ", Enumerable.Range(0, gateways).Select(i => $"1.1 lakekeeper-gateway-{i:x12}").Prepend("1.1 corporate-proxy"));

        var response = await RawHttp.SendAsync(gateway.Port, "GET", "/catalog/v1/config", "Via: " + via);

        Assert.Equal(expected, response.Status);
        Assert.Equal(expected == 200 ? 1 : 0, upstream.Requests.Count);
    }

    private static Settings Everything(string address) =>
        new Settings().Cluster("catalog", address).Cluster("signer", address).Cluster("management", address);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

namespace Lakekeeper.Gateway.Tests.Infrastructure;

/// <summary>One recording upstream per built-in cluster behind one gateway with the default routes.</summary>
public sealed class ThreeClusters : IAsyncLifetime
{
    internal UpstreamServer Catalog { get; private set; } = null!;

    internal UpstreamServer Signer { get; private set; } = null!;

    internal UpstreamServer Management { get; private set; } = null!;

    internal GatewayServer Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Catalog = await UpstreamServer.StartAsync("catalog");
        Signer = await UpstreamServer.StartAsync("signer");
        Management = await UpstreamServer.StartAsync("management");
        Gateway = await GatewayServer.StartAsync(Settings.For(Catalog, Signer, Management));
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Catalog.DisposeAsync();
        await Signer.DisposeAsync();
        await Management.DisposeAsync();
    }

    /// <summary>Sends a raw request and returns what the upstream that answered saw of it.</summary>
    internal Task<(RawResponse Response, SeenRequest Seen)> SendAsync(string target, params string[] headers) =>
        SendMethodAsync("GET", target, headers);

    /// <inheritdoc cref="SendAsync(string, string[])"/>
    internal async Task<(RawResponse Response, SeenRequest Seen)> SendMethodAsync(string method, string target, params string[] headers)
    {
        var marker = Guid.NewGuid().ToString("N");
        var body = method == "POST" ? "{}" : string.Empty;
        string[] bodyHeaders = method == "POST" ? ["Content-Type: application/json", "Content-Length: 2"] : [];
        var response = await RawHttp.SendWithBodyAsync(Gateway.Port, method, target, body, [.. headers, .. bodyHeaders, "X-Test-Marker: " + marker]);
        Assert.Equal(200, response.Status);
        var seen = new[] { Catalog, Signer, Management }
            .SelectMany(upstream => upstream.Requests)
            .Single(request => request.Single("X-Test-Marker") == marker);
        return (response, seen);
    }
}

using Lakekeeper.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Lakekeeper.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway as a real WebApplication composed exactly like services/gateway's Program.cs, listening
/// on a free loopback port (the in-memory equivalent of <c>LAKEKEEPER__SERVER__LISTENPORT=0</c>).
/// </summary>
internal sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>YARP's live state of a cluster (destinations and their health).</summary>
    public ClusterState Cluster(string id)
    {
        Assert.True(Services.GetRequiredService<IProxyStateLookup>().TryGetCluster(id, out var cluster), $"cluster {id}");
        return cluster;
    }

    public DestinationHealthState Health(string cluster, string destination) => Cluster(cluster).Destinations[destination].Health;

    /// <summary>One GET of <c>/catalog/v1/config</c>, which must succeed; returns the upstream that answered (<c>X-Upstream</c>).</summary>
    public async Task<string> GetUpstreamAsync()
    {
        using var response = await Client.GetAsync("/catalog/v1/config", Deadline.Test);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Deadline.Test)}");
        return response.Headers.GetValues("X-Upstream").Single();
    }

    /// <summary><paramref name="count"/> GETs, each of which must succeed; returns the upstreams that answered, sorted.</summary>
    public async Task<string[]> GetUpstreamsAsync(int count)
    {
        var upstreams = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            upstreams.Add(await GetUpstreamAsync());
        }

        return [.. upstreams];
    }

    public static async Task<GatewayServer> StartAsync(Settings settings, Action<WebApplication>? beforeDefaults = null)
    {
        var app = Build(settings, beforeDefaults);
        await app.StartAsync(Deadline.Test);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new GatewayServer(app, new Uri(address).Port);
    }

    /// <summary>The host's composition; <paramref name="beforeDefaults"/> lets a test add e.g. a path base.</summary>
    public static WebApplication Build(Settings settings, Action<WebApplication>? beforeDefaults = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        var configured = new Settings
        {
            ["Server:ListenPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            // No Prometheus listener, also where a test fixes the listen port (it would default to 9000).
            ["METRICS_PORT"] = "0",
            ["Log:Format"] = "text",
            ["Log:Level"] = "Warning",
        }.With(settings);
        // Before AddServiceDefaults, which reads the log settings; again after its LAKEKEEPER__ environment
        // source, so a stray variable on the machine cannot change a test.
        builder.Configuration.AddInMemoryCollection(configured);
        builder.AddServiceDefaults("gateway");
        builder.Configuration.AddInMemoryCollection(configured);
        builder.AddGateway();

        var app = builder.Build();
        beforeDefaults?.Invoke(app);
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapGateway();
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>Configuration keys for a gateway under test, as the environment variables would produce them.</summary>
internal sealed class Settings : Dictionary<string, string?>
{
    public Settings()
        : base(StringComparer.OrdinalIgnoreCase)
    {
    }

    /// <summary><c>Gateway:Clusters:{cluster}:Destinations:d{i}:Address</c> for each address.</summary>
    public Settings Cluster(string cluster, params string[] addresses)
    {
        for (var i = 0; i < addresses.Length; i++)
        {
            this[$"Gateway:Clusters:{cluster}:Destinations:d{i + 1}:Address"] = addresses[i];
        }

        return this;
    }

    /// <summary>One upstream for each built-in cluster.</summary>
    public static Settings For(UpstreamServer catalog, UpstreamServer signer, UpstreamServer management) => new Settings()
        .Cluster("catalog", catalog.Address)
        .Cluster("signer", signer.Address)
        .Cluster("management", management.Address);

    public Settings With(IEnumerable<KeyValuePair<string, string?>> more)
    {
        foreach (var (key, value) in more)
        {
            this[key] = value;
        }

        return this;
    }
}

using System.Net;
using System.Net.Sockets;
using Lakekeeper.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Authz.Tests.Infrastructure;

/// <summary>Hosts composed the way the service Program.cs files compose them, on loopback port 0.</summary>
internal static class Hosts
{
    /// <summary>Settings every test host gets: ports chosen by the OS, loopback, quiet logs.</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Server:ListenPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            ["Server:ShutdownTimeoutSeconds"] = "1",
            ["Log:Level"] = "Warning",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>A web host with the service defaults and the given settings, before modules are added.</summary>
    public static WebApplicationBuilder Builder(string service, Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults(service);
        // The JSON console logs of a dozen hosts would drown the test report.
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>A generic host (no web server) with <paramref name="configure"/> applied, started.</summary>
    public static async Task<IHost> StartGenericAsync(Action<IHostApplicationBuilder> configure, params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => s.Value));
        builder.Logging.ClearProviders();
        configure(builder);
        var host = builder.Build();
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>A module host's <see cref="IAuthorizer"/> bound to the authz service at <paramref name="endpoint"/>.</summary>
    public static Task<IHost> StartClientAsync(Uri endpoint, int timeoutMs = 30_000, int checkCacheMs = 0) =>
        StartGenericAsync(builder => builder.AddAuthz(),
            ("Authz:Endpoint", endpoint.ToString()),
            ("Authz:TimeoutMs", timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Authz:CheckCacheMs", checkCacheMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The addresses Kestrel bound, once started.</summary>
    public static IReadOnlyList<Uri> Addresses(WebApplication app) =>
        [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a))];

    /// <summary>
    /// Tells the public HTTP/1.1 listener from the internal HTTP/2 one when both ports are 0: only the
    /// public one answers an HTTP/1.1 health probe.
    /// </summary>
    public static async Task<(Uri Public, Uri Internal)> ListenersAsync(WebApplication app)
    {
        var addresses = Addresses(app);
        Assert.Equal(2, addresses.Count);
        using var http = new HttpClient();
        Uri? publicAddress = null;
        foreach (var address in addresses)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(address, "/health/live"), TestContext.Current.CancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    publicAddress = address;
                }
            }
            catch (HttpRequestException)
            {
                // The HTTP/2-only listener does not speak HTTP/1.1.
            }
        }

        Assert.NotNull(publicAddress);
        return (publicAddress, addresses.Single(a => a != publicAddress));
    }

    /// <summary>A loopback port nothing listens on.</summary>
    public static int ClosedPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }
}

/// <summary>The authz service as its Program.cs composes it, its ports chosen by the OS unless the internal one is given.</summary>
public sealed class AuthzServer : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>The internal (gRPC) port to listen on, e.g. to start a replica again where the last one listened; 0: the OS chooses.</summary>
    public int InternalPort { get; init; }

    public Uri PublicAddress { get; private set; } = null!;

    public Uri InternalAddress { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = Hosts.Builder("authz", Hosts.Settings(("Server:InternalPort", InternalPort.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        builder.AddAuthzServer();
        _app = builder.Build();
        _app.UseServiceDefaults();
        _app.MapServiceDefaults();
        _app.MapAuthzServer();
        await _app.StartAsync();
        (PublicAddress, InternalAddress) = await Hosts.ListenersAsync(_app);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

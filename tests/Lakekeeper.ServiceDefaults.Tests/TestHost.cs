using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.ServiceDefaults.Tests;

/// <summary>A WebApplication with the service defaults on a loopback port, as every host builds it.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private TestHost(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    /// <summary>Every address the host listens on: public, then internal and metrics when configured.</summary>
    public IReadOnlyList<Uri> Addresses =>
        [.. App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a))];

    public static async Task<TestHost> StartAsync(
        Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null, Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:ListenPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            ["Log:Level"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults("test");
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseServiceDefaults();
        map?.Invoke(app);
        app.MapServiceDefaults();
        await app.StartAsync();
        // The public port is the first listener (internal and metrics ports follow it).
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestHost(app, new HttpClient { BaseAddress = new Uri(address) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

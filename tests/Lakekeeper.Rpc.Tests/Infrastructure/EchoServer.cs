using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Rpc.Tests.Infrastructure;

/// <summary>Our gRPC server on real Kestrel: cleartext HTTP/2 on a loopback port chosen by the OS.</summary>
public sealed class EchoServer : IAsyncLifetime
{
    public const int MaxReceiveMessageSize = 1024 * 1024;

    private WebApplication? _app;

    internal EchoService Service { get; } = new();

    public Uri Address { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddRpcServer(options => options.MaxReceiveMessageSize = MaxReceiveMessageSize);
        _app = builder.Build();
        _app.MapUnary(EchoService.Say, Service.SayAsync);
        await _app.StartAsync();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        Address = new Uri(addresses.Addresses.Single());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

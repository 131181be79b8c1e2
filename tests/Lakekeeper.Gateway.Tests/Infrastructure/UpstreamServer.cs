using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Gateway.Tests.Infrastructure;

/// <summary>What an upstream saw of one request.</summary>
internal sealed record SeenRequest(string Method, string RawTarget, IReadOnlyDictionary<string, string[]> Headers, string Protocol = "HTTP/1.1")
{
    public string[] Values(string name) => Headers.TryGetValue(name, out var values) ? values : [];

    public string? Single(string name) => Values(name) switch
    {
        [var value] => value,
        [] => null,
        var values => throw new InvalidOperationException($"{name} was sent {values.Length} times: {string.Join(" | ", values)}"),
    };
}

/// <summary>
/// A real Kestrel server on a loopback port that records every request it receives, except the
/// gateway's health probes (<c>GET /health/ready</c>), which it answers itself, the way a service's
/// ServiceDefaults would.
/// </summary>
internal sealed class UpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _probes;

    private UpstreamServer(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Health probes answered so far.</summary>
    public int Probes => Volatile.Read(ref _probes);

    /// <param name="handler">Answers the request after it was recorded; default: drain the body, reply JSON naming this upstream.</param>
    /// <param name="port">Loopback port to listen on; 0 picks a free one.</param>
    /// <param name="protocols">Cleartext HTTP/1.1 by default; <see cref="HttpProtocols.Http2"/> speaks HTTP/2 with prior knowledge only.</param>
    public static async Task<UpstreamServer> StartAsync(
        string name, Func<HttpContext, Task>? handler = null, int port = 0, HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = protocols);
        });
        var app = builder.Build();
        var server = new UpstreamServer(name, app);
        app.Run(async context =>
        {
            if (context.Request.Path.Value!.EndsWith("/health/ready", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref server._probes);
                await context.Response.WriteAsJsonAsync(new { status = "Healthy" }, context.RequestAborted);
                return;
            }

            server.Record(context);
            await (handler ?? server.AnswerAsync)(context);
        });
        await app.StartAsync(Deadline.Test);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        server.Port = new Uri(address).Port;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>Stops at once, like a killed process: the port closes and requests in flight are aborted.</summary>
    public async Task KillAsync()
    {
        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        await _app.StopAsync(now.Token);
        await _app.DisposeAsync();
    }

    /// <summary>A loopback port with nothing listening on it (connections are refused).</summary>
    public static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void Record(HttpContext context)
    {
        var headers = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name] = values.ToArray()!;
        }

        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        Requests.Enqueue(new SeenRequest(context.Request.Method, rawTarget, headers, context.Request.Protocol));
    }

    /// <summary>The default answer: drain the body, reply JSON naming this upstream (header <c>X-Upstream</c>).</summary>
    public async Task AnswerAsync(HttpContext context)
    {
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        var body = Encoding.UTF8.GetBytes($$"""{"upstream":"{{Name}}"}""");
        context.Response.Headers["X-Upstream"] = Name;
        // Like every service's ServiceDefaults: the request id is echoed.
        context.Response.Headers["X-Request-Id"] = context.Request.Headers["X-Request-Id"];
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}

using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Storage.Tests.Infrastructure;

/// <summary>
/// A loopback HTTP server that answers S3 requests as the test scripts them, to produce failures a
/// real server will not produce on demand (throttling, 501 for conditional writes, bodies without
/// Content-Length). It records every request it saw.
/// </summary>
internal sealed class ScriptedS3Server : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedS3Server(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public static async Task<ScriptedS3Server> StartAsync(Func<SeenRequest, HttpContext, Task> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        ScriptedS3Server? server = null;
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var seen = new SeenRequest(
                context.Request.Method,
                context.Request.Path.Value ?? string.Empty,
                context.Request.QueryString.Value ?? string.Empty,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase))
            {
                Body = body.ToArray(),
            };
            server!.Requests.Enqueue(seen);
            await respond(seen, context);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Urls.Single();
        server = new ScriptedS3Server(app, new Uri(address));
        return server;
    }

    public static async Task ErrorAsync(HttpContext context, int status, string code, string message = "scripted")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.WriteAsync(
                $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>r1</RequestId></Error>");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed record SeenRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers)
    {
        public byte[] Body { get; init; } = [];
    }
}

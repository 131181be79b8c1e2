using System.Security.Cryptography;
using System.Text;
using Lakekeeper.Abstractions.Hosting;
using Lakekeeper.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults.Hosting;

/// <summary>
/// Calls on the internal port (gRPC between services) must carry the service token
/// (<see cref="ServiceToken"/>) when one is configured; otherwise they are refused with gRPC status
/// 16 (<c>UNAUTHENTICATED</c>) before any service code runs. Without a token the internal port may
/// only listen on loopback (checked at start, see <see cref="ServerOptions.InternalBindAddress"/>).
/// </summary>
internal sealed class InternalPortAuthentication(RequestDelegate next, IOptions<ServerOptions> options, IConfiguration configuration)
{
    private readonly byte[]? _token = configuration[ServiceToken.Key] is { Length: > 0 } token ? Encoding.UTF8.GetBytes(token) : null;
    private readonly int? _internalPort = options.Value.InternalPort;

    public Task InvokeAsync(HttpContext context)
    {
        if (_token is null || _internalPort is not { } port || !HttpProtocol.IsHttp2(context.Request.Protocol)
            || (port != 0 && context.Connection.LocalPort != port) || Presented(context))
        {
            return next(context);
        }

        // A trailers-only gRPC answer: every gRPC client reads it as the status of the call.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = "16";
        context.Response.Headers["grpc-message"] = "The service token is missing or wrong (" + ServiceToken.Variable + ")";
        return Task.CompletedTask;
    }

    private bool Presented(HttpContext context)
    {
        var given = context.Request.Headers[ServiceToken.HeaderName].ToString();
        return given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);
    }
}

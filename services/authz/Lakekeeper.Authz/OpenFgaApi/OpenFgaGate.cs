using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.OpenFgaApi;

/// <summary>
/// First thing for a request on the OpenFGA port: only <c>/stores…</c> (and the health probes) exist
/// there, and with preshared keys configured a valid <c>Authorization: Bearer</c> key is required, as
/// OpenFGA's preshared-key mode does (compared in constant time). Runs before routing and the error
/// boundary, so nothing else of the service is reachable through this port.
/// </summary>
internal sealed class OpenFgaGate(IOptions<OpenFgaApiOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var settings = options.Value;
        if (settings.Enabled)
        {
            var keys = settings.KeyList.Select(static k => Encoding.UTF8.GetBytes(k)).ToArray();
            app.Use(async (context, proceed) =>
            {
                if (!OpenFgaPort.IsOpenFgaRequest(context, settings))
                {
                    await proceed(context);
                    return;
                }

                var path = context.Request.Path;
                if (path.StartsWithSegments("/health"))
                {
                    await proceed(context);
                    return;
                }

                if (!path.StartsWithSegments("/stores"))
                {
                    await OpenFgaErrors.WriteAsync(context, StatusCodes.Status404NotFound, "undefined_endpoint", "Not Found");
                    return;
                }

                if (keys.Length > 0 && Authenticate(context, keys) is { } failure)
                {
                    await OpenFgaErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, failure.Code, failure.Message);
                    return;
                }

                await proceed(context);
            });
        }

        next(app);
    };

    private static (string Code, string Message)? Authenticate(HttpContext context, byte[][] keys)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || header.Length == prefix.Length)
        {
            return ("bearer_token_missing", "missing bearer token");
        }

        var presented = Encoding.UTF8.GetBytes(header[prefix.Length..].Trim());
        var valid = false;
        foreach (var key in keys)
        {
            // Every key is compared, each in constant time.
            valid |= CryptographicOperations.FixedTimeEquals(presented, key);
        }

        return valid ? null : ("unauthenticated", "unauthenticated");
    }
}

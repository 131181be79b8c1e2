using System.Diagnostics;
using System.Net;
using Lakekeeper.Gateway.Configuration;

namespace Lakekeeper.Gateway.Forwarding;

/// <summary>The one connection pool to all upstreams, tuned for a proxy rather than an API client.</summary>
internal static class ForwarderHandlerFactory
{
    public static SocketsHttpHandler Create(GatewayHttpClientOptions options) => new()
    {
        // A proxy passes redirects, cookies and compressed bodies through untouched.
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = options.PooledConnectionLifetime,
        PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
        MaxConnectionsPerServer = options.MaxConnectionsPerServer ?? int.MaxValue,
        EnableMultipleHttp2Connections = true,
        // Injects traceparent/tracestate of the current activity (same trace id as the client's).
        ActivityHeadersPropagator = DistributedContextPropagator.Current,
    };

    /// <summary>
    /// Whether outgoing requests get the current activity's trace context from the handler. Off when the
    /// handler has no propagator or the runtime switch <c>System.Net.Http.EnableActivityPropagation</c>
    /// is false; then the forwarder sets <c>traceparent</c> from the gateway's activity itself.
    /// </summary>
    public static bool PropagatesTraceContext(SocketsHttpHandler handler)
    {
        if (handler.ActivityHeadersPropagator is null)
        {
            return false;
        }

        if (AppContext.TryGetSwitch("System.Net.Http.EnableActivityPropagation", out var enabled))
        {
            return enabled;
        }

        var variable = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION");
        return variable is null || !(variable == "0" || string.Equals(variable, "false", StringComparison.OrdinalIgnoreCase));
    }
}

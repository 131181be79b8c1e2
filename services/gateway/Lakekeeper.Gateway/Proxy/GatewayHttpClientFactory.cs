using Lakekeeper.Gateway.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Lakekeeper.Gateway.Proxy;

/// <summary>
/// YARP's connection pool per cluster (no proxy, redirects, cookies or decompression; trace context
/// propagated through the gateway's span), with the gateway's connect timeout and pooled-connection
/// lifetimes, which YARP's cluster configuration does not carry.
/// </summary>
internal sealed class GatewayHttpClientFactory(IOptions<GatewayOptions> options, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        var http = options.Value.HttpClient;
        handler.ConnectTimeout = http.ConnectTimeout;
        handler.PooledConnectionLifetime = http.PooledConnectionLifetime;
        handler.PooledConnectionIdleTimeout = http.PooledConnectionIdleTimeout;
    }
}

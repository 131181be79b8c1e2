using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace Lakekeeper.Gateway.Proxy;

/// <summary>How a forwarded request failed, as far as failover cares (docs/gateway.md, "Failover").</summary>
internal static class UpstreamFailure
{
    /// <summary>
    /// The connection to the destination was never established — refused, host or network unreachable,
    /// name not resolved, or not established within the connect timeout — so no byte of the request left
    /// the gateway.
    /// </summary>
    public static bool NotConnected(IForwarderErrorFeature failure) => failure.Error switch
    {
        ForwarderError.Request => InChain(failure.Exception, e => e
            is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
            or SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostNotFound }),
        // The handler's connect timeout surfaces as a cancellation carrying a TimeoutException; the
        // forwarder's own activity timeout (the upstream is connected but silent) carries none.
        ForwarderError.RequestTimedOut => InChain(failure.Exception, e => e is TimeoutException),
        _ => false,
    };

    private static bool InChain(Exception? exception, Func<Exception, bool> test)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (test(e))
            {
                return true;
            }
        }

        return false;
    }
}

using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;

namespace Lakekeeper.Gateway.Forwarding;

/// <summary>What happens to a header on its way through the gateway.</summary>
internal enum HeaderAction
{
    Copy,

    /// <summary>Hop-by-hop (RFC 9110 §7.6.1) or set by the gateway itself.</summary>
    Skip,

    /// <summary><c>traceparent</c>, <c>tracestate</c>, <c>Request-Id</c>: replaced by the gateway's span when it has one.</summary>
    TraceContext,

    /// <summary><c>baggage</c>, <c>Correlation-Context</c>: re-injected by the handler's propagator when it injects.</summary>
    Baggage,
}

/// <summary>
/// Header classification without allocation: a switch on the name length, then a case-insensitive
/// compare. Called once per header per request.
/// </summary>
internal static class HeaderRules
{
    public const string XForwardedFor = "X-Forwarded-For";
    public const string XForwardedProto = "X-Forwarded-Proto";
    public const string XForwardedHost = "X-Forwarded-Host";
    public const string XForwardedPrefix = "X-Forwarded-Prefix";
    public const string XRequestId = "X-Request-Id";

    /// <summary>Request headers: hop-by-hop, Host (the destination's is sent), and those the gateway sets.</summary>
    public static HeaderAction ForRequest(string name)
    {
        if (IsHopByHop(name))
        {
            return HeaderAction.Skip;
        }

        return name.Length switch
        {
            4 when Is(name, "Host") => HeaderAction.Skip,
            7 when Is(name, "baggage") => HeaderAction.Baggage,
            10 when Is(name, "tracestate") || Is(name, "Request-Id") => HeaderAction.TraceContext,
            11 when Is(name, "traceparent") => HeaderAction.TraceContext,
            12 when Is(name, XRequestId) => HeaderAction.Skip,
            14 when Is(name, "Content-Length") => HeaderAction.Skip,
            15 when Is(name, XForwardedFor) => HeaderAction.Skip,
            16 when Is(name, XForwardedHost) => HeaderAction.Skip,
            17 when Is(name, XForwardedProto) => HeaderAction.Skip,
            18 when Is(name, XForwardedPrefix) => HeaderAction.Skip,
            19 when Is(name, "Correlation-Context") => HeaderAction.Baggage,
            _ => name.StartsWith(':') ? HeaderAction.Skip : HeaderAction.Copy,
        };
    }

    /// <summary>Connection, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade.</summary>
    public static bool IsHopByHop(string name) => name.Length switch
    {
        2 => Is(name, "TE"),
        7 => Is(name, "Trailer") || Is(name, "Upgrade"),
        10 => Is(name, "Connection") || Is(name, "Keep-Alive"),
        17 => Is(name, "Transfer-Encoding"),
        _ => name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>Whether <paramref name="name"/> is one of the comma-separated tokens of a <c>Connection</c> header.</summary>
    public static bool IsListedIn(StringValues connection, string name)
    {
        foreach (var value in connection)
        {
            var rest = value.AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var token = (comma < 0 ? rest : rest[..comma]).Trim();
                if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                rest = comma < 0 ? default : rest[(comma + 1)..];
            }
        }

        return false;
    }

    /// <summary>Same as <see cref="IsListedIn(StringValues, string)"/> for values read from an upstream response.</summary>
    public static bool IsListedIn(HeaderStringValues connection, string name)
    {
        foreach (var value in connection)
        {
            if (IsListedIn(new StringValues(value), name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Is(string name, string expected) => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase);
}

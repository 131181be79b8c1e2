using System.Net.Sockets;
using Lakekeeper.Rpc.Protocol;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Rpc;

/// <summary>What a unary handler knows about its call besides the request message.</summary>
public sealed class ServerCallContext
{
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;

    internal ServerCallContext(HttpContext httpContext, string method, DateTime deadline, CancellationToken cancellationToken)
    {
        HttpContext = httpContext;
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The method path, e.g. <c>/lakekeeper.authz.v1.Authorizer/Check</c>.</summary>
    public string Method { get; }

    /// <summary>When the caller stops waiting (UTC), from <c>grpc-timeout</c>; <see cref="DateTime.MaxValue"/> if none.</summary>
    public DateTime Deadline { get; }

    /// <summary>Cancelled when the deadline passes or the caller goes away.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The underlying ASP.NET Core request (user, connection, features).</summary>
    public HttpContext HttpContext { get; }

    /// <summary>Custom request metadata; protocol headers (<c>grpc-*</c>, <c>content-type</c>, <c>te</c>) are left out.</summary>
    public Metadata RequestHeaders => _requestHeaders ??= MetadataWire.FromRequestHeaders(HttpContext.Request.Headers);

    /// <summary>Metadata sent after the response (with the status), on success and on error.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= [];

    /// <summary>The caller's address in gRPC's form, e.g. <c>ipv4:127.0.0.1:51234</c>.</summary>
    public string Peer
    {
        get
        {
            var connection = HttpContext.Connection;
            return connection.RemoteIpAddress switch
            {
                null => "unknown",
                { AddressFamily: AddressFamily.InterNetworkV6 } address => $"ipv6:[{address}]:{connection.RemotePort}",
                var address => $"ipv4:{address}:{connection.RemotePort}",
            };
        }
    }

    internal Metadata? ResponseTrailersOrNull => _responseTrailers;
}

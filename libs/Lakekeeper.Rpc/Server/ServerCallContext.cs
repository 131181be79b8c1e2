using System.Net.Sockets;
using Lakekeeper.Rpc.Protocol;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Rpc;

/// <summary>What a unary handler knows about its call besides the request message.</summary>
public sealed class ServerCallContext
{
    private readonly CancellationToken _aborted;
    private CancellationTokenSource? _deadlineSource;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;

    internal ServerCallContext(HttpContext httpContext, string method, DateTime deadline)
    {
        HttpContext = httpContext;
        Method = method;
        Deadline = deadline;
        _aborted = httpContext.RequestAborted;
    }

    /// <summary>The method path, e.g. <c>/lakekeeper.authz.v1.Authorizer/Check</c>.</summary>
    public string Method { get; }

    /// <summary>When the caller stops waiting (UTC), from <c>grpc-timeout</c>; <see cref="DateTime.MaxValue"/> if none.</summary>
    public DateTime Deadline { get; }

    /// <summary>Cancelled when the deadline passes or the caller goes away.</summary>
    /// <remarks>
    /// The deadline's timer is created on first use: a handler that finishes without looking at its
    /// token (the common allow-all case) costs no timer.
    /// </remarks>
    public CancellationToken CancellationToken
    {
        get
        {
            if (Deadline == DateTime.MaxValue)
            {
                return _aborted;
            }

            if (_deadlineSource is null)
            {
                var source = CancellationTokenSource.CreateLinkedTokenSource(_aborted);
                var remaining = Deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero)
                {
                    source.Cancel();
                }
                else if (remaining.TotalMilliseconds < int.MaxValue - 1)
                {
                    source.CancelAfter(remaining);
                }

                _deadlineSource = source;
            }

            return _deadlineSource.Token;
        }
    }

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

    /// <summary>Whether the deadline (not the caller) ended the call.</summary>
    internal bool DeadlineExceeded =>
        !_aborted.IsCancellationRequested
        && (_deadlineSource?.IsCancellationRequested == true || DateTime.UtcNow >= Deadline);

    /// <summary>Releases the deadline timer, if one was made; called when the call ends.</summary>
    internal void Release() => _deadlineSource?.Dispose();
}

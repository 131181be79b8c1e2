using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Lakekeeper.Gateway.Proxy;

/// <summary>
/// Proxy pipeline step before YARP's load balancing: when forwarding failed in a way that cannot have
/// reached the upstream's application, the request is load-balanced and forwarded again, at most
/// <see cref="MaxRetries"/> times, each time to a destination not tried yet. Retried:
/// <list type="bullet">
/// <item>any method, when the connection could not be opened (refused, unreachable, DNS, or not
/// established within the connect timeout) and the gateway has not read any of the request body — the
/// upstream received nothing;</item>
/// <item>GET, HEAD and OPTIONS without a body, when the destination failed before a response head
/// (e.g. reset by a replica that died): they change nothing, so sending them again is harmless.</item>
/// </list>
/// Never retried: timeouts once connected, failures after the response started, a client that left, and any other
/// method once its request may have been delivered (docs/gateway.md, "Failover").
/// </summary>
internal sealed partial class RetryMiddleware(RequestDelegate next, ILogger<RetryMiddleware> logger)
{
    public const int MaxRetries = 2;

    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
        var cluster = proxy?.Route.Cluster;
        if (proxy is null || cluster is null)
        {
            await next(context);
            return;
        }

        var request = context.Request;
        var body = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true ? new ReadTrackingStream(request.Body) : null;
        var original = request.Body;
        if (body is not null)
        {
            request.Body = body;
        }

        try
        {
            List<DestinationState>? tried = null;
            for (var attempt = 0; ; attempt++)
            {
                await next(context);
                if (attempt == MaxRetries || proxy.ProxiedDestination is not { } failed || !MayRetry(context, body))
                {
                    return;
                }

                (tried ??= []).Add(failed);
                var remaining = cluster.DestinationsState.AvailableDestinations.Where(d => !tried.Contains(d)).ToList();
                if (remaining.Count == 0)
                {
                    return;
                }

                var error = context.Features.Get<IForwarderErrorFeature>()!;
                LogRetry(logger, proxy.Route.Config.RouteId, cluster.ClusterId, failed.DestinationId, error.Error,
                    (error.Exception as HttpRequestException)?.HttpRequestError ?? HttpRequestError.Unknown, attempt + 1);
                context.Features.Set<IForwarderErrorFeature>(null);
                context.Response.StatusCode = StatusCodes.Status200OK;
                proxy.ProxiedDestination = null;
                proxy.AvailableDestinations = remaining;
            }
        }
        finally
        {
            request.Body = original;
        }
    }

    /// <summary>The destination failed before answering, and this request cannot have done anything there (or is safe to repeat).</summary>
    private static bool MayRetry(HttpContext context, ReadTrackingStream? body) =>
        !context.Response.HasStarted
        && !context.RequestAborted.IsCancellationRequested
        && context.Features.Get<IForwarderErrorFeature>() is { } failure
        && body?.Started != true
        && (UpstreamFailure.NotConnected(failure) || (failure.Error == ForwarderError.Request && body is null && IsSafe(context.Request.Method)));

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Route {RouteId}, cluster {ClusterId} destination {Destination} failed before answering ({ForwarderError}, {HttpRequestError}); retry {Retry} on another destination")]
    private static partial void LogRetry(
        ILogger logger, string routeId, string clusterId, string destination, ForwarderError forwarderError, HttpRequestError httpRequestError, int retry);

    /// <summary>The request body, noting whether the forwarder has begun to read it (and so may have sent some of it).</summary>
    private sealed class ReadTrackingStream(Stream inner) : Stream
    {
        private volatile bool _started;

        public bool Started => _started;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            _started = true;
            return inner.Read(buffer, offset, count);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started = true;
            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

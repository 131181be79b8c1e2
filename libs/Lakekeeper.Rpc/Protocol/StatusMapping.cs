using System.Net;

namespace Lakekeeper.Rpc.Protocol;

/// <summary>Status codes synthesized when a response carries no <c>grpc-status</c> or a stream breaks.</summary>
internal static class StatusMapping
{
    /// <summary>
    /// gRPC <c>doc/http-grpc-status-mapping.md</c>: only for responses without <c>grpc-status</c>;
    /// a <c>grpc-status</c> that is present always wins.
    /// </summary>
    public static StatusCode FromHttpStatus(HttpStatusCode status) => (int)status switch
    {
        >= 100 and < 200 => StatusCode.Internal,
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>gRPC <c>doc/PROTOCOL-HTTP2.md</c>: RST_STREAM error codes to status codes.</summary>
    public static StatusCode FromHttp2Error(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable,        // REFUSED_STREAM: nothing was processed, retry elsewhere
        0x8 => StatusCode.Cancelled,          // CANCEL sent by the server
        0xB => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
        _ => StatusCode.Internal,
    };

    /// <summary>The status for a transport failure of a client call.</summary>
    public static Status FromTransportFailure(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpProtocolException protocol)
            {
                return new Status(FromHttp2Error(protocol.ErrorCode), "HTTP/2 stream reset: " + protocol.Message);
            }
        }

        return new Status(StatusCode.Unavailable, "Error connecting to the server: " + exception.Message);
    }
}

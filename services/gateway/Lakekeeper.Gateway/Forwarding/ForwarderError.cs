namespace Lakekeeper.Gateway.Forwarding;

/// <summary>
/// How a forwarded request ended. Expected failures are values on the hot path, not exceptions
/// (YARP's technique); <see cref="GatewayProxy"/> maps them to a response or an aborted connection.
/// </summary>
internal enum ForwarderError
{
    None,

    /// <summary>The client went away before the upstream answered.</summary>
    RequestCanceled,

    /// <summary>No response from the upstream: connection refused, reset, DNS or TLS failure.</summary>
    Request,

    /// <summary>The route timeout passed without progress before the response headers arrived.</summary>
    RequestTimedOut,

    /// <summary>The request body is larger than <c>LAKEKEEPER__SERVER__MAXREQUESTBODYBYTES</c>.</summary>
    RequestBodyTooLarge,

    /// <summary>Reading the request body from the client failed (malformed or cut off).</summary>
    RequestBodyClient,

    /// <summary>Sending the request body to the upstream failed.</summary>
    RequestBodyDestination,

    /// <summary>The client went away while the response body was being copied.</summary>
    ResponseBodyClient,

    /// <summary>Reading the response body from the upstream failed.</summary>
    ResponseBodyDestination,

    /// <summary>The upstream stopped sending the response body for longer than the route timeout.</summary>
    ResponseBodyTimedOut,
}

/// <summary>An error and, for the log only, the exception behind it.</summary>
internal readonly record struct ForwardOutcome(ForwarderError Error, Exception? Exception = null)
{
    public static ForwardOutcome Success => default;
}

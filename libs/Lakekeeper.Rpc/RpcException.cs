namespace Lakekeeper.Rpc;

/// <summary>
/// A call ended with a non-OK <see cref="Rpc.Status"/>. Handlers throw it to answer with a status;
/// the client throws it when the peer (or the transport) ends a call with one.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status, Metadata? trailers = null)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers ?? [];
    }

    public RpcException(StatusCode statusCode, string detail)
        : this(new Status(statusCode, detail))
    {
    }

    internal RpcException(Status status, Exception innerException)
        : base(status.ToString(), innerException)
    {
        Status = status;
        Trailers = [];
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailing metadata sent with the status (custom keys only).</summary>
    public Metadata Trailers { get; }
}

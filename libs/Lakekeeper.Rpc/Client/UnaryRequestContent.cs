using System.Net;
using Lakekeeper.Rpc.Protocol;

namespace Lakekeeper.Rpc.Client;

/// <summary>The request body of a unary call: one length-prefixed message, framed up front.</summary>
internal sealed class UnaryRequestContent : HttpContent
{
    private readonly byte[] _frame;

    public UnaryRequestContent(byte[] frame)
    {
        _frame = frame;
        // Unvalidated: stored as given, never parsed on the hot path.
        Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_frame).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_frame, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = _frame.Length;
        return true;
    }
}

using System.Buffers;
using System.Net;

namespace Lakekeeper.Gateway.Forwarding;

/// <summary>
/// The client's request body, copied to the upstream connection as it arrives: one pooled buffer,
/// a flush after every chunk, nothing held in memory. Records which side failed so the forwarder can
/// answer correctly (a client that stopped sending is not an upstream fault).
/// </summary>
internal sealed class StreamingRequestContent(Stream source, UpstreamCancellation cancellation) : HttpContent
{
    internal const int BufferSize = 64 * 1024;

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    /// <summary>Set when reading from the client failed (not when the copy was cancelled: timeout or client gone).</summary>
    public Exception? ClientError { get; private set; }

    /// <summary>Set when writing to the upstream failed.</summary>
    public Exception? DestinationError { get; private set; }

    public bool Started => Volatile.Read(ref _started) != 0;

    /// <summary>Completes when the copy has stopped, successfully or not.</summary>
    public Task Completion => _completion.Task;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            // The body is a one-way stream; a second attempt (a connection retry) cannot resend it.
            throw new InvalidOperationException("The request body was already sent.");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var token = cancellation.Token;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer, token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    ClientError = ex;
                    throw;
                }

                if (read == 0)
                {
                    break;
                }

                cancellation.Touch();
                try
                {
                    await stream.WriteAsync(buffer.AsMemory(0, read), token);
                    // Flush per chunk: the upstream sees data as the client sends it.
                    await stream.FlushAsync(token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    DestinationError = ex;
                    throw;
                }

                cancellation.Touch();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _completion.TrySetResult();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        // The length, when known, is set in Headers.ContentLength; otherwise the body goes chunked.
        length = -1;
        return false;
    }
}

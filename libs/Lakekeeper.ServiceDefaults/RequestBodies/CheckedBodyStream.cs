using Lakekeeper.Abstractions.Http;

namespace Lakekeeper.ServiceDefaults.RequestBodies;

/// <summary>
/// <see cref="Microsoft.AspNetCore.Http.HttpRequest.Body"/> while the guard is installed: the first read buffers
/// and checks the whole body (<see cref="BufferedRequestBody"/>); a refused body throws
/// <see cref="RequestBodyRefusedException"/>, which the error boundary answers with its status and message.
/// </summary>
internal sealed class CheckedBodyStream(IRequestBodyFeature body) : Stream
{
    private ReadOnlyMemory<byte> _content;
    private bool _loaded;
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_loaded)
        {
            var result = await body.ReadAsync(cancellationToken);
            if (result.Error is { } error)
            {
                throw new RequestBodyRefusedException(error);
            }

            _content = result.Content;
            _loaded = true;
        }

        return Copy(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => _loaded
        ? Copy(buffer)
        : throw new InvalidOperationException("Synchronous reads of the request body are not allowed; read it asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Copy(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _content.Length - _position);
        _content.Span.Slice(_position, count).CopyTo(destination);
        _position += count;
        return count;
    }
}

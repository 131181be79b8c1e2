using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Connections;

namespace Lakekeeper.ServiceDefaults.Errors;

/// <summary>
/// Gives Kestrel's own rejections the error contract. A request Kestrel refuses while parsing it (a
/// NUL or bare CR in the request line, two <c>Content-Length</c>s, a bad <c>Host</c>: 400; a request
/// line over the limit: 414; headers over the limits: 431) never reaches a middleware: Kestrel
/// answers it with an empty body and closes the connection. This connection middleware watches what
/// Kestrel writes to the socket and, when a write is exactly such an answer, sends it with the
/// <c>{"error":{message,type,code}}</c> body instead. Nothing else is touched: every application
/// response carries <c>X-Request-Id</c> (set by the first middleware), Kestrel's rejections never do.
/// </summary>
/// <remarks>
/// ASP.NET Core has no hook for these answers (status-code pages and exception handlers run only for
/// requests that were parsed), hence the check at the transport. The check is one prefix comparison
/// per write and the match needs the whole head in one write, which is how Kestrel sends these.
/// </remarks>
internal static class ProtocolErrorBodies
{
    public static ConnectionDelegate Wrap(ConnectionDelegate next) => connection =>
    {
        connection.Transport = new Pipe(connection.Transport);
        return next(connection);
    };

    /// <summary>The answer for a rejected request's head, or null when <paramref name="written"/> is anything else.</summary>
    internal static byte[]? Rewrite(ReadOnlySpan<byte> written)
    {
        // "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n…\r\n\r\n"
        if (written.Length < 40 || written.Length > 512 || !written.StartsWith("HTTP/1.1 4"u8) || !written.EndsWith("\r\n\r\n"u8))
        {
            return null;
        }

        var lengthAt = written.IndexOf("\r\nContent-Length: 0\r\n"u8);
        if (lengthAt < 0
            || written.IndexOf("\r\nConnection: close\r\n"u8) < 0
            || written.IndexOf("\r\nContent-Type:"u8) >= 0
            || written.IndexOf("\r\nX-Request-Id:"u8) >= 0
            || written[..^4].IndexOf("\r\n\r\n"u8) >= 0)
        {
            return null;
        }

        var status = (written[9] - '0') * 100 + (written[10] - '0') * 10 + (written[11] - '0');
        var error = status switch
        {
            414 => new ErrorResponse(414, "UriTooLongException", "Request line too long: the server refused it before routing"),
            431 => new ErrorResponse(431, "RequestHeaderFieldsTooLargeException", "Request headers too large: the server refused them before routing"),
            405 => new ErrorResponse(405, "MethodNotAllowedException", "Method not allowed by the HTTP server"),
            408 => new ErrorResponse(408, "RequestTimeoutException", "The request was not received in time"),
            413 => new ErrorResponse(413, "BadRequestException", "Request body too large"),
            _ => new ErrorResponse(status, "BadRequestException", "Malformed HTTP request: the server refused it before routing"),
        };
        var body = error.ToUtf8Json();
        var header = Encoding.ASCII.GetBytes($"\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n");
        var rewritten = new byte[written.Length - "\r\nContent-Length: 0\r\n"u8.Length + header.Length + body.Length];
        var span = rewritten.AsSpan();
        written[..lengthAt].CopyTo(span);
        span = span[lengthAt..];
        header.CopyTo(span);
        span = span[header.Length..];
        var rest = written[(lengthAt + "\r\nContent-Length: 0\r\n"u8.Length)..];
        rest.CopyTo(span);
        body.CopyTo(span[rest.Length..]);
        return rewritten;
    }

    private sealed class Pipe(IDuplexPipe inner) : IDuplexPipe
    {
        public PipeReader Input { get; } = inner.Input;

        public PipeWriter Output { get; } = new Writer(inner.Output);
    }

    /// <summary>Passes every write through; a write that is a whole rejection head is replaced (see <see cref="Rewrite"/>).</summary>
    private sealed class Writer(PipeWriter inner) : PipeWriter
    {
        private Memory<byte> _lent;
        private bool _checkNext = true;

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            // Only a write at the start of a flush can be a response head of its own.
            if (_checkNext && bytes > 0 && _lent.Length >= bytes && Rewrite(_lent.Span[..bytes]) is { } replacement)
            {
                _lent = default;
                inner.Write(replacement);
                _checkNext = false;
                return;
            }

            _lent = default;
            _checkNext = false;
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => _lent = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (_lent = inner.GetMemory(sizeHint)).Span;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            _checkNext = true;
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            if (_checkNext && Rewrite(source.Span) is { } replacement)
            {
                source = replacement;
            }

            _checkNext = true;
            return inner.WriteAsync(source, cancellationToken);
        }
    }
}

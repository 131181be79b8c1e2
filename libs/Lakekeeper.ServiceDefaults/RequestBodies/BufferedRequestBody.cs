using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Abstractions.Http;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.ServiceDefaults.RequestBodies;

/// <summary>
/// One request's body, read on first use (so authentication runs before a byte is buffered) into a
/// single array of the announced size, within the <see cref="RequestBodyBudget"/>, and checked by
/// <see cref="JsonBodyCheck"/> while it arrives: a body with an over-long string or broken JSON is
/// refused as soon as that part is in, and the rest is never read. Whoever reads the body — a module
/// through <see cref="RequestBodies"/>, ASP.NET Core's JSON binding through <see cref="HttpRequest.Body"/>
/// — gets the same checked bytes.
/// </summary>
internal sealed class BufferedRequestBody(HttpRequest request, Stream source, RequestBodyBudget budget, long maxBytes, long maxStringBytes) : IRequestBodyFeature
{
    private const int FirstChunk = 16 * 1024;

    private readonly JsonBodyCheck _check = new(maxStringBytes);
    private RequestBody? _result;
    private long _held;

    public ValueTask<RequestBody> ReadAsync(CancellationToken cancellationToken) =>
        _result is { } done ? ValueTask.FromResult(done) : LoadAsync(cancellationToken);

    /// <summary>Gives the body's bytes back to the budget (the response is done).</summary>
    public void Release()
    {
        budget.Release(_held);
        _held = 0;
    }

    private async ValueTask<RequestBody> LoadAsync(CancellationToken cancellationToken)
    {
        var result = await BufferAsync(cancellationToken);
        if (result.Error is null && !result.Content.IsEmpty && _check.Advance(result.Content.Span, final: true) is { } problem)
        {
            result = Malformed(problem);
        }

        _result = result;
        return result;
    }

    private async ValueTask<RequestBody> BufferAsync(CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length)
        {
            if (length > maxBytes)
            {
                return new RequestBody(ReadOnlyMemory<byte>.Empty, TooLarge());
            }

            if (length == 0)
            {
                return RequestBody.Empty;
            }

            if (!await TakeAsync(length, cancellationToken))
            {
                return new RequestBody(ReadOnlyMemory<byte>.Empty, Busy());
            }

            // Uninitialised: only the pages the body fills become resident, so a body refused early costs little.
            var buffer = GC.AllocateUninitializedArray<byte>((int)length);
            var filled = 0;
            while (filled < buffer.Length)
            {
                var read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    throw new EndOfStreamException("The request body ended before its Content-Length");
                }

                filled += read;
                if (filled < buffer.Length && _check.Advance(buffer.AsSpan(0, filled), final: false) is { } problem)
                {
                    return Malformed(problem);
                }
            }

            return new RequestBody(buffer, null);
        }

        return await BufferUnknownLengthAsync(cancellationToken);
    }

    /// <summary>A chunked body: the buffer doubles as it fills, each step taken from the budget first.</summary>
    private async ValueTask<RequestBody> BufferUnknownLengthAsync(CancellationToken cancellationToken)
    {
        var buffer = Array.Empty<byte>();
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= maxBytes)
                {
                    // One byte more than the limit tells a body of exactly the limit from a larger one.
                    var probe = new byte[1];
                    if (await source.ReadAsync(probe, cancellationToken) == 0)
                    {
                        return new RequestBody(buffer, null);
                    }

                    return new RequestBody(ReadOnlyMemory<byte>.Empty, TooLarge());
                }

                var size = (int)Math.Min(maxBytes, Math.Max(FirstChunk, (long)buffer.Length * 2));
                if (!await TakeAsync(size, cancellationToken))
                {
                    return new RequestBody(ReadOnlyMemory<byte>.Empty, Busy());
                }

                var larger = GC.AllocateUninitializedArray<byte>(size);
                buffer.AsSpan(0, filled).CopyTo(larger);
                var previous = buffer.Length;
                buffer = larger;
                budget.Release(previous);
                _held -= previous;
            }

            var read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                return new RequestBody(buffer.AsMemory(0, filled), null);
            }

            filled += read;
            if (_check.Advance(buffer.AsSpan(0, filled), final: false) is { } problem)
            {
                return Malformed(problem);
            }
        }
    }

    private async ValueTask<bool> TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        if (!await budget.TryAcquireAsync(bytes, cancellationToken))
        {
            return false;
        }

        _held += bytes;
        return true;
    }

    private static RequestBody Malformed(string problem) =>
        new(ReadOnlyMemory<byte>.Empty, ErrorResponse.BadRequest("Malformed request: " + problem));

    /// <summary>The answer to a body over the limit, whichever layer noticed (Kestrel or this guard).</summary>
    public static ErrorResponse TooLarge(long maxBytes) =>
        new(413, "BadRequestException", $"Request body too large: the limit is {maxBytes} bytes (LAKEKEEPER__SERVER__MAXREQUESTBODYBYTES)");

    private ErrorResponse TooLarge() => TooLarge(maxBytes);

    private ErrorResponse Busy() => ErrorResponse.Unavailable(
        "The server is busy reading other request bodies (LAKEKEEPER__SERVER__REQUESTBODYBUDGETBYTES); retry shortly",
        retryAfterSeconds: Math.Max(1, (int)Math.Ceiling(budget.Wait.TotalSeconds)));
}

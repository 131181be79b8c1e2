using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Abstractions.Http;

/// <summary>
/// The request body as the host's body guard read it: whole, within the process-wide budget for
/// buffered request bytes, and — when not empty — checked to be well-formed JSON (valid UTF-8, no
/// unpaired surrogate escapes, no key twice in one object). Installed by the host for every request
/// that can have a body; modules read bodies through <see cref="RequestBodies.ReadAsync"/>.
/// </summary>
public interface IRequestBodyFeature
{
    /// <summary>The whole body, or the error to answer with (400 malformed, 413 too large, 503 busy).</summary>
    ValueTask<RequestBody> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>A request body read whole, or why it was refused.</summary>
public readonly record struct RequestBody(ReadOnlyMemory<byte> Content, ErrorResponse? Error)
{
    public static RequestBody Empty { get; } = new(ReadOnlyMemory<byte>.Empty, null);

    public bool IsRefused => Error is not null;

    /// <summary>The content; a refused body throws <see cref="RequestBodyRefusedException"/>, which the error boundary answers.</summary>
    public ReadOnlyMemory<byte> ContentOrThrow() => Error is { } error ? throw new RequestBodyRefusedException(error) : Content;
}

/// <summary>A request body the guard refused; the error boundary answers with <see cref="Error"/> (status, message, Retry-After).</summary>
public sealed class RequestBodyRefusedException(ErrorResponse error) : Exception(error.Message)
{
    public ErrorResponse Error { get; } = error;
}

public static class RequestBodies
{
    /// <summary>
    /// The body through the host's guard (<see cref="IRequestBodyFeature"/>); a request that cannot
    /// have a body (no <c>Content-Length</c>, not chunked) has an empty one.
    /// </summary>
    public static ValueTask<RequestBody> ReadAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.HttpContext.Features.Get<IRequestBodyFeature>() is { } feature
            ? feature.ReadAsync(request.HttpContext.RequestAborted)
            : ValueTask.FromResult(RequestBody.Empty);
    }
}

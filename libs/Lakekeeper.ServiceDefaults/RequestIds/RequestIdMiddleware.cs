using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.ServiceDefaults.RequestIds;

/// <summary>
/// Every request carries an <c>X-Request-Id</c>: the caller's (the gateway's) when it is a sane token,
/// otherwise a new UUIDv7. It is echoed in the response, put on the trace and into every log scope.
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "X-Request-Id";
    private const int MaxLength = 128;

    public Task InvokeAsync(HttpContext context)
    {
        var requestId = Accept(context.Request.Headers[HeaderName].ToString()) ?? Guid.CreateVersion7().ToString();
        context.TraceIdentifier = requestId;
        context.Response.Headers[HeaderName] = requestId;
        Activity.Current?.SetTag("lakekeeper.request_id", requestId);
        using (logger.BeginScope(new RequestIdScope(requestId)))
        {
            return next(context);
        }
    }

    /// <summary>Accepts visible ASCII without separators that could split a log line or a header.</summary>
    internal static string? Accept(string candidate)
    {
        if (candidate.Length is 0 or > MaxLength)
        {
            return null;
        }

        foreach (var c in candidate)
        {
            if (c is < '!' or > '~' || c is ',' or ';' or '"' or '\\')
            {
                return null;
            }
        }

        return candidate;
    }

    private sealed class RequestIdScope(string requestId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] =>
            index == 0 ? new("RequestId", requestId) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => "RequestId:" + requestId;
    }
}

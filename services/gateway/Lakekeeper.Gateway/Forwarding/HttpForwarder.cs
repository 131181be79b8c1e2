using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Lakekeeper.Gateway.Forwarding;

/// <summary>
/// Forwards one request to one destination and streams the answer back: the request body is copied
/// while it arrives, the response is copied as the upstream sends it, headers are filtered for
/// hop-by-hop semantics. Never throws for expected failures; they come back as a
/// <see cref="ForwardOutcome"/>.
/// </summary>
internal sealed class HttpForwarder(HttpMessageInvoker invoker, bool handlerPropagatesTraceContext)
{
    // Pooled state machines: the forwarding path allocates no async boxes in steady state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ForwardOutcome> ForwardAsync(HttpContext context, string destinationPrefix, TimeSpan timeout)
    {
        var request = context.Request;
        if (request.ContentLength is { } length
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
            && length > limit)
        {
            return new(ForwarderError.RequestBodyTooLarge);
        }

        var cancellation = UpstreamCancellation.Rent(context.RequestAborted, timeout);
        StreamingRequestContent? content = null;
        try
        {
            if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0)
            {
                content = new StreamingRequestContent(request.Body, cancellation);
                content.Headers.ContentLength = request.ContentLength;
            }

            using var upstreamRequest = CreateRequest(context, destinationPrefix, content);
            HttpResponseMessage response;
            try
            {
                // HttpMessageInvoker never buffers: it returns once the response headers are read
                // (HttpClient's HttpCompletionOption.ResponseHeadersRead), and the body stays a stream.
                response = await invoker.SendAsync(upstreamRequest, cancellation.Token);
            }
            catch (Exception ex)
            {
                return ClassifySendFailure(ex, cancellation, content);
            }

            using (response)
            {
                CopyResponseHead(context, response);
                var outcome = await CopyResponseBodyAsync(context, response, cancellation);
                if (outcome.Error == ForwarderError.None)
                {
                    CopyTrailers(context.Response, response);
                }

                return outcome;
            }
        }
        finally
        {
            if (content is { Started: true, Completion.IsCompleted: false })
            {
                // Never leave a copy running that still reads this request's body: Kestrel reuses the
                // stream for the next request on the connection.
                await cancellation.CancelAsync();
                await content.Completion;
            }

            cancellation.Return();
        }
    }

    private HttpRequestMessage CreateRequest(HttpContext context, string destinationPrefix, StreamingRequestContent? content)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
        var upstream = new HttpRequestMessage
        {
            Method = HttpMethod.Parse(request.Method),
            RequestUri = RequestTarget.Create(destinationPrefix, rawTarget, request.PathBase, request.Path, request.QueryString),
            Version = HttpVersion.Version11,
            // Cleartext stays HTTP/1.1; https upstreams may negotiate HTTP/2 through ALPN.
            VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
            Content = content,
        };

        CopyRequestHeaders(context, upstream, content);
        return upstream;
    }

    private void CopyRequestHeaders(HttpContext context, HttpRequestMessage upstream, StreamingRequestContent? content)
    {
        var headers = context.Request.Headers;
        // With an activity, the upstream must continue the trace through the gateway's span: either the
        // handler's propagator injects it (then the client's headers must not be copied too, or there
        // would be two traceparents), or, where propagation is switched off, the gateway sets it here.
        // Without an activity the client's headers pass unchanged.
        var activity = Activity.Current;
        var handlerInjects = handlerPropagatesTraceContext && activity is not null;
        var injectHere = !handlerPropagatesTraceContext && activity is { IdFormat: ActivityIdFormat.W3C };
        var connection = headers.Connection;
        foreach (var header in headers)
        {
            var name = header.Key;
            var action = HeaderRules.ForRequest(name);
            if (action == HeaderAction.Skip
                || (action == HeaderAction.TraceContext && (handlerInjects || injectHere))
                || (action == HeaderAction.Baggage && handlerInjects)
                || (connection.Count > 0 && HeaderRules.IsListedIn(connection, name)))
            {
                continue;
            }

            AddHeader(upstream, content, name, header.Value);
        }

        var forwardedFor = ClientAddress(context);
        var previous = headers[HeaderRules.XForwardedFor];
        if (previous.Count > 0)
        {
            forwardedFor = forwardedFor is null ? previous.ToString() : string.Concat(previous.ToString(), ", ", forwardedFor);
        }

        if (forwardedFor is not null)
        {
            upstream.Headers.TryAddWithoutValidation(HeaderRules.XForwardedFor, forwardedFor);
        }

        upstream.Headers.TryAddWithoutValidation(HeaderRules.XForwardedProto, context.Request.Scheme);
        if (headers.Host is { Count: > 0 } host)
        {
            upstream.Headers.TryAddWithoutValidation(HeaderRules.XForwardedHost, host.ToString());
        }

        if (context.Request.PathBase.HasValue)
        {
            upstream.Headers.TryAddWithoutValidation(HeaderRules.XForwardedPrefix, context.Request.PathBase.Value);
        }

        if (injectHere)
        {
            upstream.Headers.TryAddWithoutValidation("traceparent", activity!.Id);
            if (activity.TraceStateString is { } traceState)
            {
                upstream.Headers.TryAddWithoutValidation("tracestate", traceState);
            }
        }

        // ServiceDefaults accepted the client's id or generated one; the upstream logs the same.
        upstream.Headers.TryAddWithoutValidation(HeaderRules.XRequestId, context.TraceIdentifier);
    }

    private static void AddHeader(HttpRequestMessage upstream, StreamingRequestContent? content, string name, StringValues values)
    {
        if (values.Count == 1)
        {
            var value = values.ToString();
            if (!upstream.Headers.TryAddWithoutValidation(name, value))
            {
                content?.Headers.TryAddWithoutValidation(name, value);
            }

            return;
        }

        IEnumerable<string> all = values.ToArray()!;
        if (!upstream.Headers.TryAddWithoutValidation(name, all))
        {
            content?.Headers.TryAddWithoutValidation(name, all);
        }
    }

    private static string? ClientAddress(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return null;
        }

        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    private static ForwardOutcome ClassifySendFailure(Exception ex, UpstreamCancellation cancellation, StreamingRequestContent? content)
    {
        if (cancellation.ClientAborted)
        {
            return new(ForwarderError.RequestCanceled, ex);
        }

        if (content?.ClientError is { } clientError)
        {
            return clientError is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                ? new(ForwarderError.RequestBodyTooLarge, clientError)
                : new(ForwarderError.RequestBodyClient, clientError);
        }

        if (cancellation.TimedOut)
        {
            return new(ForwarderError.RequestTimedOut, ex);
        }

        return content?.DestinationError is { } destinationError
            ? new(ForwarderError.RequestBodyDestination, destinationError)
            : new(ForwarderError.Request, ex);
    }

    private static void CopyResponseHead(HttpContext context, HttpResponseMessage upstream)
    {
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        upstream.Headers.NonValidated.TryGetValues("Connection", out var connection);
        CopyResponseHeaders(upstream.Headers.NonValidated, connection, response.Headers);
        CopyResponseHeaders(upstream.Content.Headers.NonValidated, connection, response.Headers);
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private static void CopyTrailers(HttpResponse response, HttpResponseMessage upstream)
    {
        if (upstream.TrailingHeaders.NonValidated.Count == 0 || !response.SupportsTrailers())
        {
            return;
        }

        foreach (var (name, values) in upstream.TrailingHeaders.NonValidated)
        {
            if (!HeaderRules.IsHopByHop(name))
            {
                response.AppendTrailer(name, ToStringValues(values));
            }
        }
    }

    private static void CopyResponseHeaders(HttpHeadersNonValidated source, HeaderStringValues connection, IHeaderDictionary destination)
    {
        foreach (var (name, values) in source)
        {
            if (HeaderRules.IsHopByHop(name) || (connection.Count > 0 && HeaderRules.IsListedIn(connection, name)))
            {
                continue;
            }

            // Set, not append: ServiceDefaults already put X-Request-Id on the response.
            destination[name] = ToStringValues(values);
        }
    }

    private static StringValues ToStringValues(HeaderStringValues values)
    {
        if (values.Count == 1)
        {
            return values.ToString();
        }

        var array = new string[values.Count];
        var i = 0;
        foreach (var value in values)
        {
            array[i++] = value;
        }

        return array;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<ForwardOutcome> CopyResponseBodyAsync(
        HttpContext context, HttpResponseMessage upstream, UpstreamCancellation cancellation)
    {
        var token = cancellation.Token;
        Stream source;
        try
        {
            source = await upstream.Content.ReadAsStreamAsync(token);
        }
        catch (Exception ex)
        {
            return ResponseBodyFailure(ex, cancellation, readFailed: true);
        }

        var destination = context.Response.Body;
        var buffer = ArrayPool<byte>.Shared.Rent(StreamingRequestContent.BufferSize);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer, token);
                }
                catch (Exception ex)
                {
                    return ResponseBodyFailure(ex, cancellation, readFailed: true);
                }

                if (read == 0)
                {
                    return ForwardOutcome.Success;
                }

                cancellation.Touch();
                try
                {
                    // Kestrel's response stream flushes every write: the client sees data as it arrives.
                    await destination.WriteAsync(buffer.AsMemory(0, read), token);
                }
                catch (Exception ex)
                {
                    return ResponseBodyFailure(ex, cancellation, readFailed: false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ForwardOutcome ResponseBodyFailure(Exception ex, UpstreamCancellation cancellation, bool readFailed)
    {
        if (cancellation.ClientAborted || !readFailed)
        {
            return new(ForwarderError.ResponseBodyClient, ex);
        }

        return cancellation.TimedOut
            ? new(ForwarderError.ResponseBodyTimedOut, ex)
            : new(ForwarderError.ResponseBodyDestination, ex);
    }
}
